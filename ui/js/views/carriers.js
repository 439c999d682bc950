// @ts-check
/**
 * Carriers: the Twilio and Telnyx accounts connected to this workspace, one tile each, with
 * "Import numbers", "Check" (the troubleshooting checks of the connection) and an X that
 * disconnects it after saying what goes; and the buttons that connect another account (the
 * import wizard, step 1).
 */
import { h } from "../dom.js";
import { pageHeader } from "../components/page.js";
import { emptyState } from "../components/empty-state.js";
import { icon } from "../components/icons.js";
import { showToast, showErrorToast } from "../components/toast.js";
import { openDialog } from "../components/dialog.js";
import { checkboxField, formErrorSlot } from "../components/form.js";
import { callout } from "../components/callout.js";
import { showDiagnosis } from "../components/diagnosis.js";
import { sandboxBadge } from "../workspace.js";
import { carrierLogo, carrierName, plural, formatRelative } from "../format.js";
import { openImportWizard } from "./import/index.js";
import { openSipConnectDialog, openSipNumbersDialog, trunkFacts } from "./sip-trunk.js";

/**
 * @typedef {import("../main.js").ViewContext} ViewContext
 * @typedef {import("../api.js").Connection} Connection
 * @typedef {import("../api.js").Carrier} Carrier
 */

