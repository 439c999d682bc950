// @ts-check
/**
 * A dialog that shows something (results, a guide, details) and has one "Done" button, for the
 * manage screens. Its content may be filled in later (a check still running).
 */
import { h } from "../dom.js";
import { openDialog } from "./dialog.js";

/**
 * @param {{ title: string, description?: string, content: Node, size?: "sm" | "md" | "lg", testid?: string, actions?: Node[] }} options
 *   `actions`: extra footer buttons, left of "Done"
 * @returns {Promise<any>} resolves when the dialog closes
 */
export function openInfoDialog(options) {
  return openDialog({
    title: options.title,
    description: options.description,
    size: options.size ?? "md",
    testid: options.testid,
    footer: false,
    bare: true,
    body: (control) =>
      h(
        "div",
        { class: "info-dialog" },
        h("div", { class: "dialog__body info-dialog__body" }, options.content),
        h(
          "footer",
          { class: "dialog__footer" },
          options.actions ?? null,
          h("button", { type: "button", class: "btn btn--primary", "data-testid": "dialog-done", onclick: () => control.close(true) }, "Done"),
        ),
      ),
  });
}
