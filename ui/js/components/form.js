// @ts-check
/**
 * Form building blocks (labelled fields, inputs, select, checkbox, segmented choice) and the one
 * rule for showing failures: invalid input goes inline next to the form, anything else is a toast.
 */
import { h, uniqueId } from "../dom.js";
import { showErrorToast } from "./toast.js";
import { icon } from "./icons.js";

/**
 * @typedef {import("../dom.js").Attrs} Attrs
 * @typedef {{ value: string, label: string }} Option
 * @typedef {object} FormErrorSlot
 * @property {HTMLElement} el
 * @property {(message: string) => void} show
 * @property {() => void} clear
 */

/**
 * A labelled field wrapping any control.
 * @param {{ label: string, control: HTMLElement, hint?: string | Node, optional?: boolean, class?: string }} options
 * @returns {HTMLElement}
 */
export function field(options) {
  const id = options.control.id || uniqueId("field");
  options.control.id = id;
  const hintId = options.hint ? `${id}-hint` : undefined;
  if (hintId) options.control.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: ["field", options.class] },
    h(
      "label",
      { class: "field__label", for: id },
      options.label,
      options.optional ? h("span", { class: "field__optional" }, "Optional") : null,
    ),
    options.control,
    options.hint ? h("p", { class: "field__hint", id: hintId }, options.hint) : null,
  );
}

/**
 * A text-like input.
 * @param {Attrs} attrs e.g. `{ name, type: "url", value, placeholder }`
 * @returns {HTMLInputElement}
 */
export function textInput(attrs) {
  return h("input", { type: "text", class: "input", autocomplete: "off", spellcheck: "false", ...attrs });
}

/**
 * A styled select (the wrapper draws the chevron; the CSP forbids data: URI arrows).
 * @param {{ name: string, options: Option[], value?: string, attrs?: Attrs }} options
 * @returns {{ el: HTMLElement, select: HTMLSelectElement }}
 */
export function selectInput(options) {
  const select = h(
    "select",
    { class: "select__control", name: options.name, ...(options.attrs ?? {}) },
    options.options.map((opt) => h("option", { value: opt.value, selected: opt.value === options.value }, opt.label)),
  );
  if (options.value !== undefined) select.value = options.value;
  return { el: h("div", { class: "select" }, select, h("span", { class: "select__chevron" }, icon("chevronDown", { size: 14 }))), select };
}

/**
 * A checkbox with a label and optional description.
 * @param {{ name: string, label: string, description?: string, checked?: boolean, attrs?: Attrs }} options
 * @returns {{ el: HTMLElement, input: HTMLInputElement }}
 */
export function checkboxField(options) {
  const input = h("input", { type: "checkbox", class: "checkbox", name: options.name, checked: Boolean(options.checked), ...(options.attrs ?? {}) });
  const el = h(
    "label",
    { class: "checkbox-field" },
    input,
    h(
      "span",
      { class: "checkbox-field__text" },
      h("span", { class: "checkbox-field__label" }, options.label),
      options.description ? h("span", { class: "checkbox-field__description" }, options.description) : null,
    ),
  );
  return { el, input };
}

/**
 * A segmented radio group (e.g. System / Light / Dark).
 * @param {{ name: string, label: string, options: (Option & { icon?: import("./icons.js").IconName })[], value: string, onChange: (value: string) => void }} options
 * @returns {HTMLElement}
 */
export function segmented(options) {
  return h(
    "div",
    { class: "segmented", role: "radiogroup", "aria-label": options.label },
    options.options.map((opt) =>
      h(
        "label",
        { class: "segmented__option" },
        h("input", {
          type: "radio",
          name: options.name,
          value: opt.value,
          checked: opt.value === options.value,
          onchange: () => options.onChange(opt.value),
        }),
        h("span", { class: "segmented__label" }, opt.icon ? icon(opt.icon, { size: 14 }) : null, opt.label),
      ),
    ),
  );
}

/**
 * The inline error area of a form. The message element (`data-testid="form-error"`) exists only
 * while there is an error, so "is there an error?" is a plain presence check for tests too.
 * @returns {FormErrorSlot}
 */
