// @ts-check
/**
 * Entry point: loads the Session, applies the theme, and renders either the first-run Welcome
 * screen or the app shell (sidebar with workspace switcher and navigation, plus the current view).
 * Every successful mutation returns a Session, and the whole UI re-renders from it: the backend
 * is the truth.
 */
import * as api from "./api.js";
import { markStart } from "./perf.js";
import { h, clear } from "./dom.js";
import { icon, logoMark } from "./components/icons.js";
import { emptyState } from "./components/empty-state.js";
import { showErrorToast, showToast } from "./components/toast.js";
import { workspaceAvatar, sandboxBadge, PLAN_LABELS } from "./workspace.js";
import { openNewWorkspaceDialog } from "./views/new-workspace.js";
import * as numbersView from "./views/numbers/index.js";
import * as carriersView from "./views/carriers.js";
import * as agentsView from "./views/agents.js";
import * as buyView from "./views/buy/index.js";
import * as auditView from "./views/audit.js";
import * as billingView from "./views/billing.js";
import * as settingsView from "./views/settings.js";
import * as welcomeView from "./views/welcome.js";

/**
 * @typedef {import("./api.js").Session} Session
 * @typedef {import("./api.js").Workspace} Workspace
 * @typedef {import("./api.js").Theme} Theme
 * @typedef {"numbers" | "buy" | "carriers" | "agents" | "audit" | "billing" | "settings"} Route
 *
 * What every view's `mount(root, ctx)` receives.
 * @typedef {object} ViewContext
 * @property {typeof api} api
 * @property {Session} session
 * @property {Workspace | null} workspace the current workspace (null only on Welcome)
 * @property {(route: Route) => void} navigate
 * @property {(session: Session) => void} applySession re-render everything from a returned Session
 * @property {(theme: Theme) => void} setTheme apply a theme locally (persisting is the caller's job)
 * @property {() => Promise<void>} openNewWorkspace
 *
 * @typedef {{ mount: (root: HTMLElement, ctx: ViewContext) => void | (() => void) }} View
 */

/** @type {{ route: Route, label: string, icon: import("./components/icons.js").IconName, view: View }[]} */
const NAV_MAIN = [
  { route: "numbers", label: "Phone Numbers", icon: "phone", view: numbersView },
  { route: "buy", label: "Buy Numbers", icon: "search", view: buyView },
  { route: "carriers", label: "Carriers", icon: "plug", view: carriersView },
  { route: "agents", label: "Agents", icon: "bot", view: agentsView },
  { route: "audit", label: "Audit Log", icon: "info", view: auditView },
];
/** @type {typeof NAV_MAIN} */
const NAV_ACCOUNT = [
  { route: "billing", label: "Billing", icon: "card", view: billingView },
  { route: "settings", label: "Settings", icon: "settings", view: settingsView },
];
const ROUTES = new Map([...NAV_MAIN, ...NAV_ACCOUNT].map((entry) => [entry.route, entry]));

const appRoot = /** @type {HTMLElement} */ (document.getElementById("app"));

/** @type {Session | null} */
let session = null;
/** @type {(() => void) | null} */
let unmountView = null;
/** @type {HTMLElement | null} */
let contentHost = null;
/** @type {(() => void) | null} */
let closeMenu = null;

