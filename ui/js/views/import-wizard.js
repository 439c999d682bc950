// @ts-check
/**
 * The import wizard: connect a Twilio or Telnyx account and import its numbers, in one large
 * dialog with a stepper.
 *
 *   1 Carrier      pick the carrier, name the connection
 *   2 Credentials  enter and validate them live (nothing is saved yet)
 *   3 TeXML app    Telnyx only: the Connection ID, checked live; then Connect saves the connection
 *   4 Numbers      the account's numbers (10,000+ is fine): search, select, already-imported marked
 *   5 Webhooks     outbound only (default) or managed, with a per-number preview of the changes
 *   6 Import       confirm, then a live progress bar (cancellable) and a summary of failures
 *
 * Opened at step 1 from "Connect Twilio/Telnyx", or at step 4 for an existing connection. Every
 * input lives for the whole wizard, so going back, or a failed call, never loses what was typed.
 * Carrier text (account, application and friendly names, regions) is only ever set as text.
 */
import { h, uniqueId, replaceChildren } from "../dom.js";
import { openDialog, confirmDialog } from "../components/dialog.js";
import { field, textInput, secretInput, segmented, radioCards, withBusy } from "../components/form.js";
import { createTable } from "../components/table.js";
import { createStepper } from "../components/stepper.js";
import { callout, copyableValue } from "../components/callout.js";
import { emptyState } from "../components/empty-state.js";
import { icon } from "../components/icons.js";
import { showToast, showErrorToast } from "../components/toast.js";
import { sandboxBadge } from "../workspace.js";
import { carrierName, carrierLogo, numberTypeLabel, featuresText, formatCount, plural, formatRelative } from "../format.js";
import { importProgressBar, importSummary } from "../imports.js";

/**
 * @typedef {import("../main.js").ViewContext} ViewContext
 * @typedef {import("../api.js").Carrier} Carrier
 * @typedef {import("../api.js").Connection} Connection
 * @typedef {import("../api.js").CredentialDraft} CredentialDraft
 * @typedef {import("../api.js").CredentialCheck} CredentialCheck
 * @typedef {import("../api.js").TexmlCheck} TexmlCheck
 * @typedef {import("../api.js").ImportableNumber} ImportableNumber
 * @typedef {import("../api.js").WebhookMode} WebhookMode
 * @typedef {import("../api.js").NumberPreview} NumberPreview
 * @typedef {import("../api.js").ImportProgress} ImportProgress
 * @typedef {import("../components/stepper.js").Step} Step
 *
 * @typedef {"carrier" | "credentials" | "texml" | "numbers" | "webhooks" | "import"} StepId
 *
 * @typedef {{ carrier: Carrier } | { connection: Connection }} WizardStart
 * @typedef {{ connection: Connection | null, importId: number | null }} WizardResult
 *
 * One row of the change preview: a setting of a number, or a number with nothing to change.
 * @typedef {{ key: string, e164: string, field: string, label: string, current: string | null, next: string | null, none: boolean, first: boolean }} PreviewRow
 */

/** Codes whose sentence belongs in the step that made the call, not in a toast. */
const INLINE_CODES = new Set(["invalid_input", "carrier", "conflict", "keyring_unavailable"]);

/** @type {Record<StepId, string>} */
const STEP_LABELS = {
  carrier: "Carrier",
  credentials: "Credentials",
  texml: "TeXML app",
  numbers: "Numbers",
  webhooks: "Webhooks",
  import: "Import",
};

/**
 * Open the wizard. Resolves when it closes, with the connection made or used (null if none) and
 * the import started (null if none).
 * @param {ViewContext} ctx
 * @param {WizardStart} start
 * @returns {Promise<WizardResult>}
 */
