#!/usr/bin/env bash
# The check block of CONTRIBUTING.md. Expects a display-less machine with dbus and an unlocked
# keyring (scripts/test.sh provides them); starts Xvfb itself for the window tests.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> clippy, core only (proves the core builds without Tauri)"
cargo clippy --no-default-features --all-targets --locked -- -D warnings
echo "==> clippy, desktop"
cargo clippy --all-targets --locked -- -D warnings
echo "==> core tests (real SQLite files, real keyring, sandbox over loopback)"
cargo test --no-default-features --locked
echo "==> desktop tests (command layer, and the real window through WebDriver under Xvfb)"
cargo build --locked --bin numberdesk
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" cargo test --locked --lib --test e2e -- --test-threads=1
