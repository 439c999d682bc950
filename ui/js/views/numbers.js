// @ts-check
/**
 * Phone Numbers: every number of the workspace in a virtualised table that reads its rows from
 * the local database a window at a time (100,000 numbers scroll as smoothly as 40), with filters,
 * sorting by any column, selection and bulk actions (agents, outbound calls, Twilio inbound region,
 * checks, call forwarding help, pending orders, release), "Sync with carrier" and CSV export.
 * A progress card on top follows each import still running. Until there is a number it explains
 * how to get numbers in (buy, or import the ones already owned).
 *
 * Carrier text (friendly names, regions, connection names) is only ever set as text.
 */
import { h, replaceChildren } from "../dom.js";
import { emptyState } from "../components/empty-state.js";
import { pageHeader } from "../components/page.js";
import { createTable } from "../components/table.js";
import { markPainted, markStart } from "../perf.js";
import { textInput, selectInput, checkboxField, field, withBusy } from "../components/form.js";
import { openDialog, confirmDialog } from "../components/dialog.js";
import { openInfoDialog } from "../components/info-dialog.js";
import { callout, copyableValue } from "../components/callout.js";
import { showDiagnosis } from "../components/diagnosis.js";
import { showForwardingGuide } from "../components/forwarding-guide.js";
import { icon } from "../components/icons.js";
import { showToast, showErrorToast } from "../components/toast.js";
import { sandboxBadge } from "../workspace.js";
import { carrierName, numberTypeLabel, formatCount, plural, formatRelative, NUMBER_TYPE_LABELS } from "../format.js";
import { importProgressBar, importSummary } from "../imports.js";

/**
 * @typedef {import("../main.js").ViewContext} ViewContext
 * @typedef {import("../api.js").TableRow} TableRow
 * @typedef {import("../api.js").NumberFilter} NumberFilter
 * @typedef {import("../api.js").NumberSort} NumberSort
 * @typedef {import("../api.js").SortColumn} SortColumn
 * @typedef {import("../api.js").AgentRow} AgentRow
 * @typedef {import("../api.js").AgentSlot} AgentSlot
 * @typedef {import("../api.js").ConnectionSyncTime} ConnectionSyncTime
 * @typedef {import("../api.js").SyncOutcome} SyncOutcome
 * @typedef {import("../api.js").RegionOutcome} RegionOutcome
 * @typedef {import("../api.js").ImportProgress} ImportProgress
 * @typedef {import("../api.js").NumberStatus} NumberStatus
 *
 * A row of the table: a number once its window is loaded, a placeholder until then. Placeholders
 * become rows in place (the table re-renders them), so scrolling never rebuilds the table.
 * @typedef {TableRow & { loaded: boolean, index: number }} Slot
 */

/** Rows fetched per request; the table asks for the windows around what is on screen. */
const PAGE = 200;
const ROW_HEIGHT = 52;

/** @type {Record<NumberStatus, string>} */
const STATUS_KIND = { pending: "warning", active: "success", failed: "danger", released: "neutral", missing: "danger" };
/** @type {Record<NumberStatus, string>} */
const STATUS_LABELS = { pending: "Pending", active: "Active", failed: "Failed", released: "Released", missing: "Missing at carrier" };

/** @type {Record<TableRow["source"], string>} */
const SOURCE = { pool: "Pool", marketplace: "Bought", imported: "Imported" };

/** @type {Record<TableRow["webhook_mode"], string>} */
const WEBHOOK_MODE = { outbound_only: "Outbound only", managed: "Managed" };

