// @ts-check
/**
 * What the parts of Buy Numbers share: the BuyView state object each part is given, the labels
 * of order and number statuses, which workspaces buy from the pool, the last search kept per
 * workspace, and small formatting helpers.
 */
import { parseDate } from "../../format.js";

/**
 * @typedef {import("../../main.js").ViewContext} ViewContext
 * @typedef {import("../../api.js").Workspace} Workspace
 * @typedef {import("../../api.js").SearchQuery} SearchQuery
 * @typedef {import("../../api.js").Offer} Offer
 * @typedef {import("../../api.js").NumberType} NumberType
 */

/** The pool flag, as workspaces carry it. */
const POOL_FLAG = "flex_phone_self-serve";

/** @type {NumberType[]} */
export const SEARCH_TYPES = ["local", "mobile", "toll_free", "national"];

/** @type {{ key: "voice" | "sms" | "mms", label: string }[]} */
export const FEATURES = [
  { key: "voice", label: "Voice" },
  { key: "sms", label: "SMS" },
  { key: "mms", label: "MMS" },
];

export const NO_PRORATION = "No proration: the full month is charged now; releasing a number refunds nothing.";

/** @type {Record<string, { label: string, kind: string }>} */
export const ORDER_STATUS = {
  pending: { label: "Pending", kind: "warning" },
  success: { label: "Completed", kind: "success" },
  failure: { label: "Failed", kind: "danger" },
};

/** @type {Record<string, { label: string, kind: string }>} */
export const NUMBER_STATUS = {
  pending: { label: "Pending", kind: "warning" },
  active: { label: "Active", kind: "success" },
  failed: { label: "Failed", kind: "danger" },
  released: { label: "Released", kind: "neutral" },
};

/**
 * Whether a workspace buys from the agency's number pool.
 * @param {Workspace} workspace
 */
export function usesPool(workspace) {
  return workspace.plan === "unlimited" && workspace.flags.includes(POOL_FLAG);
}

/**
 * The last search of each workspace in this session, so coming back to the view shows it again.
 * Kept in sessionStorage (it survives a re-render of the whole UI, not a restart).
 * @param {number} workspaceId
 * @returns {SearchQuery | null}
 */
export function lastQuery(workspaceId) {
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
export function rememberQuery(workspaceId, query) {
  try {
    sessionStorage.setItem(`numberdesk.buy.lastQuery.${workspaceId}`, JSON.stringify(query));
  } catch {
    // Private storage unavailable: the view simply starts empty next time.
  }
}

/** @param {unknown} error */
export function messageOf(error) {
  if (error && typeof error === "object" && "code" in error && typeof (/** @type {any} */ (error).message) === "string") {
    return /** @type {any} */ (error).message;
  }
  console.error(error);
  return "Something unexpected went wrong. Please try again.";
}

/** @param {string} iso */
export function dateTime(iso) {
  const date = parseDate(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
}

/** @param {Offer} offer */
export function placeText(offer) {
  return [offer.locality, offer.region].filter(Boolean).join(", ") || offer.country || "—";
}

/**
 * The state the parts of the view share, made by `mount`.
 * @typedef {object} BuyView
 * @property {ViewContext} ctx
 * @property {typeof import("../../api.js")} api
 * @property {Workspace} workspace
 * @property {boolean} pool the workspace buys from the agency's number pool
 * @property {boolean} disposed the view was left: late answers change nothing on screen
 * @property {{ el: HTMLElement, load: () => Promise<void> }} orders the Orders panel
 */
