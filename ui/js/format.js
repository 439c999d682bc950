// @ts-check
/**
 * Wording and formatting shared by the carrier and number screens: carrier names and logos,
 * number types, capabilities, counts and dates.
 */
import { h } from "./dom.js";

/**
 * @typedef {import("./api.js").Carrier} Carrier
 * @typedef {import("./api.js").NumberType} NumberType
 * @typedef {import("./api.js").NumberFeatures} NumberFeatures
 */

/** @type {Record<Carrier, string>} */
export const CARRIER_NAMES = { twilio: "Twilio", telnyx: "Telnyx", sip: "SIP trunk" };

/** @type {Record<NumberType, string>} */
export const NUMBER_TYPE_LABELS = { local: "Local", mobile: "Mobile", toll_free: "Toll-free", national: "National" };

/** @param {string} carrier */
export function carrierName(carrier) {
  return CARRIER_NAMES[/** @type {Carrier} */ (carrier)] ?? carrier;
}

/**
 * How a number's carrier is named in the table: "SIP: <trunk>" for a SIP trunk's numbers (the
 * trunk is the carrier there), the carrier's name otherwise.
 * @param {string} carrier
 * @param {string | null | undefined} connectionName
 */
export function carrierLabel(carrier, connectionName) {
  return carrier === "sip" && connectionName ? `SIP: ${connectionName}` : carrierName(carrier);
}

/**
 * The carrier's coloured letter mark (decorative).
 * @param {string} carrier
 * @param {"md" | "sm"} [size]
 */
export function carrierLogo(carrier, size = "md") {
  const known = carrier === "twilio" || carrier === "telnyx" || carrier === "sip";
  return h(
    "span",
    { class: ["carrier-card__logo", known && `carrier-card__logo--${carrier}`, size === "sm" && "carrier-card__logo--sm"], "aria-hidden": "true" },
    carrierName(carrier).slice(0, 1).toUpperCase(),
  );
}

/** @param {NumberType | null | undefined} type */
export function numberTypeLabel(type) {
  return type ? NUMBER_TYPE_LABELS[type] ?? type : "—";
}

/**
 * "Voice · SMS" (or a dash when none).
 * @param {NumberFeatures} features
 */
export function featuresText(features) {
  const list = [features.voice && "Voice", features.sms && "SMS", features.mms && "MMS"].filter(Boolean);
  return list.length ? list.join(" · ") : "—";
}

const countFormat = new Intl.NumberFormat();

/** @param {number} value */
export function formatCount(value) {
  return countFormat.format(value);
}

/**
 * "1 number", "1,204 numbers".
 * @param {number} count
 * @param {string} singular
 * @param {string} [plural]
 */
export function plural(count, singular, plural) {
  return `${formatCount(count)} ${count === 1 ? singular : plural ?? `${singular}s`}`;
}

/** @param {string} iso */
export function parseDate(iso) {
  // SQLite-style "YYYY-MM-DD HH:MM:SS" is not parsed by every engine; make it ISO first.
  return new Date(iso.includes("T") ? iso : iso.replace(" ", "T"));
}

/** @param {string} iso */
export function formatDate(iso) {
  const date = parseDate(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/**
 * "just now", "5 minutes ago", "3 days ago", else a date.
 * @param {string} iso
 */
export function formatRelative(iso) {
  const date = parseDate(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  if (seconds < 45) return "just now";
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  if (seconds < 3600) return rtf.format(-Math.round(seconds / 60), "minute");
  if (seconds < 86400) return rtf.format(-Math.round(seconds / 3600), "hour");
  if (seconds < 86400 * 14) return rtf.format(-Math.round(seconds / 86400), "day");
  return formatDate(iso);
}
