// @ts-check
/**
 * The only module that talks to the Rust backend (`window.__TAURI__`). One async function per
 * Tauri command; every failure is rethrown as an AppError carrying the backend's `code` and its
 * human sentence, so screens branch on `code` and show `message`, never a raw object.
 */

/**
 * @typedef {"standard" | "unlimited"} Plan
 * @typedef {"system" | "light" | "dark"} Theme
 * @typedef {"invalid_input" | "not_found" | "conflict" | "keyring_unavailable" | "storage" | "internal" | "carrier"} ErrorCode
 *
 * @typedef {object} Workspace
 * @property {number} id
 * @property {string} name
 * @property {Plan} plan
 * @property {string[]} flags
 * @property {number} monthlyCreditAllowance
 * @property {string} webhookBaseUrl
 * @property {boolean} isSandbox
 * @property {string} createdAt
 *
 * @typedef {object} WorkspaceInput
 * @property {string} name
 * @property {Plan} plan
 * @property {string[]} flags
 * @property {number} monthlyCreditAllowance
 * @property {string} webhookBaseUrl
 *
 * @typedef {object} Session
 * @property {Workspace[]} workspaces
 * @property {number | null} currentWorkspaceId
 * @property {Theme} theme
 * @property {boolean} keyringAvailable
 * @property {string | null} keyringProblem
 * @property {boolean} sandboxEnabled Sandbox mode is on (the Sandbox workspace exists)
 *
 * @typedef {object} AppInfo
 * @property {string} version
 * @property {string} dataDir
 * @property {string} logDir
 * @property {string} databasePath
 */

/**
 * @typedef {"twilio" | "telnyx"} Carrier
 *
 * A carrier account connected to a workspace. Carrier-supplied text (accountName) is untrusted.
 * @typedef {object} Connection
 * @property {number} id
 * @property {Carrier} carrier
 * @property {string} name
 * @property {string | null} accountRef e.g. the Twilio Account SID
 * @property {string | null} accountName the name the carrier gives the account
 * @property {string | null} texmlConnectionId Telnyx only
 * @property {boolean} isSandbox
 * @property {number} numberCount numbers of this connection in the workspace
 * @property {string} createdAt
 * @property {string | null} lastSyncedAt
 *
 * What the wizard has collected so far. Secrets travel only in this object, straight to the
 * backend, which keeps them in the keyring; the UI never stores it.
 * @typedef {object} CredentialDraft
 * @property {Carrier} carrier
 * @property {string} name
 * @property {string} [twilioAccountSid]
 * @property {string} [twilioAuthToken] Twilio: either this...
 * @property {string} [twilioApiKeySid] ...or an API key SID...
 * @property {string} [twilioApiKeySecret] ...with its secret
 * @property {string} [telnyxApiKey]
 * @property {string} [texmlConnectionId] Telnyx: the TeXML application's Connection ID
 *
 * @typedef {object} CredentialCheck
 * @property {string} accountName
 * @property {string | null} accountRef
 * @property {string} status e.g. "active"
 *
 * @typedef {object} TexmlCheck
 * @property {string} id
 * @property {string} name the application's name (untrusted)
 * @property {string | null} voiceUrl
 * @property {string} expectedVoiceUrl
 * @property {boolean} pointsAtWorkspace
 * @property {string | null} fix a sentence saying what to change at Telnyx, when it does not
 *
 * @typedef {{ voice: boolean, sms: boolean, mms: boolean }} NumberFeatures
 * @typedef {"local" | "mobile" | "toll_free" | "national"} NumberType
 *
 * @typedef {object} ImportableNumber
 * @property {string} carrierId
 * @property {string} e164
 * @property {string | null} friendlyName
 * @property {NumberType | null} numberType
 * @property {string | null} region
 * @property {NumberFeatures} features
 * @property {boolean} alreadyImported
 *
 * @typedef {object} ImportableList
 * @property {ImportableNumber[]} numbers
 * @property {string} fetchedAt
 *
 * @typedef {"outbound_only" | "managed"} WebhookMode
 *
 * @typedef {object} FieldChange
 * @property {string} field
 * @property {string} label
 * @property {string | null} current
 * @property {string | null} next
 *
 * @typedef {object} NumberPreview
 * @property {string} e164
 * @property {FieldChange[]} changes empty when nothing changes at the carrier
 *
 * @typedef {object} ImportFailure
 * @property {string} e164
 * @property {string} reason
 *
 * @typedef {object} ImportProgress
 * @property {number} importId
 * @property {"running" | "finished" | "cancelled"} state
 * @property {number} total
 * @property {number} done numbers imported
 * @property {number} failed
 * @property {number} cancelled
 * @property {ImportFailure[]} failures
 */

