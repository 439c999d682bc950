// @ts-check
/**
 * A small icon per number type (local: a map pin, mobile: a handset, toll-free: a tag, national:
 * a globe), drawn like the other line icons and hidden from assistive technology: the type's
 * name is always written next to it.
 */
import { lineIcon } from "./icons.js";

/** @type {Record<string, string[]>} */
const PATHS = {
  local: ["M12 22s7-6.1 7-12a7 7 0 1 0-14 0c0 5.9 7 12 7 12z", "M12 12.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z"],
  mobile: ["M8 2h8a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z", "M11 18h2"],
  toll_free: ["M20.6 13.4l-7.2 7.2a2 2 0 0 1-2.8 0L2 12V2h10l8.6 8.6a2 2 0 0 1 0 2.8z", "M7 7h.01"],
  national: [
    "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z",
    "M2 12h20",
    "M12 2a15.3 15.3 0 0 1 4 10 15.3 15.3 0 0 1-4 10 15.3 15.3 0 0 1-4-10 15.3 15.3 0 0 1 4-10z",
  ],
};

/**
 * @param {string | null | undefined} type a NumberType
 * @param {{ size?: number }} [options]
 * @returns {SVGElement}
 */
export function numberTypeIcon(type, options = {}) {
  const paths = PATHS[type ?? ""] ?? ["M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z"];
  return lineIcon(paths, {
    size: options.size ?? 14,
    class: ["number-type-icon", type && `number-type-icon--${type}`],
    attrs: { "data-type": type ?? "" },
  });
}
