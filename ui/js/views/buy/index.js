// @ts-check
/**
 * Buy Numbers: search a carrier's stock and buy. A workspace on the Unlimited plan with the
 * Flex Phone self-serve flag buys from the agency's number pool (many numbers in one Telnyx
 * order, Pending until it completes); any other workspace buys one number at a time through its
 * own connected Twilio or Telnyx account (the marketplace). Every purchase is confirmed in a
 * dialog showing the cost and the balance before and after. Below the results, the Orders panel
 * lists the workspace's orders and processes the pending ones on demand.
 *
 * This module mounts the view and picks what its body shows (the search, or why there is none);
 * the parts live beside it: search.js (the form), results.js (what is on sale, and buying it),
 * confirm.js (the confirmation), orders.js (the Orders panel), shared.js (what they share).
 *
 * Carrier text (regions, localities, failure reasons) is untrusted: it goes in as text only.
 */
import { h } from "../../dom.js";
import { pageHeader } from "../../components/page.js";
import { emptyState } from "../../components/empty-state.js";
import { sandboxBadge } from "../../workspace.js";
import { usesPool, messageOf } from "./shared.js";
import { searchSection } from "./search.js";
import { ordersPanel } from "./orders.js";

/**
 * @typedef {import("../../main.js").ViewContext} ViewContext
 * @typedef {import("./shared.js").BuyView} BuyView
 */

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  const workspace = ctx.workspace;
  if (!workspace) return;
  const { api } = ctx;
  const pool = usesPool(workspace);
  // The parts of the view share this; `orders` is set as soon as the panel exists, below.
  const view = /** @type {BuyView} */ ({ ctx, api, workspace, pool, disposed: false });

  const body = h("div", { class: "buy-body", "aria-busy": "true" }, h("div", { class: "panel panel--loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading…"));
  const orders = ordersPanel(view);
  view.orders = orders;

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
      if (!view.disposed && update.workspace_id === workspace.id) orders.load();
    })
    .then((stop) => {
      if (view.disposed) stop();
      else unlisten = stop;
    })
    .catch((error) => console.warn("Order notifications are unavailable here", error));

  /** @type {ReturnType<typeof searchSection> | null} */
  let search = null;

  start();
  orders.load();

  return () => {
    view.disposed = true;
    unlisten?.();
    search?.destroy();
  };

  async function start() {
    try {
      if (pool) {
        const settings = await api.getPoolSettings();
        if (view.disposed) return;
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
        search = searchSection(view, []);
        showBody(search.el);
        return;
      }
      const connections = await api.listConnections(workspace.id);
      if (view.disposed) return;
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
      search = searchSection(view, connections);
      showBody(search.el);
    } catch (error) {
      if (view.disposed) return;
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
}