/** Feature flags the UI knows how to present. Unknown flags on a workspace are kept untouched. */
export const KNOWN_FLAGS = /** @type {const} */ (["flex_phone_self-serve"]);

const ERROR_CODES = new Set(["invalid_input", "not_found", "conflict", "keyring_unavailable", "storage", "internal", "carrier"]);

/** A failed command: `code` for branching, `message` is a sentence fit to show the user. */
export class AppError extends Error {
  /**
   * @param {ErrorCode} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = "AppError";
    /** @type {ErrorCode} */
    this.code = code;
  }
}

/**
 * Turn whatever `invoke` rejected with into an AppError without ever exposing a raw object.
 * @param {unknown} rejection
 * @returns {AppError}
 */
export function toAppError(rejection) {
  if (rejection instanceof AppError) return rejection;
  if (rejection && typeof rejection === "object") {
    const { code, message } = /** @type {{ code?: unknown, message?: unknown }} */ (rejection);
    if (typeof message === "string" && message.trim() !== "") {
      const known = typeof code === "string" && ERROR_CODES.has(code);
      return new AppError(known ? /** @type {ErrorCode} */ (code) : "internal", message);
    }
  }
  if (typeof rejection === "string" && rejection.trim() !== "") {
    return new AppError("internal", rejection);
  }
  console.error("Unexpected failure from the backend", rejection);
  return new AppError("internal", "Something unexpected went wrong. Please try again.");
}

/**
 * @template T
 * @param {string} command
 * @param {Record<string, unknown>} [args]
 * @returns {Promise<T>}
 */
async function call(command, args) {
  const tauri = /** @type {any} */ (window).__TAURI__;
  if (!tauri || !tauri.core || typeof tauri.core.invoke !== "function") {
    throw new AppError("internal", "NumberDesk's engine is not available. Restart the app and try again.");
  }
  try {
    return await tauri.core.invoke(command, args ?? {});
  } catch (rejection) {
    throw toAppError(rejection);
  }
}

/** @returns {Promise<Session>} */
export function getSession() {
  return call("get_session");
}

/** @returns {Promise<Workspace[]>} */
export function listWorkspaces() {
  return call("list_workspaces");
}

/**
 * Create a workspace; it becomes the current one.
 * @param {WorkspaceInput} input
 * @returns {Promise<Session>}
 */
export function createWorkspace(input) {
  return call("create_workspace", { input });
}

/**
 * @param {number} id
 * @param {string} name
 * @returns {Promise<Session>}
 */
export function renameWorkspace(id, name) {
  return call("rename_workspace", { id, name });
}

/**
 * @param {number} id
 * @param {WorkspaceInput} input
 * @returns {Promise<Session>}
 */
export function updateWorkspace(id, input) {
  return call("update_workspace", { id, input });
}

/**
 * @param {number} id
 * @returns {Promise<Session>}
 */
export function deleteWorkspace(id) {
  return call("delete_workspace", { id });
}

/**
 * @param {number} id
 * @returns {Promise<Session>}
 */
export function switchWorkspace(id) {
  return call("switch_workspace", { id });
}

/**
 * @param {Theme} theme
 * @returns {Promise<null>}
 */
