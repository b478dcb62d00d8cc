#!/usr/bin/env bash
# The demo: installs what is missing, starts a local HAProxy (master-worker, -W -S) with some traffic and a
# reload, runs hapbeat for a short while, and prints what it collected.
set -euo pipefail
cd "$(dirname "$0")/.."
# Elasticsearch needs Maven and Java; without them the demo falls back to file output.
if ! bash scripts/setup.sh; then
  echo "demo: the full setup failed; trying without Elasticsearch (file output)" >&2
  HAPBEAT_SETUP_NO_ES=1 bash scripts/setup.sh
fi
exec node --import tsx scripts/demo.ts "$@"
