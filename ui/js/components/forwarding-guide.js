// @ts-check
/**
 * "Forward a line to this number": how to send calls of an existing business line to a NumberDesk
 * number, with the dial codes of common carriers (each with a copy button) and the portal steps
 * of phone systems that have no codes. Nothing here dials anyone.
 */
import { h } from "../dom.js";
import { openInfoDialog } from "./info-dialog.js";
import { callout, copyableValue } from "./callout.js";

/**
 * @typedef {import("../api.js").ForwardingGuide} ForwardingGuide
 * @typedef {import("../api.js").ForwardingOption} ForwardingOption
 */

/**
 * @param {string} e164
 * @param {() => Promise<ForwardingGuide>} load
 * @returns {Promise<void>}
 */
export async function showForwardingGuide(e164, load) {
  const body = h(
    "div",
    { class: "forwarding", "data-testid": "forwarding-guide", "aria-busy": "true" },
    h("div", { class: "panel--loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading the guide…"),
  );
  const closed = openInfoDialog({
    title: `Forward a line to ${e164}`,
    description: "Keep your existing number: forward its calls here and the voice agent answers them.",
    content: body,
    size: "lg",
    testid: "forwarding-dialog",
  });
  try {
    const guide = await load();
    body.removeAttribute("aria-busy");
    body.replaceChildren(...guideContent(guide));
  } catch (error) {
    body.removeAttribute("aria-busy");
    const message = error && typeof error === "object" && "message" in error ? String(/** @type {any} */ (error).message) : "The guide could not be loaded.";
    body.replaceChildren(callout({ kind: "error", title: "The guide could not be loaded", testid: "forwarding-error", children: h("p", { class: "callout__text" }, message) }));
  }
  await closed;
}

/**
 * @param {ForwardingGuide} guide
 * @returns {Node[]}
 */
function guideContent(guide) {
  return [
    h(
      "p",
      { class: "dialog__text" },
      "Forward to ",
      h("strong", { "data-testid": "forwarding-destination" }, guide.destination),
      guide.destination_national ? ` (dialled as ${guide.destination_national} inside North America)` : null,
      ". Find the line's provider below and follow its steps.",
    ),
    h("div", { class: "forwarding__options" }, guide.options.map((option) => optionCard(option))),
    guide.considerations.length
      ? callout({
          kind: "info",
          title: "Before you switch",
          children: h("ul", { class: "forwarding__considerations" }, guide.considerations.map((text) => h("li", null, text))),
        })
      : null,
  ].filter((n) => n !== null);
}

/** @param {ForwardingOption} option */
function optionCard(option) {
  const method = option.method;
  return h(
    "section",
    { class: "forwarding__option", "data-testid": "forwarding-option", "data-option-id": option.id },
    h("h3", { class: "forwarding__provider" }, option.provider),
    method.kind === "dial_code"
      ? h(
          "dl",
          { class: "forwarding__codes" },
          codeRow("Turn on", method.enable, `${option.id}-enable`),
          method.when_busy_or_unanswered ? codeRow("Busy or no answer", method.when_busy_or_unanswered, `${option.id}-conditional`) : null,
          codeRow("Turn off", method.disable, `${option.id}-disable`),
        )
      : h("ol", { class: "forwarding__steps" }, method.steps.map((step) => h("li", null, step))),
    h("p", { class: "forwarding__note" }, option.note),
  );
}

/**
 * @param {string} label
 * @param {string} code
 * @param {string} id
 */
function codeRow(label, code, id) {
  return [
    h("dt", null, label),
    h("dd", { "data-testid": "forwarding-code", "data-code-id": id }, copyableValue(code, { testid: `copy-${id}`, label: `Copy ${code}` })),
  ];
}
