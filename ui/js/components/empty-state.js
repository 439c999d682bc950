// @ts-check
/**
 * Empty states: what will appear here, and the one or two actions that get the user there.
 */
import { h } from "../dom.js";
import { icon } from "./icons.js";

/**
 * @typedef {import("./icons.js").IconName} IconName
 * @typedef {object} EmptyStateAction
 * @property {string} label
 * @property {() => void} onClick
 * @property {"primary" | "secondary" | "ghost"} [variant]
 * @property {IconName} [icon]
 * @property {string} [testid]
 * @property {boolean} [disabled]
 *
 * @typedef {object} EmptyStateOptions
 * @property {IconName} [icon]
 * @property {string} title
 * @property {string} [text]
 * @property {EmptyStateAction[]} [actions]
 * @property {Node} [footer] extra content under the actions
 */

/**
 * @param {EmptyStateOptions} options
 * @returns {HTMLElement}
 */
export function emptyState(options) {
  return h(
    "div",
    { class: "empty-state", "data-testid": "empty-state" },
    options.icon ? h("div", { class: "empty-state__icon" }, icon(options.icon, { size: 22 })) : null,
    h("h2", { class: "empty-state__title" }, options.title),
    options.text ? h("p", { class: "empty-state__text" }, options.text) : null,
    options.actions && options.actions.length
      ? h(
          "div",
          { class: "empty-state__actions" },
          options.actions.map((action) =>
            h(
              "button",
              {
                type: "button",
                class: ["btn", `btn--${action.variant ?? "primary"}`],
                "data-testid": action.testid,
                disabled: action.disabled,
                onclick: action.onClick,
              },
              action.icon ? icon(action.icon) : null,
              action.label,
            ),
          ),
        )
      : null,
    options.footer ?? null,
  );
}
