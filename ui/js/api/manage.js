// @ts-check
/**
 * Manage numbers (issue 6): the typed wrappers of the Phone Numbers table, sync with the
 * carrier, inbound regions, agents, the audit log, disconnecting, checks and call forwarding.
 */
import { call } from "./core.js";

/**
 * Values crossing this section are the core's structs as serde writes them: snake_case fields,
 * RFC 3339 times. Carrier text in them (friendly names, regions, connection names) is untrusted.
 *
 * @typedef {"pending" | "active" | "failed" | "released" | "missing"} NumberStatus
 * @typedef {{ id: number, name: string }} AgentRef
 *
 * @typedef {object} DriftField
 * @property {string} field
 * @property {string} label
 * @property {string | null} numberdesk_set what NumberDesk set at the carrier
 * @property {string | null} carrier_has what the carrier has now
 *
 * @typedef {{ kind: "agent", id: number } | { kind: "unassigned" }} AgentFilter
 *
 * @typedef {object} NumberFilter
 * @property {string | null} [text] digits match anywhere in the number; text the label and region
 * @property {import("./carriers.js").Carrier[]} [carriers]
 * @property {NumberStatus[]} [statuses]
 * @property {import("./carriers.js").NumberType[]} [types]
 * @property {AgentFilter | null} [agent]
 * @property {number | null} [connection_id]
 * @property {boolean} [drifted_only]
 *
 * @typedef {"number" | "carrier" | "source" | "status" | "type" | "region" | "features" | "agent" | "inbound_region" | "webhook_mode" | "monthly_cost" | "last_synced"} SortColumn
 * @typedef {{ column: SortColumn, descending: boolean }} NumberSort
 * @typedef {{ filter: NumberFilter, sort: NumberSort, offset: number, limit: number }} NumberQuery
 *
 * @typedef {object} TableRow
 * @property {number} id
 * @property {string} e164
 * @property {string | null} friendly_name
 * @property {import("./carriers.js").Carrier} carrier
 * @property {number | null} connection_id
 * @property {string | null} connection_name
 * @property {"pool" | "marketplace" | "imported"} source
 * @property {NumberStatus} status
 * @property {string} status_label
 * @property {import("./carriers.js").NumberType | null} number_type
 * @property {string | null} region
 * @property {boolean} voice
 * @property {boolean} sms
 * @property {boolean} mms
 * @property {AgentRef | null} inbound_agent
 * @property {AgentRef | null} outbound_agent
 * @property {AgentRef | null} sms_agent
 * @property {boolean} allow_outbound
 * @property {string | null} inbound_region Twilio numbers only
 * @property {import("./carriers.js").WebhookMode} webhook_mode
 * @property {number} monthly_cost_credits
 * @property {string | null} last_synced_at
 * @property {string | null} missing_since
 * @property {DriftField[]} drift empty when the carrier has what NumberDesk set
 *
 * @typedef {{ total: number, offset: number, rows: TableRow[] }} TablePage
 * @typedef {{ connection_id: number, name: string, carrier: import("./carriers.js").Carrier, last_synced_at: string | null }} ConnectionSyncTime
 * @typedef {{ path: string, count: number }} ExportResult
 *
 * @typedef {{ number_id: number, e164: string, fields: DriftField[] }} DriftedNumber
 * @typedef {object} CarrierSyncReport what "Sync with carrier" found for one connection
 * @property {number} connection_id
 * @property {string} synced_at
 * @property {number} checked
 * @property {string[]} missing newly marked Missing at carrier
 * @property {string[]} returned back in the account (Active again)
 * @property {DriftedNumber[]} drifted
 * @property {string[]} drift_cleared
 * @typedef {{ connection_id: number, name: string, message: string }} SyncFailure
 * @typedef {{ reports: CarrierSyncReport[], errors: SyncFailure[] }} SyncOutcome
 *
 * @typedef {{ id: string, name: string }} TwilioRegion
 * @typedef {object} RegionOutcome
 * @property {string} region
 * @property {string[]} changed
 * @property {string[]} unchanged
 * @property {{ number_id: number, e164: string, reason: string }[]} failed
 * @property {string[]} not_twilio
 * @property {KeyNeeded[]} keys_needed connections left as they are until an API key made in
 *   `region` is added to them
 *
 * @typedef {object} KeyNeeded
 * @property {number} connection_id
 * @property {string} connection_name untrusted
 * @property {string} region
 * @property {string[]} numbers
 *
 * @typedef {"inbound" | "outbound" | "sms"} AgentSlot
 * @typedef {{ id: number, workspace_id: number, name: string, created_at: string, number_count: number }} AgentRow
 * @typedef {{ number_id: number, e164: string, slots: AgentSlot[] }} Holding
 * @typedef {{ agent: AgentRow, holdings: Holding[] }} DeletionImpact
 * @typedef {{ changed: string[], unchanged: string[] }} AssignmentOutcome
 *
 * @typedef {string} AuditActionId e.g. "region_change", "assignment", "disconnect"
 * @typedef {{ id: AuditActionId, label: string }} AuditActionInfo
 * @typedef {object} AuditFilter
 * @property {AuditActionId[]} [actions]
 * @property {string | null} [e164]
 * @property {string | null} [text]
 * @property {string | null} [from]
 * @property {string | null} [until]
 * @property {number} [offset]
 * @property {number} [limit] 0 means 200
 * @property {number} [numbers_per_entry] 0 means 20
 * @typedef {object} AuditEntry
 * @property {number} id
 * @property {string} at
 * @property {AuditActionId} action
 * @property {string} action_label
 * @property {"local" | "twilio" | "telnyx"} target
 * @property {string | null} connection
 * @property {string} summary
 * @property {string | null} before_json
 * @property {string | null} after_json
 * @property {number} number_count
 * @property {string[]} numbers the first ones; number_count has the total
 * @typedef {{ total: number, offset: number, entries: AuditEntry[] }} AuditPage
 *
 * @typedef {{ agent_id: number, name: string, numbers: number }} AgentLoss
 * @typedef {object} DisconnectPreview
 * @property {number} connection_id
 * @property {string} name
 * @property {import("./carriers.js").Carrier} carrier
 * @property {number} number_count numbers removed from NumberDesk
 * @property {number} restorable numbers whose previous webhook settings can be put back
 * @property {AgentLoss[]} affected_agents
 * @property {number} running_imports
 * @property {string[]} unsettled_numbers numbers still being bought through the connection
 * @property {string | null} unsettled the sentence that says so (disconnect refuses unless forced)
 * @property {string} note
 * @typedef {{ connection_id: number, name: string, removed_numbers: number, restored: string[], affected_agents: AgentLoss[] }} DisconnectReport
 *
 * @typedef {{ id: string, label: string, status: "ok" | "problem", detail: string, fix: string | null }} CheckResult
 * @typedef {{ subject: string, results: CheckResult[] }} Diagnosis
 *
 * @typedef {{ kind: "dial_code", enable: string, disable: string, when_busy_or_unanswered: string | null } | { kind: "portal", steps: string[] }} ForwardingMethod
 * @typedef {{ id: string, provider: string, method: ForwardingMethod, note: string }} ForwardingOption
 * @typedef {{ destination: string, destination_national: string | null, options: ForwardingOption[], considerations: string[] }} ForwardingGuide
 */

