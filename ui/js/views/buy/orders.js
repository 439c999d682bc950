// @ts-check
/**
 * The Orders panel of Buy Numbers: the workspace's orders with each number's status, and the
 * Process button that checks the pending ones with the carrier now (the background sync does
 * it every so often). Carrier text (failure reasons) goes in as text only.
 */
import { h } from "../../dom.js";
import { card } from "../../components/page.js";
import { withBusy } from "../../components/form.js";
import { callout } from "../../components/callout.js";
import { icon } from "../../components/icons.js";
import { creditsText } from "../../components/credits.js";
import { carrierName, plural, formatRelative } from "../../format.js";
import { ORDER_STATUS, NUMBER_STATUS, messageOf } from "./shared.js";

/**
 * @typedef {import("./shared.js").BuyView} BuyView
 * @typedef {import("../../api.js").OrderSummary} OrderSummary
 * @typedef {import("../../api.js").SyncReport} SyncReport
 */

/**
 * @param {BuyView} view
 * @returns {BuyView["orders"]}
 */
export function ordersPanel(view) {
  const { api, workspace } = view;
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
      if (view.disposed || ticket !== loading) return;
      list.removeAttribute("aria-busy");
      list.dataset.count = String(all.length);
      if (all.length === 0) {
        list.replaceChildren(h("p", { class: "text-muted-sm", "data-testid": "orders-empty" }, "No orders yet. Numbers you buy are listed here with their order."));
        return;
      }
      list.replaceChildren(...all.map(orderRow));
    } catch (error) {
      if (view.disposed || ticket !== loading) return;
      list.removeAttribute("aria-busy");
      list.replaceChildren(h("p", { class: "failure-reason", "data-testid": "orders-error" }, messageOf(error)));
    }
  }

  async function processAll() {
    try {
      const report = await withBusy(processButton, () => api.processOrders(workspace.id, null));
      if (view.disposed) return;
      resultSlot.replaceChildren(processResult(report));
    } catch (error) {
      if (view.disposed) return;
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
