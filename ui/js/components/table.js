// @ts-check
/**
 * Data table with sortable headers, checkbox row selection and virtual scrolling: rows have a
 * fixed height and only the visible slice (plus a little overscan) is in the DOM, so 100k rows
 * cost the same to scroll as 100. Cell text is always set as text, never parsed as HTML.
 */
import { h, append, clear, plainText } from "../dom.js";
import { icon } from "./icons.js";

/**
 * @template Row
 * @typedef {object} Column
 * @property {string} key stable id of the column (and the default property read from a row)
 * @property {string} label header text
 * @property {string} [width] CSS grid track, default `minmax(120px, 1fr)`
 * @property {"start" | "end" | "center"} [align]
 * @property {boolean} [sortable]
 * @property {boolean} [mono] monospace cell text (numbers, ids)
 * @property {(row: Row) => string | number | null | undefined} [value] value used for sorting and as
 *   default cell text; defaults to `row[key]`
 * @property {(row: Row) => Node | string | number | null | undefined} [render] custom cell content
 */

/**
 * @typedef {string | number} RowKey
 * @typedef {{ key: string, direction: "asc" | "desc" }} SortState
 */

/**
 * @template Row
 * @typedef {object} TableOptions
 * @property {Column<Row>[]} columns
 * @property {Row[]} [rows]
 * @property {(row: Row) => RowKey} rowKey
 * @property {boolean} [selectable] adds a checkbox column and a select-all header checkbox
 * @property {number} [rowHeight] fixed row height in px (default 40); required for virtualisation
 * @property {number} [overscan] extra rows rendered above and below the viewport (default 8)
 * @property {SortState | null} [sort] initial sort
 * @property {"client" | "external"} [sortMode] `client` sorts in memory (default); `external` only
 *   reports sort changes via onSortChange so the caller can load sorted rows (e.g. from SQLite)
 * @property {(sort: SortState | null) => void} [onSortChange]
 * @property {(selected: Set<RowKey>) => void} [onSelectionChange]
 * @property {(row: Row, event: MouseEvent) => void} [onRowClick]
 * @property {Node | (() => Node)} [empty] shown instead of the body when there are no rows
 * @property {string} [label] accessible name of the table
 * @property {string} [testid] data-testid of the table root
 * @property {(row: Row) => boolean} [isSelectable] rows for which this returns false get a disabled
 *   checkbox and are skipped by select-all and shift-click ranges (default: every row)
 * @property {boolean} [keepHiddenSelection] keep the selection of rows that `setRows` drops (a search
 *   filter hiding rows must not unselect them); select-all then (un)selects the shown rows only
 * @property {(row: Row) => import("../dom.js").Attrs} [rowAttrs] extra attributes of a row element
 *   (`data-testid`, `dataset`, ...)
 * @property {(row: Row) => string} [rowLabel] accessible name of a row's checkbox (default "Select row")
 * @property {string} [selectAllTestId] data-testid of the select-all checkbox (default `table-select-all`)
 */

/**
 * @template Row
 * @typedef {object} TableHandle
 * @property {HTMLElement} el
 * @property {(rows: Row[]) => void} setRows replace the data; selection of rows that still exist is kept
 * @property {() => Row[]} getRows rows in display order
 * @property {() => Set<RowKey>} getSelection
 * @property {(keys: Iterable<RowKey>) => void} setSelection
 * @property {() => void} clearSelection
 * @property {(key: RowKey) => void} toggle flip one row's selection (ignored for unselectable rows)
 * @property {(sort: SortState | null) => void} setSort
 * @property {(index: number) => void} scrollToIndex
 * @property {() => void} refresh re-render visible rows (after mutating row objects in place)
 * @property {() => void} destroy
 */

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/**
 * @template Row
 * @param {TableOptions<Row>} options
 * @returns {TableHandle<Row>}
 */