export function setTheme(theme) {
  return call("set_theme", { theme });
}

/** @returns {Promise<AppInfo>} */
export function getAppInfo() {
  return call("get_app_info");
}

/**
 * Turn Sandbox mode on: the in-app carrier sandbox starts and the "Sandbox" workspace (with a
 * Twilio and a Telnyx sandbox connection) is created or opened and made current.
 * @returns {Promise<Session>}
 */
export function enableSandbox() {
  return call("enable_sandbox");
}

/**
 * Turn Sandbox mode off: the Sandbox workspace and everything in it are removed.
 * @returns {Promise<Session>}
 */
export function disableSandbox() {
  return call("disable_sandbox");
}

/**
 * @param {number} workspaceId
 * @returns {Promise<Connection[]>}
 */
export function listConnections(workspaceId) {
  return call("list_connections", { workspaceId });
}

/**
 * A live check of the credentials; nothing is saved. A refusal by the carrier rejects with
 * code `carrier` and the carrier's reason.
 * @param {number} workspaceId
 * @param {CredentialDraft} draft
 * @returns {Promise<CredentialCheck>}
 */
export function validateCredentials(workspaceId, draft) {
  return call("validate_credentials", { workspaceId, draft });
}

/**
 * Telnyx: a live check of the TeXML application named by `draft.texmlConnectionId`.
 * @param {number} workspaceId
 * @param {CredentialDraft} draft
 * @returns {Promise<TexmlCheck>}
 */
export function checkTexmlConnection(workspaceId, draft) {
  return call("check_texml_connection", { workspaceId, draft });
}

/**
 * Validate again and save the connection (credentials go to the keyring).
 * @param {number} workspaceId
 * @param {CredentialDraft} draft
 * @returns {Promise<Connection>}
 */
export function connectCarrier(workspaceId, draft) {
  return call("connect_carrier", { workspaceId, draft });
}

/**
 * Every number of the connection's carrier account (all pages), marked when already imported.
 * @param {number} workspaceId
 * @param {number} connectionId
 * @returns {Promise<ImportableList>}
 */
export function listImportableNumbers(workspaceId, connectionId) {
  return call("list_importable_numbers", { workspaceId, connectionId });
}

/**
 * What importing would change at the carrier, per number (nothing for `outbound_only`).
 * @param {number} workspaceId
 * @param {number} connectionId
 * @param {string[]} numbers E.164 numbers
 * @param {WebhookMode} mode
 * @returns {Promise<NumberPreview[]>}
 */
export function previewImport(workspaceId, connectionId, numbers, mode) {
  return call("preview_import", { workspaceId, connectionId, numbers, mode });
}

/**
 * @param {number} workspaceId
 * @param {number} connectionId
 * @param {string[]} numbers E.164 numbers
 * @param {WebhookMode} mode
 * @returns {Promise<{ importId: number }>}
 */
export function startImport(workspaceId, connectionId, numbers, mode) {
  return call("start_import", { workspaceId, connectionId, numbers, mode });
}

/**
 * Follow an import: `onProgress` receives every progress report until the import stops running;
 * the promise resolves with the final one.
 * @param {number} importId
 * @param {(progress: ImportProgress) => void} onProgress
 * @returns {Promise<ImportProgress>}
 */
export function watchImport(importId, onProgress) {
  const tauri = /** @type {any} */ (window).__TAURI__;
  if (!tauri || !tauri.core || typeof tauri.core.Channel !== "function") {
    return Promise.reject(new AppError("internal", "NumberDesk's engine is not available. Restart the app and try again."));
  }
  const channel = new tauri.core.Channel();
  channel.onmessage = (/** @type {ImportProgress} */ message) => {
    try {
      onProgress(message);
    } catch (error) {
      console.error(error);
    }
  };
  return call("watch_import", { importId, onProgress: channel });
}

/**
 * Ask a running import to stop; numbers already imported stay.
 * @param {number} importId
 * @returns {Promise<null>}
 */
