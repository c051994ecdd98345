#!/usr/bin/env bash
# Quick start: set up, then back up a folder (default: a generated sample) to a local repository in
# ./.havre-demo, list it, restore it and check the restored bytes. Usage: scripts/quickstart.sh [FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
demo="$PWD/.havre-demo"
rm -rf "$demo"; mkdir -p "$demo"
export HAVRE_HOME="$demo/home"
source_dir="${1:-}"
if [ -z "$source_dir" ]; then
  source_dir="$demo/sample"
  node scripts/make-sample.js "$source_dir"
fi
source_dir="$(cd "$source_dir" && pwd)"
if [ -z "${HAVRE_PASSWORD:-}" ]; then
  HAVRE_PASSWORD="$(node -e "console.log(require('crypto').randomBytes(12).toString('base64url'))")"
  generated=1
fi
export HAVRE_PASSWORD
havre() { node bin/havre.js "$@"; }
echo; echo "== havre init --repo $demo/repo"; havre init --repo "$demo/repo"
echo; echo "== havre backup $source_dir"; havre backup "$source_dir"
echo; echo "== havre snapshots"; havre snapshots
echo; echo "== havre ls latest $source_dir"; havre ls latest "$source_dir" | head -20
echo; echo "== havre restore latest --target $demo/restored"; havre restore latest --target "$demo/restored"
echo; echo "== havre verify --read-data"; havre verify --read-data
echo
if diff -r --no-dereference "$source_dir" "$demo/restored$source_dir" >/dev/null; then
  echo "Restored tree is byte-identical to $source_dir."
else
  echo "Restored tree differs from the source!" >&2; exit 1
fi
echo "Repository: $demo/repo   Havre home: $HAVRE_HOME"
if [ "${generated:-0}" = 1 ]; then
  echo "Demo password (not stored anywhere; export HAVRE_PASSWORD=... to keep using this repository): $HAVRE_PASSWORD"
fi
