// @ts-check
/**
 * Sync with carrier and CSV export on Phone Numbers: the two header buttons, when each
 * connection was last synced, what a sync found (missing and drifted numbers, per connection)
 * and where the export was saved. Connection names come from the carrier side: set as text.
 */
import { h, replaceChildren } from "../../dom.js";
import { withBusy } from "../../components/form.js";
import { callout, copyableValue } from "../../components/callout.js";
import { icon } from "../../components/icons.js";
import { showToast, showErrorToast } from "../../components/toast.js";
import { formatCount, plural, formatRelative } from "../../format.js";

/**
 * @typedef {import("./shared.js").NumbersView} NumbersView
 * @typedef {import("../../api.js").ConnectionSyncTime} ConnectionSyncTime
 * @typedef {import("../../api.js").SyncOutcome} SyncOutcome
 */

/**
 * The buttons (for the page header) and the slots (for the list) of sync and export.
 * @param {NumbersView} view
 */
export function createSyncAndExport(view) {
  const { api, workspaceId } = view;
  const syncButton = h(
    "button",
    { type: "button", class: "btn btn--secondary", "data-testid": "sync-with-carrier", hidden: true, onclick: () => syncNow() },
    icon("refresh"),
    "Sync with carrier",
  );
  const exportButton = h(
    "button",
    { type: "button", class: "btn btn--secondary", "data-testid": "export-numbers", hidden: true, onclick: () => exportCsv() },
    icon("download"),
    "Export CSV",
  );
  const syncTimes = h("p", { class: "numbers-sync-times", "data-testid": "sync-times" });
  const syncResult = h("div", { class: "numbers-result-slot", "data-testid": "sync-result-slot" });
  const exportResult = h("div", { class: "numbers-result-slot" });

  async function loadSyncTimes() {
    try {
      const times = await api.numberSyncTimes(workspaceId);
      if (view.disposed) return;
      showSyncTimes(times);
    } catch (error) {
      if (!view.disposed) showErrorToast(error);
    }
  }

  /** @type {Map<number, string>} */
  const connectionNames = new Map();

  /** @param {ConnectionSyncTime[]} times */
  function showSyncTimes(times) {
    for (const t of times) connectionNames.set(t.connection_id, t.name);
    if (times.length === 0) {
      syncTimes.replaceChildren();
      return;
    }
    replaceChildren(
      syncTimes,
      icon("refresh", { size: 13 }),
      h("span", { class: "numbers-sync-times__label" }, "Last synced:"),
      times.map((t, i) => [
        i > 0 ? h("span", { class: "numbers-sync-times__sep", "aria-hidden": "true" }, "·") : null,
        h(
          "span",
          { class: "numbers-sync-times__item", "data-testid": "sync-time", "data-connection-id": String(t.connection_id), title: t.last_synced_at ?? "" },
          h("span", { class: "numbers-sync-times__name" }, t.name),
          " ",
          t.last_synced_at ? formatRelative(t.last_synced_at) : "never",
        ),
      ]),
    );
  }

  async function syncNow() {
    await withBusy(syncButton, async () => {
      syncResult.replaceChildren(callout({ kind: "info", testid: "sync-running", title: "Syncing with the carriers…" }));
      try {
        const outcome = await api.syncWithCarrier(workspaceId, null);
        if (view.disposed) return;
        await loadSyncTimes();
        showSyncOutcome(outcome);
        view.reload({ keepScroll: true });
      } catch (error) {
        if (view.disposed) return;
        syncResult.replaceChildren();
        showErrorToast(error);
      }
    });
  }

  /** @param {SyncOutcome} outcome */
  function showSyncOutcome(outcome) {
    const missing = outcome.reports.reduce((sum, r) => sum + r.missing.length, 0);
    const drifted = outcome.reports.reduce((sum, r) => sum + r.drifted.length, 0);
    const returned = outcome.reports.reduce((sum, r) => sum + r.returned.length, 0);
    const checked = outcome.reports.reduce((sum, r) => sum + r.checked, 0);
    const parts = [`${plural(missing, "number")} missing at carrier`, `${formatCount(drifted)} drifted`];
    if (returned) parts.push(`${formatCount(returned)} back in the account`);
    const summary = callout({
      kind: missing || drifted || outcome.errors.length ? "warning" : "success",
      testid: "sync-summary",
      title: `Checked ${plural(checked, "number")}: ${parts.join(", ")}.`,
      children: [
        outcome.reports.map((r) =>
          h(
            "p",
            { class: "callout__text", "data-testid": "sync-report", "data-connection-id": String(r.connection_id) },
            h("strong", null, connectionNames.get(r.connection_id) ?? `Connection ${r.connection_id}`),
            `: ${plural(r.checked, "number")} checked`,
            r.missing.length ? `; missing: ${r.missing.join(", ")}` : "",
            r.drifted.length ? `; drifted: ${r.drifted.map((d) => d.e164).join(", ")}` : "",
            r.returned.length ? `; back: ${r.returned.join(", ")}` : "",
            ".",
          ),
        ),
        outcome.errors.map((e) => h("p", { class: "callout__text failure-reason", "data-testid": "sync-error" }, h("strong", null, e.name), `: ${e.message}`)),
        h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "dismiss-sync-summary", onclick: () => syncResult.replaceChildren() }, "Dismiss"),
      ],
    });
    summary.dataset.missing = String(missing);
    summary.dataset.drifted = String(drifted);
    syncResult.replaceChildren(summary);
  }

  async function exportCsv() {
    await withBusy(exportButton, async () => {
      try {
        const result = await api.exportNumbers(workspaceId, view.currentFilter(), view.sort);
        if (view.disposed) return;
        showToast(`Saved ${plural(result.count, "number")} to ${result.path}`, { kind: "success", title: "CSV exported", timeout: 10000 });
        const note = callout({
          kind: "success",
          testid: "export-result",
          title: `Exported ${plural(result.count, "number")} to a CSV file`,
          children: [
            h("div", { class: "export-path", "data-testid": "export-path", "data-path": result.path }, copyableValue(result.path, { testid: "copy-export-path", label: "Copy the file's path" })),
            h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "dismiss-export", onclick: () => exportResult.replaceChildren() }, "Dismiss"),
          ],
        });
        note.dataset.count = String(result.count);
        exportResult.replaceChildren(note);
      } catch (error) {
        showErrorToast(error);
      }
    });
  }

  return { syncButton, exportButton, syncTimes, syncResult, exportResult, loadSyncTimes };
}
