// @ts-check
/**
 * Audit Log: every change NumberDesk made, locally or at a carrier, newest first: when, what,
 * which numbers, through which connection, and the settings before and after. Filter by action,
 * number and text; page through; export what matches to CSV. Entry text can quote carrier text,
 * so it is only ever set as text.
 */
import { h } from "../dom.js";
import { emptyState } from "../components/empty-state.js";
import { pageHeader } from "../components/page.js";
import { createTable } from "../components/table.js";
import { textInput, selectInput, withBusy } from "../components/form.js";
import { openInfoDialog } from "../components/info-dialog.js";
import { callout, copyableValue } from "../components/callout.js";
import { icon } from "../components/icons.js";
import { showToast, showErrorToast } from "../components/toast.js";
import { sandboxBadge } from "../workspace.js";
import { carrierName, formatCount, plural, parseDate } from "../format.js";

/**
 * @typedef {import("../main.js").ViewContext} ViewContext
 * @typedef {import("../api.js").AuditEntry} AuditEntry
 * @typedef {import("../api.js").AuditFilter} AuditFilter
 */

const PAGE_SIZE = 50;

const dateTime = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  const workspace = ctx.workspace;
  if (!workspace) return;
  const workspaceId = workspace.id;
  const { api } = ctx;
  let disposed = false;
  let offset = 0;
  let total = 0;
  let generation = 0;

  const actionFilter = selectInput({
    name: "auditAction",
    options: [{ value: "", label: "All actions" }],
    value: "",
    attrs: { "aria-label": "Action", "data-testid": "audit-filter-action", onchange: () => filtersChanged() },
  });
  const numberFilter = textInput({ name: "auditNumber", type: "search", placeholder: "Number, e.g. +14155550100", class: "input", "aria-label": "Number", "data-testid": "audit-filter-number" });
  const textFilter = textInput({ name: "auditText", type: "search", placeholder: "Search the summaries…", class: "input input--search", "aria-label": "Search the log", "data-testid": "audit-filter-text" });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let typingTimer;
  for (const input of [numberFilter, textFilter]) {
    input.addEventListener("input", () => {
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => filtersChanged(), 250);
    });
  }

  const exportButton = h("button", { type: "button", class: "btn btn--secondary", "data-testid": "export-audit", onclick: () => exportCsv() }, icon("download"), "Export CSV");
  const count = h("span", { class: "picker__counts", "data-testid": "audit-count", "aria-live": "polite" });
  const prev = h("button", { type: "button", class: "btn btn--secondary btn--sm", "data-testid": "audit-prev", onclick: () => go(offset - PAGE_SIZE) }, "Newer");
  const next = h("button", { type: "button", class: "btn btn--secondary btn--sm", "data-testid": "audit-next", onclick: () => go(offset + PAGE_SIZE) }, "Older");
  const pageInfo = h("span", { class: "text-muted-sm", "data-testid": "audit-page" });
  const exportResult = h("div", { class: "numbers-result-slot" });
  const body = h("div", { class: "audit-body", "aria-busy": "true" }, h("div", { class: "panel panel--loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading the audit log…"));

  root.append(
    h(
      "div",
      { class: "view", "data-testid": "view-audit" },
      pageHeader({
        title: "Audit Log",
        description: "Every change NumberDesk made to your numbers, here and at the carriers.",
        meta: workspace.isSandbox ? sandboxBadge() : null,
        actions: [exportButton],
      }),
      h(
        "div",
        { class: "picker__toolbar audit-filters" },
        h("div", { class: "search-box" }, h("span", { class: "search-box__icon" }, icon("search", { size: 14 })), textFilter),
        actionFilter.el,
        h("div", { class: "audit-filters__number" }, numberFilter),
        count,
      ),
      exportResult,
      body,
      h("div", { class: "pager", "data-testid": "audit-pager" }, prev, pageInfo, next),
    ),
  );

  const table = createTable({
    columns: [
      { key: "at", label: "When", width: "196px", render: (e) => h("span", { class: "text-muted-sm", title: e.at }, formatWhen(e.at)) },
      { key: "action", label: "Action", width: "160px", render: (e) => h("span", { class: "badge badge--neutral", "data-testid": "audit-action", "data-action": e.action }, e.action_label) },
      { key: "summary", label: "Summary", width: "minmax(240px, 3fr)", render: (e) => h("span", { "data-testid": "audit-summary", title: e.summary }, e.summary) },
      {
        key: "numbers",
        label: "Numbers",
        width: "minmax(140px, 1.2fr)",
        render: (e) => {
          const text = numbersText(e);
          return h("span", { class: "is-mono", "data-testid": "audit-numbers", title: text }, text);
        },
      },
      { key: "connection", label: "Connection", width: "minmax(110px, 1fr)", render: (e) => h("span", { title: e.connection ?? "" }, e.connection ?? (e.target === "local" ? "NumberDesk" : carrierName(e.target))) },
      {
        key: "change",
        label: "Before → after",
        width: "minmax(200px, 2fr)",
        render: (e) => {
          const text = changeText(e);
          return h("span", { class: "text-muted-sm", "data-testid": "audit-change", title: text }, text);
        },
      },
    ],
    rows: /** @type {AuditEntry[]} */ ([]),
    rowKey: (e) => e.id,
    rowHeight: 48,
    label: "Audit log",
    testid: "audit-table",
    onRowClick: (e) => openEntry(e),
    rowAttrs: (e) => ({ "data-testid": "audit-entry", "data-action": e.action, "data-entry-id": String(e.id) }),
    empty: () =>
      h("div", { class: "picker__no-match", "data-testid": "audit-no-match" }, h("p", null, "No entry matches these filters.")),
  });

  /** @returns {AuditFilter} */
  function currentFilter() {
    return {
      actions: actionFilter.select.value ? [actionFilter.select.value] : [],
      e164: numberFilter.value.trim() || null,
      text: textFilter.value.trim() || null,
      offset,
      limit: PAGE_SIZE,
      numbers_per_entry: 10,
    };
  }

  function filtersChanged() {
    offset = 0;
    load();
  }

  /** @param {number} to */
  function go(to) {
    offset = Math.max(0, to);
    load();
  }

  async function loadActions() {
    try {
      const actions = await api.listAuditActions();
      if (disposed) return;
      const current = actionFilter.select.value;
      actionFilter.select.replaceChildren(h("option", { value: "" }, "All actions"), ...actions.map((a) => h("option", { value: a.id }, a.label)));
      actionFilter.select.value = current;
    } catch (error) {
      if (!disposed) showErrorToast(error);
    }
  }

  async function load() {
    generation += 1;
    const gen = generation;
    try {
      const page = await api.queryAudit(workspaceId, currentFilter());
      if (disposed || gen !== generation) return;
      total = page.total;
      offset = page.offset;
      body.removeAttribute("aria-busy");
      const unfiltered = !actionFilter.select.value && !numberFilter.value.trim() && !textFilter.value.trim();
      if (total === 0 && unfiltered) {
        body.replaceChildren(
          h("div", { class: "panel" }, emptyState({ icon: "info", title: "Nothing recorded yet", text: "Imports, purchases, agent changes, region changes, syncs and disconnects will be listed here." })),
        );
      } else if (!table.el.isConnected) {
        body.replaceChildren(table.el);
      }
      table.setRows(page.entries);
      count.textContent = plural(total, "entry", "entries");
      count.dataset.total = String(total);
      const shownTo = Math.min(total, offset + page.entries.length);
      pageInfo.textContent = total ? `${formatCount(offset + 1)}–${formatCount(shownTo)} of ${formatCount(total)}` : "";
      prev.disabled = offset === 0;
      next.disabled = shownTo >= total;
    } catch (error) {
      if (disposed || gen !== generation) return;
      body.removeAttribute("aria-busy");
      body.replaceChildren(
        h("div", { class: "panel" }, emptyState({ icon: "alert", title: "The audit log could not be loaded", text: messageOf(error), actions: [{ label: "Try again", onClick: () => load(), testid: "retry-audit" }] })),
      );
      showErrorToast(error);
    }
  }

  async function exportCsv() {
    await withBusy(exportButton, async () => {
      try {
        const result = await api.exportAudit(workspaceId, { ...currentFilter(), offset: 0, limit: 0 });
        if (disposed) return;
        showToast(`Saved ${plural(result.count, "entry", "entries")} to ${result.path}`, { kind: "success", title: "CSV exported", timeout: 10000 });
        const note = callout({
          kind: "success",
          testid: "audit-export-result",
          title: `Exported ${plural(result.count, "entry", "entries")} to a CSV file`,
          children: [
            h("div", { class: "export-path", "data-testid": "audit-export-path", "data-path": result.path }, copyableValue(result.path, { testid: "copy-audit-export-path", label: "Copy the file's path" })),
            h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "dismiss-audit-export", onclick: () => exportResult.replaceChildren() }, "Dismiss"),
          ],
        });
        note.dataset.count = String(result.count);
        exportResult.replaceChildren(note);
      } catch (error) {
        showErrorToast(error);
      }
    });
  }

  /** @param {AuditEntry} entry */
  function openEntry(entry) {
    openInfoDialog({
      title: entry.action_label,
      description: formatWhen(entry.at),
      testid: "audit-entry-detail",
      size: "lg",
      content: h(
        "div",
        { class: "audit-entry" },
        h("p", { class: "dialog__text", "data-testid": "audit-entry-summary" }, entry.summary),
        h(
          "dl",
          { class: "definition-list" },
          h("dt", null, "Where"),
          h("dd", null, entry.target === "local" ? "In NumberDesk only" : `At ${carrierName(entry.target)}`),
          entry.connection ? [h("dt", null, "Connection"), h("dd", null, entry.connection)] : null,
          h("dt", null, "Numbers"),
          h("dd", { class: "is-mono" }, entry.number_count ? numbersText(entry) : "—"),
        ),
        entry.before_json || entry.after_json
          ? h(
              "div",
              { class: "audit-entry__change" },
              h("div", null, h("h3", { class: "section-title" }, "Before"), h("pre", { class: "audit-json", "data-testid": "audit-before" }, pretty(entry.before_json))),
              h("div", null, h("h3", { class: "section-title" }, "After"), h("pre", { class: "audit-json", "data-testid": "audit-after" }, pretty(entry.after_json))),
            )
          : null,
      ),
    });
  }

  loadActions();
  load();
  return () => {
    disposed = true;
    clearTimeout(typingTimer);
    table.destroy();
  };
}

