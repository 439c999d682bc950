#!/usr/bin/env bash
# Installs what NumberDesk needs on Debian/Ubuntu, skipping what is already there.
#   scripts/setup-debian.sh build   packages to build and run the app
#   scripts/setup-debian.sh test    those, plus the display, dbus, keyring and WebDriver for tests
set -euo pipefail

mode="${1:-build}"
build_packages=(build-essential pkg-config libwebkit2gtk-4.1-dev libdbus-1-dev curl ca-certificates)
test_packages=(xvfb xauth webkit2gtk-driver dbus gnome-keyring libsecret-tools x11-utils imagemagick)

packages=("${build_packages[@]}")
[ "$mode" = test ] && packages+=("${test_packages[@]}")

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if ! command -v cargo >/dev/null; then
  echo "==> installing the Rust toolchain (rustup)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
fi

if [ "$mode" = test ] && ! command -v tauri-driver >/dev/null; then
  echo "==> installing tauri-driver"
  cargo install tauri-driver --locked --quiet
fi
