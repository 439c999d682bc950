// @ts-check
/**
 * The change preview of the import wizard's webhooks step: in managed mode, per number, each
 * setting NumberDesk will change at the carrier, current value → new value, read live for the
 * current selection. It keeps which selection it was read for, so the import step and the
 * footer know whether it still applies, and a failed read offers a retry instead of a loop.
 */
import { h } from "../../dom.js";
import { createTable } from "../../components/table.js";
import { icon } from "../../components/icons.js";
import { plural } from "../../format.js";

/**
 * @typedef {import("./state.js").Wizard} Wizard
 * @typedef {import("../../api.js").Connection} Connection
 * @typedef {import("../../api.js").NumberPreview} NumberPreview
 * @typedef {import("./state.js").PreviewRow} PreviewRow
 */

/** @param {Wizard} w */
export function createPreview(w) {
  const { api, workspaceId, state } = w;
  /** @type {HTMLElement | null} the preview area of the webhooks step on screen */
  let currentPreviewHost = null;

  function previewCurrent() {
    return state.preview !== null && state.previewKey === `${state.selectionVersion}`;
  }

  /** @param {HTMLElement} host */
  function renderPreview(host) {
    if (state.mode !== "managed") {
      host.replaceChildren();
      return;
    }
    const key = `${state.selectionVersion}`;
    if (!previewCurrent() && !state.previewLoading && state.previewErrorKey === key) {
      host.replaceChildren(
        h(
          "div",
          { class: "wizard__actions" },
          h("button", { type: "button", class: "btn btn--secondary", "data-testid": "retry-preview", onclick: () => { w.clearStepError(); state.previewErrorKey = ""; renderPreview(host); } }, icon("refresh", { size: 14 }), "Try the preview again"),
        ),
      );
      return;
    }
    if (!previewCurrent() && !state.previewLoading) {
      loadPreview();
      return;
    }
    if (state.previewLoading) {
      host.replaceChildren(h("div", { class: "wizard__loading", role: "status", "data-testid": "preview-loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Reading the current settings of each number…"));
      return;
    }
    host.replaceChildren(previewView(/** @type {NumberPreview[]} */ (state.preview)));
  }

  async function loadPreview() {
    const c = /** @type {Connection} */ (state.connection);
    const key = `${state.selectionVersion}`;
    state.previewLoading = true;
    state.previewErrorKey = "";
    if (currentPreviewHost) renderPreview(currentPreviewHost);
    w.updateFooter();
    let failed = false;
    try {
      const preview = await api.previewImport(workspaceId, c.id, [...state.selected], "managed");
      if (state.closed) return;
      state.preview = preview;
      state.previewKey = key;
    } catch (error) {
      if (state.closed) return;
      failed = true;
      state.preview = null;
      state.previewKey = "";
      state.previewErrorKey = key;
      if (state.step === "webhooks") w.reportStepError(error);
    } finally {
      state.previewLoading = false;
    }
    // Render into the step on screen now (the selection may have changed meanwhile: then this
    // loads again for the new one).
    if (state.step === "webhooks" && currentPreviewHost?.isConnected) renderPreview(currentPreviewHost);
    if (!failed || state.step === "webhooks") w.updateFooter();
  }

  /**
   * Per number: setting, current value -> new value.
   * @param {NumberPreview[]} preview
   */
  function previewView(preview) {
    /** @type {PreviewRow[]} */
    const rows = [];
    let changes = 0;
    let untouched = 0;
    for (const number of preview) {
      if (number.changes.length === 0) {
        untouched += 1;
        rows.push({ key: `${number.e164}|`, e164: number.e164, field: "", label: "Already set up: nothing changes", current: null, next: null, none: true, first: true });
      }
      number.changes.forEach((change, i) => {
        changes += 1;
        rows.push({ key: `${number.e164}|${change.field}`, e164: number.e164, field: change.field, label: change.label, current: change.current, next: change.next, none: false, first: i === 0 });
      });
    }
    /** @param {string | null} value */
    const valueCell = (value) => (value === null || value === "" ? h("span", { class: "text-subtle" }, "Not set") : h("span", { class: "change__value", title: value }, value));
    const table = createTable({
      columns: [
        { key: "e164", label: "Number", mono: true, width: "132px", render: (r) => (r.first ? r.e164 : h("span", { class: "change__same", title: r.e164 }, r.e164)) },
        { key: "label", label: "Setting", width: "minmax(120px, 0.6fr)", render: (r) => (r.none ? h("span", { class: "text-subtle" }, r.label) : r.label) },
        { key: "current", label: "Current", width: "minmax(160px, 1fr)", render: (r) => (r.none ? null : h("span", { class: "change__current" }, valueCell(r.current))) },
        { key: "arrow", label: "", width: "24px", align: "center", render: (r) => (r.none ? null : h("span", { class: "change__arrow", "aria-label": "becomes" }, icon("arrowRight", { size: 13 }))) },
        { key: "next", label: "New", width: "minmax(200px, 1.3fr)", render: (r) => (r.none ? null : h("span", { class: "change__next" }, valueCell(r.next))) },
      ],
      rows,
      rowKey: (r) => r.key,
      rowHeight: 34,
      label: "Changes at the carrier",
      testid: "change-preview-table",
      rowAttrs: (r) => ({ "data-testid": "change-row", "data-e164": r.e164, "data-field": r.field || undefined }),
    });
    table.el.classList.add("data-table--compact");
    return h(
      "section",
      { class: "change-preview", "data-testid": "change-preview", "data-changes": String(changes) },
      h(
        "div",
        { class: "change-preview__head" },
        h("h3", { class: "section-title" }, "What will change at the carrier"),
        h(
          "p",
          { class: "change-preview__summary", "data-testid": "change-summary" },
          `${plural(changes, "setting")} on ${plural(preview.length - untouched, "number")}`,
          untouched ? `; ${plural(untouched, "number")} already set up` : "",
          ". Current values are saved before anything changes.",
        ),
      ),
      table.el,
    );
  }

  return {
    /** Whether the preview on hand is for the current selection. */
    current: previewCurrent,
    /**
     * Shows the preview in `host`, the webhooks step's area on screen from now on.
     * @param {HTMLElement} host
     */
    attach(host) {
      currentPreviewHost = host;
      renderPreview(host);
    },
    render: renderPreview,
  };
}
