#!/usr/bin/env bash
# Sets up a fresh Debian machine (if needed), builds NumberDesk and opens it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh build
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
exec cargo run --release --bin numberdesk
