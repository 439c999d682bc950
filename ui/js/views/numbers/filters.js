// @ts-check
/**
 * The filters of Phone Numbers: the search box (debounced), the carrier, status, type and agent
 * choices and "Drifted only", read as one NumberFilter for every query of the table. The agent
 * choice lists the workspace's agents, read again after an assignment changes their counts.
 */
import { h } from "../../dom.js";
import { textInput, selectInput, checkboxField } from "../../components/form.js";
import { icon } from "../../components/icons.js";
import { showErrorToast } from "../../components/toast.js";
import { NUMBER_TYPE_LABELS } from "../../format.js";
import { STATUS_LABELS } from "./shared.js";

/**
 * @typedef {import("./shared.js").NumbersView} NumbersView
 * @typedef {import("../../api.js").NumberFilter} NumberFilter
 * @typedef {import("../../api.js").NumberStatus} NumberStatus
 * @typedef {import("../../api.js").AgentRow} AgentRow
 */

/**
 * @param {NumbersView} view
 * @param {() => void} onChange called when the user changes a filter
 */
export function createFilters(view, onChange) {
  const { api, workspaceId } = view;
  const search = textInput({ name: "numbersFilter", type: "search", placeholder: "Search numbers, names, regions…", class: "input input--search", "aria-label": "Search numbers", "data-testid": "numbers-search" });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let searchTimer;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => onChange(), 250);
  });

  const carrierFilter = selectInput({
    name: "carrierFilter",
    options: [{ value: "", label: "All carriers" }, { value: "twilio", label: "Twilio" }, { value: "telnyx", label: "Telnyx" }, { value: "sip", label: "SIP trunk" }],
    value: "",
    attrs: { "aria-label": "Carrier", "data-testid": "filter-carrier", onchange: () => onChange() },
  });
  const statusFilter = selectInput({
    name: "statusFilter",
    options: [{ value: "", label: "All statuses" }, ...Object.entries(STATUS_LABELS).map(([value, label]) => ({ value, label }))],
    value: "",
    attrs: { "aria-label": "Status", "data-testid": "filter-status", onchange: () => onChange() },
  });
  const typeFilter = selectInput({
    name: "typeFilter",
    options: [{ value: "", label: "All types" }, ...Object.entries(NUMBER_TYPE_LABELS).map(([value, label]) => ({ value, label }))],
    value: "",
    attrs: { "aria-label": "Type", "data-testid": "filter-type", onchange: () => onChange() },
  });
  const agentFilter = selectInput({
    name: "agentFilter",
    options: agentFilterOptions([]),
    value: "",
    attrs: { "aria-label": "Agent", "data-testid": "filter-agent", onchange: () => onChange() },
  });
  const driftedOnly = checkboxField({ name: "driftedOnly", label: "Drifted only", attrs: { "data-testid": "filter-drifted", onchange: () => onChange() } });

  /** @type {AgentRow[]} */
  let agents = [];
  async function loadAgents() {
    try {
      const list = await api.listAgents(workspaceId);
      if (view.disposed) return agents;
      agents = list;
      const current = agentFilter.select.value;
      agentFilter.select.replaceChildren(...agentFilterOptions(list).map((o) => h("option", { value: o.value }, o.label)));
      agentFilter.select.value = [...agentFilter.select.options].some((o) => o.value === current) ? current : "";
    } catch (error) {
      if (!view.disposed) showErrorToast(error);
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

  /** Every filter back to "all"; the caller reloads. */
  function clear() {
    search.value = "";
    carrierFilter.select.value = "";
    statusFilter.select.value = "";
    typeFilter.select.value = "";
    agentFilter.select.value = "";
    driftedOnly.input.checked = false;
  }

  return {
    /** The controls, in the order of the toolbar. */
    controls: [
      h("div", { class: "search-box" }, h("span", { class: "search-box__icon" }, icon("search", { size: 14 })), search),
      carrierFilter.el,
      statusFilter.el,
      typeFilter.el,
      agentFilter.el,
      driftedOnly.el,
    ],
    currentFilter,
    loadAgents,
    clear,
    destroy: () => clearTimeout(searchTimer),
  };
}

/** @param {NumberFilter} filter */
export function isFiltered(filter) {
  return Boolean(filter.text) || Boolean(filter.carriers?.length) || Boolean(filter.statuses?.length) || Boolean(filter.types?.length) || filter.agent !== null || Boolean(filter.drifted_only);
}

/**
 * @param {AgentRow[]} list
 * @returns {{ value: string, label: string }[]}
 */
function agentFilterOptions(list) {
  return [{ value: "", label: "All agents" }, { value: "unassigned", label: "Unassigned" }, ...list.map((a) => ({ value: `agent:${a.id}`, label: a.name }))];
}
