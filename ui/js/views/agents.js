// @ts-check
/**
 * Agents: the voice agents that numbers route to. Lists them with how many numbers each holds;
 * create, rename and delete (an agent holding numbers is deleted only once the user has seen
 * which numbers lose it); selecting an agent shows its numbers and in which slot it holds each.
 */
import { h } from "../dom.js";
import { emptyState } from "../components/empty-state.js";
import { pageHeader } from "../components/page.js";
import { createTable } from "../components/table.js";
import { openDialog } from "../components/dialog.js";
import { textInput, field, formErrorSlot, reportFormError, withBusy } from "../components/form.js";
import { callout } from "../components/callout.js";
import { icon } from "../components/icons.js";
import { showToast, showErrorToast } from "../components/toast.js";
import { sandboxBadge } from "../workspace.js";
import { formatDate, plural } from "../format.js";

/**
 * @typedef {import("../main.js").ViewContext} ViewContext
 * @typedef {import("../api.js").AgentRow} AgentRow
 * @typedef {import("../api.js").Holding} Holding
 * @typedef {import("../api.js").AgentSlot} AgentSlot
 */

/** @type {Record<AgentSlot, string>} */
const SLOT_LABELS = { inbound: "Inbound", outbound: "Outbound", sms: "SMS" };

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  const workspace = ctx.workspace;
  if (!workspace) return;
  const workspaceId = workspace.id;
  const { api } = ctx;
  let disposed = false;
  /** @type {number | null} */
  let selectedId = null;
  /** @type {AgentRow[]} */
  let agents = [];

  const nameInput = textInput({ name: "agentName", placeholder: "e.g. Front desk", maxlength: "80", "data-testid": "new-agent-name", "aria-label": "New agent's name" });
  const createError = formErrorSlot();
  const createButton = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "create-agent" }, icon("plus"), "Add agent");
  const createForm = h(
    "form",
    {
      class: "agent-create",
      "data-testid": "agent-create-form",
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        create();
      },
    },
    h("div", { class: "input-with-action" }, nameInput, createButton),
    createError.el,
  );

  const list = h("div", { class: "agents-list", "aria-busy": "true" }, h("div", { class: "panel panel--loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading agents…"));
  const holdings = h("section", { class: "card agent-holdings", "data-testid": "agent-holdings", hidden: true });

  root.append(
    h(
      "div",
      { class: "view", "data-testid": "view-agents" },
      pageHeader({ title: "Agents", description: "The voice agents your numbers ring.", meta: workspace.isSandbox ? sandboxBadge() : null }),
      createForm,
      h("div", { class: "agents-layout" }, list, holdings),
    ),
  );

  /** @type {import("../components/table.js").TableHandle<AgentRow> | null} */
  let table = null;

  async function load() {
    try {
      const rows = await api.listAgents(workspaceId);
      if (disposed) return;
      agents = rows;
      show();
    } catch (error) {
      if (disposed) return;
      list.removeAttribute("aria-busy");
      list.replaceChildren(
        h("div", { class: "panel" }, emptyState({ icon: "alert", title: "Agents could not be loaded", text: messageOf(error), actions: [{ label: "Try again", onClick: () => load(), testid: "retry-agents" }] })),
      );
      showErrorToast(error);
    }
  }

  function show() {
    list.removeAttribute("aria-busy");
    if (agents.length === 0) {
      table?.destroy();
      table = null;
      holdings.hidden = true;
      list.replaceChildren(
        h(
          "div",
          { class: "panel" },
          emptyState({
            icon: "bot",
            title: "No agents yet",
            text: "Add an agent for each voice bot on your platform, then point numbers at it from the Phone Numbers table.",
            actions: [{ label: "Go to Phone Numbers", variant: "secondary", icon: "phone", onClick: () => ctx.navigate("numbers"), testid: "agents-go-numbers" }],
          }),
        ),
      );
      return;
    }
    if (!table) {
      table = createTable({
        columns: [
          { key: "name", label: "Agent", sortable: true, width: "minmax(160px, 2fr)", render: (a) => h("span", { class: "agent-name", "data-testid": "agent-name", title: a.name }, a.name) },
          {
            key: "number_count",
            label: "Numbers",
            sortable: true,
            align: "end",
            width: "110px",
            render: (a) => h("span", { "data-testid": "agent-number-count", "data-count": String(a.number_count) }, plural(a.number_count, "number")),
          },
          { key: "created_at", label: "Created", sortable: true, width: "120px", value: (a) => a.created_at, render: (a) => h("span", { class: "text-muted-sm" }, formatDate(a.created_at)) },
          {
            key: "actions",
            label: "",
            width: "180px",
            align: "end",
            render: (a) =>
              h(
                "span",
                { class: "row-actions" },
                h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "rename-agent", onclick: (/** @type {Event} */ e) => { e.stopPropagation(); rename(a); } }, "Rename"),
                h("button", { type: "button", class: "btn btn--ghost btn--sm btn--danger-text", "data-testid": "delete-agent", onclick: (/** @type {Event} */ e) => { e.stopPropagation(); remove(a); } }, icon("trash", { size: 14 }), "Delete"),
              ),
          },
        ],
        rows: /** @type {AgentRow[]} */ ([]),
        rowKey: (a) => a.id,
        rowHeight: 48,
        sort: { key: "name", direction: "asc" },
        label: "Agents",
        testid: "agents-table",
        onRowClick: (a) => select(a.id),
        rowAttrs: (a) => ({ "data-testid": "agent-row", "data-agent-id": String(a.id), "data-name": a.name, class: a.id === selectedId ? "is-current" : undefined }),
      });
      for (const cell of table.el.querySelectorAll(".data-table__cell--head[data-column]")) {
        const button = cell.querySelector("button");
        if (button) button.setAttribute("data-testid", `agents-sort-${/** @type {HTMLElement} */ (cell).dataset.column}`);
      }
      list.replaceChildren(table.el);
    }
    table.setRows(agents);
    if (selectedId !== null && !agents.some((a) => a.id === selectedId)) selectedId = null;
    if (selectedId !== null) loadHoldings(selectedId);
    else holdings.hidden = true;
  }

  async function create() {
    await withBusy(createButton, async () => {
      try {
        const agent = await api.createAgent(workspaceId, nameInput.value);
        if (disposed) return;
        createError.clear();
        nameInput.value = "";
        showToast(`Agent "${agent.name}" added.`, { kind: "success" });
        selectedId = agent.id;
        await load();
      } catch (error) {
        reportFormError(error, createError);
      }
    });
  }

  /** @param {AgentRow} agent */
  async function rename(agent) {
    const input = textInput({ name: "agentRename", value: agent.name, maxlength: "80", "data-testid": "rename-agent-name" });
    const error = formErrorSlot();
    await openDialog({
      title: `Rename "${agent.name}"`,
      testid: "rename-agent-dialog",
      confirmLabel: "Rename",
      body: h("div", { class: "form" }, field({ label: "Name", control: input }), error.el),
      inlineErrors: true,
      onConfirm: async () => {
        try {
          const renamed = await api.renameAgent(workspaceId, agent.id, input.value);
          showToast(`Renamed to "${renamed.name}".`, { kind: "success" });
          await load();
          return renamed;
        } catch (e) {
          // The sentence goes beside the field; the dialog stays open.
          const err = /** @type {any} */ (e);
          error.show(err && typeof err.message === "string" ? err.message : "The agent could not be renamed.");
          throw e;
        }
      },
    });
  }

  /** @param {AgentRow} agent */
  async function remove(agent) {
    try {
      await api.deleteAgent(workspaceId, agent.id, false);
      if (disposed) return;
      showToast(`Agent "${agent.name}" deleted.`, { kind: "success" });
      if (selectedId === agent.id) selectedId = null;
      await load();
      return;
    } catch (error) {
      const err = /** @type {any} */ (error);
      if (!err || err.code !== "conflict") {
        showErrorToast(error);
        return;
      }
      /** @type {Holding[]} */
      let held = [];
      try {
        held = await api.agentHoldings(workspaceId, agent.id);
      } catch {
        held = [];
      }
      const confirmed = await openDialog({
        title: `Delete "${agent.name}"?`,
        variant: "danger",
        testid: "delete-agent-dialog",
        confirmLabel: "Delete agent",
        body: h(
          "div",
          { class: "delete-agent" },
          h("p", { class: "dialog__text", "data-testid": "delete-agent-message" }, err.message),
          held.length
            ? h(
                "ul",
                { class: "holding-list", "data-testid": "delete-agent-holdings" },
                held.map((hd) => h("li", { "data-testid": "delete-agent-holding", "data-e164": hd.e164 }, h("span", { class: "is-mono" }, hd.e164), " ", h("span", { class: "text-muted-sm" }, slotText(hd.slots)))),
              )
            : null,
        ),
        onConfirm: () => api.deleteAgent(workspaceId, agent.id, true),
      });
      if (!confirmed || disposed) return;
      showToast(`Agent "${agent.name}" deleted; ${plural(held.length || agent.number_count, "number")} no longer ${held.length === 1 ? "has" : "have"} it.`, { kind: "success" });
      if (selectedId === agent.id) selectedId = null;
      await load();
    }
  }

  /** @param {number} id */
  function select(id) {
    selectedId = id;
    table?.refresh();
    loadHoldings(id);
  }

  /** @param {number} id */
  async function loadHoldings(id) {
    const agent = agents.find((a) => a.id === id);
    if (!agent) return;
    holdings.hidden = false;
    holdings.dataset.agentId = String(id);
    holdings.setAttribute("aria-busy", "true");
    const header = h(
      "header",
      { class: "card__header" },
      h("div", null, h("h2", { class: "card__title", "data-testid": "holdings-agent-name" }, agent.name), h("p", { class: "card__description" }, plural(agent.number_count, "number"))),
    );
    holdings.replaceChildren(header, h("div", { class: "card__body panel--loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading…"));
    try {
      const held = await api.agentHoldings(workspaceId, id);
      if (disposed || selectedId !== id) return;
      holdings.removeAttribute("aria-busy");
      holdings.replaceChildren(
        header,
        h(
          "div",
          { class: "card__body" },
          held.length === 0
            ? h("p", { class: "text-muted-sm", "data-testid": "holdings-empty" }, "No number rings this agent yet. Select numbers on the Phone Numbers page and use Assign agent.")
            : h(
                "ul",
                { class: "holding-list", "data-testid": "holding-list" },
                held.map((hd) =>
                  h(
                    "li",
                    { class: "holding-list__item", "data-testid": "holding", "data-e164": hd.e164 },
                    h("span", { class: "is-mono", "data-testid": "holding-number" }, hd.e164),
                    h("span", { class: "holding-list__slots", "data-testid": "holding-slots" }, slotText(hd.slots)),
                  ),
                ),
              ),
        ),
      );
    } catch (error) {
      if (disposed) return;
      holdings.removeAttribute("aria-busy");
      holdings.replaceChildren(header, h("div", { class: "card__body" }, callout({ kind: "error", children: h("p", { class: "callout__text" }, messageOf(error)) })));
    }
  }

  load();
  return () => {
    disposed = true;
    table?.destroy();
  };
}

/** @param {AgentSlot[]} slots */
function slotText(slots) {
  return slots.map((s) => SLOT_LABELS[s] ?? s).join(" · ");
}

/** @param {unknown} error */
function messageOf(error) {
  return error && typeof error === "object" && "message" in error ? String(/** @type {any} */ (error).message) : "";
}
