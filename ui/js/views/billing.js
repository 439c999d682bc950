// @ts-check
/**
 * Billing: the workspace's credits (balance, what is on hold for purchases under way, what is
 * available, the monthly allowance, the period and its reset, next month's renewals) and the
 * credit ledger, every entry with the number and order it was for. The balance is the sum of the
 * ledger; months are settled by the backend before it answers.
 */
import { h } from "../dom.js";
import { emptyState } from "../components/empty-state.js";
import { pageHeader, tile, card } from "../components/page.js";
import { createTable } from "../components/table.js";
import { icon } from "../components/icons.js";
import { showErrorToast } from "../components/toast.js";
import { creditsText, signedCredits } from "../components/credits.js";
import { PLAN_LABELS, sandboxBadge } from "../workspace.js";
import { formatCount, formatDate, parseDate, plural } from "../format.js";

/**
 * @typedef {import("../main.js").ViewContext} ViewContext
 * @typedef {import("../api.js").BillingInfo} BillingInfo
 * @typedef {import("../api.js").CreditEntry} CreditEntry
 * @typedef {import("../api.js").CreditSummary} CreditSummary
 */

/** @type {Record<string, string>} */
const KIND_LABELS = {
  allowance: "Monthly allowance",
  purchase: "Purchase",
  renewal: "Renewal",
  refund: "Refund",
  reset: "Credits expired",
};

const PLAN_CAPTIONS = {
  standard: "Numbers are bought through the workspace's own carrier account.",
  unlimited: "With Flex Phone self-serve, numbers come from the agency's number pool.",
};

/**
 * "March 2026" from "2026-03".
 * @param {string} period
 */
function periodLabel(period) {
  const [year, month] = period.split("-").map(Number);
  if (!year || !month) return period;
  return new Date(Date.UTC(year, month - 1, 1)).toLocaleDateString(undefined, { year: "numeric", month: "long", timeZone: "UTC" });
}

