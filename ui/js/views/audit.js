// @ts-check
/**
 * Audit Log. (Being built.)
 */
import { h } from "../dom.js";
import { pageHeader } from "../components/page.js";

/** @typedef {import("../main.js").ViewContext} ViewContext */

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  void ctx;
  root.append(h("div", { class: "view", "data-testid": "view-audit" }, pageHeader({ title: "Audit Log" })));
}
