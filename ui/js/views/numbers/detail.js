// @ts-check
/**
 * The detail of one number of Phone Numbers, opened from its row: everything the table knows of
 * it, what drifted at the carrier, and Check and "Forward a line here" for it. Carrier text
 * (friendly name, region, connection name, drifted values) is set as text.
 */
import { h } from "../../dom.js";
import { openInfoDialog } from "../../components/info-dialog.js";
import { callout } from "../../components/callout.js";
import { showDiagnosis } from "../../components/diagnosis.js";
import { showForwardingGuide } from "../../components/forwarding-guide.js";
import { carrierName, carrierLabel, numberTypeLabel, formatCount, formatRelative } from "../../format.js";
import { STATUS_KIND, SOURCE, WEBHOOK_MODE, featureText } from "./shared.js";

/**
 * @typedef {import("./shared.js").NumbersView} NumbersView
 * @typedef {import("./shared.js").Slot} Slot
 * @typedef {import("../../api.js").AgentSlot} AgentSlot
 */

/**
 * @param {NumbersView} view
 * @param {Slot} row
 */
export function openDetail(view, row) {
  const { api, workspaceId } = view;
  const agentsLine = (/** @type {AgentSlot} */ slot) => {
    const agent = slot === "inbound" ? row.inbound_agent : slot === "outbound" ? row.outbound_agent : row.sms_agent;
    return agent ? agent.name : "Nobody";
  };
  const check = h("button", { type: "button", class: "btn btn--secondary", "data-testid": "detail-check" }, "Check");
  const forward = h("button", { type: "button", class: "btn btn--secondary", "data-testid": "detail-forward" }, "Forward a line here");
  const closeThen = (/** @type {() => void} */ next) => () => {
    /** @type {HTMLDialogElement | null} */ (document.querySelector("dialog[data-testid='number-detail'][open]"))?.close();
    next();
  };
  check.addEventListener("click", closeThen(() => showDiagnosis(`Check ${row.e164}`, () => api.checkNumber(workspaceId, row.id))));
  forward.addEventListener("click", closeThen(() => showForwardingGuide(row.e164, () => api.forwardingGuide(row.e164))));
  openInfoDialog({
    title: row.e164,
    description: row.friendly_name ?? undefined,
    testid: "number-detail",
    actions: [check, forward],
    content: h(
      "div",
      { class: "number-detail" },
      row.drift.length
        ? callout({
            kind: "warning",
            testid: "drift-details",
            title: "The carrier settings were changed outside NumberDesk",
            children: h(
              "ul",
              { class: "drift-list" },
              row.drift.map((d) =>
                h(
                  "li",
                  { class: "drift-list__item", "data-testid": "drift-field", "data-field": d.field },
                  h("span", { class: "drift-list__label" }, d.label),
                  h("span", { class: "drift-list__values" }, `NumberDesk set ${d.numberdesk_set ?? "nothing"} · carrier has ${d.carrier_has ?? "nothing"}`),
                ),
              ),
            ),
          })
        : null,
      h(
        "dl",
        { class: "definition-list" },
        detail("Status", h("span", { class: ["badge", `badge--${STATUS_KIND[row.status] ?? "neutral"}`] }, row.status_label)),
        row.missing_since ? detail("Missing since", formatRelative(row.missing_since)) : null,
        detail("Carrier", row.carrier === "sip" ? carrierLabel(row.carrier, row.connection_name) : `${carrierName(row.carrier)}${row.connection_name ? ` · ${row.connection_name}` : ""}`),
        detail("Source", SOURCE[row.source] ?? row.source),
        detail("Type", numberTypeLabel(row.number_type)),
        detail("Region", row.region ?? "—"),
        detail("Features", featureText(row)),
        detail("Inbound agent", agentsLine("inbound")),
        detail("Outbound agent", agentsLine("outbound")),
        detail("SMS agent", agentsLine("sms")),
        detail("Outbound calls", row.allow_outbound ? "Allowed" : "Blocked"),
        row.carrier === "twilio" ? detail("Inbound region", row.inbound_region ?? "us1") : null,
        detail("Webhooks", WEBHOOK_MODE[row.webhook_mode] ?? row.webhook_mode),
        detail("Monthly cost", `${formatCount(row.monthly_cost_credits)} credits`),
        detail("Last synced", row.last_synced_at ? formatRelative(row.last_synced_at) : "Never"),
      ),
    ),
  });
}

/**
 * @param {string} label
 * @param {Node | string} value
 */
function detail(label, value) {
  return [h("dt", null, label), h("dd", null, value)];
}
