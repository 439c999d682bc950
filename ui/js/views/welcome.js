// @ts-check
/**
 * Welcome: the first-run screen, shown while there is no workspace. Says what NumberDesk is and
 * creates the first workspace.
 */
import { h } from "../dom.js";
import { logoMark, icon } from "../components/icons.js";
import { showToast, showErrorToast } from "../components/toast.js";
import { withBusy } from "../components/form.js";
import { workspaceForm } from "../workspace.js";

/** @typedef {import("../main.js").ViewContext} ViewContext */

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  const form = workspaceForm({
    submitLabel: "Create workspace",
    testid: "welcome-form",
    onSubmit: async (input) => {
      const session = await ctx.api.createWorkspace(input);
      ctx.applySession(session);
      showToast(`${input.name} is ready.`, { kind: "success" });
    },
  });

  const trySandbox = h(
    "button",
    {
      type: "button",
      class: "btn btn--secondary",
      "data-testid": "try-sandbox",
      onclick: async () => {
        try {
          const session = await withBusy(trySandbox, () => ctx.api.enableSandbox());
          ctx.applySession(session);
          showToast("Welcome to the sandbox: a test Twilio and Telnyx account are connected. Start by importing their numbers.", { kind: "success" });
        } catch (error) {
          showErrorToast(error);
        }
      },
    },
    icon("flask"),
    h("span", null, "Try it with sandbox data"),
  );

  root.append(
    h(
      "div",
      { class: "welcome", "data-testid": "view-welcome" },
      h(
        "div",
        { class: "welcome__inner" },
        h(
          "div",
          { class: "welcome__intro" },
          h("div", { class: "welcome__brand" }, logoMark(40), h("span", { class: "welcome__brand-name" }, "NumberDesk")),
          h("h1", { class: "welcome__title" }, "The phone numbers behind your voice agents, in one place."),
          h(
            "p",
            { class: "welcome__text" },
            "NumberDesk lets you buy new numbers, or import the ones you already own from Twilio and Telnyx, and point them at your voice agents. ",
            "Each workspace keeps one business or client apart, with its own numbers, carriers and credits.",
          ),
          h(
            "ul",
            { class: "welcome__points" },
            point("download", "Import numbers you already own"),
            point("search", "Search and buy new numbers"),
            point("building", "One workspace per client"),
          ),
          h(
            "section",
            { class: "welcome__sandbox card", "data-testid": "welcome-sandbox" },
            h("span", { class: "welcome__sandbox-icon" }, icon("flask", { size: 18 })),
            h(
              "div",
              { class: "welcome__sandbox-text" },
              h("h2", { class: "card__title" }, "Just looking around?"),
              h(
                "p",
                { class: "card__description" },
                "Skip the setup and explore with a pretend Twilio and Telnyx account that run inside NumberDesk, numbers included. Nothing real is called and nothing is charged; turn it off in Settings.",
              ),
              trySandbox,
            ),
          ),
        ),
        h(
          "section",
          { class: "welcome__card card" },
          h("header", { class: "card__header" }, h("div", null, h("h2", { class: "card__title" }, "Create your first workspace"), h("p", { class: "card__description" }, "You can change all of this later in Settings."))),
          h("div", { class: "card__body" }, form),
        ),
      ),
    ),
  );
  /** @type {HTMLInputElement | null} */ (form.querySelector('input[name="name"]'))?.focus();
}

/**
 * @param {import("../components/icons.js").IconName} name
 * @param {string} text
 */
function point(name, text) {
  return h("li", null, h("span", { class: "welcome__point-icon" }, icon(name, { size: 14 })), text);
}
