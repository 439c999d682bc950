// @ts-check
/**
 * Performance marks the benchmarks read through WebDriver (`src-tauri/bin/window_probe.rs`):
 * a mark when something starts, and one once the browser has painted the result. Marks cost
 * next to nothing and carry no user data.
 */

/** @param {string} name */
export function markStart(name) {
  performance.mark(name);
}

/**
 * Marks `name` after the next paint: a requestAnimationFrame callback runs just before the frame
 * is painted, and a task queued from it runs just after.
 * @param {string} name
 */
export function markPainted(name) {
  requestAnimationFrame(() => setTimeout(() => performance.mark(name), 0));
}
