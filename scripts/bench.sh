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

bench_home=$(mktemp -d)
# WebKit starts the document portal through the session bus, and it mounts a FUSE folder under
# the cache folder; it may still be mounted when the bus has gone. Detach it, then remove the
# folder, and keep the exit status of what ran.
cleanup() {
  local status=$?
  fusermount3 -uz "$bench_home/cache/doc" 2>/dev/null || fusermount -uz "$bench_home/cache/doc" 2>/dev/null || umount -l "$bench_home/cache/doc" 2>/dev/null || true
  rm -rf "$bench_home" 2>/dev/null || echo "note: could not remove $bench_home" >&2
  exit "$status"
}
trap cleanup EXIT
export HOME="$bench_home" XDG_DATA_HOME="$bench_home/share" XDG_CONFIG_HOME="$bench_home/config" XDG_CACHE_HOME="$bench_home/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
export BENCH_TARGET="$target"
dbus-run-session -- bash -euo pipefail -c '
  echo -n numberdesk-bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  for bench in "$@"; do
    echo "==> $bench"
    xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" "$BENCH_TARGET/$bench"
  done
' bench "${benches[@]}"
