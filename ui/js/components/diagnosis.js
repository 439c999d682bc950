// @ts-check
/**
 * The "Check" dialog shared by the Phone Numbers and Carriers screens: runs the troubleshooting
 * checks of a number or a connection and shows each result, green or red, with what was found
 * and, for a problem, the one sentence saying how to fix it. Checking changes nothing.
 */
import { h } from "../dom.js";
import { openInfoDialog } from "./info-dialog.js";
import { icon } from "./icons.js";
import { callout } from "./callout.js";

/**
 * @typedef {import("../api.js").Diagnosis} Diagnosis
 * @typedef {import("../api.js").CheckResult} CheckResult
 */

/**
 * Open the dialog at once with a spinner and fill it when the checks are done.
 * @param {string} title e.g. "Check +14155550100"
 * @param {() => Promise<Diagnosis>} run
 * @returns {Promise<void>}
 */
export async function showDiagnosis(title, run) {
  const body = h(
    "div",
    { class: "diagnosis", "data-testid": "diagnosis", "aria-busy": "true" },
    h("div", { class: "panel--loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Running the checks…"),
  );
  const closed = openInfoDialog({ title, content: body, testid: "diagnosis-dialog" });
  try {
    const diagnosis = await run();
    body.removeAttribute("aria-busy");
    body.replaceChildren(...diagnosisContent(diagnosis));
    body.dataset.state = "done";
  } catch (error) {
    body.removeAttribute("aria-busy");
    const message = error && typeof error === "object" && "message" in error ? String(/** @type {any} */ (error).message) : "The checks could not run.";
    body.replaceChildren(callout({ kind: "error", title: "The checks could not run", testid: "diagnosis-error", children: h("p", { class: "callout__text" }, message) }));
    body.dataset.state = "failed";
  }
  await closed;
}

/**
 * @param {Diagnosis} diagnosis
 * @returns {Node[]}
 */
function diagnosisContent(diagnosis) {
  const problems = diagnosis.results.filter((r) => r.status === "problem").length;
  const summary = problems === 0
    ? callout({ kind: "success", testid: "diagnosis-summary", title: `Everything checked out for ${diagnosis.subject}.` })
    : callout({ kind: "warning", testid: "diagnosis-summary", title: `${problems} ${problems === 1 ? "problem" : "problems"} found for ${diagnosis.subject}.` });
  summary.dataset.problems = String(problems);
  return [
    summary,
    h(
      "ul",
      { class: "check-list", "data-testid": "check-list" },
      diagnosis.results.map((result) => checkItem(result)),
    ),
  ];
}

/** @param {CheckResult} result */
function checkItem(result) {
  const ok = result.status === "ok";
  return h(
    "li",
    { class: ["check-item", ok ? "check-item--ok" : "check-item--problem"], "data-testid": "check-result", "data-check-id": result.id, "data-status": result.status },
    h("span", { class: "check-item__icon", "aria-hidden": "true" }, icon(ok ? "checkCircle" : "xCircle", { size: 16 })),
    h(
      "div",
      { class: "check-item__text" },
      h("p", { class: "check-item__label" }, result.label, h("span", { class: "visually-hidden" }, ok ? " (passed)" : " (problem)")),
      h("p", { class: "check-item__detail", "data-testid": "check-detail" }, result.detail),
      result.fix ? h("p", { class: "check-item__fix", "data-testid": "check-fix" }, h("strong", null, "Fix: "), result.fix) : null,
    ),
  );
}
