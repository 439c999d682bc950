// @ts-check
/**
 * Workspace pieces shared by several screens: the name-with-Sandbox-badge label and the
 * workspace form used by Welcome, the New workspace dialog and Settings.
 */
import { h } from "./dom.js";
import { KNOWN_FLAGS } from "./api.js";
import { field, textInput, selectInput, checkboxField, formErrorSlot, reportFormError, withBusy } from "./components/form.js";

/**
 * @typedef {import("./api.js").Workspace} Workspace
 * @typedef {import("./api.js").WorkspaceInput} WorkspaceInput
 * @typedef {import("./api.js").Plan} Plan
 */

/** Human wording for the known flags. */
const FLAG_COPY = {
  "flex_phone_self-serve": {
    label: "Flex Phone self-serve",
    description: "Let this workspace buy and manage numbers on its own.",
  },
};

/** @type {Record<Plan, string>} */
export const PLAN_LABELS = { standard: "Standard", unlimited: "Unlimited" };

/** @returns {HTMLElement} */
export function sandboxBadge() {
  return h("span", { class: "badge badge--warning", "data-testid": "sandbox-badge", title: "Sandbox workspace: talks to the built-in test carrier, no real money" }, "Sandbox");
}

/**
 * A workspace name, followed by a Sandbox badge when it is one.
 * @param {Workspace} workspace
 * @param {{ nameTestId?: string, class?: string }} [options]
 */
export function workspaceLabel(workspace, options = {}) {
  return h(
    "span",
    { class: ["workspace-label", options.class] },
    h("span", { class: "workspace-label__name", "data-testid": options.nameTestId }, workspace.name),
    workspace.isSandbox ? sandboxBadge() : null,
  );
}

/**
 * A round monogram built from the workspace name (decorative).
 * @param {string} name
 * @param {number} [seed] stable colour choice, e.g. the workspace id
 */
export function workspaceAvatar(name, seed = 0) {
  const initial = (name.trim()[0] ?? "?").toUpperCase();
  return h("span", { class: ["avatar", `avatar--${Math.abs(seed) % 6}`], "aria-hidden": "true" }, initial);
}

/** @returns {WorkspaceInput} */
export function blankWorkspaceInput() {
  return { name: "", plan: "standard", flags: [], monthlyCreditAllowance: 0, webhookBaseUrl: "" };
}

/**
 * @param {Workspace} workspace
 * @returns {WorkspaceInput}
 */
export function inputFromWorkspace(workspace) {
  return {
    name: workspace.name,
    plan: workspace.plan,
    flags: workspace.flags.slice(),
    monthlyCreditAllowance: workspace.monthlyCreditAllowance,
    webhookBaseUrl: workspace.webhookBaseUrl,
  };
}

/**
 * Quick checks so obvious slips are caught before a round trip; the backend stays the judge
 * (its `invalid_input` sentences land in the same place).
 * @param {WorkspaceInput} input
 * @param {string} allowanceText the raw allowance text, to reject "12abc" and decimals
 * @returns {string | null} a sentence, or null when fine
 */
export function checkWorkspaceInput(input, allowanceText) {
  // Only what is needed to build the request; the backend checks the rest (name length, the
  // https-only webhook URL) and its sentence is shown in the same place.
  if (input.name.trim() === "") return "Give the workspace a name.";
  if (!/^\d+$/.test(allowanceText.trim())) return "The monthly credit allowance must be a whole number, 0 or more.";
  return null;
}

/**
 * @typedef {object} WorkspaceFormOptions
 * @property {WorkspaceInput} [initial]
 * @property {string} submitLabel
 * @property {(input: WorkspaceInput) => Promise<void>} onSubmit may throw an AppError:
 *   `invalid_input` is shown inline, anything else as a toast
 * @property {Node[]} [extraActions] buttons placed before the submit button (e.g. Cancel)
 * @property {"stacked" | "settings"} [layout]
 * @property {string} [testid]
 */

/**
 * The workspace form. Input names are stable test hooks: name, plan, monthlyCreditAllowance,
 * webhookBaseUrl, flag:<flag>; the submit button is `workspace-submit`.
 * @param {WorkspaceFormOptions} options
 * @returns {HTMLFormElement}
 */
export function workspaceForm(options) {
  const initial = options.initial ?? blankWorkspaceInput();
  const error = formErrorSlot();

  const name = textInput({ name: "name", value: initial.name, placeholder: "e.g. Acme Dental", maxlength: "100", autocomplete: "off" });
  const plan = selectInput({
    name: "plan",
    value: initial.plan,
    options: [
      { value: "standard", label: "Standard" },
      { value: "unlimited", label: "Unlimited" },
    ],
  });
  const allowance = textInput({ name: "monthlyCreditAllowance", type: "number", inputmode: "numeric", min: "0", step: "1", value: String(initial.monthlyCreditAllowance) });
  const webhook = textInput({ name: "webhookBaseUrl", type: "url", value: initial.webhookBaseUrl, placeholder: "https://voice.example.com" });
  const flagBoxes = KNOWN_FLAGS.map((flag) =>
    checkboxField({ name: `flag:${flag}`, label: FLAG_COPY[flag]?.label ?? flag, description: FLAG_COPY[flag]?.description, checked: initial.flags.includes(flag) }),
  );
  // Flags this UI does not know yet are carried through unchanged.
  const unknownFlags = initial.flags.filter((flag) => !(/** @type {readonly string[]} */ (KNOWN_FLAGS)).includes(flag));

  const submit = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "workspace-submit" }, options.submitLabel);

  const form = h(
    "form",
    { class: ["form", `form--${options.layout ?? "stacked"}`], novalidate: true, "data-testid": options.testid },
    error.el,
    field({ label: "Workspace name", control: name, hint: "Usually the business or client this workspace is for." }),
    h(
      "div",
      { class: "form__row" },
      field({ label: "Plan", control: plan.el }),
      field({ label: "Monthly credit allowance", control: allowance, hint: "Credits included each month." }),
    ),
    field({
      label: "Voice-platform webhook base URL",
      control: webhook,
      hint: "Where your voice agents receive calls. Must start with https://.",
    }),
    h("fieldset", { class: "fieldset" }, h("legend", { class: "field__label" }, "Features"), flagBoxes.map((box) => box.el)),
    h("div", { class: "form__actions" }, options.extraActions ?? [], submit),
  );

  form.addEventListener("input", () => error.clear());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    /** @type {WorkspaceInput} */
    const input = {
      name: name.value.trim(),
      plan: /** @type {Plan} */ (plan.select.value),
      flags: [...unknownFlags, ...KNOWN_FLAGS.filter((_, i) => flagBoxes[i].input.checked)],
      monthlyCreditAllowance: Number.parseInt(allowance.value, 10),
      webhookBaseUrl: webhook.value.trim(),
    };
    const problem = checkWorkspaceInput(input, allowance.value);
    if (problem) {
      error.show(problem);
      return;
    }
    error.clear();
    try {
      await withBusy(submit, () => options.onSubmit(input));
    } catch (failure) {
      reportFormError(failure, error);
    }
  });
  return form;
}