/** @type {Record<AgentSlot, string>} */
const SLOT_LABELS = { inbound: "Inbound agent", outbound: "Outbound agent", sms: "SMS agent" };

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  if (!ctx.workspace) return;
  const workspace = ctx.workspace;
  const workspaceId = workspace.id;
  const { api } = ctx;
  let disposed = false;

  // ---------------------------------------------------------------- page frame

  const importButton = h(
    "button",
    { type: "button", class: "btn btn--secondary", "data-testid": "numbers-import-more", hidden: true, onclick: () => ctx.navigate("carriers") },
    icon("download"),
    "Import numbers",
  );
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
  const imports = h("div", { class: "import-cards", "data-testid": "running-imports" });
  const body = h("div", { class: "numbers-body", "aria-busy": "true" }, h("div", { class: "panel panel--loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading numbers…"));

  root.append(
    h(
      "div",
      { class: "view", "data-testid": "view-numbers" },
      pageHeader({
        title: "Phone Numbers",
        description: "Every number your voice agents answer on, across carriers.",
        meta: workspace.isSandbox ? sandboxBadge() : null,
        actions: [syncButton, exportButton, importButton],
      }),
      imports,
      body,
    ),
  );

  // ---------------------------------------------------------------- filters

  const search = textInput({ name: "numbersFilter", type: "search", placeholder: "Search numbers, names, regions…", class: "input input--search", "aria-label": "Search numbers", "data-testid": "numbers-search" });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let searchTimer;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => filtersChanged(), 250);
  });

  const carrierFilter = selectInput({
    name: "carrierFilter",
    options: [{ value: "", label: "All carriers" }, { value: "twilio", label: "Twilio" }, { value: "telnyx", label: "Telnyx" }],
    value: "",
    attrs: { "aria-label": "Carrier", "data-testid": "filter-carrier", onchange: () => filtersChanged() },
  });
  const statusFilter = selectInput({
    name: "statusFilter",
    options: [{ value: "", label: "All statuses" }, ...Object.entries(STATUS_LABELS).map(([value, label]) => ({ value, label }))],
    value: "",
    attrs: { "aria-label": "Status", "data-testid": "filter-status", onchange: () => filtersChanged() },
  });
  const typeFilter = selectInput({
    name: "typeFilter",
    options: [{ value: "", label: "All types" }, ...Object.entries(NUMBER_TYPE_LABELS).map(([value, label]) => ({ value, label }))],
    value: "",
    attrs: { "aria-label": "Type", "data-testid": "filter-type", onchange: () => filtersChanged() },
  });
  const agentFilter = selectInput({
    name: "agentFilter",
    options: agentFilterOptions([]),
    value: "",
    attrs: { "aria-label": "Agent", "data-testid": "filter-agent", onchange: () => filtersChanged() },
  });
  const driftedOnly = checkboxField({ name: "driftedOnly", label: "Drifted only", attrs: { "data-testid": "filter-drifted", onchange: () => filtersChanged() } });

  /** @type {AgentRow[]} */
  let agents = [];
  async function loadAgents() {
    try {
      const list = await api.listAgents(workspaceId);
      if (disposed) return agents;
      agents = list;
      const current = agentFilter.select.value;
      agentFilter.select.replaceChildren(...agentFilterOptions(list).map((o) => h("option", { value: o.value }, o.label)));
      agentFilter.select.value = [...agentFilter.select.options].some((o) => o.value === current) ? current : "";
    } catch (error) {
      if (!disposed) showErrorToast(error);
    }
    return agents;
  }

  /** @returns {NumberFilter} */
  function currentFilter() {
    const agentValue = agentFilter.select.value;
    return {
      text: search.value.trim() || null,
      carriers: carrierFilter.select.value ? [/** @type {any} */ (carrierFilter.select.value)] : [],
      statuses: statusFilter.select.value ? [/** @type {NumberStatus} */ (statusFilter.select.value)] : [],
      types: typeFilter.select.value ? [/** @type {any} */ (typeFilter.select.value)] : [],
      agent: agentValue === "" ? null : agentValue === "unassigned" ? { kind: "unassigned" } : { kind: "agent", id: Number(agentValue.replace("agent:", "")) },
      connection_id: null,
      drifted_only: driftedOnly.input.checked,
    };
  }

  /** @param {NumberFilter} filter */
  function isFiltered(filter) {
    return Boolean(filter.text) || Boolean(filter.carriers?.length) || Boolean(filter.statuses?.length) || Boolean(filter.types?.length) || filter.agent !== null || Boolean(filter.drifted_only);
  }

  // ---------------------------------------------------------------- table state

  /** @type {NumberSort} */
  let sort = { column: "number", descending: false };
  /** @type {Slot[]} */
  let slots = [];
  /** Windows asked for in the current generation (page index → in flight or done). */
  let pages = new Set();
  /** Bumped by every reload: answers for an older one are dropped. */
  let generation = 0;
  let total = 0;
  let unfilteredTotal = 0;
  /** Rows seen, by id: what bulk actions know about the selection. */
  const known = new Map();
  /** @type {Set<number>} */
  let selection = new Set();
  /** @type {import("../components/table.js").TableHandle<Slot> | null} */
  let table = null;
  /** @type {HTMLElement | null} */
  let viewport = null;

  const shownCount = h("span", { class: "picker__counts", "data-testid": "numbers-count", "aria-live": "polite" });
  const syncTimes = h("p", { class: "numbers-sync-times", "data-testid": "sync-times" });
  const syncResult = h("div", { class: "numbers-result-slot", "data-testid": "sync-result-slot" });
  const exportResult = h("div", { class: "numbers-result-slot" });
  const selectionCount = h("span", { class: "bulk-bar__count", "data-testid": "selection-count" });
  const selectAllMatching = h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "select-all-matching", onclick: () => selectEveryMatch() }, "Select all matching");
  const clearSelectionButton = h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "clear-selection", onclick: () => table?.clearSelection() }, icon("x", { size: 14 }), "Clear");

  /**
   * @param {string} testid
   * @param {string} label
   * @param {() => void} onClick
   */
  const bulkButton = (testid, label, onClick) => h("button", { type: "button", class: "btn btn--secondary btn--sm", "data-testid": testid, onclick: onClick }, label);
  const bulk = {
    assign: bulkButton("bulk-assign-agent", "Assign agent", () => assignDialog()),
    outbound: bulkButton("bulk-outbound", "Outbound calls", () => outboundDialog()),
    region: bulkButton("bulk-region", "Inbound region", () => regionDialog()),
    check: bulkButton("bulk-check", "Check", () => checkSelected()),
    forward: bulkButton("bulk-forward", "Forward a line here", () => forwardSelected()),
    process: bulkButton("bulk-process", "Process orders", () => processSelected()),
    release: bulkButton("bulk-release", "Release", () => releaseSelected()),
  };
  bulk.release.classList.add("btn--danger-text");
  const bulkBar = h(
    "div",
    { class: "bulk-bar", "data-testid": "bulk-bar", hidden: true },
    h("div", { class: "bulk-bar__selection" }, selectionCount, selectAllMatching, clearSelectionButton),
    h("div", { class: "bulk-bar__actions" }, Object.values(bulk)),
  );

  function createNumbersTable() {
    const created = createTable({
      columns: [
        {
          key: "number",
          label: "Number",
          sortable: true,
          width: "minmax(150px, 1.3fr)",
          render: (n) => (n.loaded ? twoLines(h("span", { class: "is-mono", "data-testid": "number-e164" }, n.e164), n.friendly_name) : skeleton()),
        },
        { key: "carrier", label: "Carrier", sortable: true, width: "minmax(130px, 1fr)", render: (n) => (n.loaded ? twoLines(carrierName(n.carrier), n.connection_name) : null) },
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
        sort = { column: /** @type {SortColumn} */ (next?.key ?? "number"), descending: next?.direction === "desc" };
        reload({ keepScroll: false });
      },
      onSelectionChange: (keys) => {
        selection = new Set([...keys].filter((k) => typeof k === "number").map((k) => Number(k)));
        updateBulkBar();
      },
      onRowClick: (n, event) => {
        if (!n.loaded) return;
        const target = /** @type {HTMLElement} */ (event.target);
        if (target.closest("input, button")) return;
        openDetail(n);
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
          h("button", { type: "button", class: "btn btn--secondary btn--sm", "data-testid": "clear-filters", onclick: () => clearFilters() }, "Clear filters"),
        ),
    });
    // Sort buttons get test hooks of their own (the table gives their cells `data-column`).
    for (const cell of created.el.querySelectorAll(".data-table__cell--head[data-column]")) {
      const button = cell.querySelector("button");
      if (button) button.setAttribute("data-testid", `sort-${/** @type {HTMLElement} */ (cell).dataset.column}`);
    }
    viewport = /** @type {HTMLElement | null} */ (created.el.querySelector(".data-table__viewport"));
    viewport?.addEventListener("scroll", () => scheduleWindows(), { passive: true });
    return created;
  }

  let windowFrame = 0;
  function scheduleWindows() {
    if (windowFrame) return;
    windowFrame = requestAnimationFrame(() => {
      windowFrame = 0;
      loadVisibleWindows();
    });
  }

  /** Asks for every window of rows on screen (and one screen around it) not asked for yet. */
  function loadVisibleWindows() {
    if (!viewport || slots.length === 0) return;
    const top = Math.max(0, viewport.scrollTop - 36);
    const height = viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor((top - height) / ROW_HEIGHT));
    const last = Math.min(slots.length - 1, Math.ceil((top + 2 * height) / ROW_HEIGHT));
    for (let page = Math.floor(first / PAGE); page <= Math.floor(last / PAGE); page += 1) {
      if (!pages.has(page)) fetchWindow(page, generation);
    }
  }

  /**
   * @param {number} page
   * @param {number} gen
   */
  async function fetchWindow(page, gen) {
    pages.add(page);
    const filter = currentFilter();
    try {
      const result = await api.queryNumbers(workspaceId, { filter, sort, offset: page * PAGE, limit: PAGE });
      if (disposed || gen !== generation) return;
      fill(result.offset, result.rows);
      table?.refresh();
    } catch (error) {
      if (disposed || gen !== generation) return;
      pages.delete(page);
      showErrorToast(error);
    }
  }

  /**
   * @param {number} offset
   * @param {TableRow[]} rows
   */
  function fill(offset, rows) {
    rows.forEach((row, i) => {
      const slot = slots[offset + i];
      if (!slot) return;
      Object.assign(slot, row, { loaded: true });
      known.set(row.id, slot);
    });
  }

  /**
   * Reads the table again for the current filters and sort: first the window where the user is
   * (it also says how many match), then whatever scrolling shows.
   * @param {{ keepScroll: boolean }} options
   */
  async function reload(options) {
    generation += 1;
    const gen = generation;
    const filter = currentFilter();
    const scrollTop = options.keepScroll && viewport ? viewport.scrollTop : 0;
    const startPage = Math.floor(Math.max(0, scrollTop - 36) / ROW_HEIGHT / PAGE);
    markStart("numbers-query-sent");
    try {
      const [page, everything] = await Promise.all([
        api.queryNumbers(workspaceId, { filter, sort, offset: startPage * PAGE, limit: PAGE }),
        isFiltered(filter) ? api.queryNumbers(workspaceId, { filter: {}, sort, offset: 0, limit: 1 }) : null,
      ]);
      markStart("numbers-query-answered");
      if (disposed || gen !== generation) return;
      total = page.total;
      unfilteredTotal = everything ? everything.total : page.total;
      showTable(page.offset, page.rows, startPage, options.keepScroll ? scrollTop : 0);
      if (page.rows.length > 0) markPainted("numbers-table-painted");
    } catch (error) {
      if (disposed || gen !== generation) return;
      if (!table) showLoadFailure(error);
      else showErrorToast(error);
    }
  }

  /**
   * @param {number} offset
   * @param {TableRow[]} rows
   * @param {number} page
   * @param {number} scrollTop
   */
  function showTable(offset, rows, page, scrollTop) {
    body.removeAttribute("aria-busy");
    const empty = unfilteredTotal === 0;
    importButton.hidden = empty;
    syncButton.hidden = empty;
    exportButton.hidden = empty;
    if (empty) {
      table?.destroy();
      table = null;
      viewport = null;
      body.replaceChildren(
        h(
          "div",
          { class: "panel" },
          emptyState({
            icon: "phone",
            title: "No phone numbers yet",
            text: "Buy numbers or import the ones you already own from Twilio or Telnyx. Start by connecting a carrier account.",
            actions: [
              { label: "Buy numbers", icon: "plus", onClick: () => ctx.navigate("buy"), testid: "numbers-buy" },
              { label: "Import from Twilio or Telnyx", icon: "download", variant: "secondary", onClick: () => ctx.navigate("carriers"), testid: "numbers-import" },
            ],
          }),
        ),
      );
      return;
    }
    if (!table) {
      table = createNumbersTable();
      body.replaceChildren(
        h(
          "div",
          { class: "numbers-list" },
          syncTimes,
          syncResult,
          h(
            "div",
            { class: "picker__toolbar numbers-filters" },
            h("div", { class: "search-box" }, h("span", { class: "search-box__icon" }, icon("search", { size: 14 })), search),
            carrierFilter.el,
            statusFilter.el,
            typeFilter.el,
            agentFilter.el,
            driftedOnly.el,
            shownCount,
          ),
          exportResult,
          bulkBar,
          table.el,
        ),
      );
      loadSyncTimes();
    }
    pages = new Set([page]);
    /** @type {Slot[]} */
    const next = new Array(total);
    for (let i = 0; i < total; i += 1) next[i] = /** @type {Slot} */ (/** @type {unknown} */ ({ loaded: false, index: i, e164: "", drift: [] }));
    slots = next;
    fill(offset, rows);
    table.setRows(slots);
    // setRows drew the rows at the current scroll position; draw again only if it moves.
    if (viewport && viewport.scrollTop !== scrollTop) {
      viewport.scrollTop = scrollTop;
      table.refresh();
    }
    const filtered = isFiltered(currentFilter());
    shownCount.textContent = filtered ? `${formatCount(total)} of ${plural(unfilteredTotal, "number")}` : plural(total, "number");
    shownCount.dataset.total = String(total);
    loadVisibleWindows();
  }

  /** @param {unknown} error */
  function showLoadFailure(error) {
    body.removeAttribute("aria-busy");
    body.replaceChildren(
      h(
        "div",
        { class: "panel" },
        emptyState({ icon: "alert", title: "Numbers could not be loaded", text: messageOf(error), actions: [{ label: "Try again", onClick: () => reload({ keepScroll: false }), testid: "retry-numbers" }] }),
      ),
    );
    showErrorToast(error);
  }

  function filtersChanged() {
    table?.clearSelection();
    reload({ keepScroll: false });
  }

  function clearFilters() {
    search.value = "";
    carrierFilter.select.value = "";
    statusFilter.select.value = "";
    typeFilter.select.value = "";
    agentFilter.select.value = "";
    driftedOnly.input.checked = false;
    filtersChanged();
  }

  async function selectEveryMatch() {
    await withBusy(selectAllMatching, async () => {
      try {
        const ids = await api.numberIds(workspaceId, currentFilter());
        if (!disposed) table?.setSelection(ids);
      } catch (error) {
        showErrorToast(error);
      }
    });
  }

  /** The loaded rows of the selection (rows never scrolled to are known by id only). */
  function selectedRows() {
    return [...selection].map((id) => known.get(id)).filter((r) => r !== undefined);
  }

  function updateBulkBar() {
    const count = selection.size;
    bulkBar.hidden = count === 0;
    selectionCount.textContent = `${formatCount(count)} selected`;
    selectionCount.dataset.count = String(count);
    selectAllMatching.hidden = count >= total;
    selectAllMatching.textContent = `Select all ${formatCount(total)} matching`;
    const rows = selectedRows();
    bulk.check.disabled = count !== 1;
    bulk.forward.disabled = count !== 1;
    // Rows never loaded (after "select all matching") are read when the action runs.
    const unknown = rows.length < count;
    bulk.process.disabled = !unknown && !rows.some((r) => isProcessable(r));
    bulk.release.disabled = !unknown && !rows.some((r) => isReleasable(r));
    bulk.region.disabled = rows.length === count && !rows.some((r) => r.carrier === "twilio");
  }

  // ---------------------------------------------------------------- sync and export

  async function loadSyncTimes() {
    try {
      const times = await api.numberSyncTimes(workspaceId);
      if (disposed) return;
      showSyncTimes(times);
    } catch (error) {
      if (!disposed) showErrorToast(error);
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
        if (disposed) return;
        await loadSyncTimes();
        showSyncOutcome(outcome);
        reload({ keepScroll: true });
      } catch (error) {
        if (disposed) return;
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
        const result = await api.exportNumbers(workspaceId, currentFilter(), sort);
        if (disposed) return;
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

  // ---------------------------------------------------------------- bulk actions

  /** @param {string} action */
  function selectedIds(action) {
    const ids = [...selection];
    if (ids.length === 0) showToast(`Select the numbers to ${action} first.`, { kind: "info" });
    return ids;
  }

  /** @param {string} sentence */
  function done(sentence) {
    showToast(sentence, { kind: "success" });
    reload({ keepScroll: true });
  }

  async function assignDialog() {
    const ids = selectedIds("assign");
    if (!ids.length) return;
    const list = await loadAgents();
    const slot = selectInput({
      name: "slot",
      options: Object.entries(SLOT_LABELS).map(([value, label]) => ({ value, label })),
      value: "inbound",
      attrs: { "data-testid": "assign-slot" },
    });
    const agent = selectInput({
      name: "agent",
      options: [...list.map((a) => ({ value: String(a.id), label: a.name })), { value: "", label: "Nobody (remove the agent)" }],
      value: list.length ? String(list[0].id) : "",
      attrs: { "data-testid": "assign-agent" },
    });
    await openDialog({
      title: `Assign an agent to ${plural(ids.length, "number")}`,
      testid: "assign-dialog",
      confirmLabel: "Assign",
      body: h(
        "div",
        { class: "form" },
        field({ label: "Slot", control: slot.el, hint: "Inbound answers calls, outbound places them, SMS handles messages." }),
        field({ label: "Agent", control: agent.el }),
        list.length === 0
          ? callout({
              kind: "info",
              children: [
                h("p", { class: "callout__text" }, "There are no agents yet. Create them on the Agents page."),
                h("button", { type: "button", class: "btn btn--secondary btn--sm", "data-testid": "go-to-agents", onclick: () => { document.querySelector("dialog[open]")?.close(); ctx.navigate("agents"); } }, "Open Agents"),
              ],
            })
          : null,
      ),
      onConfirm: async () => {
        const agentId = agent.select.value === "" ? null : Number(agent.select.value);
        const outcome = await api.assignAgent(workspaceId, ids, /** @type {AgentSlot} */ (slot.select.value), agentId);
        const name = agentId === null ? "Nobody" : list.find((a) => a.id === agentId)?.name ?? "The agent";
        const slotLabel = SLOT_LABELS[/** @type {AgentSlot} */ (slot.select.value)].toLowerCase();
        done(
          outcome.changed.length
            ? `${name} is now the ${slotLabel} of ${plural(outcome.changed.length, "number")}${outcome.unchanged.length ? ` (${formatCount(outcome.unchanged.length)} already had it)` : ""}.`
            : `Nothing changed: ${plural(outcome.unchanged.length, "number")} already had that ${slotLabel}.`,
        );
        loadAgents();
      },
    });
  }

  async function outboundDialog() {
    const ids = selectedIds("change");
    if (!ids.length) return;
    const choice = selectInput({
      name: "allowOutbound",
      options: [
        { value: "allow", label: "Allowed: the outbound agent may call from these numbers" },
        { value: "block", label: "Blocked: no outbound calls from these numbers" },
      ],
      value: "allow",
      attrs: { "data-testid": "outbound-choice" },
    });
    await openDialog({
      title: `Outbound calls from ${plural(ids.length, "number")}`,
      testid: "outbound-dialog",
      confirmLabel: "Save",
      body: h("div", { class: "form" }, field({ label: "Outbound calls", control: choice.el })),
      onConfirm: async () => {
        const allow = choice.select.value === "allow";
        const outcome = await api.setAllowOutbound(workspaceId, ids, allow);
        done(`Outbound calls ${allow ? "allowed" : "blocked"} on ${plural(outcome.changed.length, "number")}${outcome.unchanged.length ? ` (${formatCount(outcome.unchanged.length)} unchanged)` : ""}.`);
      },
    });
  }

  async function regionDialog() {
    const ids = selectedIds("change");
    if (!ids.length) return;
    let regions;
    /** @type {TableRow[]} */
    let telnyx;
    try {
      regions = await api.listTwilioRegions();
      telnyx = (await rowsOfSelection()).filter((r) => r.carrier !== "twilio");
    } catch (error) {
      showErrorToast(error);
      return;
    }
    const region = selectInput({
      name: "region",
      options: regions.map((r) => ({ value: r.id, label: r.name })),
      value: regions[0]?.id,
      attrs: { "data-testid": "region-select" },
    });
    /** @type {RegionOutcome | null} */
    const outcome = await openDialog({
      title: `Inbound region of ${plural(ids.length, "number")}`,
      description: "Where Twilio processes the calls to these numbers. Choose the region closest to your voice agents.",
      testid: "region-dialog",
      confirmLabel: "Set region",
      body: h(
        "div",
        { class: "form" },
        field({ label: "Twilio region", control: region.el }),
        telnyx.length
          ? callout({
              kind: "info",
              testid: "region-not-twilio",
              title: `${plural(telnyx.length, "Telnyx number")} ${telnyx.length === 1 ? "does" : "do"} not offer an inbound region`,
              children: h("p", { class: "callout__text" }, `${listNumbers(telnyx)} will be left as ${telnyx.length === 1 ? "it is" : "they are"}.`),
            })
          : null,
      ),
      onConfirm: () => api.setInboundRegion(workspaceId, ids, region.select.value),
    });
    if (!outcome) return;
    reload({ keepScroll: true });
    if (outcome.failed.length === 0 && outcome.not_twilio.length === 0) {
      showToast(`Inbound region set to ${outcome.region} for ${plural(outcome.changed.length + outcome.unchanged.length, "number")}.`, { kind: "success" });
      return;
    }
    openInfoDialog({
      title: "Inbound region: what was done",
      testid: "region-result",
      content: h(
        "div",
        { class: "result-list" },
        h(
          "p",
          { class: "dialog__text", "data-testid": "region-done" },
          outcome.changed.length + outcome.unchanged.length
            ? `${plural(outcome.changed.length + outcome.unchanged.length, "number")} ${outcome.changed.length + outcome.unchanged.length === 1 ? "is" : "are"} now in ${outcome.region}${outcome.failed.length ? "; the others below were not changed" : ""}.`
            : "No number was changed.",
        ),
        outcome.failed.length
          ? callout({
              kind: "error",
              testid: "region-failures",
              title: `${plural(outcome.failed.length, "number")} could not be changed`,
              children: h("ul", { class: "result-list__items" }, outcome.failed.map((f) => h("li", { "data-testid": "region-failure", "data-e164": f.e164 }, h("strong", null, f.e164), `: ${f.reason}`))),
            })
          : null,
        outcome.not_twilio.length
          ? callout({
              kind: "info",
              testid: "region-not-twilio-result",
              title: "Not Twilio numbers: Telnyx does not offer an inbound region",
              children: h("p", { class: "callout__text" }, outcome.not_twilio.join(", ")),
            })
          : null,
      ),
    });
  }

  function onlySelected() {
    const id = [...selection][0];
    const row = known.get(id);
    return { id, e164: row?.e164 ?? "" };
  }

  function checkSelected() {
    if (selection.size !== 1) return;
    const { id, e164 } = onlySelected();
    showDiagnosis(`Check ${e164 || "the number"}`, () => api.checkNumber(workspaceId, id));
  }

  function forwardSelected() {
    if (selection.size !== 1) return;
    const { e164 } = onlySelected();
    if (e164) showForwardingGuide(e164, () => api.forwardingGuide(e164));
  }

  /**
   * Every selected row: the loaded ones, and those the table never loaded (after "select all
   * matching") read by id.
   * @returns {Promise<TableRow[]>}
   */
  async function rowsOfSelection() {
    const loaded = selectedRows();
    if (loaded.length >= selection.size) return loaded;
    const have = new Set(loaded.map((r) => r.id));
    const missing = [...selection].filter((id) => typeof id === "number" && !have.has(id));
    /** @type {TableRow[]} */
    const rows = [...loaded];
    for (let i = 0; i < missing.length; i += 5000) rows.push(...(await api.numberRows(workspaceId, missing.slice(i, i + 5000))));
    return rows;
  }

  /**
   * The selected rows that `keep` accepts, read with `button` busy; null when they could not be
   * read (the error is shown).
   * @param {HTMLButtonElement} button
   * @param {(row: TableRow) => boolean} keep
   * @returns {Promise<TableRow[] | null>}
   */
  async function selectedWhere(button, keep) {
    /** @type {TableRow[] | null} */
    let rows = null;
    await withBusy(button, async () => {
      try {
        rows = (await rowsOfSelection()).filter((row) => keep(row));
      } catch (error) {
        showErrorToast(error);
      }
    });
    return /** @type {TableRow[] | null} */ (rows);
  }

  async function processSelected() {
    const rows = await selectedWhere(bulk.process, isProcessable);
    if (!rows) return;
    if (!rows.length) {
      showToast("None of the selected numbers is waiting for an order.", { kind: "info" });
      return;
    }
    await withBusy(bulk.process, async () => {
      /** @type {Set<string>} */
      const activated = new Set();
      /** @type {Set<string>} */
      const failed = new Set();
      /** @type {string[]} */
      const errors = [];
      for (const row of rows) {
        if (activated.has(row.e164) || failed.has(row.e164)) continue;
        try {
          const report = await api.processOrders(workspaceId, row.id);
          for (const update of report.updates) {
            for (const e164 of update.activated) activated.add(e164);
            for (const failure of update.failed) failed.add(failure.e164);
          }
          errors.push(...report.errors);
        } catch (error) {
          errors.push(`${row.e164}: ${messageOf(error)}`);
        }
      }
      if (errors.length) showToast(errors.join(" "), { kind: "error", title: "Some orders could not be checked" });
      const nowActive = rows.filter((r) => activated.has(r.e164)).length;
      const nowFailed = rows.filter((r) => failed.has(r.e164)).length;
      done(`Checked ${plural(rows.length, "pending number")}: ${formatCount(nowActive)} now active, ${formatCount(nowFailed)} failed, ${formatCount(rows.length - nowActive - nowFailed)} still pending.`);
    });
  }

  async function releaseSelected() {
    const rows = await selectedWhere(bulk.release, isReleasable);
    if (!rows) return;
    if (!rows.length) {
      showToast("None of the selected numbers was bought through NumberDesk, so there is nothing to release.", { kind: "info" });
      return;
    }
    const skipped = selection.size - rows.length;
    const listed = listNumbers(rows);
    const confirmed = await confirmDialog({
      title: rows.length === 1 ? `Release ${rows[0].e164}?` : `Release ${plural(rows.length, "number")}?`,
      danger: true,
      confirmLabel: rows.length === 1 ? "Release number" : `Release ${plural(rows.length, "number")}`,
      message: h(
        "div",
        { class: "dialog__text", "data-testid": "release-warning" },
        h("p", null, "The number is deleted at the carrier and cannot be got back. Releasing refunds nothing: this month's credits stay spent."),
        h("p", null, listed),
        skipped > 0 ? h("p", null, `${plural(skipped, "other selected number")} ${skipped === 1 ? "is" : "are"} not bought through NumberDesk and ${skipped === 1 ? "is" : "are"} left alone.`) : null,
      ),
    });
    if (!confirmed) return;
    await withBusy(bulk.release, async () => {
      /** @type {string[]} */
      const released = [];
      /** @type {string[]} */
      const errors = [];
      for (const row of rows) {
        try {
          await api.releaseNumber(workspaceId, row.id);
          released.push(row.e164);
        } catch (error) {
          errors.push(`${row.e164}: ${messageOf(error)}`);
        }
      }
      if (errors.length) showToast(errors.join(" "), { kind: "error", title: `${plural(errors.length, "number")} could not be released` });
      table?.clearSelection();
      done(`Released ${plural(released.length, "number")}${errors.length ? "; the others are listed in the error" : ""}.`);
    });
  }

  // ---------------------------------------------------------------- row detail

  /** @param {Slot} row */
  function openDetail(row) {
    const agentsLine = (/** @type {AgentSlot} */ slot) => {
      const agent = slot === "inbound" ? row.inbound_agent : slot === "outbound" ? row.outbound_agent : row.sms_agent;
      return agent ? agent.name : "Nobody";
    };
    const check = h("button", { type: "button", class: "btn btn--secondary", "data-testid": "detail-check" }, "Check");
    const forward = h("button", { type: "button", class: "btn btn--secondary", "data-testid": "detail-forward" }, "Forward a line here");
    const closeThen = (/** @type {() => void} */ next) => () => {
      /** @type {HTMLDialogElement | null} */ (document.querySelector("dialog[data-testid='number-detail'][open]"))?.close();
      next();
    };
    check.addEventListener("click", closeThen(() => showDiagnosis(`Check ${row.e164}`, () => api.checkNumber(workspaceId, row.id))));
    forward.addEventListener("click", closeThen(() => showForwardingGuide(row.e164, () => api.forwardingGuide(row.e164))));
    openInfoDialog({
      title: row.e164,
      description: row.friendly_name ?? undefined,
      testid: "number-detail",
      actions: [check, forward],
      content: h(
        "div",
        { class: "number-detail" },
        row.drift.length
          ? callout({
              kind: "warning",
              testid: "drift-details",
              title: "The carrier settings were changed outside NumberDesk",
              children: h(
                "ul",
                { class: "drift-list" },
                row.drift.map((d) =>
                  h(
                    "li",
                    { class: "drift-list__item", "data-testid": "drift-field", "data-field": d.field },
                    h("span", { class: "drift-list__label" }, d.label),
                    h("span", { class: "drift-list__values" }, `NumberDesk set ${d.numberdesk_set ?? "nothing"} · carrier has ${d.carrier_has ?? "nothing"}`),
                  ),
                ),
              ),
            })
          : null,
        h(
          "dl",
          { class: "definition-list" },
          detail("Status", h("span", { class: ["badge", `badge--${STATUS_KIND[row.status] ?? "neutral"}`] }, row.status_label)),
          row.missing_since ? detail("Missing since", formatRelative(row.missing_since)) : null,
          detail("Carrier", `${carrierName(row.carrier)}${row.connection_name ? ` · ${row.connection_name}` : ""}`),
          detail("Source", SOURCE[row.source] ?? row.source),
          detail("Type", numberTypeLabel(row.number_type)),
          detail("Region", row.region ?? "—"),
          detail("Features", featureText(row)),
          detail("Inbound agent", agentsLine("inbound")),
          detail("Outbound agent", agentsLine("outbound")),
          detail("SMS agent", agentsLine("sms")),
          detail("Outbound calls", row.allow_outbound ? "Allowed" : "Blocked"),
          row.carrier === "twilio" ? detail("Inbound region", row.inbound_region ?? "us1") : null,
          detail("Webhooks", WEBHOOK_MODE[row.webhook_mode] ?? row.webhook_mode),
          detail("Monthly cost", `${formatCount(row.monthly_cost_credits)} credits`),
          detail("Last synced", row.last_synced_at ? formatRelative(row.last_synced_at) : "Never"),
        ),
      ),
    });
  }

  // ---------------------------------------------------------------- running imports

  async function loadImports() {
    try {
      const list = await api.listImports(workspaceId);
      if (disposed) return;
      for (const progress of list) if (progress.state === "running") followImport(progress);
    } catch (error) {
      if (!disposed) showErrorToast(error);
    }
  }

  /** @param {ImportProgress} initial */
  function followImport(initial) {
    const bar = importProgressBar("Importing numbers");
    bar.update(initial);
    const cancelLabel = h("span", null, "Cancel import");
    const cancel = h(
      "button",
      {
        type: "button",
        class: "btn btn--secondary btn--sm",
        "data-testid": "cancel-running-import",
        onclick: async () => {
          cancel.disabled = true;
          cancelLabel.textContent = "Cancelling…";
          try {
            await api.cancelImport(initial.importId);
          } catch (error) {
            cancel.disabled = false;
            cancelLabel.textContent = "Cancel import";
            showErrorToast(error);
          }
        },
      },
      cancelLabel,
    );
    const cardBody = h("div", { class: "import-card__body" }, bar.el);
    const card = h(
      "section",
      { class: "card import-card", "data-testid": "import-progress-card", "data-import-id": String(initial.importId) },
      h("header", { class: "import-card__header" }, h("span", { class: "spinner", "aria-hidden": "true" }), h("h2", { class: "import-card__title" }, "An import is running"), cancel),
      cardBody,
    );
    imports.append(card);

    api
      .watchImport(initial.importId, (progress) => {
        if (!disposed) bar.update(progress);
      })
      .then((final) => {
        if (disposed) return;
        bar.update(final);
        const close = h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "dismiss-import", onclick: () => card.remove() }, icon("x", { size: 14 }), "Dismiss");
        card.replaceChildren(
          h("header", { class: "import-card__header" }, h("h2", { class: "import-card__title" }, final.state === "cancelled" ? "Import cancelled" : "Import finished"), close),
          h("div", { class: "import-card__body" }, importSummary(final)),
        );
        card.dataset.state = final.state;
        reload({ keepScroll: true });
      })
      .catch((error) => {
        if (disposed) return;
        card.remove();
        showErrorToast(error);
      });
  }

  // The first page goes first: the agent list (with its counts) and the running imports read the
  // same database, and the table is what the user opened the screen for.
  reload({ keepScroll: false }).finally(() => {
    if (disposed) return;
    loadAgents();
    loadImports();
  });
  return () => {
    disposed = true;
    clearTimeout(searchTimer);
    if (windowFrame) cancelAnimationFrame(windowFrame);
    table?.destroy();
  };
}

