#!/usr/bin/env bash
# The test command: installs what is missing (scripts/setup.sh), runs every test (unit tests on recorded
# HAProxy output, integration tests on a real HAProxy), and ends with a "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
report=.cache/vitest-report.json
rm -f "$report"
# The type check covers src/, test/, bench/ and scripts/ (a watch that is not an estypes.WatcherWatch fails here).
echo "test: npm run typecheck" >&2
npm run --silent typecheck
# Lint: promises nobody awaits, async callbacks where sync ones are expected, stale disable comments.
echo "test: npm run lint" >&2
npm run --silent lint
echo "test: npm run format:check" >&2
npm run --silent format:check
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
code=$?
set -e
if [ -f "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  ' "$report"
fi
exit $code
