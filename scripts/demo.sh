#!/usr/bin/env bash
# The demo: installs what is missing, starts a local HAProxy (master-worker, -W -S) with some traffic and a
# reload, runs hapbeat for a short while, and prints what it collected.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx scripts/demo.ts "$@"
