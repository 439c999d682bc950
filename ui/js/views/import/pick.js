// @ts-check
/**
 * Step 4 of the import wizard: the numbers of the connected account (10,000+ is fine) in a
 * searchable, virtualised list; numbers already imported are marked and cannot be picked. The
 * selection lives in the wizard's state, so the later steps and a refresh of the list keep it.
 */
import { h } from "../../dom.js";
import { textInput } from "../../components/form.js";
import { createTable } from "../../components/table.js";
import { emptyState } from "../../components/empty-state.js";
import { icon } from "../../components/icons.js";
import { showErrorToast } from "../../components/toast.js";
import { carrierName, numberTypeLabel, featuresText, formatCount, plural, formatRelative } from "../../format.js";
import { INLINE_CODES, stepHeading } from "./state.js";

/**
 * @typedef {import("./state.js").Wizard} Wizard
 * @typedef {import("../../api.js").Connection} Connection
 * @typedef {import("../../api.js").ImportableNumber} ImportableNumber
 */

/** @param {Wizard} w */
export function createPickStep(w) {
  const { api, workspaceId, state } = w;
  const searchInput = textInput({ name: "numberSearch", type: "search", placeholder: "Search by number, name or region", class: "input input--search", "aria-label": "Search numbers" });
  /** @type {ReturnType<typeof createPicker> | null} */
  let picker = null;

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
      w.errorSlot.replaceChildren(
        h("div", { class: "form-error", role: "alert", "data-testid": "step-error" }, icon("alertCircle", { size: 16 }), h("span", { class: "form-error__text" }, state.numbersError)),
      );
      return {
        node: h(
          "div",
          { class: "wizard__step", "data-testid": "step-numbers" },
          stepHeading("Pick the numbers to import", null),
          w.errorSlot,
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
        w.errorSlot,
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
    w.clearStepError();
    if (rerender && state.step === "numbers") w.render();
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
    if (state.step === "numbers" && !state.closed) w.render();
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
        w.updateFooter();
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

  return {
    numbersStep,
    destroy: () => /** @type {ReturnType<typeof createPicker> | null} */ (picker)?.destroy(),
  };
}