export async function openImportWizard(ctx, start) {
  const workspace = ctx.workspace;
  if (!workspace) return { connection: null, importId: null };
  const { api } = ctx;
  const workspaceId = workspace.id;

  // ---------------------------------------------------------------- state
  const state = {
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

  // ------------------------------------------------- inputs (live for the whole wizard)
  const nameInput = textInput({ name: "connectionName", placeholder: "e.g. Main Twilio account", maxlength: "100" });
  const twilioSid = textInput({ name: "twilioAccountSid", placeholder: "AC…", class: "input is-mono" });
  const twilioToken = secretInput({ name: "twilioAuthToken", placeholder: "Auth Token" });
  const twilioKeySid = textInput({ name: "twilioApiKeySid", placeholder: "SK…", class: "input is-mono" });
  const twilioKeySecret = secretInput({ name: "twilioApiKeySecret", placeholder: "API key secret" });
  const telnyxKey = secretInput({ name: "telnyxApiKey", placeholder: "KEY…" });
  const texmlInput = textInput({ name: "texmlConnectionId", placeholder: "e.g. 1684641123236054244", class: "input is-mono", inputmode: "numeric" });
  const searchInput = textInput({ name: "numberSearch", type: "search", placeholder: "Search by number, name or region", class: "input input--search", "aria-label": "Search numbers" });

  const credentialInputs = [twilioSid, twilioToken.input, twilioKeySid, twilioKeySecret.input, telnyxKey.input];
  for (const input of credentialInputs) {
    input.addEventListener("input", () => {
      clearStepError();
      if (state.validation && credentialKey() !== state.validatedKey) {
        state.validation = null;
        validationSlot.replaceChildren();
      }
    });
  }
  nameInput.addEventListener("input", () => clearStepError());
  texmlInput.addEventListener("input", () => {
    clearStepError();
    if (state.texml && texmlInput.value.trim() !== state.texmlKey) {
      state.texml = null;
      texmlSlot.replaceChildren();
      updateFooter();
    }
  });

  // Persistent slots: the inline error of the step, and call results that must survive re-renders.
  const errorSlot = h("div", { class: "wizard__error-slot" });
  const validationSlot = h("div", { class: "wizard__result-slot" });
  const texmlSlot = h("div", { class: "wizard__result-slot" });

  // ------------------------------------------------------------ frame
  const stepper = createStepper({ label: "Import steps", testid: "wizard-stepper" });
  const contextLine = h("div", { class: "wizard__context", hidden: true });
  const content = h("div", { class: "wizard__content" });
  const cancelButton = h("button", { type: "button", class: "btn btn--ghost", "data-testid": "dialog-cancel", onclick: () => requestClose() }, "Cancel");
  const backButton = h("button", { type: "button", class: "btn btn--secondary", "data-testid": "wizard-back", onclick: () => back() }, icon("arrowLeft", { size: 14 }), h("span", null, "Back"));
  const nextLabel = h("span", null, "Next");
  const nextButton = h("button", { type: "button", class: "btn btn--primary", "data-testid": "wizard-next", onclick: () => next() }, nextLabel);
  const footer = h("footer", { class: "wizard__footer" }, cancelButton, h("div", { class: "wizard__footer-spacer" }), backButton, nextButton);
  const frame = h("div", { class: "wizard" }, h("div", { class: "wizard__bar" }, stepper.el, contextLine), content, footer);

  // Everything the step functions below share is declared here, before the dialog opens: they are
  // hoisted function declarations, and `let`s declared after the `return` would never initialise.
  /** @type {import("../components/dialog.js").DialogControl | null} */
  let control = null;
  /** @type {HTMLElement | null} the preview area of the webhooks step on screen */
  let currentPreviewHost = null;
  /** @type {{ node: HTMLElement, bar: ReturnType<typeof importProgressBar>, cancel: HTMLButtonElement } | null} */
  let runningView = null;
  /** @type {ReturnType<typeof createPicker> | null} */
  let picker = null;

  const closing = openDialog({
    title: titleFor(state.step),
    size: "lg",
    bare: true,
    footer: false,
    testid: "import-wizard",
    closeOnBackdrop: false,
    canDismiss: () => canDismiss(),
    body: (c) => {
      control = c;
      return frame;
    },
  });

  render();
  await closing;
  state.closed = true;
  /** @type {ReturnType<typeof createPicker> | null} */ (picker)?.destroy();
  if (state.phase === "running") {
    showToast("The import goes on in the background. Phone Numbers shows its progress.", { kind: "info" });
  }
  return { connection: state.connection, importId: state.importId };

  // ------------------------------------------------------------ helpers

  /** @param {StepId} step */
  function titleFor(step) {
    if (step === "carrier" || step === "credentials" || step === "texml") return `Connect ${carrierName(state.carrier)}`;
    return "Import numbers";
  }

  /** @returns {Step[]} */
  function steps() {
    /** @type {StepId[]} */
    const ids = state.carrier === "telnyx" ? ["carrier", "credentials", "texml", "numbers", "webhooks", "import"] : ["carrier", "credentials", "numbers", "webhooks", "import"];
    return ids.map((id) => ({ id, label: STEP_LABELS[id] }));
  }

  /** @returns {CredentialDraft} */
  function draft() {
    /** @type {CredentialDraft} */
    const d = { carrier: state.carrier, name: nameInput.value.trim() };
    if (state.carrier === "twilio") {
      d.twilioAccountSid = twilioSid.value.trim();
      if (state.authMode === "token") d.twilioAuthToken = twilioToken.input.value.trim();
      else {
        d.twilioApiKeySid = twilioKeySid.value.trim();
        d.twilioApiKeySecret = twilioKeySecret.input.value.trim();
      }
    } else {
      d.telnyxApiKey = telnyxKey.input.value.trim();
      const texml = texmlInput.value.trim();
      if (texml) d.texmlConnectionId = texml;
    }
    return d;
  }

  /** Identifies the credentials typed, to know whether a validation still applies. */
  function credentialKey() {
    const d = draft();
    return JSON.stringify([d.carrier, d.twilioAccountSid, d.twilioAuthToken, d.twilioApiKeySid, d.twilioApiKeySecret, d.telnyxApiKey]);
  }

  /** @returns {string | null} what is missing, as a sentence */
  function missingCredentials() {
    if (state.carrier === "twilio") {
      if (!twilioSid.value.trim()) return "Enter the Account SID of your Twilio account.";
      if (state.authMode === "token" && !twilioToken.input.value.trim()) return "Enter the Auth Token, or switch to an API key.";
      if (state.authMode === "apikey" && !twilioKeySid.value.trim()) return "Enter the API key SID.";
      if (state.authMode === "apikey" && !twilioKeySecret.input.value.trim()) return "Enter the API key secret.";
    } else if (!telnyxKey.input.value.trim()) {
      return "Enter your Telnyx API key.";
    }
    return null;
  }

  /** @param {string} message */
  function showStepError(message) {
    errorSlot.replaceChildren(
      h("div", { class: "form-error", role: "alert", "data-testid": "step-error" }, icon("alertCircle", { size: 16 }), h("span", { class: "form-error__text" }, message)),
    );
    errorSlot.scrollIntoView?.({ block: "nearest" });
  }

  function clearStepError() {
    errorSlot.replaceChildren();
  }

  /**
   * A failed call: sentences meant for this step are shown in it, anything else is a toast.
   * @param {unknown} error
   */
  function reportStepError(error) {
    const e = /** @type {any} */ (error);
    if (e && typeof e.message === "string" && INLINE_CODES.has(e.code)) showStepError(e.message);
    else {
      clearStepError();
      showErrorToast(error);
    }
  }

  /**
   * Run a call with the Next (or another) button busy and the footer locked.
   * @template T
   * @param {HTMLButtonElement} button
   * @param {() => Promise<T>} work
   * @returns {Promise<T>}
   */
  async function busy(button, work) {
    state.busy = true;
    backButton.disabled = true;
    try {
      return await withBusy(button, work);
    } finally {
      state.busy = false;
      if (!state.closed) updateFooter();
    }
  }

  /** @returns {Promise<boolean>} */
  async function canDismiss() {
    if (state.busy && state.phase !== "running") return false;
    if (state.phase !== "confirm") return true;
    if (state.connection) {
      if (state.selected.size === 0) return true;
      return confirmDialog({
        title: "Close without importing?",
        message: `The ${plural(state.selected.size, "number")} you picked will not be imported. The connection stays; you can import from Carriers at any time.`,
        confirmLabel: "Close",
        cancelLabel: "Keep going",
      });
    }
    const typed = [nameInput, ...credentialInputs, texmlInput].some((input) => input.value.trim() !== "");
    if (!typed) return true;
    return confirmDialog({
      title: `Stop connecting ${carrierName(state.carrier)}?`,
      message: "Nothing has been saved yet, and what you typed will be cleared.",
      confirmLabel: "Stop and close",
      cancelLabel: "Keep going",
      danger: true,
    });
  }

  async function requestClose() {
    if (await canDismiss()) control?.close(null);
  }

  /** @param {StepId} step */
  function go(step) {
    state.step = step;
    clearStepError();
    render();
  }

  // ------------------------------------------------------------ rendering

  function render() {
    if (state.closed) return;
    stepper.set(steps(), state.step);
    const title = control?.dialog.querySelector(".dialog__title");
    if (title) title.textContent = titleFor(state.step);
    renderContext();
    /** @type {{ node: Node, focus?: HTMLElement | null }} */
    let view;
    switch (state.step) {
      case "carrier":
        view = carrierStep();
        break;
      case "credentials":
        view = credentialsStep();
        break;
      case "texml":
        view = texmlStep();
        break;
      case "numbers":
        view = numbersStep();
        break;
      case "webhooks":
        view = webhooksStep();
        break;
      default:
        view = importStep();
    }
    content.replaceChildren(view.node);
    content.scrollTop = 0;
    content.dataset.step = state.step;
    updateFooter();
    view.focus?.focus();
  }

  /** Once connected: which account the numbers come from. */
  function renderContext() {
    const c = state.connection;
    contextLine.hidden = !c;
    if (!c) return;
    replaceChildren(
      contextLine,
      carrierLogo(c.carrier, "sm"),
      h("span", { class: "wizard__context-name" }, c.name),
      c.accountName ? h("span", { class: "wizard__context-account" }, c.accountName) : null,
      c.isSandbox ? sandboxBadge() : null,
    );
  }

  function updateFooter() {
    const s = state.step;
    backButton.hidden = s === "carrier" || s === "numbers" || (s === "import" && state.phase !== "confirm");
    backButton.disabled = state.busy;
    cancelButton.textContent = state.phase === "confirm" ? "Cancel" : "Close";
    cancelButton.hidden = state.phase === "done";
    let label = "Next";
    let disabled = false;
    let hidden = false;
    if (s === "credentials" && state.carrier === "twilio") label = "Connect";
    if (s === "texml") label = state.texml && !state.texml.pointsAtWorkspace ? "Connect anyway" : "Connect";
    if (s === "numbers") {
      disabled = state.selected.size === 0 || !state.numbers;
    }
    if (s === "webhooks") {
      label = "Review import";
      disabled = state.mode === "managed" && (state.previewLoading || !previewCurrent());
    }
    if (s === "import") {
      if (state.phase === "confirm") label = `Import ${plural(state.selected.size, "number")}`;
      else if (state.phase === "running") hidden = true;
      else label = "Done";
    }
    nextLabel.textContent = label;
    nextButton.hidden = hidden;
    if (!state.busy) nextButton.disabled = disabled;
  }

  // ------------------------------------------------------------ step 1: carrier

  function carrierStep() {
    const choice = radioCards({
      name: "carrier",
      label: "Carrier",
      value: state.carrier,
      options: [
        { value: "twilio", title: "Twilio", description: "Account SID with an Auth Token or an API key.", testid: "carrier-twilio" },
        { value: "telnyx", title: "Telnyx", description: "An API key, plus the Connection ID of a TeXML application.", testid: "carrier-telnyx" },
      ],
      onChange: (value) => {
        state.carrier = /** @type {Carrier} */ (value);
        state.validation = null;
        state.validatedKey = "";
        validationSlot.replaceChildren();
        nameInput.placeholder = `e.g. Main ${carrierName(state.carrier)} account`;
        render();
      },
    });
    nameInput.placeholder = `e.g. Main ${carrierName(state.carrier)} account`;
    return {
      node: h(
        "div",
        { class: "wizard__step", "data-testid": "step-carrier" },
        stepHeading("Which carrier holds the numbers?", "NumberDesk imports the numbers you already own. You can connect several accounts of each carrier."),
        h("div", { class: "field" }, h("span", { class: "field__label" }, "Carrier"), choice),
        h(
          "form",
          { class: "form", novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); next(); } },
          field({ label: "Connection name", control: nameInput, hint: "How this account is called in NumberDesk, e.g. the client or the purpose." }),
        ),
        errorSlot,
      ),
      focus: nameInput,
    };
  }

  // ------------------------------------------------------------ step 2: credentials

  function credentialsStep() {
    const validate = h(
      "button",
      { type: "button", class: "btn btn--secondary", "data-testid": "validate-credentials", onclick: () => runValidation(validate) },
      icon("checkCircle", { size: 14 }),
      h("span", null, "Validate"),
    );
    /** @type {Node[]} */
    let fields;
    if (state.carrier === "twilio") {
      const tokenFields = h(
        "div",
        { class: "wizard__auth-fields" },
        state.authMode === "token"
          ? field({ label: "Auth Token", control: twilioToken.el, hint: "Shown next to the Account SID on the Twilio Console home page." })
          : h(
              "div",
              { class: "form__row" },
              field({ label: "API key SID", control: twilioKeySid }),
              field({ label: "API key secret", control: twilioKeySecret.el }),
            ),
      );
      fields = [
        field({ label: "Account SID", control: twilioSid, hint: "Starts with AC. Twilio Console → Account Info." }),
        h(
          "div",
          { class: "field" },
          h("span", { class: "field__label" }, "Sign in with"),
          segmented({
            name: "twilioAuthMode",
            label: "Sign in with",
            value: state.authMode,
            options: [
              { value: "token", label: "Auth Token" },
              { value: "apikey", label: "API key" },
            ],
            onChange: (value) => {
              state.authMode = value === "apikey" ? "apikey" : "token";
              state.validation = null;
              validationSlot.replaceChildren();
              clearStepError();
              render();
            },
          }),
          h("p", { class: "field__hint" }, state.authMode === "token" ? "The account's main secret." : "A key you can revoke on its own (Twilio Console → API keys & tokens)."),
        ),
        tokenFields,
      ];
    } else {
      fields = [field({ label: "API key", control: telnyxKey.el, hint: "Mission Control → Account settings → API Keys. It starts with KEY." })];
    }
    const keyring = ctx.session.keyringAvailable
      ? h("p", { class: "muted-note" }, icon("info", { size: 14 }), "Credentials go to your system keychain when you connect, never to NumberDesk's database.")
      : callout({ kind: "warning", title: "The system keychain is unavailable", children: h("p", { class: "callout__text" }, "You can validate, but connecting will fail until the keychain works again (see the warning at the top of the window).") });
    return {
      node: h(
        "div",
        { class: "wizard__step", "data-testid": "step-credentials" },
        stepHeading(`Your ${carrierName(state.carrier)} credentials`, "Validate makes a live call to check them; nothing is saved until you connect."),
        h("form", { class: "form", novalidate: true, autocomplete: "off", onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); next(); } }, fields, h("button", { type: "submit", hidden: true, tabindex: "-1" })),
        h("div", { class: "wizard__actions" }, validate),
        validationSlot,
        errorSlot,
        keyring,
      ),
      focus: state.carrier === "twilio" ? (twilioSid.value ? (state.authMode === "token" ? twilioToken.input : twilioKeySid) : twilioSid) : telnyxKey.input,
    };
  }

  /**
   * Validate the credentials (a live call). Resolves true when valid.
   * @param {HTMLButtonElement} button
   * @returns {Promise<boolean>}
   */
  async function runValidation(button) {
    clearStepError();
    const missing = missingCredentials();
    if (missing) {
      showStepError(missing);
      return false;
    }
    const key = credentialKey();
    try {
      const result = await busy(button, () => api.validateCredentials(workspaceId, draft()));
      if (state.closed) return false;
      state.validation = result;
      state.validatedKey = key;
      showValidation(result);
      return true;
    } catch (error) {
      state.validation = null;
      validationSlot.replaceChildren();
      reportStepError(error);
      return false;
    }
  }

  /** @param {CredentialCheck} result */
  function showValidation(result) {
    validationSlot.replaceChildren(
      callout({
        kind: "success",
        testid: "validation-result",
        title: h("span", null, "Signed in to ", h("strong", { "data-testid": "validation-account-name" }, result.accountName)),
        children: h(
          "p",
          { class: "callout__text" },
          result.accountRef ? h("span", { class: "is-mono" }, result.accountRef) : null,
          result.accountRef ? " · " : null,
          `Status: ${result.status}`,
        ),
      }),
    );
  }

  // ------------------------------------------------------------ step 3: TeXML (Telnyx)

  function texmlStep() {
    const check = h(
      "button",
      { type: "button", class: "btn btn--secondary", "data-testid": "check-texml", onclick: () => runTexmlCheck(check) },
      icon("search", { size: 14 }),
      h("span", null, "Check"),
    );
    return {
      node: h(
        "div",
        { class: "wizard__step", "data-testid": "step-texml" },
        stepHeading("Which TeXML application answers the calls?", "Telnyx routes calls and recordings of imported numbers through a TeXML application, so its Connection ID is required."),
        state.validation ? h("p", { class: "muted-note" }, icon("checkCircle", { size: 14 }), h("span", null, "Signed in to ", h("strong", null, state.validation.accountName))) : null,
        h(
          "form",
          { class: "form", novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); runTexmlCheck(check); } },
          h(
            "div",
            { class: "field" },
            h("label", { class: "field__label", for: (texmlInput.id ||= uniqueId("texml")) }, "Connection ID"),
            h("div", { class: "input-with-action" }, texmlInput, check),
            h("p", { class: "field__hint" }, "Telnyx Mission Control → Voice → TeXML Applications: open the application (or create one) and copy its ID."),
          ),
        ),
        texmlSlot,
        errorSlot,
      ),
      focus: texmlInput,
    };
  }

  /**
   * Check the Connection ID (a live call). Resolves with the check, or null when it failed.
   * @param {HTMLButtonElement} button
   * @returns {Promise<TexmlCheck | null>}
   */
  async function runTexmlCheck(button) {
    clearStepError();
    const id = texmlInput.value.trim();
    if (!id) {
      showStepError("Enter the Connection ID of your TeXML application.");
      return null;
    }
    const missing = missingCredentials();
    if (missing) {
      showStepError(`${missing} (step Credentials)`);
      return null;
    }
    try {
      const result = await busy(button, () => api.checkTexmlConnection(workspaceId, draft()));
      if (state.closed) return null;
      state.texml = result;
      state.texmlKey = id;
      showTexml(result);
      updateFooter();
      return result;
    } catch (error) {
      state.texml = null;
      texmlSlot.replaceChildren();
      reportStepError(error);
      updateFooter();
      return null;
    }
  }

  /** @param {TexmlCheck} result */
  function showTexml(result) {
    const found = callout({
      kind: "success",
      testid: "texml-result",
      title: h("span", null, "Found TeXML application ", h("strong", { "data-testid": "texml-app-name" }, result.name)),
      children: result.pointsAtWorkspace ? h("p", { class: "callout__text" }, "Its voice URL already points at this workspace.") : null,
    });
    const warning = result.pointsAtWorkspace
      ? null
      : callout({
          kind: "warning",
          testid: "texml-warning",
          title: "Its voice URL does not point at this workspace",
          children: [
            h(
              "p",
              { class: "callout__text" },
              "Calls to imported numbers will not reach your agents until it does. You can connect now and fix it at Telnyx later.",
            ),
            result.fix ? h("p", { class: "callout__text", "data-testid": "texml-fix" }, result.fix) : null,
            h("dl", { class: "callout__facts" }, h("dt", null, "Now"), h("dd", { class: "is-mono" }, result.voiceUrl ?? "Not set"), h("dt", null, "Expected"), h("dd", null, copyableValue(result.expectedVoiceUrl, { testid: "copy-expected-url", label: "Copy the expected voice URL" }))),
          ],
        });
    texmlSlot.replaceChildren(found, warning ?? "");
  }

  // ------------------------------------------------------------ connecting

  /** @param {HTMLButtonElement} button */
  async function connect(button) {
    clearStepError();
    try {
      const connection = await busy(button, () => api.connectCarrier(workspaceId, draft()));
      if (state.closed) return;
      state.connection = connection;
      // The secrets are in the keyring now; do not keep them in the page.
      for (const input of [twilioToken.input, twilioKeySecret.input, telnyxKey.input]) input.value = "";
      go("numbers");
    } catch (error) {
      reportStepError(error);
    }
  }

  // ------------------------------------------------------------ step 4: numbers

  function numbersStep() {
    if (!state.numbers && !state.loadingNumbers && !state.numbersError) loadNumbers(false);
    const c = /** @type {Connection} */ (state.connection);
    if (state.loadingNumbers || (!state.numbers && !state.numbersError)) {
      return {
        node: h(
          "div",
          { class: "wizard__step", "data-testid": "step-numbers" },
          stepHeading("Pick the numbers to import", null),
          h("div", { class: "wizard__loading", "data-testid": "numbers-loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), `Fetching every number of ${c.accountName ?? c.name} from ${carrierName(c.carrier)}… Large accounts take a little while.`),
        ),
        focus: null,
      };
    }
    if (state.numbersError) {
      errorSlot.replaceChildren(
        h("div", { class: "form-error", role: "alert", "data-testid": "step-error" }, icon("alertCircle", { size: 16 }), h("span", { class: "form-error__text" }, state.numbersError)),
      );
      return {
        node: h(
          "div",
          { class: "wizard__step", "data-testid": "step-numbers" },
          stepHeading("Pick the numbers to import", null),
          errorSlot,
          h("div", { class: "wizard__actions" }, h("button", { type: "button", class: "btn btn--secondary", "data-testid": "retry-numbers", onclick: () => loadNumbers() }, icon("refresh", { size: 14 }), "Try again")),
        ),
        focus: null,
      };
    }
    const numbers = /** @type {ImportableNumber[]} */ (state.numbers);
    if (numbers.length === 0) {
      return {
        node: h(
          "div",
          { class: "wizard__step", "data-testid": "step-numbers" },
          emptyState({
            icon: "phone",
            title: `No numbers in this ${carrierName(c.carrier)} account`,
            text: `Buy numbers in your ${carrierName(c.carrier)} account, then come back and refresh.`,
            actions: [{ label: "Refresh", icon: "refresh", variant: "secondary", onClick: () => loadNumbers(), testid: "refresh-numbers" }],
          }),
        ),
        focus: null,
      };
    }
    if (!picker) picker = createPicker(numbers);
    return {
      node: h(
        "div",
        { class: "wizard__step wizard__step--fill", "data-testid": "step-numbers" },
        stepHeading("Pick the numbers to import", state.fetchedAt ? `As listed by ${carrierName(c.carrier)} ${formatRelative(state.fetchedAt)}.` : null),
        picker.el,
        errorSlot,
      ),
      focus: searchInput,
    };
  }

  /** @param {boolean} [rerender] false when called while the step is being rendered */
  async function loadNumbers(rerender = true) {
    const c = state.connection;
    if (!c || state.loadingNumbers) return;
    state.loadingNumbers = true;
    state.numbersError = null;
    clearStepError();
    if (rerender && state.step === "numbers") render();
    try {
      const list = await api.listImportableNumbers(workspaceId, c.id);
      if (state.closed) return;
      state.numbers = list.numbers;
      state.fetchedAt = list.fetchedAt;
      // Keep what was selected, minus numbers that vanished or got imported meanwhile.
      const importable = new Set(list.numbers.filter((n) => !n.alreadyImported).map((n) => n.e164));
      state.selected = new Set([...state.selected].filter((e164) => importable.has(e164)));
      state.selectionVersion += 1;
      if (picker) picker.setNumbers(list.numbers, state.selected);
    } catch (error) {
      if (state.closed) return;
      const e = /** @type {any} */ (error);
      if (e && typeof e.message === "string" && INLINE_CODES.has(e.code)) state.numbersError = e.message;
      else {
        state.numbersError = "The list of numbers could not be fetched.";
        showErrorToast(error);
      }
    } finally {
      state.loadingNumbers = false;
    }
    if (state.step === "numbers" && !state.closed) render();
  }

  /**
   * The searchable, virtualised number list with select-all of the shown rows.
   * @param {ImportableNumber[]} initial
   */
  function createPicker(initial) {
    /** @type {ImportableNumber[]} */
    let all = initial;
    /** @type {Map<string, string>} lower-cased text searched per number */
    let haystack = new Map();
    /** @type {Map<string, string>} */
    let digits = new Map();
    const index = () => {
      haystack = new Map();
      digits = new Map();
      for (const n of all) {
        haystack.set(n.e164, `${n.e164} ${n.friendlyName ?? ""} ${n.region ?? ""}`.toLowerCase());
        digits.set(n.e164, n.e164.replace(/\D/g, ""));
      }
    };
    index();

    const selectedCount = h("strong", { "data-testid": "selected-count" }, "0");
    const shownCount = h("span", { "data-testid": "shown-count" });
    const counts = h("p", { class: "picker__counts", "aria-live": "polite" }, selectedCount, " selected", h("span", { class: "picker__counts-sep" }, " · "), shownCount);
    const clearButton = h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "clear-selection", onclick: () => table.clearSelection() }, "Clear selection");
    const refreshButton = h(
      "button",
      { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "refresh-numbers", title: "Fetch the list again", onclick: () => loadNumbers() },
      icon("refresh", { size: 14 }),
      "Refresh",
    );

    const table = createTable({
      columns: [
        { key: "e164", label: "Number", mono: true, sortable: true, width: "148px" },
        { key: "friendlyName", label: "Name", sortable: true, width: "minmax(140px, 1.4fr)", render: (n) => n.friendlyName ?? h("span", { class: "text-subtle" }, "—") },
        { key: "numberType", label: "Type", sortable: true, width: "90px", value: (n) => numberTypeLabel(n.numberType) },
        { key: "region", label: "Region", sortable: true, width: "minmax(100px, 1fr)", render: (n) => n.region ?? h("span", { class: "text-subtle" }, "—") },
        { key: "features", label: "Capabilities", width: "150px", value: (n) => featuresText(n.features) },
        {
          key: "alreadyImported",
          label: "Status",
          width: "150px",
          value: (n) => (n.alreadyImported ? 1 : 0),
          render: (n) => (n.alreadyImported ? h("span", { class: "badge badge--neutral", "data-testid": "already-imported" }, "Already imported") : null),
        },
      ],
      rows: all,
      rowKey: (n) => n.e164,
      selectable: true,
      keepHiddenSelection: true,
      isSelectable: (n) => !n.alreadyImported,
      selectAllTestId: "select-all",
      rowLabel: (n) => `Select ${n.e164}`,
      rowAttrs: (n) => ({ "data-testid": "number-row", "data-e164": n.e164, "data-already-imported": n.alreadyImported ? "true" : undefined }),
      onRowClick: (n) => table.toggle(n.e164),
      onSelectionChange: (selection) => {
        state.selected = /** @type {Set<string>} */ (selection);
        state.selectionVersion += 1;
        updateCounts();
        updateFooter();
      },
      label: "Numbers in the carrier account",
      testid: "number-picker-table",
      empty: () =>
        h(
          "div",
          { class: "picker__no-match", "data-testid": "no-match" },
          h("p", null, "No number matches ", h("strong", null, `“${searchInput.value.trim()}”`), "."),
          h("button", { type: "button", class: "btn btn--secondary btn--sm", onclick: () => { searchInput.value = ""; applyFilter(); searchInput.focus(); } }, "Clear search"),
        ),
    });
    if (state.selected.size) table.setSelection(state.selected);

    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    // Escape in a non-empty search clears it, rather than closing the whole wizard.
    searchInput.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && searchInput.value !== "") {
        event.preventDefault();
        event.stopPropagation();
        searchInput.value = "";
        applyFilter();
      }
    });
    searchInput.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(applyFilter, all.length > 2000 ? 90 : 0);
    });

    function applyFilter() {
      const query = searchInput.value.trim().toLowerCase();
      let rows = all;
      if (query) {
        const queryDigits = /^[\d\s+().-]+$/.test(query) ? query.replace(/\D/g, "") : "";
        rows = all.filter((n) => (queryDigits ? (digits.get(n.e164) ?? "").includes(queryDigits) : false) || (haystack.get(n.e164) ?? "").includes(query));
      }
      table.setRows(rows);
      updateCounts();
    }

    function updateCounts() {
      const shown = table.getRows().length;
      const already = all.reduce((sum, n) => sum + (n.alreadyImported ? 1 : 0), 0);
      selectedCount.textContent = formatCount(state.selected.size);
      shownCount.textContent =
        shown === all.length
          ? `${plural(all.length, "number")}${already ? `, ${formatCount(already)} already imported` : ""}`
          : `${formatCount(shown)} of ${plural(all.length, "number")} shown`;
      clearButton.hidden = state.selected.size === 0;
    }
    updateCounts();

    const el = h(
      "div",
      { class: "picker", "data-testid": "number-picker" },
      h(
        "div",
        { class: "picker__toolbar" },
        h("div", { class: "search-box" }, h("span", { class: "search-box__icon" }, icon("search", { size: 14 })), searchInput),
        counts,
        h("div", { class: "picker__toolbar-end" }, clearButton, refreshButton),
      ),
      table.el,
    );

    return {
      el,
      /**
       * @param {ImportableNumber[]} numbers
       * @param {Set<string>} selection
       */
      setNumbers(numbers, selection) {
        all = numbers;
        index();
        applyFilter();
        table.setSelection(selection);
      },
      destroy() {
        clearTimeout(timer);
        table.destroy();
      },
    };
  }

  // ------------------------------------------------------------ step 5: webhook mode

  function previewCurrent() {
    return state.preview !== null && state.previewKey === `${state.selectionVersion}`;
  }

  function webhooksStep() {
    const c = /** @type {Connection} */ (state.connection);
    const carrier = carrierName(c.carrier);
    const managedText =
      c.carrier === "telnyx"
        ? "NumberDesk takes the numbers over: each one is assigned to your TeXML application and to this workspace's messaging profile, so calls and texts reach your agents."
        : "NumberDesk takes the numbers over: their voice URL, SMS URL and status callback are pointed at this workspace, so calls and texts reach your agents.";
    const previewHost = h("div", { class: "wizard__preview-host" });
    currentPreviewHost = previewHost;
    const choice = radioCards({
      name: "webhookMode",
      label: "Webhook mode",
      value: state.mode,
      options: [
        {
          value: "outbound_only",
          title: "Outbound only",
          badge: h("span", { class: "badge badge--accent" }, "Default"),
          description: `Touch nothing at ${carrier}. Your agents can call out from these numbers; their current webhooks and messaging setup stay exactly as they are, so anything else using them keeps working.`,
          testid: "mode-outbound-only",
        },
        {
          value: "managed",
          title: "Allow webhook & messaging updates",
          description: `${managedText} Whatever the numbers were connected to before stops receiving calls and messages. Their current settings are saved first, so they can be shown and restored.`,
          testid: "mode-managed",
        },
      ],
      onChange: (value) => {
        state.mode = value === "managed" ? "managed" : "outbound_only";
        clearStepError();
        renderPreview(previewHost);
        updateFooter();
      },
    });
    renderPreview(previewHost);
    return {
      node: h(
        "div",
        { class: "wizard__step", "data-testid": "step-webhooks" },
        stepHeading(`What may NumberDesk change at ${carrier}?`, `For the ${plural(state.selected.size, "number")} you picked.`),
        choice,
        errorSlot,
        previewHost,
      ),
      focus: /** @type {HTMLElement | null} */ (choice.querySelector("input:checked")),
    };
  }

  /** @param {HTMLElement} host */
  function renderPreview(host) {
    if (state.mode !== "managed") {
      host.replaceChildren();
      return;
    }
    const key = `${state.selectionVersion}`;
    if (!previewCurrent() && !state.previewLoading && state.previewErrorKey === key) {
      host.replaceChildren(
        h(
          "div",
          { class: "wizard__actions" },
          h("button", { type: "button", class: "btn btn--secondary", "data-testid": "retry-preview", onclick: () => { clearStepError(); state.previewErrorKey = ""; renderPreview(host); } }, icon("refresh", { size: 14 }), "Try the preview again"),
        ),
      );
      return;
    }
    if (!previewCurrent() && !state.previewLoading) {
      loadPreview();
      return;
    }
    if (state.previewLoading) {
      host.replaceChildren(h("div", { class: "wizard__loading", role: "status", "data-testid": "preview-loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Reading the current settings of each number…"));
      return;
    }
    host.replaceChildren(previewView(/** @type {NumberPreview[]} */ (state.preview)));
  }

  async function loadPreview() {
    const c = /** @type {Connection} */ (state.connection);
    const key = `${state.selectionVersion}`;
    state.previewLoading = true;
    state.previewErrorKey = "";
    if (currentPreviewHost) renderPreview(currentPreviewHost);
    updateFooter();
    let failed = false;
    try {
      const preview = await api.previewImport(workspaceId, c.id, [...state.selected], "managed");
      if (state.closed) return;
      state.preview = preview;
      state.previewKey = key;
    } catch (error) {
      if (state.closed) return;
      failed = true;
      state.preview = null;
      state.previewKey = "";
      state.previewErrorKey = key;
      if (state.step === "webhooks") reportStepError(error);
    } finally {
      state.previewLoading = false;
    }
    // Render into the step on screen now (the selection may have changed meanwhile: then this
    // loads again for the new one).
    if (state.step === "webhooks" && currentPreviewHost?.isConnected) renderPreview(currentPreviewHost);
    if (!failed || state.step === "webhooks") updateFooter();
  }

  /**
   * Per number: setting, current value -> new value.
   * @param {NumberPreview[]} preview
   */
  function previewView(preview) {
    /** @type {PreviewRow[]} */
    const rows = [];
    let changes = 0;
    let untouched = 0;
    for (const number of preview) {
      if (number.changes.length === 0) {
        untouched += 1;
        rows.push({ key: `${number.e164}|`, e164: number.e164, field: "", label: "Already set up: nothing changes", current: null, next: null, none: true, first: true });
      }
      number.changes.forEach((change, i) => {
        changes += 1;
        rows.push({ key: `${number.e164}|${change.field}`, e164: number.e164, field: change.field, label: change.label, current: change.current, next: change.next, none: false, first: i === 0 });
      });
    }
    /** @param {string | null} value */
    const valueCell = (value) => (value === null || value === "" ? h("span", { class: "text-subtle" }, "Not set") : h("span", { class: "change__value", title: value }, value));
    const table = createTable({
      columns: [
        { key: "e164", label: "Number", mono: true, width: "132px", render: (r) => (r.first ? r.e164 : h("span", { class: "change__same", title: r.e164 }, r.e164)) },
        { key: "label", label: "Setting", width: "minmax(120px, 0.6fr)", render: (r) => (r.none ? h("span", { class: "text-subtle" }, r.label) : r.label) },
        { key: "current", label: "Current", width: "minmax(160px, 1fr)", render: (r) => (r.none ? null : h("span", { class: "change__current" }, valueCell(r.current))) },
        { key: "arrow", label: "", width: "24px", align: "center", render: (r) => (r.none ? null : h("span", { class: "change__arrow", "aria-label": "becomes" }, icon("arrowRight", { size: 13 }))) },
        { key: "next", label: "New", width: "minmax(200px, 1.3fr)", render: (r) => (r.none ? null : h("span", { class: "change__next" }, valueCell(r.next))) },
      ],
      rows,
      rowKey: (r) => r.key,
      rowHeight: 34,
      label: "Changes at the carrier",
      testid: "change-preview-table",
      rowAttrs: (r) => ({ "data-testid": "change-row", "data-e164": r.e164, "data-field": r.field || undefined }),
    });
    table.el.classList.add("data-table--compact");
    return h(
      "section",
      { class: "change-preview", "data-testid": "change-preview", "data-changes": String(changes) },
      h(
        "div",
        { class: "change-preview__head" },
        h("h3", { class: "section-title" }, "What will change at the carrier"),
        h(
          "p",
          { class: "change-preview__summary", "data-testid": "change-summary" },
          `${plural(changes, "setting")} on ${plural(preview.length - untouched, "number")}`,
          untouched ? `; ${plural(untouched, "number")} already set up` : "",
          ". Current values are saved before anything changes.",
        ),
      ),
      table.el,
    );
  }

  // ------------------------------------------------------------ step 6: import

  function importStep() {
    const c = /** @type {Connection} */ (state.connection);
    if (state.phase === "confirm") {
      const changeCount = state.mode === "managed" && previewCurrent() ? (state.preview ?? []).reduce((sum, n) => sum + n.changes.length, 0) : 0;
      return {
        node: h(
          "div",
          { class: "wizard__step", "data-testid": "step-import" },
          stepHeading("Ready to import", "Check the summary, then start. You can close this window while it runs."),
          h(
            "dl",
            { class: "definition-list summary-list", "data-testid": "import-confirm" },
            h("dt", null, "From"),
            h("dd", null, h("span", { class: "summary-list__carrier" }, carrierLogo(c.carrier, "sm"), h("span", null, c.name), c.accountName ? h("span", { class: "text-subtle" }, ` · ${c.accountName}`) : null, c.isSandbox ? sandboxBadge() : null)),
            h("dt", null, "Numbers"),
            h("dd", { "data-testid": "confirm-count" }, plural(state.selected.size, "number")),
            h("dt", null, "Webhooks"),
            h(
              "dd",
              { "data-testid": "confirm-mode", "data-mode": state.mode },
              state.mode === "managed" ? `Managed by NumberDesk: ${plural(changeCount, "setting")} will change at ${carrierName(c.carrier)}` : `Outbound only: nothing changes at ${carrierName(c.carrier)}`,
            ),
          ),
          errorSlot,
        ),
        focus: nextButton,
      };
    }
    if (!runningView) runningView = buildRunningView();
    if (state.phase === "done" && state.progress) {
      return {
        node: h("div", { class: "wizard__step", "data-testid": "step-import" }, stepHeading(state.progress.state === "cancelled" ? "Import cancelled" : "Import finished", null), runningView.bar.el, importSummary(state.progress), errorSlot),
        focus: nextButton,
      };
    }
    return {
      node: h(
        "div",
        { class: "wizard__step", "data-testid": "step-import" },
        stepHeading(`Importing ${plural(state.selected.size, "number")}`, "You can close this window: the import goes on, and Phone Numbers shows its progress. Even if NumberDesk quits, it picks up where it stopped."),
        runningView.node,
        errorSlot,
      ),
      focus: runningView.cancel,
    };
  }

  function buildRunningView() {
    const bar = importProgressBar(`From ${state.connection?.name ?? carrierName(state.carrier)}`);
    bar.update(state.progress ?? { importId: state.importId ?? 0, state: "running", total: state.selected.size, done: 0, failed: 0, cancelled: 0, failures: [] });
    const cancelLabel = h("span", null, state.cancelRequested ? "Cancelling…" : "Cancel import");
    const cancel = h(
      "button",
      {
        type: "button",
        class: "btn btn--secondary",
        "data-testid": "cancel-import",
        disabled: state.cancelRequested,
        onclick: async () => {
          if (state.importId === null || state.cancelRequested) return;
          state.cancelRequested = true;
          cancel.disabled = true;
          cancelLabel.textContent = "Cancelling…";
          try {
            await api.cancelImport(state.importId);
          } catch (error) {
            state.cancelRequested = false;
            cancel.disabled = false;
            cancelLabel.textContent = "Cancel import";
            reportStepError(error);
          }
        },
      },
      icon("xCircle", { size: 14 }),
      cancelLabel,
    );
    const node = h("div", { class: "import-run", "data-testid": "import-progress" }, bar.el, h("div", { class: "import-run__actions" }, h("p", { class: "muted-note" }, icon("info", { size: 14 }), "Numbers already imported stay if you cancel."), cancel));
    return { node, bar, cancel };
  }

  /** @param {HTMLButtonElement} button */
  async function startImport(button) {
    clearStepError();
    const c = /** @type {Connection} */ (state.connection);
    const numbers = [...state.selected];
    try {
      const { importId } = await busy(button, () => api.startImport(workspaceId, c.id, numbers, state.mode));
      state.importId = importId;
      state.phase = "running";
      state.progress = { importId, state: "running", total: numbers.length, done: 0, failed: 0, cancelled: 0, failures: [] };
      if (!state.closed) render();
      watch(importId);
    } catch (error) {
      reportStepError(error);
    }
  }

  /** @param {number} importId */
  async function watch(importId) {
    try {
      const final = await api.watchImport(importId, (progress) => {
        if (progress.importId !== importId) return;
        state.progress = progress;
        runningView?.bar.update(progress);
      });
      state.progress = final;
      state.phase = "done";
      if (state.closed) {
        const title = final.state === "cancelled" ? "Import cancelled" : "Import finished";
        showToast(`Imported ${formatCount(final.done)} of ${plural(final.total, "number")}${final.failed ? `; ${formatCount(final.failed)} failed` : ""}.`, { kind: final.failed ? "info" : "success", title });
        return;
      }
      runningView?.bar.update(final);
      render();
    } catch (error) {
      if (state.closed) return;
      // Following it failed; the import itself goes on in the backend.
      state.phase = "done";
      render();
      reportStepError(error);
      showStepError("Following this import failed, but it goes on in the background: Phone Numbers shows its progress.");
    }
  }

  // ------------------------------------------------------------ navigation

  async function next() {
    if (state.busy || nextButton.disabled) return;
    switch (state.step) {
      case "carrier": {
        if (!nameInput.value.trim()) {
          showStepError(`Give this connection a name, e.g. “Main ${carrierName(state.carrier)} account”.`);
          nameInput.focus();
          return;
        }
        go("credentials");
        return;
      }
      case "credentials": {
        const missing = missingCredentials();
        if (missing) {
          showStepError(missing);
          return;
        }
        if (state.carrier === "twilio") {
          await connect(nextButton);
          return;
        }
        if (!state.validation || state.validatedKey !== credentialKey()) {
          if (!(await runValidation(nextButton))) return;
        }
        go("texml");
        return;
      }
      case "texml": {
        const id = texmlInput.value.trim();
        if (!state.texml || state.texmlKey !== id) {
          const result = await runTexmlCheck(nextButton);
          // A wrong voice URL is only a warning: stop once so it is read, then "Connect anyway".
          if (!result || !result.pointsAtWorkspace) return;
        }
        await connect(nextButton);
        return;
      }
      case "numbers":
        if (state.selected.size > 0) go("webhooks");
        return;
      case "webhooks":
        if (state.mode === "managed" && !previewCurrent()) return;
        go("import");
        return;
      case "import":
        if (state.phase === "confirm") await startImport(nextButton);
        else if (state.phase === "done") {
          control?.close(null);
          ctx.navigate("numbers");
        }
        return;
    }
  }

  function back() {
    if (state.busy) return;
    /** @type {Partial<Record<StepId, StepId>>} */
    const previous = { credentials: "carrier", texml: "credentials", webhooks: "numbers", import: "webhooks" };
    const target = previous[state.step];
    if (target) go(target);
  }
}

/**
 * @param {string} title
 * @param {string | null} text
 */
function stepHeading(title, text) {
  return h("header", { class: "wizard__heading" }, h("h3", { class: "wizard__title" }, title), text ? h("p", { class: "wizard__text" }, text) : null);
}