/** @returns {Route} */
function currentRoute() {
  const name = location.hash.replace(/^#\/?/, "");
  return /** @type {Route} */ (ROUTES.has(/** @type {Route} */ (name)) ? name : "numbers");
}

/** @param {Route} route */
function navigate(route) {
  const target = `#/${route}`;
  if (location.hash === target) renderContent();
  else location.hash = target;
}

/** @param {Theme} theme */
function setTheme(theme) {
  if (session) session.theme = theme;
  document.documentElement.dataset.theme = theme;
}

/** @param {Session} next */
function applySession(next) {
  session = next;
  setTheme(next.theme);
  render();
}

/** @returns {Workspace | null} */
function currentWorkspace() {
  if (!session || session.workspaces.length === 0) return null;
  return session.workspaces.find((w) => w.id === session?.currentWorkspaceId) ?? session.workspaces[0];
}

/** @returns {ViewContext} */
function context() {
  const current = /** @type {Session} */ (session);
  return {
    api,
    session: current,
    workspace: currentWorkspace(),
    navigate,
    applySession,
    setTheme,
    openNewWorkspace: () => openNewWorkspaceDialog({ api, applySession }),
  };
}

/**
 * Views may return a cleanup function from mount (timers, listeners); anything else means none.
 * @param {unknown} value
 * @returns {(() => void) | null}
 */
function asCleanup(value) {
  return typeof value === "function" ? /** @type {() => void} */ (value) : null;
}

function unmount() {
  closeMenu?.();
  if (unmountView) {
    try {
      unmountView();
    } catch (error) {
      console.error(error);
    }
  }
  unmountView = null;
}

function render() {
  unmount();
  clear(appRoot);
  contentHost = null;
  if (!session) return;
  if (session.workspaces.length === 0) {
    const host = h("main", { class: "welcome-host" });
    appRoot.append(host);
    unmountView = asCleanup(welcomeView.mount(host, context()));
    return;
  }
  const content = h("div", { class: "content__inner" });
  contentHost = content;
  appRoot.append(
    h(
      "div",
      { class: "app-shell" },
      renderSidebar(),
      h("main", { class: "content" }, session.keyringAvailable ? null : keyringBanner(session.keyringProblem), h("div", { class: "content__scroll" }, content)),
    ),
  );
  renderContent();
}

function renderContent() {
  if (!contentHost || !session) return;
  if (session.workspaces.length === 0) return;
  if (unmountView) {
    try {
      unmountView();
    } catch (error) {
      console.error(error);
    }
    unmountView = null;
  }
  const route = currentRoute();
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (/** @type {HTMLElement} */ (link).dataset.nav === route) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  clear(contentHost);
  const entry = ROUTES.get(route) ?? NAV_MAIN[0];
  try {
    unmountView = asCleanup(entry.view.mount(contentHost, context()));
  } catch (error) {
    console.error(error);
    contentHost.append(emptyState({ icon: "alert", title: "This screen could not be shown", text: "Something unexpected went wrong. Try another section, or restart NumberDesk." }));
  }
  const scroller = contentHost.parentElement;
  if (scroller) scroller.scrollTop = 0;
}

function renderSidebar() {
  /** @param {typeof NAV_MAIN} entries */
  const links = (entries) =>
    entries.map((entry) =>
      h("a", { class: "nav-link", href: `#/${entry.route}`, "data-nav": entry.route }, icon(entry.icon, { size: 16 }), h("span", null, entry.label)),
    );
  return h(
    "aside",
    { class: "sidebar" },
    h("div", { class: "sidebar__brand" }, logoMark(24), h("span", { class: "sidebar__brand-name" }, "NumberDesk")),
    renderSwitcher(),
    h(
      "nav",
      { class: "sidebar__nav", "aria-label": "Sections" },
      h("div", { class: "sidebar__group" }, links(NAV_MAIN)),
      h("div", { class: "sidebar__group" }, h("p", { class: "sidebar__group-label" }, "Workspace"), links(NAV_ACCOUNT)),
    ),
    h("div", { class: "sidebar__footer" }, h("span", { class: "status-dot", "aria-hidden": "true" }), "Your data stays on this computer"),
  );
}

function renderSwitcher() {
  const current = /** @type {Workspace} */ (currentWorkspace());
  const workspaces = /** @type {Session} */ (session).workspaces;

  const button = h(
    "button",
    {
      type: "button",
      class: "switcher__button",
      "data-testid": "workspace-switcher",
      "aria-haspopup": "menu",
      "aria-expanded": "false",
    },
    workspaceAvatar(current.name, current.id),
    h(
      "span",
      { class: "switcher__text" },
      h("span", { class: "switcher__name", "data-testid": "current-workspace-name" }, current.name),
      h("span", { class: "switcher__meta" }, current.isSandbox ? sandboxBadge() : null, `${PLAN_LABELS[current.plan] ?? current.plan} plan`),
    ),
    h("span", { class: "switcher__chevron" }, icon("chevronDown", { size: 14 })),
  );

  const options = workspaces.map((workspace) =>
    h(
      "button",
      {
        type: "button",
        class: "menu__item",
        role: "menuitemradio",
        "aria-checked": String(workspace.id === current.id),
        "data-testid": "workspace-option",
        "data-workspace-id": String(workspace.id),
        onclick: () => choose(workspace),
      },
      h("span", { class: "menu__item-name" }, workspace.name),
      workspace.isSandbox ? sandboxBadge() : null,
      workspace.id === current.id ? h("span", { class: "menu__check" }, icon("check", { size: 14 })) : null,
    ),
  );
  const newItem = h(
    "button",
    { type: "button", class: "menu__item menu__item--action", role: "menuitem", "data-testid": "new-workspace", onclick: () => { close(); openNewWorkspaceDialog({ api, applySession }); } },
    icon("plus", { size: 14 }),
    h("span", null, "New workspace…"),
  );
  const menu = h(
    "div",
    { class: "menu switcher__menu", role: "menu", "aria-label": "Workspaces", hidden: true },
    h("p", { class: "menu__label" }, "Workspaces"),
    h("div", { class: "menu__list" }, options),
    h("div", { class: "menu__separator", role: "separator" }),
    newItem,
  );

  /** @param {MouseEvent} event */
  const onOutside = (event) => {
    if (!wrapper.contains(/** @type {Node} */ (event.target))) close();
  };
  /** @param {KeyboardEvent} event */
  const onKey = (event) => {
    const items = /** @type {HTMLElement[]} */ ([...menu.querySelectorAll(".menu__item")]);
    const index = items.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    if (event.key === "Escape") {
      close();
      button.focus();
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      items[(index + 1) % items.length]?.focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      items[(index - 1 + items.length) % items.length]?.focus();
    }
  };
  function open() {
    closeMenu?.();
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    document.addEventListener("mousedown", onOutside);
    document.addEventListener("keydown", onKey);
    closeMenu = close;
    (/** @type {HTMLElement | null} */ (menu.querySelector('[aria-checked="true"]')) ?? newItem).focus();
  }
  function close() {
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    document.removeEventListener("mousedown", onOutside);
    document.removeEventListener("keydown", onKey);
    if (closeMenu === close) closeMenu = null;
  }
  /** @param {Workspace} workspace */
  async function choose(workspace) {
    close();
    if (workspace.id === current.id) return;
    try {
      applySession(await api.switchWorkspace(workspace.id));
    } catch (error) {
      showErrorToast(error);
    }
  }
  button.addEventListener("click", () => (menu.hidden ? open() : close()));

  const wrapper = h("div", { class: "switcher" }, button, menu);
  return wrapper;
}

/** @param {string | null} problem */
function keyringBanner(problem) {
  return h(
    "div",
    { class: "banner banner--warning", role: "alert", "data-testid": "keyring-warning" },
    icon("alert", { size: 16 }),
    h(
      "p",
      { class: "banner__text" },
      h("strong", null, "Carrier credentials can’t be saved. "),
      problem ?? "The system keychain is not available.",
      " Fix this before connecting Twilio or Telnyx.",
    ),
  );
}

/** @param {unknown} error */
function renderStartupFailure(error) {
  clear(appRoot);
  const message = error && typeof error === "object" && "message" in error && "code" in error ? String(/** @type {any} */ (error).message) : "Something unexpected went wrong.";
  appRoot.append(
    h(
      "main",
      { class: "startup-failure", "data-testid": "startup-failure" },
      emptyState({
        icon: "alert",
        title: "NumberDesk could not load your workspaces",
        text: message,
        actions: [{ label: "Try again", onClick: () => start(), testid: "retry-start" }],
      }),
    ),
  );
}

async function start() {
  try {
    const loaded = await api.getSession();
    markStart("session-loaded");
    applySession(loaded);
  } catch (error) {
    renderStartupFailure(error);
  }
}

window.addEventListener("hashchange", () => renderContent());
// A last line of defence: an unexpected failure becomes a sentence, never a silent console dump.
window.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  showErrorToast(event.reason);
});

