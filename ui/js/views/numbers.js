// @ts-check
/**
 * Phone Numbers: the workspace's numbers. Until a carrier is connected it explains how to get
 * numbers in (buy, or import the ones already owned) and points to Carriers.
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
      { class: "view", "data-testid": "view-numbers" },
      pageHeader({
        title: "Phone Numbers",
        description: "Every number your voice agents answer on, across carriers.",
      }),
      h(
        "div",
        { class: "panel" },
        emptyState({
          icon: "phone",
          title: "No phone numbers yet",
          text: "Buy numbers or import the ones you already own from Twilio or Telnyx. Start by connecting a carrier account.",
          actions: [
            { label: "Buy numbers", icon: "plus", onClick: () => ctx.navigate("carriers"), testid: "numbers-buy" },
            { label: "Import from Twilio or Telnyx", icon: "download", variant: "secondary", onClick: () => ctx.navigate("carriers"), testid: "numbers-import" },
          ],
        }),
      ),
    ),
  );
}
