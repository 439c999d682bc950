// @ts-check
/**
 * SIP trunks: the dialog that connects one (only what a SIP carrier needs: where outbound calls
 * go, the transport and port, optional digest credentials, the carrier's signalling ranges), and
 * the dialog that adds numbers to one, typed or from a CSV file, with every row previewed and
 * each bad one named before anything is written.
 *
 * Carrier and file text (host names, labels, CSV cells) is only ever set as text.
 */
import { h } from "../dom.js";
import { openDialog } from "../components/dialog.js";
import { openInfoDialog } from "../components/info-dialog.js";
import { field, textInput, selectInput, secretInput, segmented, formErrorSlot, withBusy } from "../components/form.js";
import { callout, copyableValue } from "../components/callout.js";
import { icon } from "../components/icons.js";
import { showToast } from "../components/toast.js";
import { plural } from "../format.js";

/**
 * @typedef {import("../main.js").ViewContext} ViewContext
 * @typedef {import("../api.js").SipTrunk} SipTrunk
 * @typedef {import("../api.js").NumbersPreview} NumbersPreview
 * @typedef {import("../api.js").NumbersInput} NumbersInput
 */

/** @param {unknown} error @param {string} fallback */
function messageOf(error, fallback) {
  return error && typeof error === "object" && "message" in error ? String(/** @type {any} */ (error).message) : fallback;
}

/**
 * Connect a SIP trunk to the workspace. Resolves with the trunk, or null when cancelled. In the
 * Sandbox workspace it offers the in-app sandbox's trunk, filled in with one click.
 * @param {ViewContext} ctx
 * @param {{ name?: string }} [start]
 * @returns {Promise<SipTrunk | null>}
 */
export async function openSipConnectDialog(ctx, start = {}) {
  const workspace = ctx.workspace;
  if (!workspace) return null;
  const name = textInput({ name: "sipName", placeholder: "e.g. Office trunk", maxlength: "60", value: start.name ?? "", "data-testid": "sip-name" });
  const termination = textInput({ name: "sipTermination", placeholder: "sip.carrier.example or sip:host:5060;transport=tcp", "data-testid": "sip-termination" });
  const transport = selectInput({
    name: "sipTransport",
    value: "",
    options: [
      { value: "", label: "From the URI (UDP if it names none)" },
      { value: "udp", label: "UDP" },
      { value: "tcp", label: "TCP" },
      { value: "tls", label: "TLS" },
    ],
    attrs: { "data-testid": "sip-transport" },
  });
  const port = textInput({ name: "sipPort", inputmode: "numeric", placeholder: "5060, or 5061 for TLS", "data-testid": "sip-port" });
  const username = textInput({ name: "sipUsername", placeholder: "Leave empty if the trunk authenticates by IP", "data-testid": "sip-username" });
  const password = secretInput({ name: "sipPassword", "data-testid": "sip-password" });
  const ranges = h("textarea", { class: "input textarea", name: "sipRanges", rows: "3", placeholder: "203.0.113.0/24\n198.51.100.7", "data-testid": "sip-ranges", spellcheck: "false" });
  const error = formErrorSlot();
  const sandboxSlot = h("div", { class: "sip-form__sandbox" });
  if (workspace.isSandbox) {
    ctx.api.sandboxSipTrunk().then((trunk) => {
      if (!trunk) return;
      // By name and without a port: the sandbox's DNS gives the port through the trunk's SRV
      // record, as a carrier's does, so the trunk still answers after a restart.
      const fill = (/** @type {string} */ host, /** @type {boolean} */ withCredentials) => {
        termination.value = host;
        port.value = "";
        transport.select.value = "udp";
        username.value = withCredentials ? trunk.username : "";
        password.input.value = withCredentials ? trunk.password : "";
      };
      sandboxSlot.replaceChildren(
        callout({
          kind: "info",
          testid: "sip-sandbox-trunk",
          title: "The sandbox has a SIP trunk on this computer",
          children: [
            h("p", { class: "callout__text" }, `It answers as ${trunk.host_name} (${trunk.host}:${trunk.port}, over UDP and TCP), with the username ${trunk.username} and the password ${trunk.password}. ${trunk.silent_host_name} never answers.`),
            h(
              "div",
              { class: "sip-numbers__actions" },
              h("button", { type: "button", class: "btn btn--secondary btn--sm", "data-testid": "sip-use-sandbox", onclick: () => fill(trunk.host_name, true) }, "Use the sandbox trunk"),
              h("button", { type: "button", class: "btn btn--ghost btn--sm", "data-testid": "sip-use-silent", onclick: () => fill(trunk.silent_host_name, false) }, "Use the silent host"),
            ),
          ],
        }),
      );
    }, () => {});
  }
  const body = h(
    "div",
    { class: "form sip-form" },
    sandboxSlot,
    field({ label: "Name", control: name }),
    field({ label: "Termination host or SIP URI", control: termination, hint: "Where your agents' outbound calls go, as your carrier gives it." }),
    h("div", { class: "form__row" }, field({ label: "Transport", control: transport.el }), field({ label: "Port", control: port, optional: true })),
    h("div", { class: "form__row" }, field({ label: "Digest username", control: username, optional: true }), field({ label: "Digest password", control: password.el, optional: true })),
    field({ label: "Carrier signalling ranges", control: ranges, optional: true, hint: "IPs or CIDR ranges the carrier sends SIP from, one per line, for your allow-list. Check says whether its answer comes from inside them." }),
    h("p", { class: "muted-note" }, icon("info", { size: 14 }), "The username and password are stored in your system keychain, never in NumberDesk's database."),
    error.el,
  );
  return openDialog({
    title: "Connect a SIP trunk",
    description: "For a carrier NumberDesk reaches over SIP only. Nothing is changed at the carrier.",
    testid: "sip-connect-dialog",
    confirmLabel: "Connect",
    size: "md",
    closeOnBackdrop: false,
    inlineErrors: true,
    body,
    onConfirm: async () => {
      error.clear();
      try {
        return await ctx.api.connectSipTrunk(workspace.id, {
          name: name.value,
          termination: termination.value,
          transport: transport.select.value || null,
          port: port.value || null,
          username: username.value || null,
          password: password.input.value || null,
          allowedRanges: ranges.value.split("\n"),
        });
      } catch (e) {
        error.show(messageOf(e, "The trunk could not be connected."));
        throw e;
      }
    },
  });
}

