// @ts-check
/**
 * Workspaces and the session: the typed wrappers of the workspace, theme, app-info and Sandbox
 * mode commands, with the shapes they return (the shell's DTOs, camelCase).
 */
import { call } from "./core.js";

/**
 * @typedef {"standard" | "unlimited"} Plan
 * @typedef {"system" | "light" | "dark"} Theme
 *
 * @typedef {object} Workspace
 * @property {number} id
 * @property {string} name
 * @property {Plan} plan
 * @property {string[]} flags
 * @property {number} monthlyCreditAllowance
 * @property {string} webhookBaseUrl
 * @property {boolean} isSandbox
 * @property {string} createdAt
 *
 * @typedef {object} WorkspaceInput
 * @property {string} name
 * @property {Plan} plan
 * @property {string[]} flags
 * @property {number} monthlyCreditAllowance
 * @property {string} webhookBaseUrl
 *
 * @typedef {object} Session
 * @property {Workspace[]} workspaces
 * @property {number | null} currentWorkspaceId
 * @property {Theme} theme
 * @property {boolean} keyringAvailable
 * @property {string | null} keyringProblem
 * @property {boolean} sandboxEnabled Sandbox mode is on (the Sandbox workspace exists)
 *
 * @typedef {object} AppInfo
 * @property {string} version
 * @property {string} dataDir
 * @property {string} logDir
 * @property {string} databasePath
 * @property {string[]} carrierOverrides `NUMBERDESK_*_URL` overrides in force, "VARIABLE → url"
 */

/** Feature flags the UI knows how to present. Unknown flags on a workspace are kept untouched. */
export const KNOWN_FLAGS = /** @type {const} */ (["flex_phone_self-serve"]);

/** @returns {Promise<Session>} */
export function getSession() {
  return call("get_session");
}

/** @returns {Promise<Workspace[]>} */
export function listWorkspaces() {
  return call("list_workspaces");
}

/**
 * Create a workspace; it becomes the current one.
 * @param {WorkspaceInput} input
 * @returns {Promise<Session>}
 */
export function createWorkspace(input) {
  return call("create_workspace", { input });
}

/**
 * @param {number} id
 * @param {string} name
 * @returns {Promise<Session>}
 */
export function renameWorkspace(id, name) {
  return call("rename_workspace", { id, name });
}

/**
 * @param {number} id
 * @param {WorkspaceInput} input
 * @returns {Promise<Session>}
 */
export function updateWorkspace(id, input) {
  return call("update_workspace", { id, input });
}

/**
 * @param {number} id
 * @returns {Promise<Session>}
 */
export function deleteWorkspace(id) {
  return call("delete_workspace", { id });
}

/**
 * @param {number} id
 * @returns {Promise<Session>}
 */
export function switchWorkspace(id) {
  return call("switch_workspace", { id });
}

/**
 * @param {Theme} theme
 * @returns {Promise<null>}
 */
export function setTheme(theme) {
  return call("set_theme", { theme });
}

/** @returns {Promise<AppInfo>} */
export function getAppInfo() {
  return call("get_app_info");
}

/**
 * Turn Sandbox mode on: the in-app carrier sandbox starts and the "Sandbox" workspace (with a
 * Twilio and a Telnyx sandbox connection) is created or opened and made current.
 * @returns {Promise<Session>}
 */
export function enableSandbox() {
  return call("enable_sandbox");
}

/**
 * Turn Sandbox mode off: the Sandbox workspace and everything in it are removed.
 * @returns {Promise<Session>}
 */
export function disableSandbox() {
  return call("disable_sandbox");
}