/**
 * One window of the Phone Numbers table (read from the local database; works offline).
 * @param {number} workspaceId
 * @param {NumberQuery} query limit at most 1,000
 * @returns {Promise<TablePage>}
 */
export function queryNumbers(workspaceId, query) {
  return call("query_numbers", { workspaceId, query });
}

/**
 * The ids of every number matching the filter ("select all matching").
 * @param {number} workspaceId
 * @param {NumberFilter} filter
 * @returns {Promise<number[]>}
 */
export function numberIds(workspaceId, filter) {
  return call("number_ids", { workspaceId, filter });
}

/**
 * The rows of the given ids (those still in the workspace), by number: for actions on a
 * selection whose rows were never loaded into the table.
 * @param {number} workspaceId
 * @param {number[]} ids
 * @returns {Promise<TableRow[]>}
 */
export function numberRows(workspaceId, ids) {
  return call("number_rows", { workspaceId, ids });
}

/**
 * When each connection of the workspace was last synced with its carrier.
 * @param {number} workspaceId
 * @returns {Promise<ConnectionSyncTime[]>}
 */
export function numberSyncTimes(workspaceId) {
  return call("number_sync_times", { workspaceId });
}

/**
 * Writes the numbers matching `filter`, in `sort` order, to a CSV file in the export folder.
 * @param {number} workspaceId
 * @param {NumberFilter} filter
 * @param {NumberSort} sort
 * @returns {Promise<ExportResult>}
 */
export function exportNumbers(workspaceId, filter, sort) {
  return call("export_numbers", { workspaceId, filter, sort });
}

/**
 * Reconciles the numbers with the carrier accounts (one connection, or all when null): missing
 * numbers are marked, drifted webhook settings flagged. A connection that fails is reported in
 * `errors`; the others still sync.
 * @param {number} workspaceId
 * @param {number | null} connectionId
 * @returns {Promise<SyncOutcome>}
 */
export function syncWithCarrier(workspaceId, connectionId) {
  return call("sync_with_carrier", { workspaceId, connectionId });
}

/** @returns {Promise<TwilioRegion[]>} */
export function listTwilioRegions() {
  return call("list_twilio_regions");
}

/**
 * Sets the Twilio inbound processing region of the numbers; each number settles on its own.
 * @param {number} workspaceId
 * @param {number[]} numberIds
 * @param {string} region e.g. "ie1"
 * @returns {Promise<RegionOutcome>}
 */
export function setInboundRegion(workspaceId, numberIds, region) {
  return call("set_inbound_region", { workspaceId, numberIds, region });
}

/**
 * Adds to a Twilio connection an API key made in `region` (checked live on that region's host).
 * @param {number} workspaceId
 * @param {number} connectionId
 * @param {string} region e.g. "ie1"
 * @param {string} keySid
 * @param {string} keySecret
 * @returns {Promise<void>}
 */
