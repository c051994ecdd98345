#!/usr/bin/env bash
# The test command (npm test): type-check, lint, build, then every test suite, with a real OS
# keychain (gnome-keyring on a private D-Bus session). Ends with one line "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== type-check"; npm run --silent typecheck
echo "== lint"; npm run --silent lint
if [ -f src-renderer/tsconfig.json ]; then echo "== renderer check"; npm run --silent check:renderer; fi
echo "== build"; npm run --silent build
mkdir -p test-results
echo "== tests"
status=0
bash scripts/with-keyring.sh npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json "$@" || status=$?
node scripts/test-summary.js test-results/vitest.json || status=1
exit $status
