// @ts-check
/**
 * Phone Numbers: every number of the workspace in a virtualised table, with a progress card on top
 * for each import still running (followed live). Until there is a number it explains how to get
 * numbers in (buy, or import the ones already owned) and points to Carriers.
 */
import { h } from "../dom.js";
import { emptyState } from "../components/empty-state.js";
import { pageHeader } from "../components/page.js";
import { createTable } from "../components/table.js";
import { textInput } from "../components/form.js";
import { icon } from "../components/icons.js";
import { showErrorToast } from "../components/toast.js";
import { sandboxBadge } from "../workspace.js";
import { carrierName, numberTypeLabel, featuresText, formatCount, plural } from "../format.js";
import { importProgressBar, importSummary } from "../imports.js";

/**
 * @typedef {import("../main.js").ViewContext} ViewContext
 * @typedef {import("../api.js").PhoneNumber} PhoneNumber
 * @typedef {import("../api.js").ImportProgress} ImportProgress
 */

/** @type {Record<PhoneNumber["status"], { label: string, kind: string }>} */
const STATUS = {
  pending: { label: "Pending", kind: "warning" },
  active: { label: "Active", kind: "success" },
  failed: { label: "Failed", kind: "danger" },
  released: { label: "Released", kind: "neutral" },
  missing: { label: "Missing", kind: "danger" },
};

/** @type {Record<PhoneNumber["source"], string>} */
const SOURCE = { pool: "Pool", marketplace: "Bought", imported: "Imported" };

