#!/usr/bin/env bash
# Installs everything Havre needs on a fresh Debian machine, then builds. Idempotent.
#   Debian packages (when run as root): gnome-keyring + dbus (OS keychain for tests), chromium
#   (renderer tests), restic + borgbackup (benchmarks), Ceph radosgw + a one-node cluster's daemons
#   (the real S3 server of test/s3, started per test run by test/fixtures/s3/up.sh), clamav-daemon
#   (a private clamd for the antivirus tests).
#   npm ci (better-sqlite3 is compiled from source here), then the TypeScript and renderer builds.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need gnome-keyring-daemon gnome-keyring
need dbus-run-session dbus
need chromium chromium
need restic restic
need borg borgbackup
need radosgw radosgw
need ceph-mon ceph-mon
need ceph-osd ceph-osd
need ceph ceph-common
# ClamAV's daemon and sigtool: the antivirus filter's tests run a private clamd (test/helpers/clamd.ts).
need clamd clamav-daemon
need sigtool clamav
# Colour emoji, so the renderer's screenshots show emoji file names as users see them.
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || missing+=(fonts-noto-color-emoji)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install these Debian packages (as root): ${missing[*]}" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (compiles better-sqlite3; a few minutes the first time)"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: building"
npm run --silent build
