// @ts-check
/**
 * Import progress pieces shared by the import wizard and the Phone Numbers page: the progress
 * bar fed from ImportProgress reports, and the end-of-import summary with every failure.
 */
import { h } from "./dom.js";
import { createProgress } from "./components/progress.js";
import { createTable } from "./components/table.js";
import { callout } from "./components/callout.js";
import { formatCount, plural } from "./format.js";

/**
 * @typedef {import("./api.js").ImportProgress} ImportProgress
 * @typedef {import("./api.js").ImportFailure} ImportFailure
 */

/**
 * Numbers the import has finished with, whatever the outcome.
 * @param {ImportProgress} progress
 */
export function processedCount(progress) {
  return progress.done + progress.failed + progress.cancelled + (progress.unconfirmed ?? 0);
}

/**
 * A progress bar that follows ImportProgress reports.
 * @param {string} label
 * @returns {{ el: HTMLElement, update: (progress: ImportProgress) => void }}
 */
export function importProgressBar(label) {
  const bar = createProgress({ label });
  return {
    el: bar.el,
    update(progress) {
      bar.update({ done: processedCount(progress), total: progress.total, failures: progress.failed + (progress.unconfirmed ?? 0) });
      bar.el.dataset.state = progress.state;
      bar.el.dataset.imported = String(progress.done);
    },
  };
}

/**
 * What happened: counts, and the failures with their reasons (a virtualised list, so thousands
 * of failures stay cheap).
 * @param {ImportProgress} progress
 * @returns {HTMLElement}
 */
export function importSummary(progress) {
  const cancelled = progress.state === "cancelled" || progress.cancelled > 0;
  const unconfirmed = progress.unconfirmed ?? 0;
  const kind = progress.failed > 0 || unconfirmed > 0 || cancelled ? "warning" : "success";
  const title =
    progress.done === progress.total
      ? `Imported all ${plural(progress.total, "number")}.`
      : `Imported ${formatCount(progress.done)} of ${plural(progress.total, "number")}.`;
  const details = [
    progress.failed > 0 ? `${formatCount(progress.failed)} failed (reasons below; the others were not held up by them).` : null,
    unconfirmed > 0
      ? `${formatCount(unconfirmed)} changed at the carrier but not confirmed: ${unconfirmed === 1 ? "it is" : "they are"} in your numbers with the previous settings saved, and NumberDesk asks the carrier again to finish or undo the change.`
      : null,
    cancelled ? `${formatCount(progress.cancelled)} not imported because the import was cancelled.` : null,
  ].filter(Boolean);

  /** @type {HTMLElement | null} */
  let failureList = null;
  if (progress.failures.length > 0) {
    const table = createTable({
      columns: [
        { key: "e164", label: "Number", mono: true, width: "170px" },
        { key: "reason", label: "Reason", width: "minmax(240px, 1fr)", render: (row) => h("span", { class: "failure-reason", title: row.reason }, row.reason) },
      ],
      rows: progress.failures,
      rowKey: (row) => row.e164,
      rowHeight: 36,
      label: "Numbers that failed",
      testid: "import-failures",
      rowAttrs: (row) => ({ "data-testid": "import-failure", "data-e164": row.e164 }),
    });
    table.el.classList.add("data-table--compact");
    failureList = h("div", { class: "import-summary__failures" }, h("h3", { class: "section-title" }, `${unconfirmed > 0 ? "Failed or not confirmed" : "Failed"} (${formatCount(progress.failures.length)})`), table.el);
  }

  return h(
    "div",
    {
      class: "import-summary",
      "data-testid": "import-summary",
      "data-state": progress.state,
      "data-done": String(progress.done),
      "data-failed": String(progress.failed),
      "data-cancelled": String(progress.cancelled),
      "data-unconfirmed": String(unconfirmed),
    },
    callout({ kind, title, children: details.length ? h("p", { class: "callout__text" }, details.join(" ")) : null }),
    failureList,
  );
}
