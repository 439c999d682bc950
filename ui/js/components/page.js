// @ts-check
/**
 * Page scaffolding shared by every screen: the header (title, one-line description, actions)
 * and titled cards for grouping settings.
 */
import { h } from "../dom.js";

/**
 * @param {{ title: string, description?: string, actions?: Node[], meta?: Node | null }} options
 * @returns {HTMLElement}
 */
export function pageHeader(options) {
  return h(
    "header",
    { class: "page-header" },
    h(
      "div",
      { class: "page-header__text" },
      h("h1", { class: "page-header__title" }, options.title, options.meta ?? null),
      options.description ? h("p", { class: "page-header__description" }, options.description) : null,
    ),
    options.actions && options.actions.length ? h("div", { class: "page-header__actions" }, options.actions) : null,
  );
}

/**
 * A titled card section.
 * @param {{ title: string, description?: string, children: import("../dom.js").Child, variant?: "danger", testid?: string, aside?: Node }} options
 * @returns {HTMLElement}
 */
export function card(options) {
  return h(
    "section",
    { class: ["card", options.variant === "danger" && "card--danger"], "data-testid": options.testid },
    h(
      "header",
      { class: "card__header" },
      h("div", null, h("h2", { class: "card__title" }, options.title), options.description ? h("p", { class: "card__description" }, options.description) : null),
      options.aside ?? null,
    ),
    h("div", { class: "card__body" }, options.children),
  );
}

/**
 * A metric tile (label, big value, caption).
 * @param {{ label: string, value: string | Node, caption?: string, testid?: string }} options
 */
export function tile(options) {
  return h(
    "div",
    { class: "tile", "data-testid": options.testid },
    h("p", { class: "tile__label" }, options.label),
    h("p", { class: "tile__value" }, options.value),
    options.caption ? h("p", { class: "tile__caption" }, options.caption) : null,
  );
}