/** @type {Record<PhoneNumber["webhookMode"], string>} */
const WEBHOOK_MODE = { outbound_only: "Outbound only", managed: "Managed" };

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  if (!ctx.workspace) return;
  const workspace = ctx.workspace;
  const { api } = ctx;
  let disposed = false;

  const importButton = h(
    "button",
    { type: "button", class: "btn btn--secondary", "data-testid": "numbers-import-more", hidden: true, onclick: () => ctx.navigate("carriers") },
    icon("download"),
    "Import numbers",
  );
  const imports = h("div", { class: "import-cards", "data-testid": "running-imports" });
  const body = h("div", { class: "numbers-body", "aria-busy": "true" }, h("div", { class: "panel panel--loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading numbers…"));

  root.append(
    h(
      "div",
      { class: "view", "data-testid": "view-numbers" },
      pageHeader({
        title: "Phone Numbers",
        description: "Every number your voice agents answer on, across carriers.",
        meta: workspace.isSandbox ? sandboxBadge() : null,
        actions: [importButton],
      }),
      imports,
      body,
    ),
  );

  /** @type {import("../components/table.js").TableHandle<PhoneNumber> | null} */
  let table = null;
  /** @type {PhoneNumber[]} */
  let allNumbers = [];
  const search = textInput({ name: "numbersFilter", type: "search", placeholder: "Search numbers, names, regions…", class: "input input--search", "aria-label": "Search numbers" });
  const shownCount = h("span", { class: "picker__counts", "data-testid": "numbers-count", "aria-live": "polite" });
  search.addEventListener("input", () => applyFilter());

  async function loadNumbers() {
    try {
      const numbers = await api.listNumbers(workspace.id);
      if (disposed) return;
      showNumbers(numbers);
    } catch (error) {
      if (disposed) return;
      body.removeAttribute("aria-busy");
      body.replaceChildren(
        h(
          "div",
          { class: "panel" },
          emptyState({ icon: "alert", title: "Numbers could not be loaded", text: messageOf(error), actions: [{ label: "Try again", onClick: () => loadNumbers(), testid: "retry-numbers" }] }),
        ),
      );
      showErrorToast(error);
    }
  }

  /** @param {PhoneNumber[]} numbers */
  function showNumbers(numbers) {
    body.removeAttribute("aria-busy");
    allNumbers = numbers;
    importButton.hidden = numbers.length === 0;
    if (numbers.length === 0) {
      table?.destroy();
      table = null;
      body.replaceChildren(
        h(
          "div",
          { class: "panel" },
          emptyState({
            icon: "phone",
            title: "No phone numbers yet",
            text: "Buy numbers or import the ones you already own from Twilio or Telnyx. Start by connecting a carrier account.",
            actions: [
              { label: "Buy numbers", icon: "plus", onClick: () => ctx.navigate("carriers"), testid: "numbers-buy" },
              { label: "Import from Twilio or Telnyx", icon: "download", variant: "secondary", onClick: () => ctx.navigate("carriers"), testid: "numbers-import" },
            ],
          }),
        ),
      );
      return;
    }
    if (!table) {
      const created = createNumbersTable();
      table = created;
      body.replaceChildren(
        h(
          "div",
          { class: "numbers-list" },
          h("div", { class: "picker__toolbar" }, h("div", { class: "search-box" }, h("span", { class: "search-box__icon" }, icon("search", { size: 14 })), search), shownCount),
          created.el,
        ),
      );
    }
    applyFilter();
  }

  function applyFilter() {
    if (!table) return;
    const query = search.value.trim().toLowerCase();
    const queryDigits = /^[\d\s+().-]+$/.test(query) ? query.replace(/\D/g, "") : "";
    const rows = query
      ? allNumbers.filter(
          (n) =>
            (queryDigits !== "" && n.e164.replace(/\D/g, "").includes(queryDigits)) ||
            `${n.e164} ${n.friendlyName ?? ""} ${n.region ?? ""} ${n.connectionName ?? ""}`.toLowerCase().includes(query),
        )
      : allNumbers;
    table.setRows(rows);
    shownCount.textContent = rows.length === allNumbers.length ? plural(allNumbers.length, "number") : `${formatCount(rows.length)} of ${plural(allNumbers.length, "number")}`;
  }

  /** @returns {import("../components/table.js").TableHandle<PhoneNumber>} */
  function createNumbersTable() {
    /** @type {PhoneNumber[]} */
    const none = [];
    return createTable({
      columns: [
        {
          key: "e164",
          label: "Number",
          sortable: true,
          width: "minmax(130px, 1.2fr)",
          render: (n) => twoLines(h("span", { class: "is-mono" }, n.e164), n.friendlyName),
        },
        {
          key: "carrier",
          label: "Carrier",
          sortable: true,
          width: "minmax(128px, 1.1fr)",
          value: (n) => carrierLabel(n),
          render: (n) => twoLines(carrierLabel(n), n.connectionName),
        },
        { key: "source", label: "Source", sortable: true, width: "92px", value: (n) => SOURCE[n.source] ?? n.source },
        {
          key: "status",
          label: "Status",
          sortable: true,
          width: "92px",
          render: (n) => {
            const status = STATUS[n.status] ?? { label: n.status, kind: "neutral" };
            return h("span", { class: ["badge", `badge--${status.kind}`], "data-testid": "number-status", "data-status": n.status }, status.label);
          },
        },
        { key: "numberType", label: "Type", sortable: true, width: "80px", value: (n) => numberTypeLabel(n.numberType) },
        { key: "region", label: "Region", sortable: true, width: "minmax(96px, 0.9fr)", value: (n) => n.region ?? "—" },
        { key: "features", label: "Capabilities", width: "120px", value: (n) => featuresText(n.features), render: (n) => h("span", { class: "text-muted-sm" }, featuresText(n.features)) },
        { key: "webhookMode", label: "Webhooks", sortable: true, width: "112px", value: (n) => WEBHOOK_MODE[n.webhookMode] ?? n.webhookMode },
        { key: "monthlyCostCredits", label: "Monthly", sortable: true, align: "end", width: "104px", render: (n) => h("span", { title: `${formatCount(n.monthlyCostCredits)} credits a month` }, `${formatCount(n.monthlyCostCredits)} cr`) },
      ],
      rows: none,
      rowKey: (n) => n.id,
      rowHeight: 48,
      sort: { key: "e164", direction: "asc" },
      label: "Phone numbers",
      testid: "numbers-table",
      rowAttrs: (n) => ({ "data-testid": "number-row", "data-e164": n.e164, "data-source": n.source }),
      empty: () => h("div", { class: "picker__no-match", "data-testid": "no-match" }, h("p", null, "No number matches ", h("strong", null, `“${search.value.trim()}”`), ".")),
    });
  }

  // ---------------------------------------------------------------- running imports

  async function loadImports() {
    try {
      const list = await api.listImports(workspace.id);
      if (disposed) return;
      for (const progress of list) if (progress.state === "running") followImport(progress);
    } catch (error) {
      if (!disposed) showErrorToast(error);
    }
  }

  /** @param {ImportProgress} initial */
  function followImport(initial) {
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
            await api.cancelImport(initial.importId);
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
    imports.append(card);

    api
      .watchImport(initial.importId, (progress) => {
        if (!disposed) bar.update(progress);
      })
      .then((final) => {
        if (disposed) return;
        bar.update(final);
        const close = h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "dismiss-import", onclick: () => card.remove() }, icon("x", { size: 14 }), "Dismiss");
        card.replaceChildren(
          h("header", { class: "import-card__header" }, h("h2", { class: "import-card__title" }, final.state === "cancelled" ? "Import cancelled" : "Import finished"), close),
          h("div", { class: "import-card__body" }, importSummary(final)),
        );
        card.dataset.state = final.state;
        loadNumbers();
      })
      .catch((error) => {
        if (disposed) return;
        card.remove();
        showErrorToast(error);
      });
  }

  loadNumbers();
  loadImports();
  return () => {
    disposed = true;
    table?.destroy();
  };
}

/** @param {PhoneNumber} n */
function carrierLabel(n) {
  const name = carrierName(n.carrier);
  return n.source === "imported" ? `Imported · ${name}` : name;
}

/**
 * A main line and an optional muted second line (set as text).
 * @param {Node | string} main
 * @param {string | null | undefined} second
 */
function twoLines(main, second) {
  return h("span", { class: "cell-stack" }, h("span", { class: "cell-stack__main" }, main), second ? h("span", { class: "cell-stack__sub", title: second }, second) : null);
}

/** @param {unknown} error */
function messageOf(error) {
  return error && typeof error === "object" && "message" in error ? String(/** @type {any} */ (error).message) : "";
}
