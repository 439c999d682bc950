// @ts-check
/**
 * Buy Numbers: search a carrier's stock and buy. A workspace on the Unlimited plan with the
 * Flex Phone self-serve flag buys from the agency's number pool (many numbers in one Telnyx
 * order, Pending until it completes); any other workspace buys one number at a time through its
 * own connected Twilio or Telnyx account (the marketplace). Every purchase is confirmed in a
 * dialog showing the cost and the balance before and after. Below the results, the Orders panel
 * lists the workspace's orders and processes the pending ones on demand.
 *
 * Carrier text (regions, localities, failure reasons) is untrusted: it goes in as text only.
 */
import { markPainted, markStart } from "../perf.js";
import { h, replaceChildren } from "../dom.js";
import { pageHeader, card } from "../components/page.js";
import { emptyState } from "../components/empty-state.js";
import { createTable } from "../components/table.js";
import { field, textInput, selectInput, checkboxField, formErrorSlot, withBusy } from "../components/form.js";
import { openDialog, dialogCancelButton } from "../components/dialog.js";
import { showToast, showErrorToast } from "../components/toast.js";
import { callout } from "../components/callout.js";
import { icon } from "../components/icons.js";
import { numberTypeIcon } from "../components/number-type-icon.js";
import { creditsText } from "../components/credits.js";
import { sandboxBadge } from "../workspace.js";
import { carrierName, numberTypeLabel, featuresText, formatCount, plural, formatRelative, parseDate } from "../format.js";

/**
 * @typedef {import("../main.js").ViewContext} ViewContext
 * @typedef {import("../api.js").Workspace} Workspace
 * @typedef {import("../api.js").Connection} Connection
 * @typedef {import("../api.js").Country} Country
 * @typedef {import("../api.js").SearchQuery} SearchQuery
 * @typedef {import("../api.js").SearchResults} SearchResults
 * @typedef {import("../api.js").Offer} Offer
 * @typedef {import("../api.js").Quote} Quote
 * @typedef {import("../api.js").Purchase} Purchase
 * @typedef {import("../api.js").OrderSummary} OrderSummary
 * @typedef {import("../api.js").SyncReport} SyncReport
 * @typedef {import("../api.js").NumberType} NumberType
 */

/** The pool flag, as workspaces carry it. */
const POOL_FLAG = "flex_phone_self-serve";

/** @type {NumberType[]} */
const SEARCH_TYPES = ["local", "mobile", "toll_free", "national"];

/** @type {{ key: "voice" | "sms" | "mms", label: string }[]} */
const FEATURES = [
  { key: "voice", label: "Voice" },
  { key: "sms", label: "SMS" },
  { key: "mms", label: "MMS" },
];

const NO_PRORATION = "No proration: the full month is charged now; releasing a number refunds nothing.";

/** @type {Record<string, { label: string, kind: string }>} */
const ORDER_STATUS = {
  pending: { label: "Pending", kind: "warning" },
  success: { label: "Completed", kind: "success" },
  failure: { label: "Failed", kind: "danger" },
};

/** @type {Record<string, { label: string, kind: string }>} */
const NUMBER_STATUS = {
  pending: { label: "Pending", kind: "warning" },
  active: { label: "Active", kind: "success" },
  failed: { label: "Failed", kind: "danger" },
  released: { label: "Released", kind: "neutral" },
};

/**
 * Whether a workspace buys from the agency's number pool.
 * @param {Workspace} workspace
 */
function usesPool(workspace) {
  return workspace.plan === "unlimited" && workspace.flags.includes(POOL_FLAG);
}

/**
 * The last search of each workspace in this session, so coming back to the view shows it again.
 * Kept in sessionStorage (it survives a re-render of the whole UI, not a restart).
 * @param {number} workspaceId
 * @returns {SearchQuery | null}
 */