export function addRegionalKey(workspaceId, connectionId, region, keySid, keySecret) {
  return call("add_regional_key", { workspaceId, connectionId, region, keySid, keySecret });
}

/**
 * @param {number} workspaceId
 * @returns {Promise<AgentRow[]>}
 */
export function listAgents(workspaceId) {
  return call("list_agents", { workspaceId });
}

/**
 * @param {number} workspaceId
 * @param {string} name
 * @returns {Promise<AgentRow>}
 */
export function createAgent(workspaceId, name) {
  return call("create_agent", { workspaceId, name });
}

/**
 * @param {number} workspaceId
 * @param {number} id
 * @param {string} name
 * @returns {Promise<AgentRow>}
 */
export function renameAgent(workspaceId, id, name) {
  return call("rename_agent", { workspaceId, id, name });
}

/**
 * The numbers holding the agent, with their slots.
 * @param {number} workspaceId
 * @param {number} id
 * @returns {Promise<Holding[]>}
 */
export function agentHoldings(workspaceId, id) {
  return call("agent_holdings", { workspaceId, id });
}

/**
 * Deletes an agent. Without `confirmed`, an agent holding numbers is refused with code
 * `conflict` (the message names the numbers); ask, then call again with `confirmed`.
 * @param {number} workspaceId
 * @param {number} id
 * @param {boolean} confirmed
 * @returns {Promise<Holding[]>} what the agent held
 */
export function deleteAgent(workspaceId, id, confirmed) {
  return call("delete_agent", { workspaceId, id, confirmed });
}

/**
 * @param {number} workspaceId
 * @param {number} id
 * @returns {Promise<DeletionImpact>}
 */
export function agentDeletionImpact(workspaceId, id) {
  return call("agent_deletion_impact", { workspaceId, id });
}

/**
 * Puts an agent (or nobody, with null) in one slot of the numbers.
 * @param {number} workspaceId
 * @param {number[]} numberIds
 * @param {AgentSlot} slot
 * @param {number | null} agentId
 * @returns {Promise<AssignmentOutcome>}
 */
export function assignAgent(workspaceId, numberIds, slot, agentId) {
  return call("assign_agent", { workspaceId, numberIds, slot, agentId });
}

/**
 * @param {number} workspaceId
 * @param {number[]} numberIds
 * @param {boolean} allow
 * @returns {Promise<AssignmentOutcome>}
 */
export function setAllowOutbound(workspaceId, numberIds, allow) {
  return call("set_allow_outbound", { workspaceId, numberIds, allow });
}

/**
 * One page of the audit log, newest first.
 * @param {number} workspaceId
 * @param {AuditFilter} filter
 * @returns {Promise<AuditPage>}
 */
export function queryAudit(workspaceId, filter) {
  return call("query_audit", { workspaceId, filter });
}

/**
 * Writes every entry matching the filter (paging ignored) to a CSV file in the export folder.
 * @param {number} workspaceId
 * @param {AuditFilter} filter
 * @returns {Promise<ExportResult>}
 */
export function exportAudit(workspaceId, filter) {
  return call("export_audit", { workspaceId, filter });
}

/** @returns {Promise<AuditActionInfo[]>} */
export function listAuditActions() {
  return call("list_audit_actions");
}

/**
 * What disconnecting the connection would remove, for the confirmation.
 * @param {number} workspaceId
 * @param {number} connectionId
 * @returns {Promise<DisconnectPreview>}
 */
export function previewDisconnect(workspaceId, connectionId) {
  return call("preview_disconnect", { workspaceId, connectionId });
}

/**
 * Removes the connection, its numbers and its keyring entry; with `restore`, the previous
 * webhook settings are put back at the carrier first. On failure nothing is removed. While
 * purchases through it are unsettled it is refused, unless `force` (audited).
 * @param {number} workspaceId
 * @param {number} connectionId
 * @param {boolean} restore
 * @param {boolean} [force]
 * @returns {Promise<DisconnectReport>}
 */
export function disconnectCarrier(workspaceId, connectionId, restore, force = false) {
  return call("disconnect_carrier", { workspaceId, connectionId, restore, force });
}

/**
 * Runs the troubleshooting checks for one number (changes nothing).
 * @param {number} workspaceId
 * @param {number} numberId
 * @returns {Promise<Diagnosis>}
 */
export function checkNumber(workspaceId, numberId) {
  return call("check_number", { workspaceId, numberId });
}

/**
 * Runs the troubleshooting checks for one carrier connection (changes nothing).
 * @param {number} workspaceId
 * @param {number} connectionId
 * @returns {Promise<Diagnosis>}
 */
export function checkConnection(workspaceId, connectionId) {
  return call("check_connection", { workspaceId, connectionId });
}

/**
 * How to forward an existing line to `e164`: dial codes and portal steps.
 * @param {string} e164
 * @returns {Promise<ForwardingGuide>}
 */
export function forwardingGuide(e164) {
  return call("forwarding_guide", { e164 });
}