/** @type {Carrier[]} */
const CARRIERS = ["twilio", "telnyx", "sip"];

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  const workspace = ctx.workspace;
  if (!workspace) return;
  let disposed = false;

  const keyringNote = ctx.session.keyringAvailable
    ? h("p", { class: "muted-note" }, icon("info", { size: 14 }), "Credentials are stored in your system keychain, never in NumberDesk's database.")
    : h("p", { class: "muted-note muted-note--warning" }, icon("alert", { size: 14 }), "Connecting a carrier needs the system keychain, which is unavailable right now (see the warning above).");

  /** @param {Carrier} carrier */
  const connectLabel = (carrier) => `Connect ${carrierName(carrier)}`;
  /** @param {Carrier} carrier */
  const connect = (carrier) => (carrier === "sip" ? connectSip() : openWizard({ carrier }));
  /** @param {Carrier} carrier @param {"primary" | "secondary"} variant */
  const connectButton = (carrier, variant) =>
    h(
      "button",
      { type: "button", class: ["btn", `btn--${variant}`], "data-testid": `connect-${carrier}`, onclick: () => connect(carrier) },
      icon("plug"),
      connectLabel(carrier),
    );

  // Filled only when there are tiles: with none, the empty state holds the connect buttons (one
  // button per test hook on screen).
  const actions = h("div", { class: "page-header__actions", hidden: true });
  const header = pageHeader({ title: "Carriers", description: "The carrier accounts that own this workspace's numbers.", meta: workspace.isSandbox ? sandboxBadge() : null });
  header.append(actions);
  const body = h("div", { class: "carriers-body", "aria-busy": "true" }, h("div", { class: "panel panel--loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading connections…"));

  root.append(h("div", { class: "view", "data-testid": "view-carriers" }, header, body, keyringNote));

  /** @param {import("./import/index.js").WizardStart} start */
  async function openWizard(start) {
    const result = await openImportWizard(ctx, start);
    if (!disposed && (result.connection || result.importId !== null || result.sipTrunk)) load();
  }

  async function connectSip() {
    const trunk = await openSipConnectDialog(ctx);
    if (!trunk || disposed) return;
    load();
    await openSipNumbersDialog(ctx, { id: trunk.connection_id, name: trunk.name }, { originationUri: trunk.origination_uri });
    if (!disposed) load();
  }

  async function load() {
    try {
      const workspaceId = /** @type {number} */ (workspace?.id);
      const connections = await ctx.api.listConnections(workspaceId);
      // A trunk's tile shows where its calls go and what to give the carrier.
      const trunks = new Map(
        await Promise.all(
          connections
            .filter((c) => c.carrier === "sip")
            .map(async (c) => /** @type {const} */ ([c.id, await ctx.api.getSipTrunk(workspaceId, c.id).catch(() => null)])),
        ),
      );
      if (disposed) return;
      show(connections, trunks);
    } catch (error) {
      if (disposed) return;
      body.removeAttribute("aria-busy");
      body.replaceChildren(
        h(
          "div",
          { class: "panel" },
          emptyState({ icon: "alert", title: "Connections could not be loaded", text: error && typeof error === "object" && "message" in error ? String(error.message) : "", actions: [{ label: "Try again", onClick: () => load(), testid: "retry-connections" }] }),
        ),
      );
      showErrorToast(error);
    }
  }

  /**
   * @param {Connection[]} connections
   * @param {Map<number, import("../api.js").SipTrunk | null>} trunks
   */
  function show(connections, trunks) {
    body.removeAttribute("aria-busy");
    actions.hidden = connections.length === 0;
    actions.replaceChildren(...(connections.length ? CARRIERS.map((carrier) => connectButton(carrier, "secondary")) : []));
    if (connections.length === 0) {
      body.replaceChildren(
        h(
          "div",
          { class: "panel" },
          emptyState({
            icon: "plug",
            title: "No carrier account connected",
            text: "Connect the Twilio or Telnyx account that owns your numbers and import them, or a SIP trunk from any other carrier. You can connect several.",
            actions: CARRIERS.map((carrier, i) => ({
              label: connectLabel(carrier),
              icon: /** @type {const} */ ("plug"),
              variant: i === 0 ? /** @type {const} */ ("primary") : /** @type {const} */ ("secondary"),
              testid: `connect-${carrier}`,
              onClick: () => connect(carrier),
            })),
          }),
        ),
      );
      return;
    }
    body.replaceChildren(h("div", { class: "carrier-grid connection-list", "data-testid": "connection-list" }, connections.map((connection) => tile(connection, trunks.get(connection.id) ?? null))));
  }

  /**
   * @param {Connection} connection
   * @param {import("../api.js").SipTrunk | null} trunk a SIP trunk's details
   */
  function tile(connection, trunk) {
    const isTrunk = connection.carrier === "sip";
    return h(
      "article",
      {
        class: "carrier-card connection-tile",
        "data-testid": "connection-tile",
        "data-connection-id": String(connection.id),
        "data-carrier": connection.carrier,
      },
      h(
        "div",
        { class: "carrier-card__top" },
        carrierLogo(connection.carrier),
        h(
          "div",
          { class: "connection-tile__corner" },
          h(
            "button",
            {
              type: "button",
              class: "icon-button connection-tile__disconnect",
              "data-testid": `disconnect-${connection.id}`,
              "aria-label": `Disconnect ${connection.name}`,
              title: "Disconnect",
              onclick: () => disconnect(connection),
            },
            icon("x", { size: 16 }),
          ),
        ),
      ),
      h(
        "div",
        { class: "connection-tile__title" },
        h("h2", { class: "carrier-card__name connection-tile__name", title: connection.name }, connection.name),
        connection.isSandbox ? sandboxBadge() : null,
      ),
      h(
        "p",
        { class: "connection-tile__account" },
        h("span", null, carrierName(connection.carrier)),
        connection.accountName ? [" · ", h("span", { "data-testid": "connection-account-name", title: connection.accountName }, connection.accountName)] : null,
      ),
      h(
        "dl",
        { class: "connection-tile__facts" },
        h("dt", null, "Numbers"),
        h("dd", { "data-testid": "connection-number-count" }, plural(connection.numberCount, "number")),
        connection.accountRef ? [h("dt", null, connection.carrier === "twilio" ? "Account SID" : "Account"), h("dd", { class: "is-mono", title: connection.accountRef }, connection.accountRef)] : null,
        connection.texmlConnectionId ? [h("dt", null, "TeXML app"), h("dd", { class: "is-mono", title: connection.texmlConnectionId }, connection.texmlConnectionId)] : null,
        trunk ? trunkFacts(trunk) : null,
        isTrunk ? null : [h("dt", null, "Last sync"), h("dd", null, connection.lastSyncedAt ? formatRelative(connection.lastSyncedAt) : "Not yet")],
      ),
      h(
        "div",
        { class: "connection-tile__actions" },
        isTrunk
          ? h(
              "button",
              {
                type: "button",
                class: "btn btn--primary",
                "data-testid": "add-numbers",
                onclick: async () => {
                  const added = await openSipNumbersDialog(ctx, connection);
                  if (added && !disposed) load();
                },
              },
              icon("plus"),
              "Add numbers",
            )
          : h(
              "button",
              { type: "button", class: "btn btn--primary", "data-testid": "import-numbers", onclick: () => openWizard({ connection }) },
              icon("download"),
              "Import numbers",
            ),
        h(
          "button",
          {
            type: "button",
            class: "btn btn--secondary",
            "data-testid": "check-connection",
            onclick: () => showDiagnosis(`Check ${connection.name}`, () => ctx.api.checkConnection(/** @type {number} */ (workspace?.id), connection.id)),
          },
          icon("checkCircle"),
          "Check",
        ),
      ),
    );
  }

  /**
   * Says what disconnecting removes (numbers, agents losing them), offers to put the previous
   * webhook settings back, and disconnects. On failure the sentence shows and nothing goes.
   * @param {Connection} connection
   */
  async function disconnect(connection) {
    const workspaceId = /** @type {number} */ (workspace?.id);
    let preview;
    try {
      preview = await ctx.api.previewDisconnect(workspaceId, connection.id);
    } catch (error) {
      showErrorToast(error);
      return;
    }
    const restore = checkboxField({
      name: "restoreWebhooks",
      label: "Restore the previous webhook settings at the carrier",
      description: `${plural(preview.restorable, "number")} had ${preview.restorable === 1 ? "its" : "their"} webhooks pointed at NumberDesk; put back what ${preview.restorable === 1 ? "it" : "they"} had before.`,
      checked: false,
      attrs: { "data-testid": "restore-webhooks" },
    });
    const force = checkboxField({
      name: "forceDisconnect",
      label: "Disconnect anyway",
      description: "NumberDesk stops tracking these purchases and notes it in the audit log; check them in the carrier's console.",
      checked: false,
      attrs: { "data-testid": "disconnect-force" },
    });
    const error = formErrorSlot();
    const report = await openDialog({
      title: `Disconnect ${preview.name}?`,
      variant: "danger",
      size: "md",
      testid: "disconnect-dialog",
      confirmLabel: "Disconnect",
      closeOnBackdrop: false,
      body: h(
        "div",
        { class: "disconnect" },
        h("p", { class: "dialog__text disconnect__count", "data-testid": "disconnect-count", "data-count": String(preview.number_count) }, h("strong", null, `${plural(preview.number_count, "number")} will be removed from NumberDesk.`)),
        preview.affected_agents.length
          ? h(
              "div",
              { class: "disconnect__agents", "data-testid": "disconnect-agents" },
              h("p", { class: "dialog__text" }, "These agents lose numbers:"),
              h(
                "ul",
                { class: "holding-list" },
                preview.affected_agents.map((a) => h("li", { "data-testid": "disconnect-agent", "data-agent-id": String(a.agent_id) }, h("strong", null, a.name), ` loses ${plural(a.numbers, "number")}`)),
              ),
            )
          : null,
        h("p", { class: "dialog__text", "data-testid": "disconnect-note" }, preview.note),
        preview.running_imports > 0
          ? callout({ kind: "warning", testid: "disconnect-running-import", children: h("p", { class: "callout__text" }, "An import through this connection is still running. Cancel it or wait for it to finish first.") })
          : null,
        preview.unsettled
          ? callout({ kind: "warning", testid: "disconnect-unsettled", children: h("p", { class: "callout__text" }, `${preview.unsettled}. Wait until they are Active or Failed (Process checks now), or disconnect anyway.`) })
          : null,
        preview.unsettled ? force.el : null,
        preview.restorable > 0 ? restore.el : null,
        h("p", { class: "dialog__text" }, "The credentials are deleted from the system keyring."),
        error.el,
      ),
      inlineErrors: true,
      onConfirm: async () => {
        error.clear();
        try {
          return await ctx.api.disconnectCarrier(workspaceId, connection.id, preview.restorable > 0 && restore.input.checked, Boolean(preview.unsettled) && force.input.checked);
        } catch (e) {
          error.show(e && typeof e === "object" && "message" in e ? String(e.message) : "The carrier could not be disconnected.");
          throw e;
        }
      },
    });
    if (!report || disposed) return;
    showToast(
      `${report.name} disconnected: ${plural(report.removed_numbers, "number")} removed from NumberDesk${report.restored.length ? `, ${plural(report.restored.length, "number")} restored at the carrier` : ""}.`,
      { kind: "success" },
    );
    load();
  }

  load();
  return () => {
    disposed = true;
  };
}
