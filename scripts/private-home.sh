# Sourced by test.sh and bench.sh: the run gets a HOME of its own (WebKit caches, settings,
# keyring files), removed when the script exits. Cargo keeps its own home.
#
# WebKit starts the document portal through the session bus, and it mounts a FUSE folder under
# the cache folder; it may still be mounted when the bus has gone. The cleanup detaches it, then
# removes the folder, and keeps the exit status of what ran.
private_home=$(mktemp -d)
remove_private_home() {
  local status=$?
  local doc="$private_home/cache/doc"
  fusermount3 -uz "$doc" 2>/dev/null || fusermount -uz "$doc" 2>/dev/null || umount -l "$doc" 2>/dev/null || true
  rm -rf "$private_home" 2>/dev/null || echo "note: could not remove $private_home" >&2
  exit "$status"
}
trap remove_private_home EXIT
export HOME="$private_home" XDG_DATA_HOME="$private_home/share" XDG_CONFIG_HOME="$private_home/config" XDG_CACHE_HOME="$private_home/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
