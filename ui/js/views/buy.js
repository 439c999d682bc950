// @ts-check
/**
 * Buy Numbers. (Being built.)
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
  root.append(h("div", { class: "view", "data-testid": "view-buy" }, pageHeader({ title: "Buy Numbers" })));
}
