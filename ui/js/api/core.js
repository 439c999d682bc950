// @ts-check
/**
 * The one door to the Rust backend: the only module that touches `window.__TAURI__`. The typed
 * wrappers of ./workspaces.js, ./carriers.js, ./buy.js and ./manage.js go through `call`,
 * `openChannel` and `listen` here; every failure is rethrown as an AppError carrying the
 * backend's `code` and its human sentence, so screens branch on `code` and show `message`,
 * never a raw object.
 */

/**
 * @typedef {"invalid_input" | "not_found" | "conflict" | "keyring_unavailable" | "storage" | "internal" | "carrier"} ErrorCode
 */

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

const ENGINE_MISSING = "NumberDesk's engine is not available. Restart the app and try again.";

/** @returns {any} Tauri's global, or null outside the app (a plain browser tab). */
function tauri() {
  return /** @type {any} */ (window).__TAURI__ ?? null;
}

/**
 * A handler that logs what it throws instead of breaking the channel or event that called it.
 * @template T
 * @param {(value: T) => void} handler
 * @returns {(value: T) => void}
 */
function guarded(handler) {
  return (value) => {
    try {
      handler(value);
    } catch (error) {
      console.error(error);
    }
  };
}

/**
 * @template T
 * @param {string} command
 * @param {Record<string, unknown>} [args]
 * @returns {Promise<T>}
 */
export async function call(command, args) {
  const t = tauri();
  if (!t || !t.core || typeof t.core.invoke !== "function") {
    throw new AppError("internal", ENGINE_MISSING);
  }
  try {
    return await t.core.invoke(command, args ?? {});
  } catch (rejection) {
    throw toAppError(rejection);
  }
}

/**
 * A Tauri channel whose every message goes to `onMessage`, to pass as a command argument; null
 * when the engine is not there (the caller rejects, as `call` would).
 * @template T
 * @param {(message: T) => void} onMessage
 * @returns {object | null}
 */
export function openChannel(onMessage) {
  const t = tauri();
  if (!t || !t.core || typeof t.core.Channel !== "function") return null;
  const channel = new t.core.Channel();
  channel.onmessage = guarded(onMessage);
  return channel;
}

/**
 * Listen to a backend event's payloads.
 * @template T
 * @param {string} event
 * @param {(payload: T) => void} callback
 * @returns {Promise<() => void>} resolves to the function that stops listening
 */
export function listen(event, callback) {
  const t = tauri();
  if (!t || !t.event || typeof t.event.listen !== "function") return engineMissing();
  const handle = guarded(callback);
  return t.event.listen(event, (/** @type {{ payload: T }} */ message) => handle(message.payload));
}

/** The rejection of a command that needed the engine where there is none. */
export function engineMissing() {
  return Promise.reject(new AppError("internal", ENGINE_MISSING));
}
