// @ts-check
/**
 * Callouts: a boxed message inside a form or step (a success, a warning the user may read and
 * continue past, an error). Text children are set as text, never parsed.
 */
import { h } from "../dom.js";
import { icon } from "./icons.js";

/** @typedef {"success" | "warning" | "error" | "info"} CalloutKind */

const ICONS = /** @type {const} */ ({ success: "checkCircle", warning: "alert", error: "alertCircle", info: "info" });

/**
 * @param {{ kind: CalloutKind, title?: string | Node, testid?: string, children?: import("../dom.js").Child }} options
 * @returns {HTMLElement}
 */
export function callout(options) {
  return h(
    "div",
    {
      class: ["callout", `callout--${options.kind}`],
      role: options.kind === "error" || options.kind === "warning" ? "alert" : "status",
      "data-testid": options.testid,
    },
    h("span", { class: "callout__icon" }, icon(ICONS[options.kind], { size: 16 })),
    h(
      "div",
      { class: "callout__body" },
      options.title ? h("p", { class: "callout__title" }, options.title) : null,
      options.children ?? null,
    ),
  );
}

/**
 * A value shown in monospace with a button that copies it to the clipboard.
 * @param {string} value
 * @param {{ testid?: string, label?: string }} [options]
 * @returns {HTMLElement}
 */
export function copyableValue(value, options = {}) {
  const label = h("span", null, "Copy");
  const button = h(
    "button",
    {
      type: "button",
      class: "btn btn--secondary btn--sm",
      "data-testid": options.testid,
      "aria-label": options.label ?? "Copy to clipboard",
      onclick: async () => {
        const ok = await copyText(value);
        label.textContent = ok ? "Copied" : "Copy failed";
        setTimeout(() => (label.textContent = "Copy"), 1600);
      },
    },
    icon("copy", { size: 14 }),
    label,
  );
  return h("div", { class: "copyable" }, h("code", { class: "copyable__value" }, value), button);
}

/**
 * @param {string} text
 * @returns {Promise<boolean>}
 */
async function copyText(text) {
  try {
    if (navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Fall through to the selection-based copy below.
  }
  const area = h("textarea", { class: "visually-hidden", readOnly: true, "aria-hidden": "true" });
  area.value = text;
  // Outside an open modal dialog everything is inert, so the helper goes inside it.
  (document.querySelector("dialog[open]") ?? document.body).appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}