export function cancelImport(importId) {
  return call("cancel_import", { importId });
}

/**
 * The workspace's imports, most recent first (running ones included).
 * @param {number} workspaceId
 * @returns {Promise<ImportProgress[]>}
 */
export function listImports(workspaceId) {
  return call("list_imports", { workspaceId });
}


// ---------------------------------------------------------------------------------------------
// Search and buy (issue 5)
//
// These commands hand back the core's own structs, so their fields are snake_case.

/**
 * @typedef {"pool" | "marketplace"} BuyFlow
 * @typedef {"pending" | "success" | "failure"} OrderStatus
 * @typedef {"pending" | "active" | "failed" | "released"} PurchasedStatus
 *
 * @typedef {object} Country
 * @property {string} iso ISO 3166-1 alpha-2
 * @property {string} name
 * @property {string[]} number_types types on sale there, when the carrier says (empty: unknown)
 *
 * What the search form sends.
 * @typedef {object} SearchQuery
 * @property {number | null} connection_id marketplace: the connection to search (ignored for the pool)
 * @property {string} country
 * @property {string | null} area_code
 * @property {NumberType[]} types
 * @property {NumberFeatures} features
 * @property {number | null} limit
 *
 * A number on sale (carrier text: untrusted).
 * @typedef {object} Offer
 * @property {string} e164
 * @property {NumberType | null} number_type
 * @property {string | null} country
 * @property {string | null} region
 * @property {string | null} locality
 * @property {NumberFeatures} features
 * @property {number | null} monthly_cost_credits null: no price NumberDesk can convert (cannot be bought)
 *
 * @typedef {object} AreaCodeSuggestion
 * @property {string} area_code
 * @property {string | null} region
 * @property {string | null} locality
 * @property {number} numbers_seen
 *
 * @typedef {object} SearchResults
 * @property {Carrier} carrier
 * @property {Offer[]} offers
 * @property {string} fetched_at
 * @property {boolean} possibly_stale served from the local cache: some may have been sold since
 * @property {string | null} offline_reason
 * @property {AreaCodeSuggestion[]} suggestions filled when nothing was found for an area code
 *
 * @typedef {object} QuotedNumber
 * @property {string} e164
 * @property {number} monthly_cost_credits
 *
 * @typedef {object} Quote
 * @property {BuyFlow} flow
 * @property {QuotedNumber[]} numbers
 * @property {number} total_credits
 * @property {number} balance_before
 * @property {number} balance_after
 * @property {boolean} affordable
 * @property {boolean} no_proration
 *
 * @typedef {object} PurchasedNumber
 * @property {number} phone_number_id
 * @property {string} e164
 * @property {PurchasedStatus} status
 * @property {number} monthly_cost_credits
 * @property {string | null} failure_reason
 *
 * @typedef {object} Purchase
 * @property {number} order_id
 * @property {BuyFlow} flow
 * @property {Carrier} carrier
 * @property {PurchasedNumber[]} numbers
 * @property {number} charged_credits
 *
 * @typedef {object} FailedNumber
 * @property {string} e164
 * @property {string} reason
 *
 * What one sync of an order changed (also the payload of the "orders-completed" event).
 * @typedef {object} OrderUpdate
 * @property {number} workspace_id
 * @property {number} order_id
 * @property {OrderStatus} status
 * @property {string[]} activated
 * @property {FailedNumber[]} failed
 * @property {number} refunded_credits
 *
 * @typedef {object} SyncReport
 * @property {number} orders_checked
 * @property {OrderUpdate[]} updates
 * @property {Array<{ outcome: "bought" | "not_bought" | "released" } & Record<string, unknown>>} recovered
 * @property {string[]} errors
 *
 * @typedef {object} OrderSummary
 * @property {number} order_id
 * @property {BuyFlow} flow
 * @property {Carrier} carrier
 * @property {OrderStatus} status
 * @property {string | null} failure_reason
 * @property {string} created_at
 * @property {string | null} last_synced_at
 * @property {PurchasedNumber[]} numbers
 *
 * @typedef {object} Release
 * @property {number} phone_number_id
 * @property {string} e164
 * @property {boolean} already_gone
 * @property {number} refunded_credits always 0
 *
 * @typedef {"allowance" | "purchase" | "renewal" | "refund" | "reset"} CreditKind
 *
 * @typedef {object} CreditSummary
 * @property {number} workspace_id
 * @property {number} monthly_allowance
 * @property {number} balance
 * @property {number} on_hold
 * @property {number} available
 * @property {string} period YYYY-MM
 * @property {string} next_period_starts
 * @property {number} renewals_next_period
 *
 * @typedef {object} CreditEntry
 * @property {number} id
 * @property {string} at
 * @property {CreditKind} kind
 * @property {number} amount negative spends
 * @property {number | null} phone_number_id
 * @property {string | null} e164
 * @property {number | null} order_id
 * @property {string | null} period
 * @property {string | null} note
 *
 * @typedef {{ summary: CreditSummary, ledger: CreditEntry[] }} BillingInfo
 *
 * @typedef {object} PoolSettings
 * @property {boolean} configured
 * @property {string | null} texml_connection_id
 * @property {string | null} messaging_profile_id
 * @property {boolean} sandbox the in-app sandbox's pool (Sandbox mode), which needs no setup
 */

