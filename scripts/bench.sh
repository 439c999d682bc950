#!/usr/bin/env bash
# The benchmarks, each printing its figures and ending with one JSON line. With no argument all
# five run; or name some: sandbox_bench import_bench table_bench purchase_bench torture_bench
# (torture_bench kills the app at random points of each flow). Arguments after `--` go to every
# bench named, e.g. `bash scripts/bench.sh torture_bench -- --runs 50 --flows pool,release`.
# table_bench and purchase_bench also measure the real window (first painted table, search to
# painted results), so everything runs with a virtual display, a private dbus session and an
# unlocked keyring, like the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh test
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
benches=()
extra=()
after_dashes=0
for word in "$@"; do
  if [ "$word" = "--" ]; then after_dashes=1
  elif [ "$after_dashes" = 1 ]; then extra+=("$word")
  else benches+=("$word")
  fi
done
[ ${#benches[@]} -gt 0 ] || benches=(sandbox_bench import_bench table_bench purchase_bench torture_bench)
export BENCH_ARGS="${extra[*]:-}"

# The benches and the desktop app they drive, built once in release.
cargo build --release --locked --bins
target="${CARGO_TARGET_DIR:-target}/release"

source scripts/private-home.sh
export BENCH_TARGET="$target"
dbus-run-session -- bash -euo pipefail -c '
  echo -n numberdesk-bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  for bench in "$@"; do
    echo "==> $bench"
    # shellcheck disable=SC2086 # the extra arguments are words without spaces
    xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" "$BENCH_TARGET/$bench" $BENCH_ARGS
  done
' bench "${benches[@]}"
