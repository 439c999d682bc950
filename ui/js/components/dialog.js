// @ts-check
/**
 * Modal dialogs on the native <dialog> element (focus trap, Escape and top layer for free).
 * `openDialog` resolves once the dialog closes: with the confirm result, or null on cancel.
 */
import { h, append } from "../dom.js";
import { icon } from "./icons.js";
import { showErrorToast } from "./toast.js";

/**
 * @typedef {object} DialogControl
 * @property {(value?: any) => void} close closes the dialog; the promise resolves with `value` (default null)
 * @property {(busy: boolean) => void} setBusy disables the footer buttons and prevents dismissal
 * @property {HTMLDialogElement} dialog
 */

/**
 * @typedef {object} DialogOptions
 * @property {string} title
 * @property {string} [description] a sentence under the title
 * @property {Node | ((control: DialogControl) => Node)} [body]
 * @property {string} [confirmLabel] default "Confirm"
 * @property {string} [cancelLabel] default "Cancel"
 * @property {"default" | "danger"} [variant]
 * @property {boolean} [footer] false when the body brings its own buttons (a form); default true
 * @property {() => unknown | Promise<unknown>} [onConfirm] runs with the dialog busy; its result
 *   resolves the promise; if it throws, the error is shown as a toast and the dialog stays open
 * @property {boolean} [inlineErrors] the body shows onConfirm's errors itself (a form error slot):
 *   the dialog stays open on a throw but shows no toast, so the sentence is not shown twice
 * @property {"sm" | "md" | "lg"} [size] `lg` is a tall, wide dialog for multi-step flows
 * @property {boolean} [bare] append the body as is, without the padded `dialog__body` wrapper
 *   (for bodies that lay out their own scrolling area and footer)
 * @property {string} [testid] data-testid of the <dialog>
 * @property {boolean} [closeOnBackdrop] default true; false for dialogs holding typed work
 * @property {() => boolean | Promise<boolean>} [canDismiss] asked before the close button or
 *   Escape (or the backdrop) closes the dialog; false keeps it open. `control.close` skips it.
 */

/**
 * Open a modal dialog.
 * @param {DialogOptions} options
 * @returns {Promise<any>} the confirm result (true when there is no onConfirm), or null when cancelled
 */
export function openDialog(options) {
  return new Promise((resolve) => {
    const variant = options.variant ?? "default";
    let busy = false;
    let finished = false;

    /**
     * Close, clean up and settle exactly once, whichever way the dialog ends (buttons, Escape,
     * backdrop). Done synchronously rather than from the "close" event so callers can rely on
     * the dialog being gone as soon as the promise settles.
     * @param {any} value
     */
    const finish = (value) => {
      if (finished) return;
      finished = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      resolve(value);
    };

    const titleId = `dialog-title-${Math.random().toString(36).slice(2, 8)}`;
    const dialog = h("dialog", {
      class: ["dialog", `dialog--${options.size ?? "sm"}`, variant === "danger" && "dialog--danger", options.bare && "dialog--bare"],
      "aria-labelledby": titleId,
      "data-testid": options.testid,
    });

    /** A dismissal by the user (close button, Escape, backdrop): ask `canDismiss` first. */
    const dismiss = async () => {
      if (busy) return;
      if (options.canDismiss && !(await options.canDismiss())) return;
      finish(null);
    };

    /** @type {DialogControl} */
    const control = {
      dialog,
      close(value = null) {
        busy = false;
        finish(value);
      },
      setBusy(next) {
        busy = next;
        for (const button of dialog.querySelectorAll(".dialog__footer button, .dialog__close")) {
          /** @type {HTMLButtonElement} */ (button).disabled = next;
        }
        confirmButton?.setAttribute("aria-busy", String(next));
      },
    };

    const confirmButton = options.footer === false
      ? null
      : h(
          "button",
          {
            type: "button",
            class: ["btn", variant === "danger" ? "btn--danger" : "btn--primary"],
            "data-testid": "dialog-confirm",
            onclick: async () => {
              if (busy) return;
              if (!options.onConfirm) return control.close(true);
              control.setBusy(true);
              try {
                const value = await options.onConfirm();
                control.close(value === undefined ? true : value);
              } catch (error) {
                control.setBusy(false);
                if (!options.inlineErrors) showErrorToast(error);
              }
            },
          },
          options.confirmLabel ?? "Confirm",
        );

    const body = typeof options.body === "function" ? options.body(control) : options.body;

    append(
      dialog,
      h(
        "header",
        { class: "dialog__header" },
        variant === "danger" ? h("span", { class: "dialog__icon" }, icon("alert", { size: 18 })) : null,
        h(
          "div",
          { class: "dialog__heading" },
          h("h2", { class: "dialog__title", id: titleId }, options.title),
          options.description ? h("p", { class: "dialog__description" }, options.description) : null,
        ),
        h("button", { type: "button", class: "dialog__close", "aria-label": "Close", "data-testid": "dialog-close", onclick: () => dismiss() }, icon("x", { size: 16 })),
      ),
      body ? (options.bare ? body : h("div", { class: "dialog__body" }, body)) : null,
      confirmButton
        ? h(
            "footer",
            { class: "dialog__footer" },
            h(
              "button",
              { type: "button", class: "btn btn--secondary", "data-testid": "dialog-cancel", onclick: () => !busy && control.close(null) },
              options.cancelLabel ?? "Cancel",
            ),
            confirmButton,
          )
        : null,
    );

    // Escape fires "cancel"; refuse it while work is in flight.
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      dismiss();
    });
    // A click on the backdrop lands on the dialog element itself.
    dialog.addEventListener("mousedown", (event) => {
      if (event.target === dialog && !busy && options.closeOnBackdrop !== false) {
        const rect = dialog.getBoundingClientRect();
        const inside = event.clientX >= rect.left && event.clientX <= rect.right && event.clientY >= rect.top && event.clientY <= rect.bottom;
        if (!inside) dismiss();
      }
    });
    dialog.addEventListener("close", () => finish(null));

    document.body.appendChild(dialog);
    dialog.showModal();
    const autofocus = /** @type {HTMLElement | null} */ (
      dialog.querySelector("[autofocus], .dialog__body input, .dialog__body select") ?? (variant === "danger" ? dialog.querySelector('[data-testid="dialog-cancel"]') : confirmButton)
    );
    autofocus?.focus();
  });
}

/**
 * Ask a yes/no question.
 * @param {{ title: string, message: string | Node, confirmLabel?: string, cancelLabel?: string, danger?: boolean, onConfirm?: () => unknown | Promise<unknown> }} options
 * @returns {Promise<boolean>} true when confirmed (and onConfirm, if any, succeeded)
 */
export async function confirmDialog(options) {
  const result = await openDialog({
    title: options.title,
    body: typeof options.message === "string" ? h("p", { class: "dialog__text" }, options.message) : options.message,
    confirmLabel: options.confirmLabel,
    cancelLabel: options.cancelLabel,
    variant: options.danger ? "danger" : "default",
    onConfirm: options.onConfirm,
  });
  return result !== null && result !== false;
}

/**
 * A cancel button for dialogs that bring their own footer (forms): same test hook as the
 * built-in one.
 * @param {DialogControl} control
 * @param {string} [label]
 */
export function dialogCancelButton(control, label = "Cancel") {
  return h("button", { type: "button", class: "btn btn--secondary", "data-testid": "dialog-cancel", onclick: () => control.close(null) }, label);
}