/**
 * Where the carrier must send inbound calls, and how the trunk is reached: shown on the trunk's
 * tile and above its numbers.
 * @param {SipTrunk} trunk
 */
export function trunkFacts(trunk) {
  return [
    h("dt", null, "Termination"),
    h("dd", { class: "is-mono", title: trunk.termination_uri, "data-testid": "sip-termination-uri" }, trunk.termination_uri),
    h("dt", null, "Origination URI"),
    h("dd", { class: "is-mono", title: trunk.origination_uri, "data-testid": "sip-origination-uri" }, trunk.origination_uri),
    trunk.allowed_ranges.length ? [h("dt", null, "Signalling ranges"), h("dd", { class: "is-mono" }, trunk.allowed_ranges.join(", "))] : null,
  ];
}

/**
 * Add numbers to a trunk, typed or from a CSV file: Preview judges every row and names each bad
 * one; Add writes the good ones in one go. Resolves with the count added (0 when cancelled).
 * @param {ViewContext} ctx
 * @param {{ id: number, name: string }} connection
 * @param {{ originationUri?: string }} [connected] set right after the trunk was connected
 * @returns {Promise<number>}
 */
export async function openSipNumbersDialog(ctx, connection, connected = {}) {
  const workspace = ctx.workspace;
  if (!workspace) return 0;
  const workspaceId = workspace.id;
  /** @type {"typed" | "csv"} */
  let source = "typed";
  const typed = h("textarea", { class: "input textarea", rows: "6", placeholder: "+14155550100\n+14155550101", "data-testid": "sip-numbers-typed", spellcheck: "false" });
  const csvText = h("textarea", { class: "input textarea", rows: "6", placeholder: "phone_number,friendly_name\n+14155550100,Front desk", "data-testid": "sip-numbers-csv", spellcheck: "false" });
  const fileName = h("span", { class: "muted-note", "data-testid": "sip-numbers-file-name" });
  const fileInput = h("input", {
    type: "file",
    accept: ".csv,text/csv,text/plain",
    class: "file-input",
    "data-testid": "sip-numbers-file",
    onchange: async () => {
      const file = fileInput.files?.[0];
      if (!file) return;
      csvText.value = await file.text();
      fileName.textContent = `${file.name} loaded: ${plural(csvText.value.split("\n").filter((l) => l.trim()).length, "line")}.`;
      previewSlot.replaceChildren();
    },
  });
  const typedPane = h("div", { class: "sip-numbers__pane" }, field({ label: "Numbers", control: typed, hint: "One per line, in international form (+ and the country code)." }));
  const csvPane = h(
    "div",
    { class: "sip-numbers__pane", hidden: true },
    field({ label: "CSV file", control: fileInput, hint: "A column named phone_number, number or e164 (or the numbers in the first column), and optionally friendly_name." }),
    fileName,
    field({ label: "Or paste the file's contents", control: csvText }),
  );
  const previewSlot = h("div", { class: "sip-numbers__preview", "aria-live": "polite" });
  const error = formErrorSlot();

  /** @returns {NumbersInput} */
  const input = () => (source === "typed" ? { typed: typed.value.split("\n") } : { csv: csvText.value });

  const previewButton = h("button", { type: "button", class: "btn btn--secondary", "data-testid": "sip-preview", onclick: () => withBusy(previewButton, preview) }, icon("eye", { size: 14 }), "Preview");

  async function preview() {
    error.clear();
    try {
      const result = await ctx.api.previewTrunkNumbers(workspaceId, connection.id, input());
      previewSlot.replaceChildren(previewTable(result));
    } catch (e) {
      previewSlot.replaceChildren();
      error.show(messageOf(e, "The numbers could not be read."));
    }
  }

  const body = h(
    "div",
    { class: "form sip-numbers" },
    connected.originationUri
      ? callout({
          kind: "success",
          testid: "sip-connected",
          title: `${connection.name} is connected. Give your carrier this origination URI for inbound calls:`,
          children: copyableValue(connected.originationUri, { testid: "copy-origination-uri", label: "Copy the origination URI" }),
        })
      : null,
    segmented({
      name: "sipNumbersSource",
      label: "Where the numbers come from",
      value: source,
      options: [
        { value: "typed", label: "Type or paste", icon: "phone" },
        { value: "csv", label: "CSV file", icon: "download" },
      ],
      onChange: (value) => {
        source = value === "csv" ? "csv" : "typed";
        typedPane.hidden = source !== "typed";
        csvPane.hidden = source !== "csv";
        previewSlot.replaceChildren();
        error.clear();
      },
    }),
    typedPane,
    csvPane,
    h("div", { class: "sip-numbers__actions" }, previewButton),
    previewSlot,
    error.el,
  );
  const added = await openDialog({
    title: `Add numbers to ${connection.name}`,
    description: "Numbers you already own on this trunk. They are only recorded in NumberDesk; nothing is changed at the carrier.",
    testid: "sip-numbers-dialog",
    confirmLabel: "Add numbers",
    size: "lg",
    closeOnBackdrop: false,
    inlineErrors: true,
    body,
    onConfirm: async () => {
      error.clear();
      try {
        return await ctx.api.addTrunkNumbers(workspaceId, connection.id, input());
      } catch (e) {
        error.show(messageOf(e, "The numbers could not be added."));
        throw e;
      }
    },
  });
  if (!added) return 0;
  showToast(`${plural(added.added.length, "number")} added to ${connection.name}${added.rejected.length ? `; ${plural(added.rejected.length, "row")} left out` : ""}.`, { kind: "success" });
  if (added.rejected.length) {
    await openInfoDialog({
      title: `${plural(added.rejected.length, "row")} left out`,
      description: "These rows were not added. Fix them in the file and add it again; the rows already added are kept and reported as already on this trunk.",
      testid: "sip-left-out-dialog",
      content: rowList(added.rejected),
    });
  }
  return added.added.length;
}

