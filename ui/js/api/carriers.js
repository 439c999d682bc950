// @ts-check
/**
 * Carrier connections and imports: the typed wrappers of the connect step (credentials, TeXML
 * check, connect) and of the journalled import (list, preview, start, watch, cancel), with the
 * shapes they return (the shell's DTOs, camelCase).
 */
import { call, openChannel, engineMissing, listen } from "./core.js";

/**
 * @typedef {"twilio" | "telnyx" | "sip"} Carrier
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
 * @property {boolean} trial a Twilio trial account (one number at most)
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
 * @property {number} workspaceId
 * @property {number} connectionId
 * @property {"running" | "finished" | "cancelled"} state
 * @property {number} total
 * @property {number} done numbers imported
 * @property {number} failed
 * @property {number} cancelled
 * @property {number} unconfirmed changed at the carrier, not confirmed yet (also in failures)
 * @property {ImportFailure[]} failures
 */

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
 * the promise resolves with the final one. An import of another workspace rejects (not found).
 * @param {number} workspaceId
 * @param {number} importId
 * @param {(progress: ImportProgress) => void} onProgress
 * @returns {Promise<ImportProgress>}
 */
export function watchImport(workspaceId, importId, onProgress) {
  const channel = openChannel(onProgress);
  if (!channel) return engineMissing();
  return call("watch_import", { workspaceId, importId, onProgress: channel });
}

/**
 * Ask a running import of the workspace to stop; numbers already imported stay.
 * @param {number} workspaceId
 * @param {number} importId
 * @returns {Promise<boolean>} false when this app is not running it
 */
export function cancelImport(workspaceId, importId) {
  return call("cancel_import", { workspaceId, importId });
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
 * Called when an import the app resumed at start (one a closed app left running) ends.
 * @param {(progress: ImportProgress) => void} callback
 * @returns {Promise<() => void>} resolves to the function that stops listening
 */
export function onImportFinished(callback) {
  return listen("import-finished", callback);
}

/**
 * A SIP trunk connection (the core's `SipTrunkView`, snake_case). Host names are user text.
 * @typedef {object} SipTrunk
 * @property {number} connection_id
 * @property {string} name
 * @property {string} host
 * @property {"udp" | "tcp" | "tls"} transport
 * @property {number} port
 * @property {string} termination_uri where outbound calls go
 * @property {string} origination_uri what the carrier must send inbound calls to
 * @property {string[]} allowed_ranges
 * @property {boolean} has_credentials
 *
 * What the SIP trunk form sends. The password goes straight to the keyring.
 * @typedef {object} SipTrunkForm
 * @property {string} name
 * @property {string} termination a host, host:port, or a SIP URI
 * @property {string | null} transport "udp", "tcp", "tls", or null for the URI's own
 * @property {string | null} port
 * @property {string | null} username
 * @property {string | null} password
 * @property {string[]} allowedRanges
 *
 * Numbers for a trunk: a CSV file's text, or typed lines.
 * @typedef {{ csv: string } | { typed: string[] }} NumbersInput
 *
 * @typedef {object} RowProblem
 * @property {"not_e164" | "duplicate" | "already_on_this_trunk" | "in_other_connection" | "held_by_workspace"} kind
 *
 * One row of a list, judged. Its text and label are the file's (untrusted).
 * @typedef {object} PreviewRow
 * @property {number} line
 * @property {string} text
 * @property {string | null} e164
 * @property {string | null} label
 * @property {RowProblem | null} problem
 * @property {string | null} message the problem in a sentence
 *
 * @typedef {object} NumbersPreview
 * @property {PreviewRow[]} rows
 * @property {number} good
 * @property {number} bad
 *
 * @typedef {object} NumbersAdded
 * @property {string[]} added
 * @property {PreviewRow[]} rejected
 *
 * The in-app sandbox's SIP trunk.
 * @typedef {object} SandboxSipTrunk
 * @property {string} host
 * @property {number} port
 * @property {number} silent_port a port where nothing ever answers
 * @property {string} host_name its name in the sandbox's DNS (SRV records give the port)
 * @property {string} silent_host_name a name whose SRV record points at the silent port
 * @property {string} username
 * @property {string} password
 */

/**
 * Check the form and save the trunk (its credentials to the keyring), or nothing.
 * @param {number} workspaceId
 * @param {SipTrunkForm} form
 * @returns {Promise<SipTrunk>}
 */
export function connectSipTrunk(workspaceId, form) {
  return call("connect_sip_trunk", { workspaceId, form });
}

/**
 * @param {number} workspaceId
 * @param {number} connectionId
 * @returns {Promise<SipTrunk>}
 */
export function getSipTrunk(workspaceId, connectionId) {
  return call("get_sip_trunk", { workspaceId, connectionId });
}

/**
 * Every row judged; nothing is written.
 * @param {number} workspaceId
 * @param {number} connectionId
 * @param {NumbersInput} input
 * @returns {Promise<NumbersPreview>}
 */
export function previewTrunkNumbers(workspaceId, connectionId, input) {
  return call("preview_trunk_numbers", { workspaceId, connectionId, input });
}

/**
 * Adds the good rows in one go and reports the rest.
 * @param {number} workspaceId
 * @param {number} connectionId
 * @param {NumbersInput} input
 * @returns {Promise<NumbersAdded>}
 */
export function addTrunkNumbers(workspaceId, connectionId, input) {
  return call("add_trunk_numbers", { workspaceId, connectionId, input });
}

/**
 * The in-app sandbox's SIP trunk while it runs, else null.
 * @returns {Promise<SandboxSipTrunk | null>}
 */
export function sandboxSipTrunk() {
  return call("sandbox_sip_trunk", {});
}
