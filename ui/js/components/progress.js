// @ts-check
/**
 * Progress of long work (imports, bulk purchases): a bar plus "done of total" and failures.
 * Update it as often as events arrive; it only touches a few nodes per update.
 */
import { h } from "../dom.js";

/**
 * @typedef {{ done: number, total: number, failures?: number }} ProgressState
 * @typedef {object} ProgressHandle
 * @property {HTMLElement} el
 * @property {(state: ProgressState) => void} update
 * @property {(label: string) => void} setLabel
 */

/**
 * @param {{ label?: string } & Partial<ProgressState>} [options]
 * @returns {ProgressHandle}
 */
export function createProgress(options = {}) {
  const label = h("span", { class: "progress__label" }, options.label ?? "");
  const counts = h("span", { class: "progress__counts" });
  const failures = h("span", { class: "progress__failures", hidden: true });
  const fill = h("div", { class: "progress__fill" });
  const track = h("div", { class: "progress__track", role: "progressbar", "aria-valuemin": "0" }, fill);
  const el = h(
    "div",
    { class: "progress", "data-testid": "progress" },
    h("div", { class: "progress__meta" }, label, h("span", { class: "progress__numbers" }, counts, failures)),
    track,
  );

  /** @param {ProgressState} state */
  function update(state) {
    const total = Math.max(0, state.total);
    const done = Math.min(Math.max(0, state.done), total || state.done);
    const failed = state.failures ?? 0;
    const ratio = total > 0 ? done / total : 0;
    fill.style.width = `${(ratio * 100).toFixed(2)}%`;
    track.setAttribute("aria-valuemax", String(total));
    track.setAttribute("aria-valuenow", String(done));
    const fmt = new Intl.NumberFormat();
    counts.textContent = `${fmt.format(done)} of ${fmt.format(total)}`;
    failures.hidden = failed === 0;
    failures.textContent = failed === 0 ? "" : ` · ${fmt.format(failed)} failed`;
    el.classList.toggle("progress--complete", total > 0 && done >= total);
    el.classList.toggle("progress--has-failures", failed > 0);
    el.dataset.done = String(done);
    el.dataset.total = String(total);
    el.dataset.failures = String(failed);
  }

  update({ done: options.done ?? 0, total: options.total ?? 0, failures: options.failures ?? 0 });
  return {
    el,
    update,
    setLabel(text) {
      label.textContent = text;
    },
  };
}