function lastQuery(workspaceId) {
  try {
    const text = sessionStorage.getItem(`numberdesk.buy.lastQuery.${workspaceId}`);
    if (!text) return null;
    const query = JSON.parse(text);
    return query && typeof query === "object" && typeof query.country === "string" ? query : null;
  } catch {
    return null;
  }
}

/**
 * @param {number} workspaceId
 * @param {SearchQuery} query
 */
function rememberQuery(workspaceId, query) {
  try {
    sessionStorage.setItem(`numberdesk.buy.lastQuery.${workspaceId}`, JSON.stringify(query));
  } catch {
    // Private storage unavailable: the view simply starts empty next time.
  }
}

/** @param {unknown} error */
function messageOf(error) {
  if (error && typeof error === "object" && "code" in error && typeof (/** @type {any} */ (error).message) === "string") {
    return /** @type {any} */ (error).message;
  }
  console.error(error);
  return "Something unexpected went wrong. Please try again.";
}

/** @param {string} iso */
function dateTime(iso) {
  const date = parseDate(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
}

/** @param {Offer} offer */
function placeText(offer) {
  return [offer.locality, offer.region].filter(Boolean).join(", ") || offer.country || "—";
}

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  const workspace = ctx.workspace;
  if (!workspace) return;
  const { api } = ctx;
  const pool = usesPool(workspace);
  let disposed = false;

  const body = h("div", { class: "buy-body", "aria-busy": "true" }, h("div", { class: "panel panel--loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading…"));
  const orders = ordersPanel();

  root.append(
    h(
      "div",
      { class: "view", "data-testid": "view-buy", "data-flow": pool ? "pool" : "marketplace" },
      pageHeader({
        title: "Buy Numbers",
        description: pool
          ? "Numbers come from the agency's number pool. Pick as many as you need; they are bought in one order."
          : "Numbers are bought one at a time through this workspace's own carrier account.",
        meta: workspace.isSandbox ? sandboxBadge() : null,
      }),
      body,
      orders.el,
    ),
  );

  /** @type {(() => void) | null} */
  let unlisten = null;
  api
    .onOrdersCompleted((update) => {
      if (!disposed && update.workspace_id === workspace.id) orders.load();
    })
    .then((stop) => {
      if (disposed) stop();
      else unlisten = stop;
    })
    .catch((error) => console.warn("Order notifications are unavailable here", error));

  /** @type {ReturnType<typeof searchSection> | null} */
  let search = null;

  start();
  orders.load();

  return () => {
    disposed = true;
    unlisten?.();
    search?.destroy();
  };

  async function start() {
    try {
      if (pool) {
        const settings = await api.getPoolSettings();
        if (disposed) return;
        // Sandbox workspaces buy from the sandbox's own pool; real ones need the agency's account.
        if (!settings.configured && !(settings.sandbox && workspace.isSandbox)) {
          showBody(
            h(
              "div",
              { class: "panel" },
              emptyState({
                icon: "settings",
                title: "The number pool is not set up yet",
                text: "This workspace buys from the agency's number pool (Unlimited plan with Flex Phone self-serve). Add the agency's Telnyx account in Settings, then come back to search.",
                actions: [{ label: "Set up the number pool", icon: "settings", onClick: () => ctx.navigate("settings"), testid: "open-pool-settings" }],
              }),
            ),
            "pool-not-configured",
          );
          return;
        }
        search = searchSection([]);
        showBody(search.el);
        return;
      }
      const connections = await api.listConnections(workspace.id);
      if (disposed) return;
      if (connections.length === 0) {
        showBody(
          h(
            "div",
            { class: "panel" },
            emptyState({
              icon: "plug",
              title: "Connect a carrier to buy numbers",
              text: "This workspace buys numbers through its own Twilio or Telnyx account. Connect one in Carriers, then come back to search.",
              actions: [{ label: "Go to Carriers", icon: "plug", onClick: () => ctx.navigate("carriers"), testid: "buy-go-carriers" }],
            }),
          ),
          "no-connection",
        );
        return;
      }
      search = searchSection(connections);
      showBody(search.el);
    } catch (error) {
      if (disposed) return;
      showBody(
        h(
          "div",
          { class: "panel" },
          emptyState({ icon: "alert", title: "Buying is unavailable right now", text: messageOf(error), actions: [{ label: "Try again", onClick: () => start(), testid: "buy-retry" }] }),
        ),
        "buy-unavailable",
      );
    }
  }

  /**
   * @param {Node} node
   * @param {string} [state]
   */
  function showBody(node, state) {
    body.removeAttribute("aria-busy");
    if (state) body.dataset.state = state;
    else delete body.dataset.state;
    body.replaceChildren(node);
  }

  // ------------------------------------------------------------------------------------------
  // Search form and results

  /** @param {Connection[]} connections */
  function searchSection(connections) {
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
    const results = resultsSection({
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
        if (disposed) return;
        country.select.replaceChildren(...countries.map((c) => h("option", { value: c.iso }, c.name)));
        if (!countries.some((c) => c.iso === wanted) && countries.length) {
          country.select.value = countries.some((c) => c.iso === "US") ? "US" : countries[0].iso;
        } else {
          country.select.value = wanted;
        }
        applyCountryTypes();
      } catch (error) {
        if (disposed) return;
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
        if (disposed) return;
        current = { query };
        rememberQuery(workspace.id, query);
        results.show(found, query);
        markPainted("search-results-painted");
      } catch (error) {
        if (disposed) return;
        errorSlot.show(messageOf(error));
      } finally {
        if (!disposed) results.setBusy(false);
      }
    }

    /** After a failed purchase: the cache no longer has a number that is gone. */
    async function reloadFromCache() {
      if (!current) return;
      try {
        const cached = await api.cachedSearch(workspace.id, current.query);
        if (!disposed && cached) results.show(cached, current.query, { keepBought: true });
      } catch (error) {
        console.warn(error);
      }
    }

    async function restore() {
      if (!remembered) return;
      try {
        const cached = await api.cachedSearch(workspace.id, remembered);
        if (disposed || !cached || current) return;
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

  /**
   * @param {{ connectionFor: () => number | null, onRefresh: () => void, onSuggestion: (areaCode: string) => void, reloadFromCache: () => Promise<void> }} hooks
   */
  function resultsSection(hooks) {
    /** @type {Offer[]} */
    let offers = [];
    /** @type {Map<string, string>} e164 → status label of numbers bought from these results */
    const bought = new Map();
    /** @type {SearchResults | null} */
    let shown = null;

    const banner = h("div", { class: "buy-results__banner" });
    const count = h("p", { class: "picker__counts", "data-testid": "results-count", "aria-live": "polite" });
    const refreshButton = h(
      "button",
      { type: "button", class: "btn btn--secondary btn--sm", "data-testid": "buy-refresh", title: "Load more numbers from the carrier", onclick: () => hooks.onRefresh() },
      icon("refresh", { size: 14 }),
      "Refresh",
    );

    // Pool: pick many, then Buy now.
    const allowUpdates = checkboxField({
      name: "allowWebhookUpdates",
      label: "Allow webhook & messaging updates",
      description: "Point the numbers' calls and messages at this workspace as they are bought.",
      checked: false,
      attrs: { "data-testid": "allow-webhook-updates" },
    });
    const buyNowLabel = h("span", null, "Buy now (0)");
    const buyNow = h("button", { type: "button", class: "btn btn--primary", "data-testid": "buy-now", disabled: true, onclick: () => confirmPoolPurchase() }, icon("plus"), buyNowLabel);

    /** @type {import("../components/table.js").Column<Offer>[]} */
    const columns = [
      {
        key: "e164",
        label: "Number",
        sortable: true,
        width: "minmax(170px, 1.2fr)",
        render: (o) =>
          h(
            "span",
            { class: "offer-number", title: numberTypeLabel(o.number_type) },
            h("span", { class: "offer-number__icon" }, numberTypeIcon(o.number_type)),
            h("span", { class: "is-mono", "data-testid": "offer-e164" }, o.e164),
          ),
      },
      { key: "region", label: "Region", sortable: true, width: "minmax(140px, 1.2fr)", value: (o) => placeText(o) },
      { key: "number_type", label: "Type", sortable: true, width: "96px", value: (o) => numberTypeLabel(o.number_type) },
      {
        key: "features",
        label: "Capabilities",
        sortable: true,
        width: "minmax(120px, 0.9fr)",
        value: (o) => featuresText(o.features),
        render: (o) => h("span", { class: "text-muted-sm" }, featuresText(o.features)),
      },
      {
        key: "monthly_cost_credits",
        label: "Monthly",
        sortable: true,
        align: "end",
        width: "112px",
        value: (o) => o.monthly_cost_credits,
        render: (o) =>
          o.monthly_cost_credits === null
            ? h("span", { class: "text-muted-sm", title: "The carrier gave no price NumberDesk can convert; this number cannot be bought here." }, "No price")
            : h("span", { "data-testid": "offer-cost" }, creditsText(o.monthly_cost_credits)),
      },
    ];
    if (!pool) {
      columns.push({
        key: "action",
        label: "",
        align: "end",
        width: "104px",
        render: (o) => {
          const status = bought.get(o.e164);
          if (status) return h("span", { class: "badge badge--success", "data-testid": "offer-bought" }, `Bought · ${status}`);
          return h(
            "button",
            {
              type: "button",
              class: "btn btn--secondary btn--sm",
              "data-testid": "buy-number",
              disabled: o.monthly_cost_credits === null,
              "aria-label": `Buy ${o.e164}`,
              onclick: () => confirmMarketplacePurchase(o),
            },
            "Buy",
          );
        },
      });
    }

    /** @type {Offer[]} */
    const none = [];
    const table = createTable({
      columns,
      rows: none,
      rowKey: (o) => o.e164,
      rowHeight: 44,
      selectable: pool,
      isSelectable: (o) => o.monthly_cost_credits !== null && !bought.has(o.e164),
      selectAllTestId: "results-select-all",
      rowLabel: (o) => `Select ${o.e164}`,
      label: "Numbers on sale",
      testid: "results-table",
      rowAttrs: (o) => ({ "data-testid": "offer-row", "data-e164": o.e164, "data-bought": bought.has(o.e164) ? "true" : undefined }),
      onSelectionChange: (selected) => {
        buyNowLabel.textContent = `Buy now (${formatCount(selected.size)})`;
        buyNow.disabled = selected.size === 0;
        buyNow.dataset.count = String(selected.size);
      },
    });

    const emptyHost = h("div", { class: "buy-results__empty", hidden: true });
    const toolbar = h(
      "div",
      { class: "picker__toolbar buy-results__toolbar" },
      count,
      pool ? allowUpdates.el : null,
      h("div", { class: "picker__toolbar-end" }, refreshButton, pool ? buyNow : null),
    );
    const section = h("section", { class: "buy-results", "data-testid": "search-results", hidden: true }, banner, toolbar, table.el, emptyHost);

    /**
     * @param {SearchResults} results
     * @param {SearchQuery} query
     * @param {{ keepBought?: boolean }} [options]
     */
    function show(results, query, options = {}) {
      shown = results;
      section.hidden = false;
      section.dataset.stale = String(results.possibly_stale);
      if (!options.keepBought) bought.clear();
      // Numbers bought here leave the cached results; keep them on screen, marked, until the next search.
      const keptBought = options.keepBought ? offers.filter((o) => bought.has(o.e164) && !results.offers.some((r) => r.e164 === o.e164)) : [];
      offers = [...results.offers, ...keptBought];
      replaceChildren(
        banner,
        results.possibly_stale
          ? callout({
              kind: "warning",
              testid: "stale-warning",
              title: "These results may be out of date",
              children: h(
                "p",
                { class: "callout__text" },
                results.offline_reason
                  ? `${carrierName(results.carrier)} could not be reached (${results.offline_reason}), so these are the results saved ${formatRelative(results.fetched_at)} (${dateTime(results.fetched_at)}).`
                  : `These are the results of your last search, saved ${formatRelative(results.fetched_at)} (${dateTime(results.fetched_at)}).`,
                " Some of these numbers may have been sold since; search again for fresh results.",
              ),
            })
          : null,
      );
      const fetched = results.possibly_stale ? "" : ` · fetched ${formatRelative(results.fetched_at)}`;
      count.textContent = `${plural(offers.length, "number")} from ${carrierName(results.carrier)}${fetched}`;
      table.setRows(offers);
      table.el.hidden = offers.length === 0;
      toolbar.hidden = offers.length === 0 && !results.possibly_stale;
      emptyHost.hidden = offers.length !== 0;
      if (offers.length === 0) emptyHost.replaceChildren(noResults(results, query));
    }

    /**
     * @param {SearchResults} results
     * @param {SearchQuery} query
     */
    function noResults(results, query) {
      const suggestions = results.suggestions;
      return h(
        "div",
        { class: "panel buy-no-results", "data-testid": "no-results" },
        h("div", { class: "empty-state__icon" }, icon("search", { size: 22 })),
        h("h2", { class: "empty-state__title" }, query.area_code ? `No numbers on sale in area code ${query.area_code}` : "No numbers match this search"),
        h(
          "p",
          { class: "empty-state__text" },
          suggestions.length ? "These nearby area codes have numbers on sale:" : "Try another area code, fewer capabilities, or another number type.",
        ),
        suggestions.length
          ? h(
              "div",
              { class: "buy-suggestions" },
              suggestions.map((s) =>
                h(
                  "button",
                  { type: "button", class: "btn btn--secondary buy-suggestion", "data-testid": "suggestion", "data-area-code": s.area_code, onclick: () => hooks.onSuggestion(s.area_code) },
                  h("span", { class: "buy-suggestion__code" }, s.area_code),
                  h("span", { class: "buy-suggestion__place" }, [s.locality, s.region].filter(Boolean).join(", ") || plural(s.numbers_seen, "number")),
                ),
              ),
            )
          : null,
      );
    }

    // ---------------------------------------------------------------- buying

    async function confirmPoolPurchase() {
      const numbers = [...table.getSelection()].map(String);
      if (numbers.length === 0) return;
      const allow = allowUpdates.input.checked;
      /** @type {Quote} */
      let quote;
      try {
        quote = await withBusy(buyNow, () => api.quotePurchase(workspace.id, numbers));
      } catch (error) {
        showErrorToast(error);
        await hooks.reloadFromCache();
        return;
      }
      if (disposed) return;
      /** @type {Purchase | null} */
      const purchase = await confirmDialog(quote, {
        title: `Buy ${plural(numbers.length, "number")} from the pool?`,
        confirmLabel: `Buy ${plural(numbers.length, "number")}`,
        extra: allow
          ? h("p", { class: "dialog__text", "data-testid": "quote-webhooks" }, "Their calls and messages will be pointed at this workspace.")
          : h("p", { class: "dialog__text", "data-testid": "quote-webhooks" }, "Their webhooks will not be changed (outbound only)."),
        buy: () => api.buyFromPool(workspace.id, numbers, allow),
      });
      // Told even if the view was re-rendered meanwhile (an order finishing in the background).
      if (!purchase) return;
      const pending = purchase.numbers.filter((n) => n.status === "pending").length;
      const failed = purchase.numbers.filter((n) => n.status === "failed").length;
      const ordered = `${plural(purchase.numbers.length, "number")} ordered`;
      showToast(
        pending > 0 ? `${ordered} — Pending until the order completes` : failed > 0 ? `${ordered} — ${formatCount(failed)} failed; see Orders` : `${ordered} — Active`,
        { kind: failed > 0 ? "error" : "success" },
      );
      ctx.navigate("numbers");
    }

    /** @param {Offer} offer */
    async function confirmMarketplacePurchase(offer) {
      /** @type {Quote} */
      let quote;
      try {
        quote = await api.quotePurchase(workspace.id, [offer.e164]);
      } catch (error) {
        showErrorToast(error);
        await hooks.reloadFromCache();
        return;
      }
      if (disposed) return;
      const connection = hooks.connectionFor();
      /** @type {Purchase | null} */
      const purchase = await confirmDialog(quote, {
        title: `Buy ${offer.e164}?`,
        confirmLabel: "Buy number",
        buy: () => api.buyNumber(workspace.id, connection, offer.e164),
      });
      if (!purchase) return;
      const number = purchase.numbers[0];
      const status = NUMBER_STATUS[number?.status ?? "pending"] ?? { label: number?.status ?? "", kind: "neutral" };
      if (!disposed) {
        bought.set(offer.e164, status.label);
        table.setRows(offers);
      }
      if (number?.status === "pending") {
        showToast(`${offer.e164} ordered from ${carrierName(purchase.carrier)} — Pending until the order completes`, { kind: "success" });
      } else if (number?.status === "failed") {
        showToast(`${offer.e164} could not be bought: ${number.failure_reason ?? "the carrier refused the order"}`, { kind: "error" });
      } else {
        showToast(`${offer.e164} is yours — Active`, { kind: "success" });
      }
      if (!disposed) orders.load();
    }

    /**
     * The confirmation dialog: the numbers and their monthly cost, the balance before and after,
     * the no-proration rule. Buy is disabled (with the reason) when the credits do not cover it.
     * A refusal (too few credits, a number gone, a carrier error) is shown inside the dialog and
     * nothing else changes; a number gone is dropped from the results.
     * @param {Quote} quote
     * @param {{ title: string, confirmLabel: string, extra?: Node, buy: () => Promise<Purchase> }} options
     * @returns {Promise<Purchase | null>}
     */
    function confirmDialog(quote, options) {
      const single = quote.numbers.length === 1;
      const dialogError = h("div", { class: "buy-dialog__error" });
      const numbersList = single
        ? [
            h("dt", null, "Number"),
            h("dd", { class: "is-mono", "data-testid": "quote-number" }, quote.numbers[0].e164),
            h("dt", null, "Monthly cost"),
            h("dd", { "data-testid": "quote-cost" }, creditsText(quote.numbers[0].monthly_cost_credits)),
          ]
        : [
            h("dt", null, "Numbers"),
            h(
              "dd",
              null,
              h(
                "ul",
                { class: "quote-lines", "data-testid": "quote-lines" },
                quote.numbers.map((n) =>
                  h("li", { class: "quote-line", "data-testid": "quote-line", "data-e164": n.e164 }, h("span", { class: "is-mono" }, n.e164), h("span", { "data-testid": "quote-line-cost" }, creditsText(n.monthly_cost_credits))),
                ),
              ),
            ),
            h("dt", null, "Total per month"),
            h("dd", { "data-testid": "quote-total" }, creditsText(quote.total_credits)),
          ];
      return openDialog({
        title: options.title,
        size: "md",
        bare: true,
        footer: false,
        testid: "buy-confirm",
        body: (control) => {
          const buyButton = h(
            "button",
            {
              type: "button",
              class: "btn btn--primary",
              "data-testid": "dialog-confirm",
              disabled: !quote.affordable,
              onclick: async () => {
                dialogError.replaceChildren();
                control.setBusy(true);
                buyButton.setAttribute("aria-busy", "true");
                try {
                  const purchase = await options.buy();
                  control.close(purchase);
                } catch (error) {
                  control.setBusy(false);
                  buyButton.removeAttribute("aria-busy");
                  dialogError.replaceChildren(
                    h("div", { class: "form-error", role: "alert", "data-testid": "buy-error" }, icon("alertCircle", { size: 16 }), h("span", { class: "form-error__text" }, messageOf(error))),
                  );
                  // A number sold since the search has left the cache: drop it from the results.
                  await hooks.reloadFromCache();
                  orders.load();
                }
              },
            },
            options.confirmLabel,
          );
          return h(
            "div",
            { class: "buy-dialog" },
            h(
              "div",
              { class: "dialog__body" },
              h(
                "dl",
                { class: "definition-list buy-dialog__facts", "data-testid": "quote" },
                numbersList,
                h("dt", null, "Balance"),
                h(
                  "dd",
                  { class: "buy-dialog__balance" },
                  h("span", { "data-testid": "quote-balance-before" }, creditsText(quote.balance_before)),
                  h("span", { class: "buy-dialog__arrow", "aria-label": "after the purchase" }, icon("arrowRight", { size: 14 })),
                  h("span", { "data-testid": "quote-balance-after", class: quote.balance_after < 0 ? "amount--negative" : undefined }, creditsText(quote.balance_after)),
                ),
              ),
              h("p", { class: "dialog__text buy-dialog__rule", "data-testid": "quote-no-proration" }, NO_PRORATION),
              options.extra ?? null,
              quote.affordable
                ? null
                : callout({
                    kind: "error",
                    testid: "quote-unaffordable",
                    title: "Not enough credits",
                    children: h(
                      "p",
                      { class: "callout__text" },
                      `This costs ${creditsText(quote.total_credits)} but only ${creditsText(Math.max(quote.balance_before, 0))} are available. Release numbers, wait for next month's allowance, or raise the allowance in Settings.`,
                    ),
                  }),
              dialogError,
            ),
            h("footer", { class: "dialog__footer" }, dialogCancelButton(control), buyButton),
          );
        },
      });
    }

    return {
      el: section,
      refreshButton,
      show,
      /** @param {boolean} busy */
      setBusy(busy) {
        section.setAttribute("aria-busy", String(busy));
      },
      clear() {
        shown = null;
        offers = [];
        bought.clear();
        table.setRows(offers);
        section.hidden = true;
      },
      get shown() {
        return shown;
      },
      destroy: () => table.destroy(),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Orders

  function ordersPanel() {
    const resultSlot = h("div", { class: "orders__result" });
    const list = h("div", { class: "orders__list", "data-testid": "orders-list", "aria-busy": "true" });
    const processButton = h(
      "button",
      { type: "button", class: "btn btn--secondary btn--sm", "data-testid": "process-orders", onclick: () => processAll() },
      icon("refresh", { size: 14 }),
      "Process pending orders",
    );
    const el = card({
      title: "Orders",
      description: "Telnyx and pool orders stay Pending until the carrier completes them. NumberDesk checks on its own every so often; Process checks now.",
      testid: "orders-panel",
      aside: processButton,
      children: [resultSlot, list],
    });

    let loading = 0;
    async function load() {
      const ticket = ++loading;
      try {
        const all = await api.listOrders(workspace.id);
        if (disposed || ticket !== loading) return;
        list.removeAttribute("aria-busy");
        list.dataset.count = String(all.length);
        if (all.length === 0) {
          list.replaceChildren(h("p", { class: "text-muted-sm", "data-testid": "orders-empty" }, "No orders yet. Numbers you buy are listed here with their order."));
          return;
        }
        list.replaceChildren(...all.map(orderRow));
      } catch (error) {
        if (disposed || ticket !== loading) return;
        list.removeAttribute("aria-busy");
        list.replaceChildren(h("p", { class: "failure-reason", "data-testid": "orders-error" }, messageOf(error)));
      }
    }

    async function processAll() {
      try {
        const report = await withBusy(processButton, () => api.processOrders(workspace.id, null));
        if (disposed) return;
        resultSlot.replaceChildren(processResult(report));
      } catch (error) {
        if (disposed) return;
        resultSlot.replaceChildren(callout({ kind: "error", testid: "process-result", children: h("p", { class: "callout__text" }, messageOf(error)) }));
      }
      load();
    }

    return { el, load };
  }

  /** @param {OrderSummary} order */
  function orderRow(order) {
    const status = ORDER_STATUS[order.status] ?? { label: order.status, kind: "neutral" };
    const source = order.flow === "pool" ? "Number pool" : carrierName(order.carrier);
    return h(
      "article",
      { class: "order", "data-testid": "order-row", "data-order-id": String(order.order_id), "data-status": order.status },
      h(
        "header",
        { class: "order__header" },
        h("span", { class: "order__title" }, `Order ${order.order_id}`),
        h("span", { class: ["badge", `badge--${status.kind}`], "data-testid": "order-status" }, status.label),
        h(
          "span",
          { class: "order__meta" },
          `${source} · ${plural(order.numbers.length, "number")} · placed ${formatRelative(order.created_at)}`,
          order.last_synced_at ? ` · checked ${formatRelative(order.last_synced_at)}` : "",
        ),
      ),
      order.failure_reason ? h("p", { class: "failure-reason order__reason", "data-testid": "order-failure" }, order.failure_reason) : null,
      order.numbers.length
        ? h(
            "ul",
            { class: "order__numbers" },
            order.numbers.map((n) => {
              const numberStatus = NUMBER_STATUS[n.status] ?? { label: n.status, kind: "neutral" };
              return h(
                "li",
                { class: "order__number", "data-testid": "order-number", "data-e164": n.e164, "data-status": n.status },
                h("span", { class: "is-mono" }, n.e164),
                h("span", { class: ["badge", `badge--${numberStatus.kind}`], "data-testid": "order-number-status" }, numberStatus.label),
                h("span", { class: "text-muted-sm" }, `${creditsText(n.monthly_cost_credits)} a month`),
                n.failure_reason ? h("span", { class: "failure-reason" }, n.failure_reason) : null,
              );
            }),
          )
        : null,
    );
  }

  /** @param {SyncReport} report */
  function processResult(report) {
    const activated = report.updates.reduce((sum, u) => sum + u.activated.length, 0);
    const failed = report.updates.flatMap((u) => u.failed);
    const refunded = report.updates.reduce((sum, u) => sum + u.refunded_credits, 0);
    const stillPending = report.updates.filter((u) => u.status === "pending").length;
    /** @type {string[]} */
    const lines = [];
    if (report.orders_checked === 0 && report.recovered.length === 0) lines.push("No pending orders to check.");
    else lines.push(`Checked ${plural(report.orders_checked, "order")}.`);
    if (activated) lines.push(`${plural(activated, "number")} now Active.`);
    for (const f of failed) lines.push(`${f.e164} failed: ${f.reason}`);
    if (refunded) lines.push(`${creditsText(refunded)} refunded.`);
    if (stillPending) lines.push(`${plural(stillPending, "order")} still pending at the carrier; try again in a moment.`);
    if (report.recovered.length) lines.push(`${plural(report.recovered.length, "unfinished purchase")} settled with the carrier.`);
    const kind = report.errors.length || failed.length ? "warning" : activated ? "success" : "info";
    return callout({
      kind,
      testid: "process-result",
      children: [
        h("p", { class: "callout__text", "data-testid": "process-summary", "data-activated": String(activated), "data-pending": String(stillPending) }, lines.join(" ")),
        report.errors.map((e) => h("p", { class: "callout__text failure-reason" }, e)),
      ],
    });
  }
}
