// @ts-check
/**
 * The bulk bar of Phone Numbers and what it does to the selection: assign an agent, allow or
 * block outbound calls, set the Twilio inbound region, check one number, help forward a line to
 * it, process pending orders and release numbers. After "select all matching" the selection
 * holds ids of rows the table never loaded; actions that need those rows read them by id.
 */
import { h } from "../../dom.js";
import { selectInput, field, withBusy, textInput, secretInput } from "../../components/form.js";
import { openDialog, confirmDialog } from "../../components/dialog.js";
import { openInfoDialog } from "../../components/info-dialog.js";
import { callout } from "../../components/callout.js";
import { showDiagnosis } from "../../components/diagnosis.js";
import { showForwardingGuide } from "../../components/forwarding-guide.js";
import { icon } from "../../components/icons.js";
import { showToast, showErrorToast } from "../../components/toast.js";
import { formatCount, plural } from "../../format.js";
import { messageOf } from "./shared.js";

/**
 * @typedef {import("./shared.js").NumbersView} NumbersView
 * @typedef {import("../../api.js").TableRow} TableRow
 * @typedef {import("../../api.js").AgentSlot} AgentSlot
 * @typedef {import("../../api.js").RegionOutcome} RegionOutcome
 */

/** @type {Record<AgentSlot, string>} */
const SLOT_LABELS = { inbound: "Inbound agent", outbound: "Outbound agent", sms: "SMS agent" };

/**
 * The bulk bar; `update` shows it for the selection as it is now.
 * @param {NumbersView} view
 */