/** @param {string} iso */
function dateTime(iso) {
  const date = parseDate(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
}

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  const workspace = ctx.workspace;
  if (!workspace) return;
  let disposed = false;

  const refreshButton = h(
    "button",
    { type: "button", class: "btn btn--secondary", "data-testid": "billing-refresh", onclick: () => load() },
    icon("refresh"),
    "Refresh",
  );
  const body = h("div", { class: "billing-body", "aria-busy": "true" }, h("div", { class: "panel panel--loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading credits…"));

  root.append(
    h(
      "div",
      { class: "view", "data-testid": "view-billing" },
      pageHeader({
        title: "Billing",
        description: "Credits of this workspace: one credit is one US cent. Each number is charged its full month when bought and at the start of every month.",
        meta: workspace.isSandbox ? sandboxBadge() : null,
        actions: [refreshButton],
      }),
      body,
    ),
  );

  /** @type {import("../components/table.js").TableHandle<CreditEntry> | null} */
  let table = null;

  async function load() {
    try {
      const info = await ctx.api.getBilling(/** @type {number} */ (workspace?.id));
      if (disposed) return;
      show(info);
    } catch (error) {
      if (disposed) return;
      body.removeAttribute("aria-busy");
      table?.destroy();
      table = null;
      body.replaceChildren(
        h(
          "div",
          { class: "panel" },
          emptyState({
            icon: "alert",
            title: "Credits could not be loaded",
            text: error && typeof error === "object" && "message" in error ? String(error.message) : "",
            actions: [{ label: "Try again", onClick: () => load(), testid: "billing-retry" }],
          }),
        ),
      );
      showErrorToast(error);
    }
  }

  /** @param {BillingInfo} info */
  function show(info) {
    const s = info.summary;
    body.removeAttribute("aria-busy");
    table?.destroy();
    table = null;
    const ledger = info.ledger.slice().reverse(); // most recent first
    body.replaceChildren(
      h(
        "div",
        { class: "billing-sections" },
        h(
          "div",
          { class: "tile-grid", "data-testid": "billing-summary" },
          tile({ label: "Balance", value: valueWithUnit(s.balance, "billing-balance"), caption: `${periodLabel(s.period)}, the sum of the ledger.` }),
          tile({
            label: "Available",
            value: valueWithUnit(s.available, "billing-available"),
            caption: s.on_hold ? `${creditsText(s.on_hold)} on hold for purchases under way.` : "Nothing on hold.",
          }),
          tile({ label: "On hold", value: valueWithUnit(s.on_hold, "billing-on-hold"), caption: "Held until the carrier confirms a purchase." }),
          tile({ label: "Monthly allowance", value: valueWithUnit(s.monthly_allowance, "billing-allowance"), caption: "Granted at the start of each month; unused credits expire." }),
          tile({ label: "Plan", value: PLAN_LABELS[/** @type {"standard" | "unlimited"} */ (workspace?.plan)] ?? String(workspace?.plan), caption: PLAN_CAPTIONS[/** @type {"standard" | "unlimited"} */ (workspace?.plan)], testid: "billing-plan" }),
          tile({
            label: "Next reset",
            value: h("span", { "data-testid": "billing-next-reset" }, formatDate(s.next_period_starts)),
            caption: s.renewals_next_period
              ? `Numbers held now will renew for ${creditsText(s.renewals_next_period)}.`
              : "No numbers to renew.",
            testid: "billing-renewals",
          }),
        ),
        card({
          title: "Credit ledger",
          description: ledger.length ? `${plural(ledger.length, "entry", "entries")}, most recent first.` : undefined,
          testid: "billing-ledger",
          aside: h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "billing-settings", onclick: () => ctx.navigate("settings") }, "Change plan or allowance"),
          children: ledger.length ? ledgerTable(ledger) : emptyState({ icon: "card", title: "No credit activity yet", text: "The monthly allowance, purchases and renewals will be listed here, each with the number it was for." }),
        }),
      ),
    );
  }

  /**
   * @param {number} value
   * @param {string} testid
   */
  function valueWithUnit(value, testid) {
    return h("span", { class: "credit-value" }, h("span", { "data-testid": testid, "data-value": String(value), class: value < 0 ? "amount--negative" : undefined }, formatCount(value)), h("span", { class: "credit-value__unit" }, Math.abs(value) === 1 ? " credit" : " credits"));
  }

  /** @param {CreditEntry[]} ledger */
  function ledgerTable(ledger) {
    table = createTable({
      columns: [
        { key: "at", label: "Date", sortable: true, width: "minmax(180px, 1.1fr)", value: (e) => e.at, render: (e) => h("span", { title: e.at }, dateTime(e.at)) },
        { key: "kind", label: "Kind", sortable: true, width: "150px", value: (e) => KIND_LABELS[e.kind] ?? e.kind, render: (e) => h("span", { "data-testid": "ledger-kind", "data-kind": e.kind }, KIND_LABELS[e.kind] ?? e.kind) },
        { key: "e164", label: "Number", sortable: true, width: "minmax(130px, 1fr)", mono: true, value: (e) => e.e164 ?? "—" },
        { key: "order_id", label: "Order", sortable: true, width: "72px", value: (e) => e.order_id, render: (e) => (e.order_id === null ? "—" : `#${e.order_id}`) },
        {
          key: "amount",
          label: "Amount",
          sortable: true,
          align: "end",
          width: "110px",
          value: (e) => e.amount,
          render: (e) => h("span", { class: ["amount", e.amount < 0 ? "amount--negative" : e.amount > 0 ? "amount--positive" : null], "data-testid": "ledger-amount", "data-amount": String(e.amount) }, signedCredits(e.amount)),
        },
        { key: "note", label: "Note", width: "minmax(160px, 1.6fr)", value: (e) => e.note ?? (e.period ? periodLabel(e.period) : ""), render: (e) => h("span", { class: "text-muted-sm", title: e.note ?? "" }, e.note ?? (e.period ? periodLabel(e.period) : "")) },
      ],
      rows: ledger,
      rowKey: (e) => e.id,
      rowHeight: 40,
      label: "Credit ledger",
      testid: "ledger-table",
      rowAttrs: (e) => ({ "data-testid": "ledger-row", "data-kind": e.kind, "data-e164": e.e164 ?? undefined }),
    });
    return table.el;
  }

  load();
  return () => {
    disposed = true;
    table?.destroy();
  };
}
