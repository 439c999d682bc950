#!/usr/bin/env bash
# Every check and test NumberDesk has, from a fresh Debian machine: installs what is missing, then
# runs the CONTRIBUTING.md check block with a virtual display, a private dbus session and an
# unlocked gnome-keyring, so the real keyring and the real window are what the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

bash scripts/setup-debian.sh test
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# The tests get their own HOME (WebKit caches, settings, keyring files); cargo keeps its own.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export CARGO_TERM_COLOR=never
source scripts/private-home.sh

# Everything below runs inside one private session bus with an unlocked Secret Service.
timeout --signal=TERM 80m dbus-run-session -- bash -euo pipefail -c '
  echo -n numberdesk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  bash scripts/checks.sh
'
echo "==> all checks passed in $(( $(date +%s) - started )) s"
