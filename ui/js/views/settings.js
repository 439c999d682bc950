// @ts-check
/**
 * Settings: the current workspace's settings, appearance (theme), app information, and the
 * danger zone (delete workspace).
 */
import { h } from "../dom.js";
import { pageHeader, card } from "../components/page.js";
import { segmented, switchControl } from "../components/form.js";
import { confirmDialog } from "../components/dialog.js";
import { showToast, showErrorToast } from "../components/toast.js";
import { icon } from "../components/icons.js";
import { workspaceForm, inputFromWorkspace, sandboxBadge } from "../workspace.js";

/**
 * @typedef {import("../main.js").ViewContext} ViewContext
 * @typedef {import("../api.js").WorkspaceInput} WorkspaceInput
 * @typedef {import("../api.js").Theme} Theme
 */

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  const workspace = ctx.workspace;
  if (!workspace) return;
  const { api } = ctx;

  const form = workspaceForm({
    initial: inputFromWorkspace(workspace),
    submitLabel: "Save changes",
    layout: "settings",
    testid: "settings-form",
    onSubmit: async (input) => {
      const before = inputFromWorkspace(workspace);
      const onlyName = input.name !== before.name && sameExceptName(input, before);
      if (input.name === before.name && sameExceptName(input, before)) {
        showToast("Nothing to save: the settings are unchanged.", { kind: "info" });
        return;
      }
      const session = onlyName ? await api.renameWorkspace(workspace.id, input.name) : await api.updateWorkspace(workspace.id, input);
      ctx.applySession(session);
      showToast(`Saved the settings of ${input.name}.`, { kind: "success" });
    },
  });

  const aboutList = h("dl", { class: "definition-list", "data-testid": "about" }, h("dt", null, "Version"), h("dd", null, "…"));
  api
    .getAppInfo()
    .then((info) => {
      aboutList.replaceChildren(
        ...definition("Version", info.version, "about-version"),
        ...definition("Data folder", info.dataDir, "about-data-dir", true),
        ...definition("Database", info.databasePath, "about-database", true),
        ...definition("Log folder", info.logDir, "about-log-dir", true),
      );
    })
    .catch((error) => {
      aboutList.replaceChildren(h("dt", null, "Version"), h("dd", null, "Unavailable"));
      showErrorToast(error);
    });

  const deleteButton = h(
    "button",
    { type: "button", class: "btn btn--danger", "data-testid": "delete-workspace", onclick: () => confirmDelete() },
    icon("trash"),
    "Delete workspace",
  );

  async function confirmDelete() {
    if (!workspace) return;
    /** @type {import("../api.js").Session | null} */
    let session = null;
    const confirmed = await confirmDialog({
      title: `Delete “${workspace.name}”?`,
      message: h(
        "p",
        { class: "dialog__text" },
        "This permanently removes ",
        h("strong", { "data-testid": "delete-workspace-name" }, workspace.name),
        " from NumberDesk, with its settings, carrier connections and number records. The numbers themselves stay in your carrier accounts. This cannot be undone.",
      ),
      confirmLabel: "Delete workspace",
      danger: true,
      onConfirm: async () => {
        session = await api.deleteWorkspace(workspace.id);
      },
    });
    if (confirmed && session) {
      ctx.applySession(session);
      showToast(`Deleted ${workspace.name}.`, { kind: "success" });
    }
  }

  const sandboxWorkspace = ctx.session.workspaces.find((w) => w.isSandbox) ?? null;
  const sandboxOn = ctx.session.sandboxEnabled;
  const sandboxSwitch = switchControl({
    label: "Sandbox mode",
    checked: sandboxOn,
    testid: "sandbox-toggle",
    onChange: async (next) => {
      if (next) {
        const session = await api.enableSandbox();
        ctx.applySession(session);
        showToast("Sandbox mode is on. You are in the Sandbox workspace, with a test Twilio and Telnyx account connected.", { kind: "success" });
        return true;
      }
      /** @type {import("../api.js").Session | null} */
      let session = null;
      const confirmed = await confirmDialog({
        title: "Turn off Sandbox mode?",
        message: h(
          "p",
          { class: "dialog__text" },
          "This deletes the ",
          h("strong", null, sandboxWorkspace?.name ?? "Sandbox"),
          " workspace and everything in it: its test carrier accounts, numbers and imports. Your other workspaces are not touched. You can turn Sandbox mode on again at any time.",
        ),
        confirmLabel: "Turn off and delete",
        danger: true,
        onConfirm: async () => {
          session = await api.disableSandbox();
        },
      });
      if (!confirmed || !session) return false;
      ctx.applySession(session);
      showToast("Sandbox mode is off and the Sandbox workspace is gone.", { kind: "success" });
      return true;
    },
  });
  const openSandbox =
    sandboxWorkspace && sandboxWorkspace.id !== workspace.id
      ? h(
          "button",
          {
            type: "button",
            class: "btn btn--secondary btn--sm",
            "data-testid": "open-sandbox",
            onclick: async () => {
              try {
                ctx.applySession(await api.switchWorkspace(sandboxWorkspace.id));
              } catch (error) {
                showErrorToast(error);
              }
            },
          },
          "Open the Sandbox workspace",
        )
      : null;

  root.append(
    h(
      "div",
      { class: "view view--narrow", "data-testid": "view-settings" },
      pageHeader({ title: "Settings", description: "Settings of this workspace and of the app.", meta: workspace.isSandbox ? sandboxBadge() : null }),
      card({ title: "Workspace", description: "Name, plan, credits and where calls are sent.", children: form, testid: "settings-workspace" }),
      card({
        title: "Appearance",
        description: "Follow your system, or pick a theme.",
        testid: "settings-appearance",
        children: segmented({
          name: "theme",
          label: "Theme",
          value: ctx.session.theme,
          options: [
            { value: "system", label: "System", icon: "monitor" },
            { value: "light", label: "Light", icon: "sun" },
            { value: "dark", label: "Dark", icon: "moon" },
          ],
          onChange: async (value) => {
            const theme = /** @type {Theme} */ (value);
            const previous = ctx.session.theme;
            ctx.setTheme(theme);
            try {
              await api.setTheme(theme);
            } catch (error) {
              ctx.setTheme(previous);
              showErrorToast(error);
            }
          },
        }),
      }),
      card({
        title: "Sandbox mode",
        description: "Try NumberDesk with test data before using a real carrier account.",
        testid: "settings-sandbox",
        aside: h("label", { class: "switch-field" }, h("span", { class: "switch-field__state", "data-testid": "sandbox-state" }, sandboxOn ? "On" : "Off"), sandboxSwitch.el),
        children: h(
          "div",
          { class: "sandbox-card" },
          h(
            "p",
            { class: "sandbox-card__text" },
            "A pretend Twilio and Telnyx, running inside NumberDesk, with numbers to import, search and buy. Nothing real is called and nothing is charged. ",
            sandboxOn
              ? "Everything in it is kept in its own workspace, marked "
              : "Turning it on creates a workspace for it, marked ",
            sandboxBadge(),
            ", and never mixed with real connections.",
          ),
          openSandbox,
        ),
      }),
      card({ title: "About NumberDesk", testid: "settings-about", children: aboutList }),
      card({
        title: "Danger zone",
        variant: "danger",
        testid: "settings-danger",
        children: h(
          "div",
          { class: "danger-row" },
          h(
            "div",
            null,
            h("p", { class: "danger-row__title" }, "Delete this workspace"),
            h("p", { class: "danger-row__text" }, "Removes the workspace and everything NumberDesk knows about it. Numbers stay in your carrier accounts."),
          ),
          deleteButton,
        ),
      }),
    ),
  );
}

/**
 * @param {WorkspaceInput} a
 * @param {WorkspaceInput} b
 */
function sameExceptName(a, b) {
  return (
    a.plan === b.plan &&
    a.monthlyCreditAllowance === b.monthlyCreditAllowance &&
    a.webhookBaseUrl === b.webhookBaseUrl &&
    a.flags.length === b.flags.length &&
    a.flags.every((flag) => b.flags.includes(flag))
  );
}

/**
 * @param {string} term
 * @param {string} value
 * @param {string} testid
 * @param {boolean} [mono]
 */
function definition(term, value, testid, mono = false) {
  return [h("dt", null, term), h("dd", { class: mono ? "is-mono" : undefined, "data-testid": testid, title: value }, value)];
}
