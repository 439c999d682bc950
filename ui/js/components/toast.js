// @ts-check
/**
 * Toasts: short, non-blocking messages stacked in the bottom-left corner (at the top of an open
 * dialog). Success and info dismiss themselves; errors stay longer because the user has to read
 * what went wrong.
 */
import { h } from "../dom.js";
import { icon } from "./icons.js";

/**
 * @typedef {"success" | "error" | "info"} ToastKind
 * @typedef {{ kind?: ToastKind, title?: string, timeout?: number }} ToastOptions
 */

const DEFAULT_TIMEOUT = { success: 4000, info: 5000, error: 8000 };
const ICON_FOR = /** @type {const} */ ({ success: "checkCircle", error: "alertCircle", info: "info" });

/** @type {HTMLElement | null} */
let region = null;

function ensureRegion() {
  if (region && region.isConnected) return region;
  region = h("section", { class: "toast-region", "aria-label": "Notifications" });
  // Toasts must sit above a modal <dialog>, which lives in the top layer: inside an open dialog
  // the region is re-parented by `showToast` so it stays visible.
  document.body.appendChild(region);
  return region;
}

/**
 * Show a toast.
 * @param {string} message the sentence to show (set as text, never parsed)
 * @param {ToastOptions} [options]
 * @returns {() => void} dismiss
 */
export function showToast(message, options = {}) {
  const kind = options.kind ?? "info";
  const timeout = options.timeout ?? DEFAULT_TIMEOUT[kind];
  const host = ensureRegion();
  // While a modal dialog is open only the top layer is interactive and visible above the
  // backdrop, so show the toast inside that dialog.
  const openDialog = /** @type {HTMLDialogElement | null} */ (document.querySelector("dialog[open]"));
  const parent = openDialog ?? host;
  let target = parent;
  if (openDialog) {
    let local = /** @type {HTMLElement | null} */ (openDialog.querySelector(":scope > .toast-region"));
    if (!local) {
      local = h("section", { class: "toast-region", "aria-label": "Notifications" });
      openDialog.appendChild(local);
    }
    target = local;
  }

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const dismiss = () => {
    if (timer) clearTimeout(timer);
    if (!toast.isConnected) return;
    toast.classList.add("toast--leaving");
    setTimeout(() => toast.remove(), 160);
  };
  const toast = h(
    "div",
    {
      class: ["toast", `toast--${kind}`],
      role: kind === "error" ? "alert" : "status",
      "data-testid": "toast",
      "data-kind": kind,
    },
    h("span", { class: "toast__icon" }, icon(ICON_FOR[kind], { size: 18 })),
    h(
      "div",
      { class: "toast__body" },
      options.title ? h("p", { class: "toast__title" }, options.title) : null,
      h("p", { class: "toast__message" }, message),
    ),
    h("button", { class: "toast__close", type: "button", "aria-label": "Dismiss", onclick: dismiss }, icon("x", { size: 14 })),
  );
  target.appendChild(toast);
  const arm = () => {
    if (timeout > 0) timer = setTimeout(dismiss, timeout);
  };
  toast.addEventListener("mouseenter", () => timer && clearTimeout(timer));
  toast.addEventListener("mouseleave", arm);
  arm();
  return dismiss;
}

/**
 * Show a failure as an error toast with its sentence. Anything that is not an error with a
 * message (a bug) gets a generic sentence; details go to the console, never on screen.
 * @param {unknown} error
 * @param {string} [title]
 */
export function showErrorToast(error, title) {
  let message = "Something unexpected went wrong. Please try again.";
  if (error && typeof error === "object" && "code" in error && typeof (/** @type {any} */ (error).message) === "string") {
    message = /** @type {any} */ (error).message;
  } else {
    console.error(error);
  }
  return showToast(message, { kind: "error", title });
}
