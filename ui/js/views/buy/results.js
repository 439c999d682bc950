// @ts-check
/**
 * The search results of Buy Numbers: the numbers on sale in a virtualised table, a warning when
 * they come from the saved copy, nearby area codes when nothing was found, and buying from them:
 * one number at a time (marketplace) or the ticked ones in one order (pool). Kept apart from the
 * search form, which only asks; this module owns what is shown and bought.
 */
import { h, replaceChildren } from "../../dom.js";
import { createTable } from "../../components/table.js";
import { checkboxField, withBusy } from "../../components/form.js";
import { showToast, showErrorToast } from "../../components/toast.js";
import { callout } from "../../components/callout.js";
import { icon } from "../../components/icons.js";
import { numberTypeIcon } from "../../components/number-type-icon.js";
import { creditsText } from "../../components/credits.js";
import { carrierName, numberTypeLabel, featuresText, formatCount, plural, formatRelative } from "../../format.js";
import { NUMBER_STATUS, dateTime, placeText } from "./shared.js";
import { confirmDialog, addressPicker, bundlePicker } from "./confirm.js";

/** What a number's country asks of the buyer, as the results show it. */
const ADDRESS_NEEDS = { any: "Needs an address", local: "Needs a local address", foreign: "Needs an address abroad" };

/**
 * @typedef {import("./shared.js").BuyView} BuyView
 * @typedef {import("../../api.js").SearchQuery} SearchQuery
 * @typedef {import("../../api.js").SearchResults} SearchResults
 * @typedef {import("../../api.js").Offer} Offer
 * @typedef {import("../../api.js").Quote} Quote
 * @typedef {import("../../api.js").Purchase} Purchase
 */

/**
 * @param {BuyView} view
 * @param {{ connectionFor: () => number | null, onRefresh: () => void, onSuggestion: (areaCode: string) => void, reloadFromCache: () => Promise<void> }} hooks
 */
export function resultsSection(view, hooks) {
  const { api, workspace, pool } = view;
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

  /** @type {import("../../components/table.js").Column<Offer>[]} */
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
          o.address_requirement
            ? h("span", { class: "badge badge--warning", "data-testid": "offer-requirement", title: "The carrier sells this number only with an address on file" }, ADDRESS_NEEDS[o.address_requirement] ?? "Needs an address")
            : null,
          o.bundle_required
            ? h("span", { class: "badge badge--warning", "data-testid": "offer-bundle", title: "The carrier sells this number only with approved regulatory paperwork (a bundle or requirement group)" }, "Needs a regulatory bundle")
            : null,
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
    if (view.disposed) return;
    /** @type {Purchase | null} */
    const purchase = await confirmDialog(quote, {
      title: `Buy ${plural(numbers.length, "number")} from the pool?`,
      confirmLabel: `Buy ${plural(numbers.length, "number")}`,
      extra: allow
        ? h("p", { class: "dialog__text", "data-testid": "quote-webhooks" }, "Their calls and messages will be pointed at this workspace.")
        : h("p", { class: "dialog__text", "data-testid": "quote-webhooks" }, "Their webhooks will not be changed (outbound only)."),
      buy: () => api.buyFromPool(workspace.id, numbers, allow),
      afterRefusal,
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
    view.ctx.navigate("numbers");
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
    if (view.disposed) return;
    const connection = hooks.connectionFor();
    // A regulated number is bought with one of the account's Addresses or approved Bundles.
    let address = null;
    let bundle = null;
    if (connection !== null && (offer.address_requirement || offer.bundle_required)) {
      try {
        const [addresses, bundles] = await Promise.all([
          offer.address_requirement ? api.listAddresses(workspace.id, connection) : null,
          offer.bundle_required ? api.listBundles(workspace.id, connection, offer.e164) : null,
        ]);
        if (addresses && offer.address_requirement) address = addressPicker(addresses, offer.address_requirement);
        if (bundles) bundle = bundlePicker(bundles, shown?.carrier);
      } catch (error) {
        showErrorToast(error);
        return;
      }
      if (view.disposed) return;
    }
    const pickers = [address?.el, bundle?.el].filter((el) => el != null);
    /** @type {Purchase | null} */
    const purchase = await confirmDialog(quote, {
      title: `Buy ${offer.e164}?`,
      confirmLabel: "Buy number",
      extra: pickers.length > 0 ? h("div", { class: "buy-dialog__requirements" }, pickers) : undefined,
      buy: () => api.buyNumber(workspace.id, connection, offer.e164, address?.value() ?? null, bundle?.value() ?? null),
      afterRefusal,
    });
    if (!purchase) return;
    const number = purchase.numbers[0];
    const status = NUMBER_STATUS[number?.status ?? "pending"] ?? { label: number?.status ?? "", kind: "neutral" };
    if (!view.disposed) {
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
    if (!view.disposed) view.orders.load();
  }

  /** After a refused purchase: a number sold since the search has left the cache, so drop it from the results. */
  async function afterRefusal() {
    await hooks.reloadFromCache();
    view.orders.load();
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
