// @ts-check
/**
 * Line icons drawn as inline SVG built with the DOM (no image files, no data: URIs, which the CSP
 * would block). 24x24 viewBox, stroke-based, inheriting currentColor.
 */
import { s } from "../dom.js";

/** @typedef {"phone"|"plug"|"bot"|"card"|"settings"|"plus"|"chevronDown"|"check"|"alert"|"x"|"info"|"download"|"search"|"building"|"trash"|"sun"|"moon"|"monitor"|"sparkles"|"arrowRight"|"checkCircle"|"alertCircle"|"copy"|"eye"|"eyeOff"|"refresh"|"arrowLeft"|"flask"|"xCircle"} IconName */

/** @type {Record<IconName, string[]>} path data per icon */
const PATHS = {
  phone: [
    "M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z",
  ],
  plug: ["M12 22v-5", "M9 8V2", "M15 8V2", "M18 8v5a6 6 0 0 1-6 6 6 6 0 0 1-6-6V8z"],
  bot: ["M12 8V4H8", "M4 8h16v12H4z", "M2 14h2", "M20 14h2", "M15 13v2", "M9 13v2"],
  card: ["M2 5h20v14H2z", "M2 10h20", "M6 15h4"],
  settings: [
    "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z",
    "M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z",
  ],
  plus: ["M12 5v14", "M5 12h14"],
  chevronDown: ["M6 9l6 6 6-6"],
  check: ["M20 6L9 17l-5-5"],
  alert: ["M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z", "M12 9v4", "M12 17h.01"],
  x: ["M18 6L6 18", "M6 6l12 12"],
  info: ["M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z", "M12 16v-4", "M12 8h.01"],
  download: ["M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4", "M7 10l5 5 5-5", "M12 15V3"],
  search: ["M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16z", "M21 21l-4.3-4.3"],
  building: ["M4 22V4a2 2 0 0 1 2-2h8a2 2 0 0 1 2 2v18", "M16 10h2a2 2 0 0 1 2 2v10", "M2 22h20", "M8 7h4", "M8 11h4", "M8 15h4"],
  trash: ["M3 6h18", "M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2", "M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6"],
  sun: ["M12 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M12 2v2", "M12 20v2", "M4.9 4.9l1.4 1.4", "M17.7 17.7l1.4 1.4", "M2 12h2", "M20 12h2", "M4.9 19.1l1.4-1.4", "M17.7 6.3l1.4-1.4"],
  moon: ["M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z"],
  monitor: ["M2 3h20v14H2z", "M8 21h8", "M12 17v4"],
  sparkles: ["M12 3l1.9 5.1L19 10l-5.1 1.9L12 17l-1.9-5.1L5 10l5.1-1.9z", "M19 15l.8 2.2L22 18l-2.2.8L19 21l-.8-2.2L16 18l2.2-.8z"],
  arrowRight: ["M5 12h14", "M12 5l7 7-7 7"],
  checkCircle: ["M22 11.1V12a10 10 0 1 1-5.9-9.1", "M22 4L12 14l-3-3"],
  alertCircle: ["M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z", "M12 8v4", "M12 16h.01"],
  copy: ["M9 9h11v11H9z", "M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1"],
  eye: ["M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z", "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z"],
  eyeOff: ["M9.9 4.2A9.1 9.1 0 0 1 12 4c6.4 0 10 8 10 8a18.5 18.5 0 0 1-2.2 3.2", "M6.6 6.6A18 18 0 0 0 2 12s3.6 8 10 8a9.7 9.7 0 0 0 5.4-1.6", "M14.1 14.1a3 3 0 1 1-4.2-4.2", "M2 2l20 20"],
  refresh: ["M21 12a9 9 0 0 1-15.5 6.2L3 16", "M3 12a9 9 0 0 1 15.5-6.2L21 8", "M21 3v5h-5", "M3 21v-5h5"],
  arrowLeft: ["M19 12H5", "M12 19l-7-7 7-7"],
  flask: ["M9 3h6", "M10 3v6L4.5 18.5A1.7 1.7 0 0 0 6 21h12a1.7 1.7 0 0 0 1.5-2.5L14 9V3", "M7 15h10"],
  xCircle: ["M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z", "M15 9l-6 6", "M9 9l6 6"],
};

/**
 * An icon as an SVG element, hidden from assistive technology (the label lives next to it).
 * @param {IconName} name
 * @param {{ size?: number, class?: string }} [options]
 * @returns {SVGElement}
 */
export function icon(name, options = {}) {
  return lineIcon(PATHS[name], { size: options.size ?? 16, class: options.class });
}

/**
 * A line icon from its path data, drawn like every icon here (24x24, stroked in currentColor)
 * and hidden from assistive technology.
 * @param {string[]} paths
 * @param {{ size: number, class?: string | (string | false | null | undefined)[], attrs?: Record<string, string> }} options
 * @returns {SVGElement}
 */
export function lineIcon(paths, options) {
  const extra = Array.isArray(options.class) ? options.class : [options.class];
  return s(
    "svg",
    {
      class: ["icon", ...extra],
      width: options.size,
      height: options.size,
      viewBox: "0 0 24 24",
      fill: "none",
      stroke: "currentColor",
      "stroke-width": 2,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
      "aria-hidden": "true",
      focusable: "false",
      ...options.attrs,
    },
    paths.map((d) => s("path", { d })),
  );
}

/**
 * The NumberDesk mark: a rounded square with a handset-meets-keypad glyph.
 * @param {number} [size]
 * @returns {SVGElement}
 */
export function logoMark(size = 28) {
  return s(
    "svg",
    { class: "logo-mark", width: size, height: size, viewBox: "0 0 32 32", "aria-hidden": "true", focusable: "false" },
    s("rect", { x: 0, y: 0, width: 32, height: 32, rx: 8, class: "logo-mark__bg" }),
    s("circle", { cx: 11, cy: 11, r: 2.2, class: "logo-mark__dot" }),
    s("circle", { cx: 16, cy: 11, r: 2.2, class: "logo-mark__dot" }),
    s("circle", { cx: 21, cy: 11, r: 2.2, class: "logo-mark__dot" }),
    s("circle", { cx: 11, cy: 16, r: 2.2, class: "logo-mark__dot" }),
    s("circle", { cx: 16, cy: 16, r: 2.2, class: "logo-mark__dot" }),
    s("circle", { cx: 21, cy: 16, r: 2.2, class: "logo-mark__dot logo-mark__dot--accent" }),
    s("circle", { cx: 11, cy: 21, r: 2.2, class: "logo-mark__dot" }),
    s("circle", { cx: 16, cy: 21, r: 2.2, class: "logo-mark__dot" }),
    s("circle", { cx: 21, cy: 21, r: 2.2, class: "logo-mark__dot" }),
  );
}
