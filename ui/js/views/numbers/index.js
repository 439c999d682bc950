// @ts-check
/**
 * Phone Numbers: every number of the workspace in a virtualised table that reads its rows from
 * the local database a window at a time (100,000 numbers scroll as smoothly as 40), with filters,
 * sorting by any column, selection and bulk actions (agents, outbound calls, Twilio inbound region,
 * checks, call forwarding help, pending orders, release), "Sync with carrier" and CSV export.
 * A progress card on top follows each import still running. Until there is a number it explains
 * how to get numbers in (buy, or import the ones already owned).
 *
 * This module mounts the view and decides which rows the table holds (the windows it reads, and
 * reading them again); the parts live beside it: table.js (columns and cells), filters.js,
 * bulk.js (the bulk bar and its dialogs), detail.js (one number), sync.js (sync and export),
 * running-imports.js, and shared.js (what they share).
 *
 * Carrier text (friendly names, regions, connection names) is only ever set as text.
 */
import { h } from "../../dom.js";
import { emptyState } from "../../components/empty-state.js";
import { pageHeader } from "../../components/page.js";
import { markPainted, markStart } from "../../perf.js";
import { icon } from "../../components/icons.js";
import { showErrorToast } from "../../components/toast.js";
import { sandboxBadge } from "../../workspace.js";
import { formatCount, plural } from "../../format.js";
import { PAGE, ROW_HEIGHT, messageOf } from "./shared.js";
import { createFilters, isFiltered } from "./filters.js";
import { createNumbersTable } from "./table.js";
import { createBulkBar } from "./bulk.js";
import { openDetail } from "./detail.js";
import { createSyncAndExport } from "./sync.js";
import { loadRunningImports } from "./running-imports.js";

/**
 * @typedef {import("../../main.js").ViewContext} ViewContext
 * @typedef {import("../../api.js").TableRow} TableRow
 * @typedef {import("./shared.js").NumbersView} NumbersView
 * @typedef {import("./shared.js").Slot} Slot
 */

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  if (!ctx.workspace) return;
  const workspace = ctx.workspace;
  const workspaceId = workspace.id;
  const { api } = ctx;
  // The parts of the view share this; the functions are set as soon as their parts exist, below.
  const view = /** @type {NumbersView} */ ({
    ctx,
    api,
    workspaceId,
    disposed: false,
    sort: { column: "number", descending: false },
    total: 0,
    selection: new Set(),
    known: new Map(),
    table: null,
    reload,
  });
  const filters = createFilters(view, () => filtersChanged());
  view.currentFilter = filters.currentFilter;
  view.loadAgents = filters.loadAgents;
  const sync = createSyncAndExport(view);
  const bulk = createBulkBar(view);

  // ---------------------------------------------------------------- page frame

  const importButton = h(
    "button",
    { type: "button", class: "btn btn--secondary", "data-testid": "numbers-import-more", hidden: true, onclick: () => ctx.navigate("carriers") },
    icon("download"),
    "Import numbers",
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
        actions: [sync.syncButton, sync.exportButton, importButton],
      }),
      imports,
      body,
    ),
  );

  // ---------------------------------------------------------------- table state

  /** @type {Slot[]} */
  let slots = [];
  /** Windows asked for in the current generation (page index → in flight or done). */
  let pages = new Set();
  /** Bumped by every reload: answers for an older one are dropped. */
  let generation = 0;
  let unfilteredTotal = 0;
  /** @type {HTMLElement | null} */
  let viewport = null;

  const shownCount = h("span", { class: "picker__counts", "data-testid": "numbers-count", "aria-live": "polite" });

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
    const filter = filters.currentFilter();
    try {
      const result = await api.queryNumbers(workspaceId, { filter, sort: view.sort, offset: page * PAGE, limit: PAGE });
      if (view.disposed || gen !== generation) return;
      fill(result.offset, result.rows);
      view.table?.refresh();
    } catch (error) {
      if (view.disposed || gen !== generation) return;
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
      view.known.set(row.id, slot);
    });
  }

  /**
   * Reads the view.table again for the current filters and sort: first the window where the user is
   * (it also says how many match), then whatever scrolling shows.
   * @param {{ keepScroll: boolean }} options
   */
  async function reload(options) {
    generation += 1;
    const gen = generation;
    const filter = filters.currentFilter();
    const scrollTop = options.keepScroll && viewport ? viewport.scrollTop : 0;
    const startPage = Math.floor(Math.max(0, scrollTop - 36) / ROW_HEIGHT / PAGE);
    markStart("numbers-query-sent");
    try {
      const [page, everything] = await Promise.all([
        api.queryNumbers(workspaceId, { filter, sort: view.sort, offset: startPage * PAGE, limit: PAGE }),
        isFiltered(filter) ? api.queryNumbers(workspaceId, { filter: {}, sort: view.sort, offset: 0, limit: 1 }) : null,
      ]);
      markStart("numbers-query-answered");
      if (view.disposed || gen !== generation) return;
      view.total = page.total;
      unfilteredTotal = everything ? everything.total : page.total;
      showTable(page.offset, page.rows, startPage, options.keepScroll ? scrollTop : 0);
      if (page.rows.length > 0) markPainted("numbers-table-painted");
    } catch (error) {
      if (view.disposed || gen !== generation) return;
      if (!view.table) showLoadFailure(error);
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
    sync.syncButton.hidden = empty;
    sync.exportButton.hidden = empty;
    if (empty) {
      view.table?.destroy();
      view.table = null;
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
    if (!view.table) {
      const created = createNumbersTable(view, { onSelection: () => bulk.update(), onOpen: (row) => openDetail(view, row), onClearFilters: () => clearFilters(), onScroll: () => scheduleWindows() });
      view.table = created.table;
      viewport = created.viewport;
      body.replaceChildren(
        h(
          "div",
          { class: "numbers-list" },
          sync.syncTimes,
          sync.syncResult,
          h(
            "div",
            { class: "picker__toolbar numbers-filters" },
            filters.controls,
            shownCount,
          ),
          sync.exportResult,
          bulk.el,
          view.table.el,
        ),
      );
      sync.loadSyncTimes();
    }
    pages = new Set([page]);
    /** @type {Slot[]} */
    const next = new Array(view.total);
    for (let i = 0; i < view.total; i += 1) next[i] = /** @type {Slot} */ (/** @type {unknown} */ ({ loaded: false, index: i, e164: "", drift: [] }));
    slots = next;
    fill(offset, rows);
    view.table.setRows(slots);
    // setRows drew the rows at the current scroll position; draw again only if it moves.
    if (viewport && viewport.scrollTop !== scrollTop) {
      viewport.scrollTop = scrollTop;
      view.table.refresh();
    }
    const filtered = isFiltered(filters.currentFilter());
    shownCount.textContent = filtered ? `${formatCount(view.total)} of ${plural(unfilteredTotal, "number")}` : plural(view.total, "number");
    shownCount.dataset.total = String(view.total);
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
    view.table?.clearSelection();
    reload({ keepScroll: false });
  }

  function clearFilters() {
    filters.clear();
    filtersChanged();
  }

  // The first page goes first: the agent list (with its counts) and the running imports read the
  // same database, and the table is what the user opened the screen for.
  reload({ keepScroll: false }).finally(() => {
    if (view.disposed) return;
    filters.loadAgents();
    loadRunningImports(view, imports);
  });
  return () => {
    view.disposed = true;
    filters.destroy();
    if (windowFrame) cancelAnimationFrame(windowFrame);
    view.table?.destroy();
  };
}