export function createBulkBar(view) {
  const { api, workspaceId } = view;
  const selectionCount = h("span", { class: "bulk-bar__count", "data-testid": "selection-count" });
  const selectAllMatching = h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "select-all-matching", onclick: () => selectEveryMatch() }, "Select all matching");
  const clearSelectionButton = h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "clear-selection", onclick: () => view.table?.clearSelection() }, icon("x", { size: 14 }), "Clear");

  /**
   * @param {string} testid
   * @param {string} label
   * @param {() => void} onClick
   */
  const bulkButton = (testid, label, onClick) => h("button", { type: "button", class: "btn btn--secondary btn--sm", "data-testid": testid, onclick: onClick }, label);
  const bulk = {
    assign: bulkButton("bulk-assign-agent", "Assign agent", () => assignDialog()),
    outbound: bulkButton("bulk-outbound", "Outbound calls", () => outboundDialog()),
    region: bulkButton("bulk-region", "Inbound region", () => regionDialog()),
    check: bulkButton("bulk-check", "Check", () => checkSelected()),
    forward: bulkButton("bulk-forward", "Forward a line here", () => forwardSelected()),
    process: bulkButton("bulk-process", "Process orders", () => processSelected()),
    release: bulkButton("bulk-release", "Release", () => releaseSelected()),
  };
  bulk.release.classList.add("btn--danger-text");
  const bulkBar = h(
    "div",
    { class: "bulk-bar", "data-testid": "bulk-bar", hidden: true },
    h("div", { class: "bulk-bar__selection" }, selectionCount, selectAllMatching, clearSelectionButton),
    h("div", { class: "bulk-bar__actions" }, Object.values(bulk)),
  );

  async function selectEveryMatch() {
    await withBusy(selectAllMatching, async () => {
      try {
        const ids = await api.numberIds(workspaceId, view.currentFilter());
        if (!view.disposed) view.table?.setSelection(ids);
      } catch (error) {
        showErrorToast(error);
      }
    });
  }

  /** The loaded rows of the view.selection (rows never scrolled to are view.known by id only). */
  function selectedRows() {
    return [...view.selection].map((id) => view.known.get(id)).filter((r) => r !== undefined);
  }

  function updateBulkBar() {
    const count = view.selection.size;
    bulkBar.hidden = count === 0;
    selectionCount.textContent = `${formatCount(count)} selected`;
    selectionCount.dataset.count = String(count);
    selectAllMatching.hidden = count >= view.total;
    selectAllMatching.textContent = `Select all ${formatCount(view.total)} matching`;
    const rows = selectedRows();
    bulk.check.disabled = count !== 1;
    bulk.forward.disabled = count !== 1;
    // Rows never loaded (after "select all matching") are read when the action runs.
    const unknown = rows.length < count;
    bulk.process.disabled = !unknown && !rows.some((r) => isProcessable(r));
    bulk.release.disabled = !unknown && !rows.some((r) => isReleasable(r));
    bulk.region.disabled = rows.length === count && !rows.some((r) => r.carrier === "twilio");
  }

  // ---------------------------------------------------------------- bulk actions

  /** @param {string} action */
  function selectedIds(action) {
    const ids = [...view.selection];
    if (ids.length === 0) showToast(`Select the numbers to ${action} first.`, { kind: "info" });
    return ids;
  }

  /** @param {string} sentence */
  function done(sentence) {
    showToast(sentence, { kind: "success" });
    view.reload({ keepScroll: true });
  }

  async function assignDialog() {
    const ids = selectedIds("assign");
    if (!ids.length) return;
    const list = await view.loadAgents();
    const slot = selectInput({
      name: "slot",
      options: Object.entries(SLOT_LABELS).map(([value, label]) => ({ value, label })),
      value: "inbound",
      attrs: { "data-testid": "assign-slot" },
    });
    const agent = selectInput({
      name: "agent",
      options: [...list.map((a) => ({ value: String(a.id), label: a.name })), { value: "", label: "Nobody (remove the agent)" }],
      value: list.length ? String(list[0].id) : "",
      attrs: { "data-testid": "assign-agent" },
    });
    await openDialog({
      title: `Assign an agent to ${plural(ids.length, "number")}`,
      testid: "assign-dialog",
      confirmLabel: "Assign",
      body: h(
        "div",
        { class: "form" },
        field({ label: "Slot", control: slot.el, hint: "Inbound answers calls, outbound places them, SMS handles messages." }),
        field({ label: "Agent", control: agent.el }),
        list.length === 0
          ? callout({
              kind: "info",
              children: [
                h("p", { class: "callout__text" }, "There are no agents yet. Create them on the Agents page."),
                h("button", { type: "button", class: "btn btn--secondary btn--sm", "data-testid": "go-to-agents", onclick: () => { document.querySelector("dialog[open]")?.close(); view.ctx.navigate("agents"); } }, "Open Agents"),
              ],
            })
          : null,
      ),
      onConfirm: async () => {
        const agentId = agent.select.value === "" ? null : Number(agent.select.value);
        const outcome = await api.assignAgent(workspaceId, ids, /** @type {AgentSlot} */ (slot.select.value), agentId);
        const name = agentId === null ? "Nobody" : list.find((a) => a.id === agentId)?.name ?? "The agent";
        const slotLabel = SLOT_LABELS[/** @type {AgentSlot} */ (slot.select.value)].toLowerCase();
        done(
          outcome.changed.length
            ? `${name} is now the ${slotLabel} of ${plural(outcome.changed.length, "number")}${outcome.unchanged.length ? ` (${formatCount(outcome.unchanged.length)} already had it)` : ""}.`
            : `Nothing changed: ${plural(outcome.unchanged.length, "number")} already had that ${slotLabel}.`,
        );
        view.loadAgents();
      },
    });
  }

  async function outboundDialog() {
    const ids = selectedIds("change");
    if (!ids.length) return;
    const choice = selectInput({
      name: "allowOutbound",
      options: [
        { value: "allow", label: "Allowed: the outbound agent may call from these numbers" },
        { value: "block", label: "Blocked: no outbound calls from these numbers" },
      ],
      value: "allow",
      attrs: { "data-testid": "outbound-choice" },
    });
    await openDialog({
      title: `Outbound calls from ${plural(ids.length, "number")}`,
      testid: "outbound-dialog",
      confirmLabel: "Save",
      body: h("div", { class: "form" }, field({ label: "Outbound calls", control: choice.el })),
      onConfirm: async () => {
        const allow = choice.select.value === "allow";
        const outcome = await api.setAllowOutbound(workspaceId, ids, allow);
        done(`Outbound calls ${allow ? "allowed" : "blocked"} on ${plural(outcome.changed.length, "number")}${outcome.unchanged.length ? ` (${formatCount(outcome.unchanged.length)} unchanged)` : ""}.`);
      },
    });
  }

  async function regionDialog() {
    const ids = selectedIds("change");
    if (!ids.length) return;
    let regions;
    /** @type {TableRow[]} */
    let telnyx;
    try {
      regions = await api.listTwilioRegions();
      telnyx = (await rowsOfSelection()).filter((r) => r.carrier !== "twilio");
    } catch (error) {
      showErrorToast(error);
      return;
    }
    const region = selectInput({
      name: "region",
      options: regions.map((r) => ({ value: r.id, label: r.name })),
      value: regions[0]?.id,
      attrs: { "data-testid": "region-select" },
    });
    /** @type {RegionOutcome | null} */
    const outcome = await openDialog({
      title: `Inbound region of ${plural(ids.length, "number")}`,
      description: "Where Twilio processes the calls to these numbers. Choose the region closest to your voice agents.",
      testid: "region-dialog",
      confirmLabel: "Set region",
      body: h(
        "div",
        { class: "form" },
        field({ label: "Twilio region", control: region.el }),
        telnyx.length
          ? callout({
              kind: "info",
              testid: "region-not-twilio",
              title: `${plural(telnyx.length, "Telnyx number")} ${telnyx.length === 1 ? "does" : "do"} not offer an inbound region`,
              children: h("p", { class: "callout__text" }, `${listNumbers(telnyx)} will be left as ${telnyx.length === 1 ? "it is" : "they are"}.`),
            })
          : null,
      ),
      onConfirm: () => api.setInboundRegion(workspaceId, ids, region.select.value),
    });
    if (!outcome) return;
    // Twilio keeps a number's configuration per region: a region's key is asked for the first
    // time a connection's numbers move there (or leave it), then the move is tried again.
    let result = outcome;
    while (result.keys_needed.length) {
      const next = await regionalKeyDialog(result.keys_needed[0], () => api.setInboundRegion(workspaceId, ids, region.select.value));
      if (!next) break;
      result = next;
    }
    showRegionOutcome(result);
  }

  /**
   * Asks for the API key made in a region, saves it (checked live by Twilio's regional host) and
   * runs `retry`. Resolves with retry's outcome, or null when cancelled.
   * @param {import("../../api.js").KeyNeeded} need
   * @param {() => Promise<RegionOutcome>} retry
   * @returns {Promise<RegionOutcome | null>}
   */
  function regionalKeyDialog(need, retry) {
    const sid = textInput({ name: "regionalKeySid", placeholder: "SK…", class: "input is-mono", "data-testid": "regional-key-sid" });
    const secret = secretInput({ name: "regionalKeySecret", placeholder: "The key's secret", "data-testid": "regional-key-secret" });
    return openDialog({
      title: `An API key made in ${need.region}`,
      testid: "regional-key-dialog",
      confirmLabel: "Save key and move",
      body: h(
        "div",
        { class: "form" },
        h(
          "p",
          { class: "dialog__text" },
          "Twilio keeps each number's webhooks per region, and only an API key made in ",
          h("strong", null, need.region),
          " may set them there. NumberDesk writes the numbers' configuration in ",
          need.region,
          " before it moves them, so calls keep reaching your agents.",
        ),
        h(
          "p",
          { class: "dialog__text" },
          "In the Twilio console, switch to the ",
          need.region,
          " region, create an API key under Account > API keys, and paste it here. It is kept in the system keyring with the other credentials of ",
          h("strong", { "data-testid": "regional-key-connection" }, need.connection_name),
          ".",
        ),
        field({ label: "API key SID", control: sid }),
        field({ label: "API key secret", control: secret.el }),
      ),
      onConfirm: async () => {
        await api.addRegionalKey(workspaceId, need.connection_id, need.region, sid.value, secret.input.value);
        return retry();
      },
    });
  }

  /** @param {RegionOutcome} outcome */
  function showRegionOutcome(outcome) {
    view.reload({ keepScroll: true });
    if (outcome.failed.length === 0 && outcome.not_twilio.length === 0 && outcome.keys_needed.length === 0) {
      showToast(`Inbound region set to ${outcome.region} for ${plural(outcome.changed.length + outcome.unchanged.length, "number")}.`, { kind: "success" });
      return;
    }
    openInfoDialog({
      title: "Inbound region: what was done",
      testid: "region-result",
      content: h(
        "div",
        { class: "result-list" },
        h(
          "p",
          { class: "dialog__text", "data-testid": "region-done" },
          outcome.changed.length + outcome.unchanged.length
            ? `${plural(outcome.changed.length + outcome.unchanged.length, "number")} ${outcome.changed.length + outcome.unchanged.length === 1 ? "is" : "are"} now in ${outcome.region}${outcome.failed.length ? "; the others below were not changed" : ""}.`
            : "No number was changed.",
        ),
        outcome.failed.length
          ? callout({
              kind: "error",
              testid: "region-failures",
              title: `${plural(outcome.failed.length, "number")} could not be changed`,
              children: h("ul", { class: "result-list__items" }, outcome.failed.map((f) => h("li", { "data-testid": "region-failure", "data-e164": f.e164 }, h("strong", null, f.e164), `: ${f.reason}`))),
            })
          : null,
        outcome.keys_needed.length
          ? callout({
              kind: "warning",
              testid: "region-keys-needed",
              title: "Not moved: an API key made in the region is needed",
              children: h(
                "ul",
                { class: "result-list__items" },
                outcome.keys_needed.map((k) => h("li", null, h("strong", null, k.connection_name), `: ${plural(k.numbers.length, "number")} left as ${k.numbers.length === 1 ? "it is" : "they are"} until a key made in ${k.region} is added.`)),
              ),
            })
          : null,
        outcome.not_twilio.length
          ? callout({
              kind: "info",
              testid: "region-not-twilio-result",
              title: "Not Twilio numbers: Telnyx does not offer an inbound region",
              children: h("p", { class: "callout__text" }, outcome.not_twilio.join(", ")),
            })
          : null,
      ),
    });
  }

  function onlySelected() {
    const id = [...view.selection][0];
    const row = view.known.get(id);
    return { id, e164: row?.e164 ?? "" };
  }

  function checkSelected() {
    if (view.selection.size !== 1) return;
    const { id, e164 } = onlySelected();
    showDiagnosis(`Check ${e164 || "the number"}`, () => api.checkNumber(workspaceId, id));
  }

  function forwardSelected() {
    if (view.selection.size !== 1) return;
    const { e164 } = onlySelected();
    if (e164) showForwardingGuide(e164, () => api.forwardingGuide(e164));
  }

  /**
   * Every selected row: the loaded ones, and those the table never loaded (after "select all
   * matching") read by id.
   * @returns {Promise<TableRow[]>}
   */
  async function rowsOfSelection() {
    const loaded = selectedRows();
    if (loaded.length >= view.selection.size) return loaded;
    const have = new Set(loaded.map((r) => r.id));
    const missing = [...view.selection].filter((id) => typeof id === "number" && !have.has(id));
    /** @type {TableRow[]} */
    const rows = [...loaded];
    for (let i = 0; i < missing.length; i += 5000) rows.push(...(await api.numberRows(workspaceId, missing.slice(i, i + 5000))));
    return rows;
  }

  /**
   * The selected rows that `keep` accepts, read with `button` busy; null when they could not be
   * read (the error is shown).
   * @param {HTMLButtonElement} button
   * @param {(row: TableRow) => boolean} keep
   * @returns {Promise<TableRow[] | null>}
   */
  async function selectedWhere(button, keep) {
    /** @type {TableRow[] | null} */
    let rows = null;
    await withBusy(button, async () => {
      try {
        rows = (await rowsOfSelection()).filter((row) => keep(row));
      } catch (error) {
        showErrorToast(error);
      }
    });
    return /** @type {TableRow[] | null} */ (rows);
  }

  async function processSelected() {
    const rows = await selectedWhere(bulk.process, isProcessable);
    if (!rows) return;
    if (!rows.length) {
      showToast("None of the selected numbers is waiting for an order.", { kind: "info" });
      return;
    }
    await withBusy(bulk.process, async () => {
      /** @type {Set<string>} */
      const activated = new Set();
      /** @type {Set<string>} */
      const failed = new Set();
      /** @type {string[]} */
      const errors = [];
      for (const row of rows) {
        if (activated.has(row.e164) || failed.has(row.e164)) continue;
        try {
          const report = await api.processOrders(workspaceId, row.id);
          for (const update of report.updates) {
            for (const e164 of update.activated) activated.add(e164);
            for (const failure of update.failed) failed.add(failure.e164);
          }
          errors.push(...report.errors);
        } catch (error) {
          errors.push(`${row.e164}: ${messageOf(error)}`);
        }
      }
      if (errors.length) showToast(errors.join(" "), { kind: "error", title: "Some orders could not be checked" });
      const nowActive = rows.filter((r) => activated.has(r.e164)).length;
      const nowFailed = rows.filter((r) => failed.has(r.e164)).length;
      done(`Checked ${plural(rows.length, "pending number")}: ${formatCount(nowActive)} now active, ${formatCount(nowFailed)} failed, ${formatCount(rows.length - nowActive - nowFailed)} still pending.`);
    });
  }

  async function releaseSelected() {
    const rows = await selectedWhere(bulk.release, isReleasable);
    if (!rows) return;
    if (!rows.length) {
      showToast("None of the selected numbers was bought through NumberDesk, so there is nothing to release.", { kind: "info" });
      return;
    }
    const skipped = view.selection.size - rows.length;
    const listed = listNumbers(rows);
    const confirmed = await confirmDialog({
      title: rows.length === 1 ? `Release ${rows[0].e164}?` : `Release ${plural(rows.length, "number")}?`,
      danger: true,
      confirmLabel: rows.length === 1 ? "Release number" : `Release ${plural(rows.length, "number")}`,
      message: h(
        "div",
        { class: "dialog__text", "data-testid": "release-warning" },
        h("p", null, "The number is deleted at the carrier and cannot be got back. Releasing refunds nothing: this month's credits stay spent."),
        h("p", null, listed),
        skipped > 0 ? h("p", null, `${plural(skipped, "other selected number")} ${skipped === 1 ? "is" : "are"} not bought through NumberDesk and ${skipped === 1 ? "is" : "are"} left alone.`) : null,
      ),
    });
    if (!confirmed) return;
    await withBusy(bulk.release, async () => {
      /** @type {string[]} */
      const released = [];
      /** @type {string[]} */
      const errors = [];
      for (const row of rows) {
        try {
          await api.releaseNumber(workspaceId, row.id);
          released.push(row.e164);
        } catch (error) {
          errors.push(`${row.e164}: ${messageOf(error)}`);
        }
      }
      if (errors.length) showToast(errors.join(" "), { kind: "error", title: `${plural(errors.length, "number")} could not be released` });
      view.table?.clearSelection();
      done(`Released ${plural(released.length, "number")}${errors.length ? "; the others are listed in the error" : ""}.`);
    });
  }

  return { el: bulkBar, update: updateBulkBar };
}

/**
 * The numbers of `rows` for a sentence: all of them, or the first 20 and how many more.
 * @param {TableRow[]} rows
 */
function listNumbers(rows) {
  const shown = rows.slice(0, 20).map((r) => r.e164).join(", ");
  return rows.length > 20 ? `${shown} and ${formatCount(rows.length - 20)} more` : shown;
}

/** @param {TableRow} row */
function isProcessable(row) {
  return row.source !== "imported" && row.status === "pending";
}

/** @param {TableRow} row */
function isReleasable(row) {
  return row.source !== "imported" && row.status !== "released";
}