/**
 * @param {import("../api.js").AgentRow[]} list
 * @returns {{ value: string, label: string }[]}
 */
function agentFilterOptions(list) {
  return [{ value: "", label: "All agents" }, { value: "unassigned", label: "Unassigned" }, ...list.map((a) => ({ value: `agent:${a.id}`, label: a.name }))];
}

/**
 * The numbers of `rows` for a sentence: all of them, or the first 20 and how many more.
 * @param {TableRow[]} rows
 */
function listNumbers(rows) {
  const shown = rows.slice(0, 20).map((r) => r.e164).join(", ");
  return rows.length > 20 ? `${shown} and ${formatCount(rows.length - 20)} more` : shown;
}

/** @param {TableRow} row */
function isProcessable(row) {
  return row.source !== "imported" && row.status === "pending";
}

/** @param {TableRow} row */
function isReleasable(row) {
  return row.source !== "imported" && row.status !== "released";
}

/** @param {TableRow} row */
function featureText(row) {
  const list = [row.voice && "Voice", row.sms && "SMS", row.mms && "MMS"].filter(Boolean);
  return list.length ? list.join(" · ") : "—";
}

/** @param {import("../api.js").DriftField} d */
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

/**
 * @param {string} label
 * @param {Node | string} value
 */
function detail(label, value) {
  return [h("dt", null, label), h("dd", null, value)];
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

/** @param {unknown} error */
function messageOf(error) {
  return error && typeof error === "object" && "message" in error ? String(/** @type {any} */ (error).message) : "";
}
