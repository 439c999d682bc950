// @ts-check
/**
 * Everything the UI asks of the Rust backend, under one name: views import from here (main.js
 * hands the whole module to them as `ctx.api`). The wrappers live in one module per area under
 * ./api/, and ./api/core.js is the only module that touches `window.__TAURI__`; this file only
 * re-exports them, so a view never reaches Tauri, or a command, other than through a typed
 * wrapper.
 */

/** @typedef {import("./api/core.js").ErrorCode} ErrorCode */

export { AppError, toAppError } from "./api/core.js";
export * from "./api/workspaces.js";
export * from "./api/carriers.js";
export * from "./api/buy.js";
export * from "./api/manage.js";
