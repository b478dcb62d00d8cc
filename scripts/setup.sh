#!/usr/bin/env bash
# Installs what hapbeat's demo and tests need on a fresh Debian machine, skipping what is already there:
#   - HAProxy 2.6 (Debian's haproxy package), patchelf, Maven, unzip and a JDK 17, with apt;
#   - for the deployment checks: docker-compose (to validate docker-compose.yml; no engine is started) and
#     systemd-analyze (Debian's systemd package), and for npm run bench the peer prometheus-haproxy-exporter,
#     with apt and without recommended packages;
#   - HAProxy 2.2, 3.0 and 3.2 from Debian's other suites, unpacked under .cache/ (lab/fetch-haproxy-versions.sh);
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
need_lean=()
command -v docker-compose >/dev/null 2>&1 || need_lean+=(docker-compose)
command -v systemd-analyze >/dev/null 2>&1 || need_lean+=(systemd)
# The peer that npm run bench measures hapbeat against.
[ -x /usr/bin/prometheus-haproxy-exporter ] || need_lean+=(prometheus-haproxy-exporter)
if [ ${#need_apt[@]} -gt 0 ] || [ ${#need_lean[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} ${need_lean[*]} with apt-get" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  [ ${#need_apt[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  # Without recommended packages: docker-compose would pull in a Docker engine, which nothing here runs.
  [ ${#need_lean[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_lean[@]}" >/dev/null
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

bash lab/fetch-haproxy-versions.sh >/dev/null

if [ "${HAPBEAT_SETUP_NO_ES:-}" != 1 ]; then
  bash scripts/fetch-elasticsearch.sh >/dev/null
  # A JDK for each Elasticsearch fetched: 17 for 8.x, 21 or later for 9.x. From this machine's apt when it offers
  # one; otherwise say exactly what is missing (ES_JAVA_HOME can point at any JDK).
  jdk_major() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null; }
  have_jdk() { for d in /usr/lib/jvm/*/; do v=$(jdk_major "$d"); [ -n "$v" ] && [ "$v" -ge "$1" ] && [ "$v" -le "$2" ] && return 0; done; return 1; }
  need_jdk() { # min max packages...
    local min=$1 max=$2; shift 2
    have_jdk "$min" "$max" && return 0
    [ -n "${ES_JAVA_HOME:-}" ] && return 0
    for p in "$@"; do
      if apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        echo "setup: installing $p with apt-get (a JDK $min+ for Elasticsearch)" >&2
        DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq "$p" >/dev/null && return 0
      fi
    done
    echo "setup: Elasticsearch needs a JDK $min to $max: none is in /usr/lib/jvm and this machine's apt offers none of: $*. Install one there, or set ES_JAVA_HOME" >&2
    return 1
  }
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  need_jdk 17 17 openjdk-17-jdk-headless
  need_jdk 21 99 openjdk-25-jdk-headless openjdk-21-jdk-headless temurin-25-jdk temurin-21-jdk
fi
