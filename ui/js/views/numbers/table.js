// @ts-check
/**
 * The table of Phone Numbers: its columns and how each cell shows a number (or a placeholder
 * until its window is loaded), sorting by any column through the database, selection and the
 * row that opens its detail. Which rows it holds is the view's business (index.js).
 */
import { h } from "../../dom.js";
import { createTable } from "../../components/table.js";
import { icon } from "../../components/icons.js";
import { carrierName, carrierLabel, numberTypeLabel, formatCount, formatRelative } from "../../format.js";
import { ROW_HEIGHT, STATUS_KIND, STATUS_LABELS, SOURCE, WEBHOOK_MODE, featureText } from "./shared.js";

/**
 * @typedef {import("./shared.js").NumbersView} NumbersView
 * @typedef {import("./shared.js").Slot} Slot
 * @typedef {import("../../api.js").TableRow} TableRow
 * @typedef {import("../../api.js").SortColumn} SortColumn
 */

/**
 * @param {NumbersView} view
 * @param {{ onSelection: () => void, onOpen: (row: Slot) => void, onClearFilters: () => void, onScroll: () => void }} hooks
 */
export function createNumbersTable(view, hooks) {
  const created = createTable({
    columns: [
      {
        key: "number",
        label: "Number",
        sortable: true,
        width: "minmax(150px, 1.3fr)",
        render: (n) => (n.loaded ? twoLines(h("span", { class: "is-mono", "data-testid": "number-e164" }, n.e164), n.friendly_name) : skeleton()),
      },
      { key: "carrier", label: "Carrier", sortable: true, width: "minmax(130px, 1fr)", render: (n) => (n.loaded ? (n.carrier === "sip" ? twoLines(carrierLabel(n.carrier, n.connection_name), null) : twoLines(carrierName(n.carrier), n.connection_name)) : null) },
      { key: "source", label: "Source", sortable: true, width: "104px", render: (n) => (n.loaded ? h("span", { "data-testid": "number-source" }, SOURCE[n.source] ?? n.source) : null) },
      {
        key: "status",
        label: "Status",
        sortable: true,
        width: "170px",
        render: (n) => {
          if (!n.loaded) return null;
          return h(
            "span",
            { class: "status-cell" },
            h("span", { class: ["badge", `badge--${STATUS_KIND[n.status] ?? "neutral"}`], "data-testid": "number-status", "data-status": n.status }, n.status_label || STATUS_LABELS[n.status] || n.status),
            n.drift.length
              ? h("span", { class: "badge badge--warning drift-marker", "data-testid": "drift-marker", title: n.drift.map((d) => driftSentence(d)).join("\n") }, icon("alert", { size: 12 }), "Drifted")
              : null,
          );
        },
      },
      { key: "type", label: "Type", sortable: true, width: "84px", render: (n) => (n.loaded ? numberTypeLabel(n.number_type) : null) },
      { key: "region", label: "Region", sortable: true, width: "minmax(96px, 0.8fr)", render: (n) => (n.loaded ? h("span", { title: n.region ?? "" }, n.region ?? "—") : null) },
      { key: "features", label: "Features", sortable: true, width: "118px", render: (n) => (n.loaded ? h("span", { class: "text-muted-sm" }, featureText(n)) : null) },
      { key: "agent", label: "Agent", sortable: true, width: "minmax(150px, 1.1fr)", render: (n) => (n.loaded ? agentCell(n) : null) },
      {
        key: "inbound_region",
        label: "Inbound region",
        sortable: true,
        width: "124px",
        render: (n) => (n.loaded ? h("span", { class: "is-mono", "data-testid": "number-inbound-region" }, n.carrier === "twilio" ? n.inbound_region ?? "us1" : "—") : null),
      },
      { key: "webhook_mode", label: "Webhooks", sortable: true, width: "112px", render: (n) => (n.loaded ? WEBHOOK_MODE[n.webhook_mode] ?? n.webhook_mode : null) },
      {
        key: "monthly_cost",
        label: "Monthly",
        sortable: true,
        align: "end",
        width: "96px",
        render: (n) => (n.loaded ? h("span", { title: `${formatCount(n.monthly_cost_credits)} credits a month` }, `${formatCount(n.monthly_cost_credits)} cr`) : null),
      },
      {
        key: "last_synced",
        label: "Last synced",
        sortable: true,
        width: "120px",
        render: (n) => (n.loaded ? h("span", { class: "text-muted-sm", title: n.last_synced_at ?? "" }, n.last_synced_at ? formatRelative(n.last_synced_at) : "Never") : null),
      },
    ],
    rows: /** @type {Slot[]} */ ([]),
    rowKey: (n) => (n.loaded ? n.id : `pending-${n.index}`),
    rowHeight: ROW_HEIGHT,
    selectable: true,
    keepHiddenSelection: true,
    isSelectable: (n) => n.loaded,
    rowLabel: (n) => `Select ${n.e164}`,
    selectAllTestId: "numbers-select-all",
    sort: { key: "number", direction: "asc" },
    sortMode: "external",
    onSortChange: (next) => {
      view.sort = { column: /** @type {SortColumn} */ (next?.key ?? "number"), descending: next?.direction === "desc" };
      view.reload({ keepScroll: false });
    },
    onSelectionChange: (keys) => {
      view.selection = new Set([...keys].filter((k) => typeof k === "number").map((k) => Number(k)));
      hooks.onSelection();
    },
    onRowClick: (n, event) => {
      if (!n.loaded) return;
      const target = /** @type {HTMLElement} */ (event.target);
      if (target.closest("input, button")) return;
      hooks.onOpen(n);
    },
    label: "Phone numbers",
    testid: "numbers-table",
    rowAttrs: (n) =>
      n.loaded
        ? { "data-testid": "number-row", "data-e164": n.e164, "data-id": String(n.id), "data-source": n.source, "data-status": n.status, class: n.drift.length ? "is-drifted" : undefined }
        : { "data-testid": "number-row-loading", class: "is-loading" },
    empty: () =>
      h(
        "div",
        { class: "picker__no-match", "data-testid": "no-match" },
        h("p", null, "No number matches these filters."),
        h("button", { type: "button", class: "btn btn--secondary btn--sm", "data-testid": "clear-filters", onclick: () => hooks.onClearFilters() }, "Clear filters"),
      ),
  });
  // Sort buttons get test hooks of their own (the table gives their cells `data-column`).
  for (const cell of created.el.querySelectorAll(".data-table__cell--head[data-column]")) {
    const button = cell.querySelector("button");
    if (button) button.setAttribute("data-testid", `sort-${/** @type {HTMLElement} */ (cell).dataset.column}`);
  }
  const viewport = /** @type {HTMLElement | null} */ (created.el.querySelector(".data-table__viewport"));
  viewport?.addEventListener("scroll", () => hooks.onScroll(), { passive: true });
  return { table: created, viewport };
}

/** @param {import("../../api.js").DriftField} d */
function driftSentence(d) {
  return `${d.label}: NumberDesk set ${d.numberdesk_set ?? "nothing"} · carrier has ${d.carrier_has ?? "nothing"}`;
}

/** @param {TableRow} row */
function agentCell(row) {
  const parts = [
    row.inbound_agent && `In: ${row.inbound_agent.name}`,
    row.outbound_agent && `Out: ${row.outbound_agent.name}`,
    row.sms_agent && `SMS: ${row.sms_agent.name}`,
  ].filter((p) => typeof p === "string");
  const text = parts.length ? parts.join(" · ") : "Unassigned";
  return h("span", { class: ["agent-cell", parts.length === 0 && "text-subtle"], "data-testid": "number-agents", title: text }, text);
}

function skeleton() {
  return h("span", { class: "skeleton-line", "aria-hidden": "true" });
}

/**
 * A main line and an optional muted second line (set as text).
 * @param {Node | string} main
 * @param {string | null | undefined} second
 */
function twoLines(main, second) {
  return h("span", { class: "cell-stack" }, h("span", { class: "cell-stack__main" }, main), second ? h("span", { class: "cell-stack__sub", title: second }, second) : null);
}

