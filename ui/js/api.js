// @ts-check
/**
 * The only module that talks to the Rust backend (`window.__TAURI__`). One async function per
 * Tauri command; every failure is rethrown as an AppError carrying the backend's `code` and its
 * human sentence, so screens branch on `code` and show `message`, never a raw object.
 */

/**
 * @typedef {"standard" | "unlimited"} Plan
 * @typedef {"system" | "light" | "dark"} Theme
 * @typedef {"invalid_input" | "not_found" | "conflict" | "keyring_unavailable" | "storage" | "internal" | "carrier"} ErrorCode
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
 */

/**
 * @typedef {"twilio" | "telnyx"} Carrier
 *
 * A carrier account connected to a workspace. Carrier-supplied text (accountName) is untrusted.
 * @typedef {object} Connection
 * @property {number} id
 * @property {Carrier} carrier
 * @property {string} name
 * @property {string | null} accountRef e.g. the Twilio Account SID
 * @property {string | null} accountName the name the carrier gives the account
 * @property {string | null} texmlConnectionId Telnyx only
 * @property {boolean} isSandbox
 * @property {number} numberCount numbers of this connection in the workspace
 * @property {string} createdAt
 * @property {string | null} lastSyncedAt
 *
 * What the wizard has collected so far. Secrets travel only in this object, straight to the
 * backend, which keeps them in the keyring; the UI never stores it.
 * @typedef {object} CredentialDraft
 * @property {Carrier} carrier
 * @property {string} name
 * @property {string} [twilioAccountSid]
 * @property {string} [twilioAuthToken] Twilio: either this...
 * @property {string} [twilioApiKeySid] ...or an API key SID...
 * @property {string} [twilioApiKeySecret] ...with its secret
 * @property {string} [telnyxApiKey]
 * @property {string} [texmlConnectionId] Telnyx: the TeXML application's Connection ID
 *
 * @typedef {object} CredentialCheck
 * @property {string} accountName
 * @property {string | null} accountRef
 * @property {string} status e.g. "active"
 *
 * @typedef {object} TexmlCheck
 * @property {string} id
 * @property {string} name the application's name (untrusted)
 * @property {string | null} voiceUrl
 * @property {string} expectedVoiceUrl
 * @property {boolean} pointsAtWorkspace
 * @property {string | null} fix a sentence saying what to change at Telnyx, when it does not
 *
 * @typedef {{ voice: boolean, sms: boolean, mms: boolean }} NumberFeatures
 * @typedef {"local" | "mobile" | "toll_free" | "national"} NumberType
 *
 * @typedef {object} ImportableNumber
 * @property {string} carrierId
 * @property {string} e164
 * @property {string | null} friendlyName
 * @property {NumberType | null} numberType
 * @property {string | null} region
 * @property {NumberFeatures} features
 * @property {boolean} alreadyImported
 *
 * @typedef {object} ImportableList
 * @property {ImportableNumber[]} numbers
 * @property {string} fetchedAt
 *
 * @typedef {"outbound_only" | "managed"} WebhookMode
 *
 * @typedef {object} FieldChange
 * @property {string} field
 * @property {string} label
 * @property {string | null} current
 * @property {string | null} next
 *
 * @typedef {object} NumberPreview
 * @property {string} e164
 * @property {FieldChange[]} changes empty when nothing changes at the carrier
 *
 * @typedef {object} ImportFailure
 * @property {string} e164
 * @property {string} reason
 *
 * @typedef {object} ImportProgress
 * @property {number} importId
 * @property {"running" | "finished" | "cancelled"} state
 * @property {number} total
 * @property {number} done numbers imported
 * @property {number} failed
 * @property {number} cancelled
 * @property {ImportFailure[]} failures
 *
 * @typedef {object} PhoneNumber
 * @property {number} id
 * @property {string} e164
 * @property {string | null} friendlyName
 * @property {Carrier} carrier
 * @property {string | null} connectionName
 * @property {"pool" | "marketplace" | "imported"} source
 * @property {"pending" | "active" | "failed" | "released" | "missing"} status
 * @property {NumberType | null} numberType
 * @property {string | null} region
 * @property {NumberFeatures} features
 * @property {WebhookMode} webhookMode
 * @property {number} monthlyCostCredits
 */

