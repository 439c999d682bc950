// @ts-check
/**
 * Billing: the workspace's plan and monthly credit allowance, and (later) the credit ledger.
 */
import { h } from "../dom.js";
import { emptyState } from "../components/empty-state.js";
import { pageHeader, tile } from "../components/page.js";
import { PLAN_LABELS, workspaceLabel } from "../workspace.js";

/** @typedef {import("../main.js").ViewContext} ViewContext */

const PLAN_CAPTIONS = {
  standard: "Numbers are charged against the monthly credits.",
  unlimited: "Numbers are not limited by credits.",
};

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  const workspace = ctx.workspace;
  if (!workspace) return;
  const fmt = new Intl.NumberFormat();
  root.append(
    h(
      "div",
      { class: "view", "data-testid": "view-billing" },
      pageHeader({ title: "Billing", description: "Plan and credits for this workspace." }),
      h(
        "div",
        { class: "tile-grid" },
        tile({ label: "Workspace", value: workspaceLabel(workspace), caption: `Created ${formatDate(workspace.createdAt)}` }),
        tile({ label: "Plan", value: PLAN_LABELS[workspace.plan] ?? workspace.plan, caption: PLAN_CAPTIONS[workspace.plan], testid: "billing-plan" }),
        tile({ label: "Monthly credit allowance", value: fmt.format(workspace.monthlyCreditAllowance), caption: "Credits added each month.", testid: "billing-allowance" }),
      ),
      h(
        "div",
        { class: "panel" },
        emptyState({
          icon: "card",
          title: "No credit activity yet",
          text: "Purchases and monthly renewals will be listed here, each with the number it was for.",
          actions: [{ label: "Change plan or allowance", variant: "secondary", onClick: () => ctx.navigate("settings") }],
        }),
      ),
    ),
  );
}

/** @param {string} iso */
function formatDate(iso) {
  // SQLite-style "YYYY-MM-DD HH:MM:SS" is not parsed by every engine; make it ISO first.
  const date = new Date(iso.includes("T") ? iso : iso.replace(" ", "T"));
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}