/**
 * The workspace a background event is about, and " in <name>" for its message when the user has
 * more than one workspace.
 * @param {number} workspaceId
 */
function workspaceOf(workspaceId) {
  const workspace = session?.workspaces.find((w) => w.id === workspaceId);
  const where = workspace && session && session.workspaces.length > 1 ? ` in ${workspace.name}` : "";
  return { workspace, where };
}

/**
 * The background order sync finished an order: tell the user wherever they are, and refresh the
 * screen when it shows this workspace's numbers or credits.
 * @param {import("./api.js").OrderUpdate} update
 */
function onOrderFinished(update) {
  const activated = update.activated.length;
  const failed = update.failed.length;
  const { workspace, where } = workspaceOf(update.workspace_id);
  const parts = [];
  if (activated) parts.push(`${activated} ${activated === 1 ? "number is" : "numbers are"} now Active`);
  if (failed) parts.push(`${failed} failed (${update.failed[0].reason})${update.refunded_credits ? `; ${update.refunded_credits} credits refunded` : ""}`);
  const text = parts.length ? `Order ${update.order_id}${where}: ${parts.join(", ")}.` : `Order ${update.order_id}${where} finished.`;
  showToast(text, { kind: failed && !activated ? "error" : "success" });
  if (workspace && workspace.id === currentWorkspace()?.id && ["numbers", "billing", "buy"].includes(currentRoute())) renderContent();
}

/**
 * An import that a closed app left running, resumed at start, has ended: say so, and read the
 * numbers again when the screen shows that workspace's numbers.
 * @param {import("./api.js").ImportProgress} progress
 */
function onImportFinished(progress) {
  const { workspace, where } = workspaceOf(progress.workspaceId);
  const counts = [`${progress.done} ${progress.done === 1 ? "number" : "numbers"} imported`];
  if (progress.failed) counts.push(`${progress.failed} failed`);
  if (progress.unconfirmed) counts.push(`${progress.unconfirmed} changed at the carrier, being confirmed`);
  if (progress.cancelled) counts.push(`${progress.cancelled} not started`);
  const verb = progress.state === "cancelled" ? "was cancelled" : "finished";
  showToast(`The import NumberDesk resumed${where} ${verb}: ${counts.join(", ")}.`, { kind: progress.failed && !progress.done ? "error" : "success" });
  if (workspace && workspace.id === currentWorkspace()?.id && currentRoute() === "numbers") renderContent();
}

markStart("app-script-start");
// Both listeners are in place before the first screen loads, so no event is missed after it.
api.onOrdersCompleted(onOrderFinished).catch((error) => console.error(error));
api.onImportFinished(onImportFinished).catch((error) => console.error(error));
start();