/**
 * Countries to search in (Twilio's own list; NumberDesk's for Telnyx and the pool).
 * @param {number} workspaceId
 * @param {number | null} connectionId
 * @returns {Promise<Country[]>}
 */
export function listCountries(workspaceId, connectionId) {
  return call("list_countries", { workspaceId, connectionId });
}

/**
 * Search the carrier. `more` is Refresh: one page more than is cached. Offline, the cached
 * answer comes back with `possibly_stale`.
 * @param {number} workspaceId
 * @param {SearchQuery} query
 * @param {boolean} [more]
 * @returns {Promise<SearchResults>}
 */
export function searchNumbers(workspaceId, query, more = false) {
  return call("search_numbers", { workspaceId, query, more });
}

/**
 * The last answer to this search from the local cache (no carrier call), or null.
 * @param {number} workspaceId
 * @param {SearchQuery} query
 * @returns {Promise<SearchResults | null>}
 */
export function cachedSearch(workspaceId, query) {
  return call("cached_search", { workspaceId, query });
}

/**
 * What buying these numbers (from a search of this workspace) costs, and the balance before and after.
 * @param {number} workspaceId
 * @param {string[]} numbers E.164
 * @returns {Promise<Quote>}
 */
export function quotePurchase(workspaceId, numbers) {
  return call("quote_purchase", { workspaceId, numbers });
}

/**
 * Marketplace: buy one number through the workspace's connected carrier.
 * @param {number} workspaceId
 * @param {number | null} connectionId
 * @param {string} e164
 * @returns {Promise<Purchase>}
 */
export function buyNumber(workspaceId, connectionId, e164) {
  return call("buy_number", { workspaceId, connectionId, e164 });
}

/**
 * Number pool: buy the numbers in one order from the agency's Telnyx account.
 * @param {number} workspaceId
 * @param {string[]} numbers E.164
 * @param {boolean} allowWebhookUpdates
 * @returns {Promise<Purchase>}
 */
export function buyFromPool(workspaceId, numbers, allowWebhookUpdates) {
  return call("buy_from_pool", { workspaceId, numbers, allowWebhookUpdates });
}

/**
 * Process: check one number's order now, or (null) every pending order of the workspace.
 * @param {number} workspaceId
 * @param {number | null} phoneNumberId
 * @returns {Promise<SyncReport>}
 */
export function processOrders(workspaceId, phoneNumberId) {
  return call("process_orders", { workspaceId, phoneNumberId });
}

/**
 * The workspace's orders, most recent first, with their numbers.
 * @param {number} workspaceId
 * @returns {Promise<OrderSummary[]>}
 */