/** @param {NumbersPreview} preview */
function previewTable(preview) {
  const summary = preview.bad === 0
    ? callout({ kind: "success", testid: "sip-preview-summary", title: `${plural(preview.good, "number")} can be added.` })
    : callout({
        kind: "warning",
        testid: "sip-preview-summary",
        title: `${plural(preview.good, "number")} can be added; ${plural(preview.bad, "row")} cannot.`,
        children: h("p", { class: "callout__text" }, "Add numbers adds the good rows only; the others are listed below with what is wrong."),
      });
  summary.dataset.good = String(preview.good);
  summary.dataset.bad = String(preview.bad);
  return h("div", { class: "sip-preview" }, summary, rowList(preview.rows));
}

/** @param {import("../api.js").PreviewRow[]} rows */
function rowList(rows) {
  return h(
    "div",
    { class: "sip-preview__scroll" },
    h(
      "table",
      { class: "data-table sip-preview__table", "data-testid": "sip-preview-rows" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "Line"), h("th", { scope: "col" }, "Number"), h("th", { scope: "col" }, "Label"), h("th", { scope: "col" }, "Result"))),
      h(
        "tbody",
        null,
        rows.map((row) =>
          h(
            "tr",
            {
              class: row.problem ? "sip-preview__row is-bad" : "sip-preview__row",
              "data-testid": "sip-preview-row",
              "data-line": String(row.line),
              "data-problem": row.problem ? row.problem.kind : "",
            },
            h("td", { class: "is-mono" }, String(row.line)),
            h("td", { class: "is-mono" }, row.e164 ?? row.text),
            h("td", null, row.label ?? ""),
            h("td", null, row.message ? [icon("alertCircle", { size: 14 }), " ", row.message] : [icon("checkCircle", { size: 14 }), " Will be added"]),
          ),
        ),
      ),
    ),
  );
}