/** Feature flags the UI knows how to present. Unknown flags on a workspace are kept untouched. */
export const KNOWN_FLAGS = /** @type {const} */ (["flex_phone_self-serve"]);

const ERROR_CODES = new Set(["invalid_input", "not_found", "conflict", "keyring_unavailable", "storage", "internal", "carrier"]);

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

/**
 * @param {number} workspaceId
 * @returns {Promise<Connection[]>}
 */
export function listConnections(workspaceId) {
  return call("list_connections", { workspaceId });
}

/**
 * A live check of the credentials; nothing is saved. A refusal by the carrier rejects with
 * code `carrier` and the carrier's reason.
 * @param {number} workspaceId
 * @param {CredentialDraft} draft
 * @returns {Promise<CredentialCheck>}
 */
export function validateCredentials(workspaceId, draft) {
  return call("validate_credentials", { workspaceId, draft });
}

/**
 * Telnyx: a live check of the TeXML application named by `draft.texmlConnectionId`.
 * @param {number} workspaceId
 * @param {CredentialDraft} draft
 * @returns {Promise<TexmlCheck>}
 */
export function checkTexmlConnection(workspaceId, draft) {
  return call("check_texml_connection", { workspaceId, draft });
}

/**
 * Validate again and save the connection (credentials go to the keyring).
 * @param {number} workspaceId
 * @param {CredentialDraft} draft
 * @returns {Promise<Connection>}
 */
export function connectCarrier(workspaceId, draft) {
  return call("connect_carrier", { workspaceId, draft });
}

/**
 * Every number of the connection's carrier account (all pages), marked when already imported.
 * @param {number} workspaceId
 * @param {number} connectionId
 * @returns {Promise<ImportableList>}
 */
export function listImportableNumbers(workspaceId, connectionId) {
  return call("list_importable_numbers", { workspaceId, connectionId });
}

/**
 * What importing would change at the carrier, per number (nothing for `outbound_only`).
 * @param {number} workspaceId
 * @param {number} connectionId
 * @param {string[]} numbers E.164 numbers
 * @param {WebhookMode} mode
 * @returns {Promise<NumberPreview[]>}
 */
export function previewImport(workspaceId, connectionId, numbers, mode) {
  return call("preview_import", { workspaceId, connectionId, numbers, mode });
}

/**
 * @param {number} workspaceId
 * @param {number} connectionId
 * @param {string[]} numbers E.164 numbers
 * @param {WebhookMode} mode
 * @returns {Promise<{ importId: number }>}
 */
export function startImport(workspaceId, connectionId, numbers, mode) {
  return call("start_import", { workspaceId, connectionId, numbers, mode });
}

/**
 * Follow an import: `onProgress` receives every progress report until the import stops running;
 * the promise resolves with the final one.
 * @param {number} importId
 * @param {(progress: ImportProgress) => void} onProgress
 * @returns {Promise<ImportProgress>}
 */
export function watchImport(importId, onProgress) {
  const tauri = /** @type {any} */ (window).__TAURI__;
  if (!tauri || !tauri.core || typeof tauri.core.Channel !== "function") {
    return Promise.reject(new AppError("internal", "NumberDesk's engine is not available. Restart the app and try again."));
  }
  const channel = new tauri.core.Channel();
  channel.onmessage = (/** @type {ImportProgress} */ message) => {
    try {
      onProgress(message);
    } catch (error) {
      console.error(error);
    }
  };
  return call("watch_import", { importId, onProgress: channel });
}

/**
 * Ask a running import to stop; numbers already imported stay.
 * @param {number} importId
 * @returns {Promise<null>}
 */
export function cancelImport(importId) {
  return call("cancel_import", { importId });
}

/**
 * The workspace's imports, most recent first (running ones included).
 * @param {number} workspaceId
 * @returns {Promise<ImportProgress[]>}
 */
export function listImports(workspaceId) {
  return call("list_imports", { workspaceId });
}

/**
 * @param {number} workspaceId
 * @returns {Promise<PhoneNumber[]>}
 */
export function listNumbers(workspaceId) {
  return call("list_numbers", { workspaceId });
}

// ---------------------------------------------------------------------------------------------
// Search and buy (issue 5)

// ---------------------------------------------------------------------------------------------
// Manage numbers (issue 6)
