// @ts-check
/**
 * Step 6 of the import wizard: the summary to confirm, then the import's live progress bar
 * (cancellable) and its summary of failures. Closing the wizard leaves the import running; when
 * it ends after that, a toast says how it went.
 */
import { h } from "../../dom.js";
import { icon } from "../../components/icons.js";
import { showToast } from "../../components/toast.js";
import { sandboxBadge } from "../../workspace.js";
import { carrierName, carrierLogo, formatCount, plural } from "../../format.js";
import { importProgressBar, importSummary } from "../../imports.js";
import { stepHeading } from "./state.js";

/**
 * @typedef {import("./state.js").Wizard} Wizard
 * @typedef {import("../../api.js").Connection} Connection
 */

/**
 * @param {Wizard} w
 * @param {ReturnType<typeof import("./preview.js").createPreview>} preview
 */
export function createImportStep(w, preview) {
  const { api, workspaceId, state } = w;
  /** @type {{ node: HTMLElement, bar: ReturnType<typeof importProgressBar>, cancel: HTMLButtonElement } | null} */
  let runningView = null;

  // ------------------------------------------------------------ step 6: import

  function importStep() {
    const c = /** @type {Connection} */ (state.connection);
    if (state.phase === "confirm") {
      const changeCount = state.mode === "managed" && preview.current() ? (state.preview ?? []).reduce((sum, n) => sum + n.changes.length, 0) : 0;
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
          w.errorSlot,
        ),
        focus: w.nextButton,
      };
    }
    if (!runningView) runningView = buildRunningView();
    if (state.phase === "done" && state.progress) {
      return {
        node: h("div", { class: "wizard__step", "data-testid": "step-import" }, stepHeading(state.progress.state === "cancelled" ? "Import cancelled" : "Import finished", null), runningView.bar.el, importSummary(state.progress), w.errorSlot),
        focus: w.nextButton,
      };
    }
    return {
      node: h(
        "div",
        { class: "wizard__step", "data-testid": "step-import" },
        stepHeading(`Importing ${plural(state.selected.size, "number")}`, "You can close this window: the import goes on, and Phone Numbers shows its progress. Even if NumberDesk quits, it picks up where it stopped."),
        runningView.node,
        w.errorSlot,
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
            await api.cancelImport(workspaceId, state.importId);
          } catch (error) {
            state.cancelRequested = false;
            cancel.disabled = false;
            cancelLabel.textContent = "Cancel import";
            w.reportStepError(error);
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
    w.clearStepError();
    const c = /** @type {Connection} */ (state.connection);
    const numbers = [...state.selected];
    try {
      const { importId } = await w.busy(button, () => api.startImport(workspaceId, c.id, numbers, state.mode));
      state.importId = importId;
      state.phase = "running";
      state.progress = { importId, state: "running", total: numbers.length, done: 0, failed: 0, cancelled: 0, failures: [] };
      if (!state.closed) w.render();
      watch(importId);
    } catch (error) {
      w.reportStepError(error);
    }
  }

  /** @param {number} importId */
  async function watch(importId) {
    try {
      const final = await api.watchImport(workspaceId, importId, (progress) => {
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
      w.render();
    } catch (error) {
      if (state.closed) return;
      // Following it failed; the import itself goes on in the backend.
      state.phase = "done";
      w.render();
      w.reportStepError(error);
      w.showStepError("Following this import failed, but it goes on in the background: Phone Numbers shows its progress.");
    }
  }

  return { importStep, startImport };
}
