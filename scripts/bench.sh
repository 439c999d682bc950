#!/usr/bin/env bash
# The benchmarks, each printing its figures and ending with one JSON line. With no argument all
# four run; or name some: sandbox_bench import_bench table_bench purchase_bench.
# table_bench and purchase_bench also measure the real window (first painted table, search to
# painted results), so everything runs with a virtual display, a private dbus session and an
# unlocked keyring, like the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh test
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(sandbox_bench import_bench table_bench purchase_bench)

# The benches and the desktop app they drive, built once in release.
cargo build --release --locked --bins
target="${CARGO_TARGET_DIR:-target}/release"

source scripts/private-home.sh
export BENCH_TARGET="$target"
dbus-run-session -- bash -euo pipefail -c '
  echo -n numberdesk-bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  for bench in "$@"; do
    echo "==> $bench"
    xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" "$BENCH_TARGET/$bench"
  done
' bench "${benches[@]}"