/** @param {string} iso */
function formatWhen(iso) {
  const date = parseDate(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** @param {AuditEntry} entry */
function numbersText(entry) {
  if (!entry.number_count) return "—";
  const more = entry.number_count - entry.numbers.length;
  return more > 0 ? `${entry.numbers.join(", ")} and ${formatCount(more)} more` : entry.numbers.join(", ");
}

/** @param {AuditEntry} entry */
function changeText(entry) {
  if (!entry.before_json && !entry.after_json) return "";
  return `${compact(entry.before_json)} → ${compact(entry.after_json)}`;
}

/**
 * A short one-line reading of a JSON value ("region: us1", "3 items").
 * @param {string | null} json
 */
function compact(json) {
  if (!json) return "—";
  let value;
  try {
    value = JSON.parse(json);
  } catch {
    return json;
  }
  const text = describe(value, 0);
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

/**
 * @param {unknown} value
 * @param {number} depth
 * @returns {string}
 */
function describe(value, depth) {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value)) {
    if (depth > 0) return `${value.length} ${value.length === 1 ? "item" : "items"}`;
    return value.slice(0, 3).map((v) => describe(v, depth + 1)).join("; ") + (value.length > 3 ? ` (+${value.length - 3})` : "");
  }
  if (typeof value === "object") {
    if (depth > 1) return "{…}";
    return Object.entries(/** @type {Record<string, unknown>} */ (value))
      .map(([k, v]) => `${k}: ${describe(v, depth + 1)}`)
      .join(", ");
  }
  return String(value);
}

/** @param {string | null} json */
function pretty(json) {
  if (!json) return "—";
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/** @param {unknown} error */
function messageOf(error) {
  return error && typeof error === "object" && "message" in error ? String(/** @type {any} */ (error).message) : "";
}
