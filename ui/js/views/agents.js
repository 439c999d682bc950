// @ts-check
/**
 * Agents: the voice agents that numbers route to. Empty for now; explains the idea.
 */
import { h } from "../dom.js";
import { emptyState } from "../components/empty-state.js";
import { pageHeader } from "../components/page.js";

/** @typedef {import("../main.js").ViewContext} ViewContext */

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  root.append(
    h(
      "div",
      { class: "view", "data-testid": "view-agents" },
      pageHeader({ title: "Agents", description: "The voice agents your numbers ring." }),
      h(
        "div",
        { class: "panel" },
        emptyState({
          icon: "bot",
          title: "No agents yet",
          text: "Add an agent for each voice bot on your platform, then point numbers at it. NumberDesk sets the carrier webhooks for you.",
          actions: [{ label: "Get numbers first", variant: "secondary", icon: "phone", onClick: () => ctx.navigate("numbers") }],
        }),
      ),
    ),
  );
}