export function createTable(options) {
  const rowHeight = options.rowHeight ?? 40;
  const overscan = options.overscan ?? 8;
  const selectable = Boolean(options.selectable);
  const sortMode = options.sortMode ?? "client";
  const columns = options.columns;

  /** @type {Row[]} */
  let sourceRows = options.rows ?? [];
  /** @type {Row[]} */
  let viewRows = [];
  /** @type {SortState | null} */
  let sort = options.sort ?? null;
  /** @type {Set<RowKey>} */
  const selected = new Set();
  /** @type {number | null} */
  let anchorIndex = null;
  let renderedFirst = -1;
  let renderedLast = -1;
  let frame = 0;

  /** @param {Column<Row>} column @param {Row} row */
  const valueOf = (column, row) => (column.value ? column.value(row) : /** @type {any} */ (row)[column.key]);

  const trackList = /** @type {string[]} */ ([selectable ? "44px" : null, ...columns.map((c) => c.width ?? "minmax(120px, 1fr)")].filter(Boolean));
  const tracks = trackList.join(" ");
  // Rows are separate grids, so a row must not grow to fit a long text (its flexible columns would
  // then be wider than the other rows'): when every track has a pixel minimum, that sum is the
  // rows' minimum width; otherwise rows fall back to their content width.
  const minimums = trackList.map((track) => /^(\d+(?:\.\d+)?)px$/.exec(track)?.[1] ?? /^minmax\(\s*(\d+(?:\.\d+)?)px\s*,/.exec(track)?.[1]);
  const minWidth = minimums.every((m) => m !== undefined) ? `${minimums.reduce((sum, m) => sum + Number(m), 0)}px` : undefined;

  /** @param {Row} row */
  const canSelect = (row) => (options.isSelectable ? options.isSelectable(row) : true);

  const selectAll = h("input", {
    type: "checkbox",
    class: "checkbox",
    "aria-label": "Select all rows",
    "data-testid": options.selectAllTestId ?? "table-select-all",
    onchange: () => {
      // Only the rows on show are (un)selected: with keepHiddenSelection, rows hidden by a filter
      // keep their state.
      for (const row of viewRows) {
        if (selectAll.checked) {
          if (canSelect(row)) selected.add(options.rowKey(row));
        } else selected.delete(options.rowKey(row));
      }
      afterSelectionChange();
    },
  });

  /** @type {Map<string, HTMLElement>} */
  const headerCells = new Map();
  const head = h(
    "div",
    { class: "data-table__head", role: "row", "aria-rowindex": "1" },
    selectable ? h("div", { class: "data-table__cell data-table__cell--check", role: "columnheader" }, selectAll) : null,
    columns.map((column) => {
      const content = column.sortable
        ? h(
            "button",
            { type: "button", class: "data-table__sort", onclick: () => toggleSort(column.key) },
            h("span", null, column.label),
            h("span", { class: "data-table__sort-icon" }, icon("chevronDown", { size: 12 })),
          )
        : column.label;
      const cell = h(
        "div",
        { class: ["data-table__cell", "data-table__cell--head", column.align && `align-${column.align}`], role: "columnheader", "data-column": column.key },
        content,
      );
      headerCells.set(column.key, cell);
      return cell;
    }),
  );
  const body = h("div", { class: "data-table__body", role: "rowgroup" });
  const emptyHost = h("div", { class: "data-table__empty", hidden: true });
  const viewport = h("div", { class: "data-table__viewport" }, head, body, emptyHost);
  const el = h(
    "div",
    { class: ["data-table", selectable && "data-table--selectable"], role: "grid", "aria-label": options.label, "aria-multiselectable": selectable ? "true" : undefined, "data-testid": options.testid, style: { "--table-columns": tracks, "--table-row-height": `${rowHeight}px`, "--table-min-width": minWidth } },
    viewport,
  );

  viewport.addEventListener("scroll", schedule, { passive: true });
  const resizeObserver = typeof ResizeObserver === "function" ? new ResizeObserver(() => schedule()) : null;
  resizeObserver?.observe(viewport);

  function schedule() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      renderWindow(false);
    });
  }

  function applySort() {
    viewRows = sourceRows.slice();
    if (sort && sortMode === "client") {
      const column = columns.find((c) => c.key === sort?.key);
      if (column) {
        const factor = sort.direction === "asc" ? 1 : -1;
        viewRows.sort((a, b) => {
          const va = valueOf(column, a);
          const vb = valueOf(column, b);
          if (va === vb) return 0;
          if (va === null || va === undefined || va === "") return 1;
          if (vb === null || vb === undefined || vb === "") return -1;
          if (typeof va === "number" && typeof vb === "number") return (va - vb) * factor;
          return collator.compare(String(va), String(vb)) * factor;
        });
      }
    }
    for (const [key, cell] of headerCells) {
      const active = sort && sort.key === key;
      cell.setAttribute("aria-sort", active ? (sort?.direction === "asc" ? "ascending" : "descending") : "none");
      cell.classList.toggle("is-sorted", Boolean(active));
      cell.classList.toggle("is-desc", Boolean(active && sort?.direction === "desc"));
    }
  }

  /** @param {string} key */
  function toggleSort(key) {
    /** @type {SortState} */
    const next = sort && sort.key === key ? { key, direction: sort.direction === "asc" ? "desc" : "asc" } : { key, direction: "asc" };
    setSort(next);
    options.onSortChange?.(next);
  }

  /** @param {SortState | null} next */
  function setSort(next) {
    sort = next;
    applySort();
    renderWindow(true);
  }

  /** @param {Row} row @param {number} index */
  function buildRow(row, index) {
    const key = options.rowKey(row);
    const isSelected = selected.has(key);
    const enabled = canSelect(row);
    const extra = options.rowAttrs ? options.rowAttrs(row) : {};
    const rowEl = h("div", {
      ...extra,
      class: ["data-table__row", isSelected && "is-selected", selectable && !enabled && "is-unselectable", extra.class],
      role: "row",
      "aria-rowindex": String(index + 2),
      "aria-selected": selectable ? String(isSelected) : undefined,
      "aria-disabled": selectable && !enabled ? "true" : undefined,
      "data-key": String(key),
      style: { transform: `translateY(${index * rowHeight}px)` },
    });
    if (selectable) {
      const checkbox = h("input", {
        type: "checkbox",
        class: "checkbox",
        checked: isSelected,
        disabled: !enabled,
        "aria-label": options.rowLabel ? options.rowLabel(row) : "Select row",
        onclick: (/** @type {MouseEvent} */ event) => {
          event.stopPropagation();
          toggleRow(index, checkbox.checked, event.shiftKey);
        },
      });
      rowEl.appendChild(h("div", { class: "data-table__cell data-table__cell--check", role: "gridcell" }, checkbox));
    }
    for (const column of columns) {
      const cell = h("div", { class: ["data-table__cell", column.align && `align-${column.align}`, column.mono && "is-mono"], role: "gridcell", "data-column": column.key });
      if (column.render) {
        append(cell, column.render(row) ?? "");
      } else {
        const value = valueOf(column, row);
        const text = value === null || value === undefined ? "" : plainText(String(value));
        cell.textContent = text;
        if (text.length > 24) cell.title = text;
      }
      rowEl.appendChild(cell);
    }
    if (options.onRowClick) {
      rowEl.classList.add("is-clickable");
      rowEl.addEventListener("click", (event) => options.onRowClick?.(row, event));
    }
    return rowEl;
  }

  /**
   * @param {number} index
   * @param {boolean} checked
   * @param {boolean} extend shift-click selects the range from the last clicked row
   */
  function toggleRow(index, checked, extend) {
    if (extend && anchorIndex !== null) {
      const [from, to] = anchorIndex < index ? [anchorIndex, index] : [index, anchorIndex];
      for (let i = from; i <= to; i += 1) {
        if (!canSelect(viewRows[i])) continue;
        const key = options.rowKey(viewRows[i]);
        if (checked) selected.add(key);
        else selected.delete(key);
      }
    } else {
      const key = options.rowKey(viewRows[index]);
      if (checked) selected.add(key);
      else selected.delete(key);
    }
    anchorIndex = index;
    afterSelectionChange();
  }

  function afterSelectionChange() {
    // The header box reflects the rows on show that can be selected. With nothing selected only
    // "is any row selectable" matters, which the first selectable row answers (a long table is
    // not walked on every load).
    let total = 0;
    let shownSelected = 0;
    if (selected.size === 0) {
      total = viewRows.some((row) => canSelect(row)) ? 1 : 0;
    } else {
      for (const row of viewRows) {
        if (!canSelect(row)) continue;
        total += 1;
        if (selected.has(options.rowKey(row))) shownSelected += 1;
      }
    }
    const count = selected.size;
    selectAll.checked = total > 0 && shownSelected >= total;
    selectAll.indeterminate = shownSelected > 0 && shownSelected < total;
    selectAll.disabled = total === 0;
    el.dataset.selectedCount = String(count);
    renderWindow(true);
    options.onSelectionChange?.(new Set(selected));
  }

  /** @param {boolean} force */
  function renderWindow(force) {
    const total = viewRows.length;
    el.setAttribute("aria-rowcount", String(total + 1));
    const isEmpty = total === 0;
    emptyHost.hidden = !isEmpty || !options.empty;
    body.hidden = isEmpty && Boolean(options.empty);
    if (isEmpty && options.empty && !emptyHost.firstChild) {
      append(emptyHost, typeof options.empty === "function" ? options.empty() : options.empty);
    }
    body.style.height = `${total * rowHeight}px`;
    const viewportHeight = viewport.clientHeight || 600;
    const scrollTop = Math.max(0, viewport.scrollTop - body.offsetTop);
    const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
    const last = Math.min(total - 1, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
    if (!force && first === renderedFirst && last === renderedLast) return;
    renderedFirst = first;
    renderedLast = last;
    const fragment = document.createDocumentFragment();
    for (let i = first; i <= last; i += 1) fragment.appendChild(buildRow(viewRows[i], i));
    clear(body);
    body.appendChild(fragment);
  }

  applySort();
  renderWindow(true);

  return {
    el,
    setRows(rows) {
      sourceRows = rows;
      applySort();
      if (!options.keepHiddenSelection) {
        const keys = new Set(viewRows.map((row) => options.rowKey(row)));
        for (const key of [...selected]) if (!keys.has(key)) selected.delete(key);
      }
      anchorIndex = null;
      if (rows.length) clear(emptyHost);
      afterSelectionChange();
    },
    getRows: () => viewRows.slice(),
    getSelection: () => new Set(selected),
    setSelection(keys) {
      selected.clear();
      for (const key of keys) selected.add(key);
      afterSelectionChange();
    },
    clearSelection() {
      selected.clear();
      afterSelectionChange();
    },
    toggle(key) {
      const row = viewRows.find((r) => options.rowKey(r) === key) ?? sourceRows.find((r) => options.rowKey(r) === key);
      if (row === undefined || !canSelect(row)) return;
      if (selected.has(key)) selected.delete(key);
      else selected.add(key);
      afterSelectionChange();
    },
    setSort,
    scrollToIndex(index) {
      viewport.scrollTop = body.offsetTop + index * rowHeight;
      renderWindow(false);
    },
    refresh: () => renderWindow(true),
    destroy() {
      resizeObserver?.disconnect();
      if (frame) cancelAnimationFrame(frame);
      el.remove();
    },
  };
}
