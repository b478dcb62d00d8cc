#!/usr/bin/env bash
# Makes runnable HAProxy binaries from Debian's other suites, next to the system's 2.6, for the version matrix:
#   2.2 (bullseye, has nbproc), 3.0 (trixie), 3.2 (sid).
# - The mirror is read from this machine's own apt configuration; no host name is written anywhere.
# - A private apt state per suite (under .cache/haproxy-versions/) fetches the package lists; `apt-get download`
#   fetches haproxy and the libraries it needs, and `dpkg -x` unpacks them there. Nothing is installed.
# - 2.2 runs on the system's glibc with LD_LIBRARY_PATH. 3.x needs its own suite's glibc: patchelf sets the
#   binary's interpreter and a forced rpath to the unpacked libraries, so the master's re-exec on reload works.
# Writes .cache/haproxy-versions/versions.json for the test harness. Reruns reuse the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.cache/haproxy-versions"
mkdir -p "$root"
command -v patchelf >/dev/null || { echo "fetch-versions: patchelf is missing (apt-get install -y patchelf)" >&2; exit 1; }

mirror=$( { grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } | awk '{print $2}'
          { grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } | awk '{print $2}' )
mirror=$(printf '%s\n' "$mirror" | grep -v -- '-security' | head -n1 || true)
[ -n "$mirror" ] || { echo "fetch-versions: no Debian mirror found in /etc/apt" >&2; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# suite  major  how
matrix=("bullseye 2.2 ldpath" "trixie 3.0 patchelf" "sid 3.2 patchelf")
manifest="["
for entry in "${matrix[@]}"; do
  read -r suite major how <<<"$entry"
  dir="$root/$suite"
  stamp="$dir/ready"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$dir" ]; then
    echo "fetch-versions: HAProxy $major from $suite" >&2
    rm -rf "$dir" && mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs" "$dir/root"
    echo "deb [signed-by=$keyring] $mirror $suite main" > "$dir/apt/sources.list"
    APT=(-o "Dir::Etc::SourceList=$dir/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
         -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache" -o Dir::State::status=/dev/null
         -o Debug::NoLocking=1 -o APT::Architecture=amd64 -o APT::Architectures=amd64 -o APT::Sandbox::User=root)
    apt-get "${APT[@]}" update -qq
    # haproxy and its shared-library dependencies (not maintainer tools such as adduser or debconf).
    mapfile -t pkgs < <(apt-cache "${APT[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances haproxy | grep -E '^[a-z0-9]' | sort -u |
        grep -E '^(haproxy|lib.*|zlib1g)$' | grep -vE '^(libc-bin|libc-l10n|libdebconfclient.*)$')
    if [ "$how" = ldpath ]; then
      # On the system's glibc: leave out the C runtime, which must match the system's loader.
      mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | grep -vE '^(libc6|libgcc-s1|libstdc\+\+6)$')
    fi
    (cd "$dir/debs" && apt-get "${APT[@]}" download -qq "${pkgs[@]}")
    for d in "$dir"/debs/*.deb; do dpkg -x "$d" "$dir/root"; done
    bin="$dir/root/usr/sbin/haproxy"
    libs="$dir/root/usr/lib/x86_64-linux-gnu:$dir/root/lib/x86_64-linux-gnu"
    if [ "$how" = patchelf ]; then
      loader=$(find "$dir/root" -name 'ld-linux-x86-64.so.2' \( -type f -o -type l \) | head -n1)
      [ -n "$loader" ] || { echo "fetch-versions: no loader in the $suite libc6" >&2; exit 1; }
      loader=$(readlink -f "$loader" 2>/dev/null || echo "$loader")
      case "$loader" in "$dir"/*) ;; *) loader=$(find "$dir/root" -name 'ld-linux-x86-64.so.2' -type f | head -n1) ;; esac
      patchelf --set-interpreter "$loader" --force-rpath --set-rpath "$libs" "$bin"
    fi
    "$bin" -v >/dev/null 2>&1 || LD_LIBRARY_PATH="$libs" "$bin" -v >/dev/null
    echo "$dir" > "$stamp"
  fi
  bin="$dir/root/usr/sbin/haproxy"
  libs="$dir/root/usr/lib/x86_64-linux-gnu:$dir/root/lib/x86_64-linux-gnu"
  if [ "$how" = ldpath ]; then env_json="{\"LD_LIBRARY_PATH\":\"$libs\"}"; else env_json="{}"; fi
  version=$(env $( [ "$how" = ldpath ] && echo "LD_LIBRARY_PATH=$libs") "$bin" -v | awk '/version/{print $3; exit}')
  manifest+="{\"suite\":\"$suite\",\"major\":\"$major\",\"version\":\"$version\",\"path\":\"$bin\",\"env\":$env_json},"
  echo "$major $version $bin"
done
echo "${manifest%,}]" > "$root/versions.json"
