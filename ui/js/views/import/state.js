// @ts-check
/**
 * What the steps of the import wizard share: the typedefs, the wizard's state (one object for
 * the whole wizard, so going back and forth keeps everything), the Wizard handle every step
 * module is given, and the heading of a step.
 */
import { h } from "../../dom.js";

/**
 * @typedef {import("../../main.js").ViewContext} ViewContext
 * @typedef {import("../../api.js").Carrier} Carrier
 * @typedef {import("../../api.js").Connection} Connection
 * @typedef {import("../../api.js").CredentialCheck} CredentialCheck
 * @typedef {import("../../api.js").TexmlCheck} TexmlCheck
 * @typedef {import("../../api.js").ImportableNumber} ImportableNumber
 * @typedef {import("../../api.js").WebhookMode} WebhookMode
 * @typedef {import("../../api.js").NumberPreview} NumberPreview
 * @typedef {import("../../api.js").ImportProgress} ImportProgress
 *
 * @typedef {"carrier" | "credentials" | "texml" | "numbers" | "webhooks" | "import"} StepId
 *
 * @typedef {{ carrier: Carrier } | { connection: Connection }} WizardStart
 * @typedef {{ connection: Connection | null, importId: number | null, sipTrunk?: import("../../api.js").SipTrunk | null }} WizardResult
 *
 * One row of the change preview: a setting of a number, or a number with nothing to change.
 * @typedef {{ key: string, e164: string, field: string, label: string, current: string | null, next: string | null, none: boolean, first: boolean }} PreviewRow
 */

/** Codes whose sentence belongs in the step that made the call, not in a toast. */
export const INLINE_CODES = new Set(["invalid_input", "carrier", "conflict", "keyring_unavailable"]);

/** @type {Record<StepId, string>} */
export const STEP_LABELS = {
  carrier: "Carrier",
  credentials: "Credentials",
  texml: "TeXML app",
  numbers: "Numbers",
  webhooks: "Webhooks",
  import: "Import",
};

/**
 * The state of a wizard opened at `start`.
 * @param {WizardStart} start
 */
export function createState(start) {
  return {
    /** @type {StepId} */
    step: "connection" in start ? "numbers" : "carrier",
    /** @type {Carrier} */
    carrier: "connection" in start ? start.connection.carrier : start.carrier,
    /** @type {"token" | "apikey"} */
    authMode: "token",
    /** @type {CredentialCheck | null} */
    validation: null,
    /** the credentials the validation above was for */
    validatedKey: "",
    /** @type {TexmlCheck | null} */
    texml: null,
    texmlKey: "",
    /** @type {Connection | null} */
    connection: "connection" in start ? start.connection : null,
    /** the connection name, when step 1 chose a SIP trunk (its own dialog takes over) */
    /** @type {string | null} */
    sipName: null,
    /** @type {ImportableNumber[] | null} */
    numbers: null,
    /** @type {string | null} */
    fetchedAt: null,
    loadingNumbers: false,
    /** @type {string | null} */
    numbersError: null,
    /** @type {Set<string>} */
    selected: new Set(),
    /** bumped on every selection change, so a preview knows when it is stale */
    selectionVersion: 0,
    /** @type {WebhookMode} */
    mode: "outbound_only",
    /** @type {NumberPreview[] | null} */
    preview: null,
    previewKey: "",
    previewLoading: false,
    /** the selection version a failed preview was for (a retry button instead of a loop) */
    previewErrorKey: "",
    /** @type {"confirm" | "running" | "done"} */
    phase: "confirm",
    /** @type {number | null} */
    importId: null,
    /** @type {ImportProgress | null} */
    progress: null,
    cancelRequested: false,
    busy: false,
    closed: false,
  };
}

/**
 * What every step module is given: the state, the call context, the step's error slot and the
 * frame's functions (index.js).
 * @typedef {object} Wizard
 * @property {ViewContext} ctx
 * @property {typeof import("../../api.js")} api
 * @property {number} workspaceId
 * @property {ReturnType<typeof createState>} state
 * @property {HTMLElement} errorSlot the inline error of the step on screen
 * @property {HTMLButtonElement} nextButton
 * @property {(message: string) => void} showStepError
 * @property {() => void} clearStepError
 * @property {(error: unknown) => void} reportStepError a step's sentence inline, anything else a toast
 * @property {<T>(button: HTMLButtonElement, work: () => Promise<T>) => Promise<T>} busy runs a call with `button` busy and the footer locked
 * @property {(step: StepId) => void} go
 * @property {() => void} render
 * @property {() => void} updateFooter
 * @property {() => void} next
 */

/**
 * @param {string} title
 * @param {string | null} text
 */
export function stepHeading(title, text) {
  return h("header", { class: "wizard__heading" }, h("h3", { class: "wizard__title" }, title), text ? h("p", { class: "wizard__text" }, text) : null);
}
