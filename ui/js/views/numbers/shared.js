// @ts-check
/**
 * What the parts of Phone Numbers share: the NumbersView state object each part is given, the
 * rows' typedef, the labels of statuses, sources and webhook modes, and small helpers.
 */

/**
 * @typedef {import("../../main.js").ViewContext} ViewContext
 * @typedef {import("../../api.js").TableRow} TableRow
 * @typedef {import("../../api.js").NumberFilter} NumberFilter
 * @typedef {import("../../api.js").NumberSort} NumberSort
 * @typedef {import("../../api.js").AgentRow} AgentRow
 * @typedef {import("../../api.js").NumberStatus} NumberStatus
 *
 * A row of the table: a number once its window is loaded, a placeholder until then. Placeholders
 * become rows in place (the table re-renders them), so scrolling never rebuilds the table.
 * @typedef {TableRow & { loaded: boolean, index: number }} Slot
 *
 * The state the parts of the view share, made by `mount`.
 * @typedef {object} NumbersView
 * @property {ViewContext} ctx
 * @property {typeof import("../../api.js")} api
 * @property {number} workspaceId
 * @property {boolean} disposed the view was left: late answers change nothing on screen
 * @property {NumberSort} sort
 * @property {number} total numbers matching the filters
 * @property {Set<number>} selection the ids selected
 * @property {Map<number, Slot>} known rows seen, by id: what bulk actions know about the selection
 * @property {import("../../components/table.js").TableHandle<Slot> | null} table
 * @property {() => NumberFilter} currentFilter
 * @property {() => Promise<AgentRow[]>} loadAgents
 * @property {(options: { keepScroll: boolean }) => Promise<void>} reload reads the table again
 */

/** Rows fetched per request; the table asks for the windows around what is on screen. */
export const PAGE = 200;
export const ROW_HEIGHT = 52;

/** @type {Record<NumberStatus, string>} */
export const STATUS_KIND = { pending: "warning", active: "success", failed: "danger", released: "neutral", missing: "danger" };
/** @type {Record<NumberStatus, string>} */
export const STATUS_LABELS = { pending: "Pending", active: "Active", failed: "Failed", released: "Released", missing: "Missing at carrier" };

/** @type {Record<TableRow["source"], string>} */
export const SOURCE = { pool: "Pool", marketplace: "Bought", imported: "Imported" };

/** @type {Record<TableRow["webhook_mode"], string>} */
export const WEBHOOK_MODE = { outbound_only: "Outbound only", managed: "Managed" };

/** @param {TableRow} row */
export function featureText(row) {
  const list = [row.voice && "Voice", row.sms && "SMS", row.mms && "MMS"].filter(Boolean);
  return list.length ? list.join(" · ") : "—";
}

/** @param {unknown} error */
export function messageOf(error) {
  return error && typeof error === "object" && "message" in error ? String(/** @type {any} */ (error).message) : "";
}