export function formErrorSlot() {
  const el = h("div", { class: "form-error-slot" });
  return {
    el,
    show(message) {
      el.replaceChildren(
        h("div", { class: "form-error", role: "alert", "data-testid": "form-error" }, icon("alertCircle", { size: 16 }), h("span", { class: "form-error__text" }, message)),
      );
    },
    clear() {
      el.replaceChildren();
    },
  };
}

/**
 * Show a failure where it belongs: `invalid_input` inline in the form, anything else as a toast.
 * @param {unknown} error
 * @param {FormErrorSlot} slot
 */
export function reportFormError(error, slot) {
  const e = /** @type {any} */ (error);
  if (e && e.code === "invalid_input" && typeof e.message === "string") slot.show(e.message);
  else {
    slot.clear();
    showErrorToast(error);
  }
}

/**
 * Mark a submit button busy (spinner, disabled) for the length of a promise.
 * @template T
 * @param {HTMLButtonElement} button
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
export async function withBusy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/**
 * A password-style input with a Show/Hide button, for secrets (API keys, tokens).
 * @param {Attrs} attrs e.g. `{ name, placeholder }`
 * @returns {{ el: HTMLElement, input: HTMLInputElement }}
 */
export function secretInput(attrs) {
  const input = h("input", { type: "password", class: "input secret-input__control", autocomplete: "off", spellcheck: "false", ...attrs });
  const toggle = h("button", {
    type: "button",
    class: "secret-input__toggle",
    "aria-label": "Show",
    "aria-pressed": "false",
    onclick: () => {
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      toggle.setAttribute("aria-pressed", String(show));
      toggle.setAttribute("aria-label", show ? "Hide" : "Show");
      toggle.replaceChildren(icon(show ? "eyeOff" : "eye", { size: 15 }));
    },
  });
  toggle.append(icon("eye", { size: 15 }));
  return { el: h("div", { class: "secret-input" }, input, toggle), input };
}

/**
 * An on/off switch (a button with role="switch"). `onChange` may be async and may refuse the
 * change by throwing or resolving false; the switch shows the new state only once it resolves.
 * @param {{ label: string, checked: boolean, testid?: string, onChange: (next: boolean) => Promise<boolean | void> | boolean | void }} options
 * @returns {{ el: HTMLButtonElement, set: (checked: boolean) => void }}
 */
export function switchControl(options) {
  let checked = options.checked;
  const el = h(
    "button",
    {
      type: "button",
      class: "switch",
      role: "switch",
      "aria-checked": String(checked),
      "aria-label": options.label,
      "data-testid": options.testid,
      onclick: async () => {
        if (el.getAttribute("aria-busy") === "true") return;
        el.setAttribute("aria-busy", "true");
        el.disabled = true;
        try {
          const result = await options.onChange(!checked);
          if (result !== false) set(!checked);
        } catch (error) {
          showErrorToast(error);
        } finally {
          if (el.isConnected) {
            el.removeAttribute("aria-busy");
            el.disabled = false;
          }
        }
      },
    },
    h("span", { class: "switch__thumb", "aria-hidden": "true" }),
  );
  /** @param {boolean} next */
  function set(next) {
    checked = next;
    el.setAttribute("aria-checked", String(next));
  }
  return { el, set };
}

/**
 * Radio choices drawn as cards (title, explanation, optional badge).
 * @param {{ name: string, label: string, value: string, options: { value: string, title: string, description: string | Node, badge?: Node, testid?: string }[], onChange: (value: string) => void }} options
 * @returns {HTMLElement}
 */
export function radioCards(options) {
  return h(
    "div",
    { class: "radio-cards", role: "radiogroup", "aria-label": options.label },
    options.options.map((opt) => {
      const descId = uniqueId("radio-desc");
      return h(
        "label",
        { class: "radio-card", "data-testid": opt.testid },
        h("input", {
          type: "radio",
          class: "radio-card__input",
          name: options.name,
          value: opt.value,
          checked: opt.value === options.value,
          "aria-describedby": descId,
          onchange: () => options.onChange(opt.value),
        }),
        h(
          "span",
          { class: "radio-card__text" },
          h("span", { class: "radio-card__title" }, opt.title, opt.badge ?? null),
          h("span", { class: "radio-card__description", id: descId }, opt.description),
        ),
      );
    }),
  );
}
