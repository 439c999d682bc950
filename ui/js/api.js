// @ts-check
/**
 * The only module that talks to the Rust backend (`window.__TAURI__`). One async function per
 * Tauri command; every failure is rethrown as an AppError carrying the backend's `code` and its
 * human sentence, so screens branch on `code` and show `message`, never a raw object.
 */

/**
 * @typedef {"standard" | "unlimited"} Plan
 * @typedef {"system" | "light" | "dark"} Theme
 * @typedef {"invalid_input" | "not_found" | "conflict" | "keyring_unavailable" | "storage" | "internal"} ErrorCode
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
 *
 * @typedef {object} AppInfo
 * @property {string} version
 * @property {string} dataDir
 * @property {string} logDir
 * @property {string} databasePath
 */

/** Feature flags the UI knows how to present. Unknown flags on a workspace are kept untouched. */
export const KNOWN_FLAGS = /** @type {const} */ (["flex_phone_self-serve"]);

const ERROR_CODES = new Set(["invalid_input", "not_found", "conflict", "keyring_unavailable", "storage", "internal"]);

/** A failed command: `code` for branching, `message` is a sentence fit to show the user. */
export class AppError extends Error {
  /**
   * @param {ErrorCode} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = "AppError";
    /** @type {ErrorCode} */
    this.code = code;
  }
}

/**
 * Turn whatever `invoke` rejected with into an AppError without ever exposing a raw object.
 * @param {unknown} rejection
 * @returns {AppError}
 */
export function toAppError(rejection) {
  if (rejection instanceof AppError) return rejection;
  if (rejection && typeof rejection === "object") {
    const { code, message } = /** @type {{ code?: unknown, message?: unknown }} */ (rejection);
    if (typeof message === "string" && message.trim() !== "") {
      const known = typeof code === "string" && ERROR_CODES.has(code);
      return new AppError(known ? /** @type {ErrorCode} */ (code) : "internal", message);
    }
  }
  if (typeof rejection === "string" && rejection.trim() !== "") {
    return new AppError("internal", rejection);
  }
  console.error("Unexpected failure from the backend", rejection);
  return new AppError("internal", "Something unexpected went wrong. Please try again.");
}

/**
 * @template T
 * @param {string} command
 * @param {Record<string, unknown>} [args]
 * @returns {Promise<T>}
 */
async function call(command, args) {
  const tauri = /** @type {any} */ (window).__TAURI__;
  if (!tauri || !tauri.core || typeof tauri.core.invoke !== "function") {
    throw new AppError("internal", "NumberDesk's engine is not available. Restart the app and try again.");
  }
  try {
    return await tauri.core.invoke(command, args ?? {});
  } catch (rejection) {
    throw toAppError(rejection);
  }
}

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