export function listOrders(workspaceId) {
  return call("list_orders", { workspaceId });
}

/**
 * Release a bought (pool or marketplace) number at its carrier. Nothing is refunded.
 * @param {number} workspaceId
 * @param {number} phoneNumberId
 * @returns {Promise<Release>}
 */
export function releaseNumber(workspaceId, phoneNumberId) {
  return call("release_number", { workspaceId, phoneNumberId });
}

/**
 * @param {number} workspaceId
 * @returns {Promise<BillingInfo>}
 */
export function getBilling(workspaceId) {
  return call("get_billing", { workspaceId });
}

/** @returns {Promise<PoolSettings>} */
export function getPoolSettings() {
  return call("get_pool_settings");
}

/**
 * Check the key with Telnyx, then save the pool account (the key goes to the keyring).
 * @param {string} apiKey
 * @param {string | null} texmlConnectionId
 * @param {string | null} messagingProfileId
 * @returns {Promise<PoolSettings>}
 */
export function savePoolSettings(apiKey, texmlConnectionId, messagingProfileId) {
  return call("save_pool_settings", { apiKey, texmlConnectionId, messagingProfileId });
}

/** @returns {Promise<PoolSettings>} */
export function clearPoolSettings() {
  return call("clear_pool_settings");
}

/**
 * Called with each order the background sync saw leave `pending` (any workspace).
 * @param {(update: OrderUpdate) => void} callback
 * @returns {Promise<() => void>} resolves to the function that stops listening
 */
export function onOrdersCompleted(callback) {
  const tauri = /** @type {any} */ (window).__TAURI__;
  if (!tauri || !tauri.event || typeof tauri.event.listen !== "function") {
    return Promise.reject(new AppError("internal", "NumberDesk's engine is not available. Restart the app and try again."));
  }
  return tauri.event.listen("orders-completed", (/** @type {{ payload: OrderUpdate }} */ event) => {
    try {
      callback(event.payload);
    } catch (error) {
      console.error(error);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Manage numbers (issue 6)

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
 * @property {Carrier[]} [carriers]
 * @property {NumberStatus[]} [statuses]
 * @property {NumberType[]} [types]
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
 * @property {Carrier} carrier
 * @property {number | null} connection_id
 * @property {string | null} connection_name
 * @property {"pool" | "marketplace" | "imported"} source
 * @property {NumberStatus} status
 * @property {string} status_label
 * @property {NumberType | null} number_type
 * @property {string | null} region
 * @property {boolean} voice
 * @property {boolean} sms
 * @property {boolean} mms
 * @property {AgentRef | null} inbound_agent
 * @property {AgentRef | null} outbound_agent
 * @property {AgentRef | null} sms_agent
 * @property {boolean} allow_outbound
 * @property {string | null} inbound_region Twilio numbers only
 * @property {WebhookMode} webhook_mode
 * @property {number} monthly_cost_credits
 * @property {string | null} last_synced_at
 * @property {string | null} missing_since
 * @property {DriftField[]} drift empty when the carrier has what NumberDesk set
 *
 * @typedef {{ total: number, offset: number, rows: TableRow[] }} TablePage
 * @typedef {{ connection_id: number, name: string, carrier: Carrier, last_synced_at: string | null }} ConnectionSyncTime
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
 * @property {Carrier} carrier
 * @property {number} number_count numbers removed from NumberDesk
 * @property {number} restorable numbers whose previous webhook settings can be put back
 * @property {AgentLoss[]} affected_agents
 * @property {number} running_imports
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
 * webhook settings are put back at the carrier first. On failure nothing is removed.
 * @param {number} workspaceId
 * @param {number} connectionId
 * @param {boolean} restore
 * @returns {Promise<DisconnectReport>}
 */
export function disconnectCarrier(workspaceId, connectionId, restore) {
  return call("disconnect_carrier", { workspaceId, connectionId, restore });
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
