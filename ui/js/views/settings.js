// @ts-check
/**
 * Settings: the current workspace's settings, appearance (theme), app information, and the
 * danger zone (delete workspace).
 */
import { h } from "../dom.js";
import { pageHeader, card } from "../components/page.js";
import { segmented, switchControl, field, textInput, secretInput, formErrorSlot, withBusy } from "../components/form.js";
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
  const infoLoaded = api
    .getAppInfo()
    .then((info) => {
      aboutList.replaceChildren(
        ...definition("Version", info.version, "about-version"),
        ...definition("Data folder", info.dataDir, "about-data-dir", true),
        ...definition("Database", info.databasePath, "about-database", true),
        ...definition("Log folder", info.logDir, "about-log-dir", true),
        h("dt", null, "Carrier hosts"),
        info.carrierOverrides.length
          ? h(
              "dd",
              { "data-testid": "about-carrier-hosts", "data-overridden": "true" },
              h("span", { class: "badge badge--warning" }, "Overridden"),
              " Credentials go to these hosts instead of Twilio's and Telnyx's own:",
              h("ul", { class: "is-mono" }, info.carrierOverrides.map((line) => h("li", null, line))),
            )
          : h("dd", { "data-testid": "about-carrier-hosts" }, "Twilio's and Telnyx's own"),
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

  const pool = poolAccountCard(ctx);
  const view = h(
    "div",
    { class: "view view--narrow", "data-testid": "view-settings" },
    pageHeader({ title: "Settings", description: "Settings of this workspace and of the app.", meta: workspace.isSandbox ? sandboxBadge() : null }),
    card({ title: "Workspace", description: "Name, plan, credits and where calls are sent.", children: form, testid: "settings-workspace" }),
    pool.el,
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
  );

  // The page goes on screen once its two local reads are in (a few milliseconds), so nothing moves
  // under the pointer after it appears: the pool card's note and the About list change height when
  // they fill. A slow read (a keychain waking up) does not hold the page back for long.
  let mounted = true;
  let shown = false;
  const showView = () => {
    if (!mounted || shown) return;
    shown = true;
    root.append(view);
  };
  const fallback = setTimeout(showView, 250);
  Promise.allSettled([infoLoaded, pool.loaded]).then(() => {
    clearTimeout(fallback);
    showView();
  });
  return () => {
    mounted = false;
    clearTimeout(fallback);
  };
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

// ---------------------------------------------------------------------------------------------
// Number pool account (issue 5)

/**
 * The agency's Telnyx account behind the number pool, shared by every workspace on the Unlimited
 * plan with Flex Phone self-serve. The key is checked with Telnyx before it is kept (in the
 * system keychain); it is never shown again, only whether one is set.
 * @param {ViewContext} ctx
 * @returns {{ el: HTMLElement, loaded: Promise<void> }} the card, and when its settings are shown
 */
function poolAccountCard(ctx) {
  const { api } = ctx;
  const status = h("span", { class: "badge badge--neutral", "data-testid": "pool-status" }, "…");
  const error = formErrorSlot();
  const apiKey = secretInput({ name: "poolApiKey", placeholder: "KEY01…", "data-testid": "pool-api-key" });
  const texml = textInput({ name: "poolTexmlConnectionId", placeholder: "e.g. 1494404757140276705", "data-testid": "pool-texml-connection-id" });
  const profile = textInput({ name: "poolMessagingProfileId", placeholder: "e.g. 40017f8e-…", "data-testid": "pool-messaging-profile-id" });
  const save = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "pool-save" }, "Save pool account");
  const remove = h("button", { type: "button", class: "btn btn--secondary", "data-testid": "pool-remove", hidden: true, onclick: () => confirmRemove() }, icon("trash"), "Remove");
  const note = h("span", { "data-testid": "pool-note" });

  const form = h(
    "form",
    { class: "form form--settings", novalidate: true, "data-testid": "pool-form" },
    error.el,
    field({ label: "Telnyx API key", control: apiKey.el, hint: note }),
    h(
      "div",
      { class: "form__row" },
      field({ label: "TeXML Connection ID", control: texml, optional: true, hint: "Numbers join this TeXML application when “Allow webhook & messaging updates” is on." }),
      field({ label: "Messaging profile ID", control: profile, optional: true, hint: "And this messaging profile." }),
    ),
    h("div", { class: "form__actions" }, remove, save),
  );
  form.addEventListener("input", () => error.clear());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (save.disabled) return;
    if (apiKey.input.value.trim() === "") {
      error.show("Enter the Telnyx API key of the agency's account.");
      return;
    }
    error.clear();
    try {
      const settings = await withBusy(save, () => api.savePoolSettings(apiKey.input.value.trim(), texml.value.trim() || null, profile.value.trim() || null));
      apiKey.input.value = "";
      show(settings);
      showToast("The number pool account is saved. Pool workspaces can buy numbers now.", { kind: "success" });
    } catch (failure) {
      const e = /** @type {any} */ (failure);
      error.show(e && typeof e.message === "string" ? e.message : "Something unexpected went wrong. Please try again.");
    }
  });

  /** @param {import("../api.js").PoolSettings} settings */
  function show(settings) {
    const [label, kind] = settings.configured ? ["Configured", "success"] : settings.sandbox ? ["Sandbox pool in use", "warning"] : ["Not configured", "neutral"];
    status.textContent = label;
    status.className = `badge badge--${kind}`;
    status.dataset.state = settings.configured ? "configured" : settings.sandbox ? "sandbox" : "not-configured";
    texml.value = settings.texml_connection_id ?? "";
    profile.value = settings.messaging_profile_id ?? "";
    remove.hidden = !settings.configured;
    note.textContent = settings.configured
      ? "A key is saved in your system keychain. Enter a new one to replace it."
      : settings.sandbox
        ? "Sandbox workspaces buy from the sandbox's own pool; real workspaces need the agency's account here."
        : "The API key of the agency's Telnyx account. It is checked with Telnyx, then kept in your system keychain.";
  }

  async function confirmRemove() {
    /** @type {import("../api.js").PoolSettings | null} */
    let settings = null;
    const confirmed = await confirmDialog({
      title: "Remove the number pool account?",
      message: "Pool workspaces will not be able to buy numbers until an account is added again. Numbers already bought stay where they are.",
      confirmLabel: "Remove",
      danger: true,
      onConfirm: async () => {
        settings = await api.clearPoolSettings();
      },
    });
    if (confirmed && settings) {
      show(settings);
      showToast("The number pool account is removed.", { kind: "success" });
    }
  }

  const loaded = api
    .getPoolSettings()
    .then(show)
    .catch((failure) => {
      status.textContent = "Unavailable";
      showErrorToast(failure);
    });

  const el = card({
    title: "Number pool account",
    description: "For agencies: the Telnyx account that sells numbers to every workspace on the Unlimited plan with Flex Phone self-serve.",
    testid: "settings-pool",
    aside: status,
    children: form,
  });
  return { el, loaded };
}
