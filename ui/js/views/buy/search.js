// @ts-check
/**
 * The search form of Buy Numbers: which account (marketplace with several), country, area code,
 * number types and capabilities. It remembers the last search per workspace and shows it again
 * from the saved copy when the view comes back; the results section shows and buys.
 */
import { markPainted, markStart } from "../../perf.js";
import { h } from "../../dom.js";
import { card } from "../../components/page.js";
import { field, textInput, selectInput, checkboxField, formErrorSlot, withBusy } from "../../components/form.js";
import { icon } from "../../components/icons.js";
import { carrierName, numberTypeLabel } from "../../format.js";
import { SEARCH_TYPES, FEATURES, lastQuery, rememberQuery, messageOf } from "./shared.js";
import { resultsSection } from "./results.js";

/**
 * @typedef {import("./shared.js").BuyView} BuyView
 * @typedef {import("../../api.js").Connection} Connection
 * @typedef {import("../../api.js").Country} Country
 * @typedef {import("../../api.js").SearchQuery} SearchQuery
 */

/**
 * @param {BuyView} view
 * @param {Connection[]} connections
 */
export function searchSection(view, connections) {
  const { api, workspace, pool } = view;
  const remembered = lastQuery(workspace.id);
  const errorSlot = formErrorSlot();

  // Marketplace with several connections: which account to buy through.
  const connectionPicker =
    connections.length > 1
      ? selectInput({
          name: "connection",
          value: String(connections.find((c) => c.id === remembered?.connection_id)?.id ?? connections[0].id),
          options: connections.map((c) => ({ value: String(c.id), label: `${c.name} (${carrierName(c.carrier)})` })),
          attrs: { "data-testid": "buy-connection" },
        })
      : null;

  /** @returns {number | null} */
  const connectionId = () => {
    if (pool) return null;
    if (connectionPicker) return Number(connectionPicker.select.value);
    return connections[0]?.id ?? null;
  };

  const country = selectInput({ name: "country", value: remembered?.country ?? "US", options: [{ value: remembered?.country ?? "US", label: "Loading countries…" }], attrs: { "data-testid": "buy-country" } });
  const areaCode = textInput({ name: "areaCode", inputmode: "numeric", placeholder: "e.g. 415", maxlength: "8", value: remembered?.area_code ?? "", "data-testid": "buy-area-code" });
  const typeBoxes = SEARCH_TYPES.map((type) => ({
    type,
    box: checkboxField({
      name: `type:${type}`,
      label: numberTypeLabel(type),
      checked: remembered ? remembered.types.includes(type) : type === "local",
      attrs: { "data-testid": `buy-type-${type}` },
    }),
  }));
  const featureBoxes = FEATURES.map((feature) => ({
    key: feature.key,
    box: checkboxField({
      name: `feature:${feature.key}`,
      label: feature.label,
      checked: remembered ? Boolean(remembered.features[feature.key]) : feature.key === "voice",
      attrs: { "data-testid": `buy-feature-${feature.key}` },
    }),
  }));
  const searchButton = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "buy-search" }, icon("search"), "Search");

  /** @type {Country[]} */
  let countries = [];

  const form = h(
    "form",
    { class: "form buy-search", novalidate: true, "data-testid": "search-form" },
    h(
      "div",
      { class: "buy-search__row" },
      connectionPicker ? field({ label: "Buy through", control: connectionPicker.el }) : null,
      field({ label: "Country", control: country.el }),
      field({ label: "Area code", control: areaCode, optional: true }),
    ),
    h(
      "div",
      { class: "buy-search__row" },
      h("fieldset", { class: "fieldset" }, h("legend", { class: "field__label" }, "Number types"), h("div", { class: "buy-search__choices" }, typeBoxes.map((t) => t.box.el))),
      h("fieldset", { class: "fieldset" }, h("legend", { class: "field__label" }, "Must support"), h("div", { class: "buy-search__choices" }, featureBoxes.map((f) => f.box.el))),
    ),
    h("div", { class: "buy-search__actions" }, searchButton),
    errorSlot.el,
  );
  form.addEventListener("input", () => errorSlot.clear());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch(false);
  });
  country.select.addEventListener("change", () => applyCountryTypes());
  connectionPicker?.select.addEventListener("change", () => {
    results.clear();
    loadCountries();
  });

  // ---------------------------------------------------------------- results
  const results = resultsSection(view, {
    connectionFor: () => current?.query.connection_id ?? connectionId(),
    onRefresh: () => runSearch(true),
    onSuggestion: (code) => {
      areaCode.value = code;
      runSearch(false);
    },
    reloadFromCache: () => reloadFromCache(),
  });

  /** @type {{ query: SearchQuery } | null} the search whose results are on screen */
  let current = null;

  async function loadCountries() {
    const wanted = country.select.value || remembered?.country || "US";
    // Busy until the carrier's list replaces the placeholder option, so that nothing (a user or
    // a test) picks an option that is about to be replaced.
    country.select.setAttribute("aria-busy", "true");
    try {
      countries = await api.listCountries(workspace.id, connectionId());
      if (view.disposed) return;
      country.select.replaceChildren(...countries.map((c) => h("option", { value: c.iso }, c.name)));
      if (!countries.some((c) => c.iso === wanted) && countries.length) {
        country.select.value = countries.some((c) => c.iso === "US") ? "US" : countries[0].iso;
      } else {
        country.select.value = wanted;
      }
      applyCountryTypes();
    } catch (error) {
      if (view.disposed) return;
      // Keep the remembered country so a search can still be tried; say why the list is missing.
      country.select.replaceChildren(h("option", { value: wanted }, wanted));
      errorSlot.show(messageOf(error));
    } finally {
      country.select.removeAttribute("aria-busy");
    }
  }

  /** Types the carrier says are not sold in the chosen country are disabled. */
  function applyCountryTypes() {
    const chosen = countries.find((c) => c.iso === country.select.value);
    const sold = chosen && chosen.number_types.length ? chosen.number_types : null;
    for (const { type, box } of typeBoxes) {
      const available = !sold || sold.includes(type);
      box.input.disabled = !available;
      if (!available) box.input.checked = false;
      box.el.classList.toggle("is-disabled", !available);
    }
    if (!typeBoxes.some((t) => t.box.input.checked)) {
      const first = typeBoxes.find((t) => !t.box.input.disabled);
      if (first) first.box.input.checked = true;
    }
  }

  /** @returns {SearchQuery | null} */
  function readQuery() {
    const types = typeBoxes.filter((t) => t.box.input.checked).map((t) => t.type);
    if (types.length === 0) {
      errorSlot.show("Pick at least one number type.");
      return null;
    }
    const features = { voice: false, sms: false, mms: false };
    for (const { key, box } of featureBoxes) features[key] = box.input.checked;
    const code = areaCode.value.trim();
    return {
      connection_id: connectionId(),
      country: country.select.value,
      area_code: code === "" ? null : code,
      types,
      features,
      limit: null,
    };
  }

  /** @param {boolean} more Refresh: the same search, one page more */
  async function runSearch(more) {
    const query = more && current ? current.query : readQuery();
    if (!query) return;
    errorSlot.clear();
    const button = more ? results.refreshButton : searchButton;
    results.setBusy(true);
    markStart("search-started");
    try {
      const found = await withBusy(button, () => api.searchNumbers(workspace.id, query, more));
      markStart("search-answered");
      if (view.disposed) return;
      current = { query };
      rememberQuery(workspace.id, query);
      results.show(found, query);
      markPainted("search-results-painted");
    } catch (error) {
      if (view.disposed) return;
      errorSlot.show(messageOf(error));
    } finally {
      if (!view.disposed) results.setBusy(false);
    }
  }

  /** After a failed purchase: the cache no longer has a number that is gone. */
  async function reloadFromCache() {
    if (!current) return;
    try {
      const cached = await api.cachedSearch(workspace.id, current.query);
      if (!view.disposed && cached) results.show(cached, current.query, { keepBought: true });
    } catch (error) {
      console.warn(error);
    }
  }

  async function restore() {
    if (!remembered) return;
    try {
      const cached = await api.cachedSearch(workspace.id, remembered);
      if (view.disposed || !cached || current) return;
      current = { query: remembered };
      results.show(cached, remembered);
    } catch (error) {
      // A remembered search that no longer fits (the connection went away): start afresh.
      console.warn(error);
    }
  }

  loadCountries();
  restore();

  const el = h(
    "div",
    { class: "buy-sections" },
    card({ title: "Search", description: pool ? "Search the number pool's stock." : "Search your carrier's stock.", children: form, testid: "buy-search-card" }),
    results.el,
  );
  return { el, destroy: () => results.destroy() };
}
