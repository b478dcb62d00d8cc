#!/usr/bin/env bash
# Fetches the real Elasticsearch test distribution (org.elasticsearch.distribution.integ-test-zip) with Maven,
# from the repositories in this machine's own Maven configuration, and unpacks it under .cache/elasticsearch/.
# Usage: scripts/fetch-elasticsearch.sh [version ...]    (default: the pinned 8.19 and 9.x releases)
# Prints the unpacked directory of each version. Reruns reuse the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=("$(cat lab/ES_VERSION)" "$(cat lab/ES9_VERSION)")
cache=.cache/elasticsearch
mkdir -p "$cache/zips"
for v in "${versions[@]}"; do
  dir="$cache/elasticsearch-$v"
  if [ ! -x "$dir/bin/elasticsearch" ]; then
    zip="$cache/zips/elasticsearch-$v.zip"
    if [ ! -s "$zip" ]; then
      echo "fetch-elasticsearch: downloading Elasticsearch $v with Maven (about 500 MB the first time; cached under $cache)" >&2
      mvn -q -B --no-transfer-progress dependency:copy \
        "-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$v:zip" \
        "-DoutputDirectory=$cache/zips" >&2 &
      mvn_pid=$!
      started=$(date +%s)
      # A line every 10 s, so that a first run does not look stuck.
      while kill -0 "$mvn_pid" 2>/dev/null; do
        sleep 1
        elapsed=$(( $(date +%s) - started ))
        if [ $((elapsed % 10)) -eq 0 ]; then echo "fetch-elasticsearch: still downloading Elasticsearch $v (${elapsed} s)" >&2; fi
      done
      wait "$mvn_pid"
    fi
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    unzip -q "$zip" -d "$dir.tmp"
    mv "$dir.tmp/elasticsearch-$v" "$dir" && rm -rf "$dir.tmp"
  fi
  echo "$dir"
done
