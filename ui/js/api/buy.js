// @ts-check
/**
 * Search and buy (issue 5): the typed wrappers of search, quote, purchase, orders, billing and
 * the number pool's settings, and the "orders-completed" event. These commands hand back the
 * core's own structs, so their fields are snake_case.
 */
import { call, listen } from "./core.js";

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
 * @property {import("./carriers.js").NumberType[]} types
 * @property {import("./carriers.js").NumberFeatures} features
 * @property {number | null} limit
 *
 * A number on sale (carrier text: untrusted).
 * @typedef {object} Offer
 * @property {string} e164
 * @property {import("./carriers.js").NumberType | null} number_type
 * @property {string | null} country
 * @property {string | null} region
 * @property {string | null} locality
 * @property {import("./carriers.js").NumberFeatures} features
 * @property {number | null} monthly_cost_credits null: no price NumberDesk can convert (cannot be bought)
 * @property {"any" | "local" | "foreign" | null} [address_requirement] set when the carrier sells it only with an Address on file
 * @property {boolean} [bundle_required] set when the carrier sells it only with an approved regulatory bundle
 *
 * An Address on file at the carrier (carrier text: untrusted).
 * @typedef {object} CarrierAddress
 * @property {string} sid
 * @property {string | null} friendly_name
 * @property {string | null} customer_name
 * @property {string | null} city
 * @property {string} iso_country
 *
 * An approved regulatory bundle at the carrier (carrier text: untrusted).
 * @typedef {object} CarrierBundle
 * @property {string} sid
 * @property {string | null} friendly_name
 * @property {string} status
 *
 * @typedef {object} AreaCodeSuggestion
 * @property {string} area_code
 * @property {string | null} region
 * @property {string | null} locality
 * @property {number} numbers_seen
 *
 * @typedef {object} SearchResults
 * @property {import("./carriers.js").Carrier} carrier
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
 * @property {import("./carriers.js").Carrier} carrier
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
 * @property {import("./carriers.js").Carrier} carrier
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
 * @param {string | null} [addressSid] one of `listAddresses`, for a number that needs one
 * @param {string | null} [bundleSid] one of `listBundles`, for a number that needs one
 * @returns {Promise<Purchase>}
 */
export function buyNumber(workspaceId, connectionId, e164, addressSid = null, bundleSid = null) {
  return call("buy_number", { workspaceId, connectionId, e164, addressSid, bundleSid });
}

/**
 * The approved regulatory bundles at the connection's carrier that a number from the last
 * search can be bought with.
 * @param {number} workspaceId
 * @param {number} connectionId
 * @param {string} e164
 * @returns {Promise<CarrierBundle[]>}
 */
export function listBundles(workspaceId, connectionId, e164) {
  return call("list_bundles", { workspaceId, connectionId, e164 });
}

/**
 * The Addresses on file at the connection's carrier, for a number that needs one.
 * @param {number} workspaceId
 * @param {number} connectionId
 * @returns {Promise<CarrierAddress[]>}
 */
export function listAddresses(workspaceId, connectionId) {
  return call("list_addresses", { workspaceId, connectionId });
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
  return listen("orders-completed", callback);
}
