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
 * This module opens the dialog and runs the frame (stepper, footer, navigation, closing); each
 * step is a module over the shared state: connect.js (steps 1-3), pick.js (4), mode.js and
 * preview.js (5), progress.js (6), with state.js holding what they share.
 *
 * Carrier text (account, application and friendly names, regions) is only ever set as text.
 */
import { h, replaceChildren } from "../../dom.js";
import { openDialog, confirmDialog } from "../../components/dialog.js";
import { withBusy } from "../../components/form.js";
import { createStepper } from "../../components/stepper.js";
import { icon } from "../../components/icons.js";
import { showToast, showErrorToast } from "../../components/toast.js";
import { sandboxBadge } from "../../workspace.js";
import { carrierName, carrierLogo, plural } from "../../format.js";
import { INLINE_CODES, STEP_LABELS, createState } from "./state.js";
import { createConnectSteps } from "./connect.js";
import { createPickStep } from "./pick.js";
import { createPreview } from "./preview.js";
import { createModeStep } from "./mode.js";
import { createImportStep } from "./progress.js";
import { openSipConnectDialog, openSipNumbersDialog } from "../sip-trunk.js";

/**
 * @typedef {import("../../main.js").ViewContext} ViewContext
 * @typedef {import("../../components/stepper.js").Step} Step
 * @typedef {import("./state.js").StepId} StepId
 * @typedef {import("./state.js").WizardStart} WizardStart
 * @typedef {import("./state.js").WizardResult} WizardResult
 * @typedef {import("./state.js").Wizard} Wizard
 */

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
  const state = createState(start);

  // The inline error of the step on screen: one slot, placed by each step.
  const errorSlot = h("div", { class: "wizard__error-slot" });

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

  /** @type {import("../../components/dialog.js").DialogControl | null} */
  let control = null;

  // Every step is made before the dialog opens; they reach the frame through `w` (whose functions
  // are hoisted declarations below).
  /** @type {Wizard} */
  const w = { ctx, api, workspaceId, state, errorSlot, nextButton, showStepError, clearStepError, reportStepError, busy, go, render, updateFooter, next };
  const connectSteps = createConnectSteps(w);
  const pick = createPickStep(w);
  const preview = createPreview(w);
  const mode = createModeStep(w, preview);
  const progress = createImportStep(w, preview);

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
  pick.destroy();
  if (state.sipName !== null) {
    const sipTrunk = await openSipConnectDialog(ctx, { name: state.sipName });
    if (sipTrunk) await openSipNumbersDialog(ctx, { id: sipTrunk.connection_id, name: sipTrunk.name }, { originationUri: sipTrunk.origination_uri });
    return { connection: null, importId: null, sipTrunk };
  }
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
    if (!connectSteps.typedAnything()) return true;
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
        view = connectSteps.carrierStep();
        break;
      case "credentials":
        view = connectSteps.credentialsStep();
        break;
      case "texml":
        view = connectSteps.texmlStep();
        break;
      case "numbers":
        view = pick.numbersStep();
        break;
      case "webhooks":
        view = mode.webhooksStep();
        break;
      default:
        view = progress.importStep();
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
      disabled = state.mode === "managed" && (state.previewLoading || !preview.current());
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
  // ------------------------------------------------------------ navigation

  async function next() {
    if (state.busy || nextButton.disabled) return;
    switch (state.step) {
      case "carrier": {
        if (!connectSteps.nameInput.value.trim()) {
          showStepError(`Give this connection a name, e.g. “Main ${carrierName(state.carrier)} account”.`);
          connectSteps.nameInput.focus();
          return;
        }
        if (state.carrier === "sip") {
          // A SIP trunk asks only for what a SIP carrier needs: its own dialog takes over.
          state.sipName = connectSteps.nameInput.value.trim();
          control?.close(null);
          return;
        }
        go("credentials");
        return;
      }
      case "credentials": {
        const missing = connectSteps.missingCredentials();
        if (missing) {
          showStepError(missing);
          return;
        }
        if (state.carrier === "twilio") {
          await connectSteps.connect(nextButton);
          return;
        }
        if (!state.validation || state.validatedKey !== connectSteps.credentialKey()) {
          if (!(await connectSteps.runValidation(nextButton))) return;
        }
        go("texml");
        return;
      }
      case "texml": {
        const id = connectSteps.texmlInput.value.trim();
        if (!state.texml || state.texmlKey !== id) {
          const result = await connectSteps.runTexmlCheck(nextButton);
          // A wrong voice URL is only a warning: stop once so it is read, then "Connect anyway".
          if (!result || !result.pointsAtWorkspace) return;
        }
        await connectSteps.connect(nextButton);
        return;
      }
      case "numbers":
        if (state.selected.size > 0) go("webhooks");
        return;
      case "webhooks":
        if (state.mode === "managed" && !preview.current()) return;
        go("import");
        return;
      case "import":
        if (state.phase === "confirm") await progress.startImport(nextButton);
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
