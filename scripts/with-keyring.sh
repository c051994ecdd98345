#!/usr/bin/env bash
# Run a command inside a private D-Bus session with an unlocked gnome-keyring, so tests of the
# real OS keychain (Secret Service) work headless: CI, containers, SSH sessions.
#
#   bash scripts/with-keyring.sh npx vitest run test/integration/keychain
#
# The keyring lives in a throw-away directory (XDG_DATA_HOME, XDG_RUNTIME_DIR) that is deleted on
# exit, so nothing touches the user's real login keyring, even when run from a desktop session.
# The keyring password below is not a secret: it only protects that throw-away keyring.
# In containers dbus-daemon may print "Failed to set fd limit": harmless.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

missing=()
for bin in dbus-run-session gnome-keyring-daemon; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "with-keyring.sh: missing ${missing[*]}; install the Debian/Ubuntu packages: apt-get install gnome-keyring dbus" >&2
  exit 1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/havre-keyring.XXXXXX")"
cleanup() { rm -rf -- "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT   # so the EXIT trap also runs on Ctrl-C and kill
trap 'exit 143' TERM
chmod 700 "$tmp"
mkdir -p "$tmp/data" "$tmp/runtime" "$tmp/config"
chmod 700 "$tmp/runtime"

# Own XDG dirs: keyring files go to $XDG_DATA_HOME/keyrings, the daemon's control socket to
# $XDG_RUNTIME_DIR/keyring; reusing the real ones would talk to (or clobber) the user's daemon.
export XDG_DATA_HOME="$tmp/data"
export XDG_RUNTIME_DIR="$tmp/runtime"
export XDG_CONFIG_HOME="$tmp/config"

# Inside the private bus: start the daemon with the Secret Service component, create and unlock
# the 'login' keyring from stdin, then run the command. The daemon prints env assignments we do not
# need (the bus address already reaches it). When the command exits, dbus-run-session stops the bus
# and the daemon goes with it.
# Not `exec`: the EXIT trap must still run to delete the keyring directory.
set +e
dbus-run-session -- bash -c '
  set -euo pipefail
  if ! printf "%s" "havre-test-keyring" | gnome-keyring-daemon --daemonize --unlock --components=secrets >/dev/null 2>"$XDG_RUNTIME_DIR/gkd.err"; then
    echo "with-keyring.sh: gnome-keyring-daemon failed to start:" >&2
    cat "$XDG_RUNTIME_DIR/gkd.err" >&2
    exit 1
  fi
  exec "$@"
' with-keyring "$@"
rc=$?
set -e
exit "$rc"
