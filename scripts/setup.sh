#!/usr/bin/env bash
# Installs what hapbeat's demo and tests need on a fresh Debian machine, skipping what is already there:
#   - HAProxy 2.6 (Debian's haproxy package), patchelf, Maven, unzip and a JDK 17, with apt;
#   - HAProxy 2.2, 3.0 and 3.2 from Debian's other suites, unpacked under .cache/ (test/haproxy/fetch-versions.sh);
#   - the npm dependencies (npm ci, which also builds dist/ through the "prepare" script);
#   - the Elasticsearch test distribution, with Maven (scripts/fetch-elasticsearch.sh).
# HAPBEAT_SETUP_NO_ES=1 skips Maven, the JDK and Elasticsearch.
# Package hosts come from this machine's own apt and npm configuration; none is written here.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache

need_apt=()
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need_apt+=(haproxy)
command -v patchelf >/dev/null 2>&1 || need_apt+=(patchelf)
if [ "${HAPBEAT_SETUP_NO_ES:-}" != 1 ]; then
  command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
  command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
  ls /usr/lib/jvm/*/bin/java >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} with apt-get" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# npm ci only when node_modules is missing or package-lock.json changed since the last install.
stamp=.cache/npm-ci.stamp
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > "$stamp"
else
  npm run --silent build
fi

bash test/haproxy/fetch-versions.sh >/dev/null

if [ "${HAPBEAT_SETUP_NO_ES:-}" != 1 ]; then
  bash scripts/fetch-elasticsearch.sh >/dev/null
fi
