// @ts-check
/**
 * DOM construction without HTML strings. Carrier and user text is untrusted, so every string
 * becomes a Text node (textContent semantics), without bidi controls; innerHTML and friends are
 * never used.
 */

/**
 * A child accepted by `h`: nodes are appended, strings and numbers become text, and
 * null/undefined/false are skipped so conditional children read naturally.
 * Arrays may nest (typed loosely: JSDoc cannot name a recursive union).
 * @typedef {Node | string | number | null | undefined | false | any[]} Child
 */

/**
 * Attributes accepted by `h`:
 * - `class`: string or array of strings (falsy entries are dropped);
 * - `on<event>`: an event listener, e.g. `onclick`;
 * - `style`: an object of CSS properties applied through the CSSOM (allowed by the CSP, unlike a
 *   style attribute); use `--custom-property` keys for variables;
 * - `dataset`: an object copied into `el.dataset`;
 * - DOM properties that must be set as properties (`value`, `checked`, `disabled`, `selected`,
 *   `indeterminate`, `hidden`, `open`, `multiple`, `required`, `readOnly`);
 * - anything else becomes an attribute; `true` sets an empty attribute, false/null/undefined skip it.
 * @typedef {Record<string, any>} Attrs
 */

/**
 * Unicode's bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069). In
 * carrier text they reorder what follows: a friendly name of U+202E "evil" U+202C reads "live".
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/**
 * Text as it may be shown: the bidi controls removed, so it reads in the order it is stored.
 * `h`, `append` and text attributes apply it; use it wherever text is set directly.
 * @param {string} text
 * @returns {string}
 */
export function plainText(text) {
  return text.replace(BIDI_CONTROLS, "");
}

const PROPERTY_KEYS = new Set([
  "value",
  "checked",
  "disabled",
  "selected",
  "indeterminate",
  "hidden",
  "open",
  "multiple",
  "required",
  "readOnly",
]);

/**
 * Create an element.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, ...children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Create an SVG element (icons, the logo mark). Same attribute rules as `h`, minus properties.
 * @param {string} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {SVGElement}
 */
export function s(tag, attrs, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  applyAttrs(el, attrs);
  append(el, ...children);
  return el;
}

/**
 * @param {Element} el
 * @param {Attrs | null | undefined} attrs
 */
function applyAttrs(el, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) {
      // `false` still matters for properties such as checked/disabled.
      if (value === false && PROPERTY_KEYS.has(key)) /** @type {any} */ (el)[key] = false;
      continue;
    }
    if (key === "class") {
      const names = Array.isArray(value) ? value.filter(Boolean).join(" ") : String(value);
      if (names) el.setAttribute("class", names);
    } else if (key === "style") {
      const style = /** @type {HTMLElement} */ (el).style;
      for (const [prop, v] of Object.entries(value)) {
        if (v === undefined || v === null) continue;
        if (prop.startsWith("--") || prop.includes("-")) style.setProperty(prop, String(v));
        else /** @type {any} */ (style)[prop] = String(v);
      }
    } else if (key === "dataset") {
      for (const [k, v] of Object.entries(value)) {
        if (v !== undefined && v !== null) /** @type {HTMLElement} */ (el).dataset[k] = String(v);
      }
    } else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (PROPERTY_KEYS.has(key)) {
      /** @type {any} */ (el)[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : plainText(String(value)));
    }
  }
}

/**
 * Append children to a node (text children become Text nodes, never parsed as HTML).
 * @param {Node} parent
 * @param {...Child} children
 */
export function append(parent, ...children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, ...child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(plainText(String(child))));
  }
}

/**
 * Remove every child of a node.
 * @template {Node} N
 * @param {N} node
 * @returns {N}
 */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/**
 * Replace the children of a node.
 * @param {Node} node
 * @param {...Child} children
 */
export function replaceChildren(node, ...children) {
  clear(node);
  append(node, ...children);
}

let idCounter = 0;

/**
 * A document-unique id for label/aria wiring.
 * @param {string} [prefix]
 */
export function uniqueId(prefix = "nd") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
