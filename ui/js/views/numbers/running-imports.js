// @ts-check
/**
 * The cards on top of Phone Numbers that follow each import still running: its progress bar
 * (cancellable), then its summary; the table is read again when one finishes.
 */
import { h } from "../../dom.js";
import { icon } from "../../components/icons.js";
import { showErrorToast } from "../../components/toast.js";
import { importProgressBar, importSummary } from "../../imports.js";

/**
 * @typedef {import("./shared.js").NumbersView} NumbersView
 * @typedef {import("../../api.js").ImportProgress} ImportProgress
 */

/**
 * Adds a card to `host` for each import of the workspace still running.
 * @param {NumbersView} view
 * @param {HTMLElement} host
 */
export async function loadRunningImports(view, host) {
  const { api, workspaceId } = view;
  try {
    const list = await api.listImports(workspaceId);
    if (view.disposed) return;
    for (const progress of list) if (progress.state === "running") followImport(view, host, progress);
  } catch (error) {
    if (!view.disposed) showErrorToast(error);
  }
}

/**
 * @param {NumbersView} view
 * @param {HTMLElement} host
 * @param {ImportProgress} initial
 */
function followImport(view, host, initial) {
  const { api } = view;
  const bar = importProgressBar("Importing numbers");
  bar.update(initial);
  const cancelLabel = h("span", null, "Cancel import");
  const cancel = h(
    "button",
    {
      type: "button",
      class: "btn btn--secondary btn--sm",
      "data-testid": "cancel-running-import",
      onclick: async () => {
        cancel.disabled = true;
        cancelLabel.textContent = "Cancelling…";
        try {
          await api.cancelImport(view.workspaceId, initial.importId);
        } catch (error) {
          cancel.disabled = false;
          cancelLabel.textContent = "Cancel import";
          showErrorToast(error);
        }
      },
    },
    cancelLabel,
  );
  const cardBody = h("div", { class: "import-card__body" }, bar.el);
  const card = h(
    "section",
    { class: "card import-card", "data-testid": "import-progress-card", "data-import-id": String(initial.importId) },
    h("header", { class: "import-card__header" }, h("span", { class: "spinner", "aria-hidden": "true" }), h("h2", { class: "import-card__title" }, "An import is running"), cancel),
    cardBody,
  );
  host.append(card);

  api
    .watchImport(view.workspaceId, initial.importId, (progress) => {
      if (!view.disposed) bar.update(progress);
    })
    .then((final) => {
      if (view.disposed) return;
      bar.update(final);
      const close = h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "dismiss-import", onclick: () => card.remove() }, icon("x", { size: 14 }), "Dismiss");
      card.replaceChildren(
        h("header", { class: "import-card__header" }, h("h2", { class: "import-card__title" }, final.state === "cancelled" ? "Import cancelled" : "Import finished"), close),
        h("div", { class: "import-card__body" }, importSummary(final)),
      );
      card.dataset.state = final.state;
      view.reload({ keepScroll: true });
    })
    .catch((error) => {
      if (view.disposed) return;
      card.remove();
      showErrorToast(error);
    });
}
