#!/usr/bin/env bash
# Installs everything the test suite and the daemon need on a bare Debian 12 machine with
# Node >= 20: Debian packages (reference peer, capture and IPVS tools), npm dependencies and the
# native addon. Idempotent: what is already there is not reinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."
# --npm-only: just the npm dependencies, the addon and the bundle (enough to run keepalived-ts).
npm_only=0; [ "${1:-}" = "--npm-only" ] && npm_only=1

# Debian packages the tests use. keepalived 2.2.7 is the reference peer; tshark decodes our
# adverts; ipvsadm lists IPVS; busybox-static + ipvsadm serve run-in-vm.sh's guest; mariadb for
# the mysql track_script case; stress-ng loads the cores in the soak bench; prometheus brings
# promtool, which checks our /metrics output (its server is kept from starting below).
PKGS=(keepalived tcpdump tshark iproute2 busybox-static ipvsadm stress-ng mariadb-server
      mariadb-client procps kmod iputils-ping psmisc time prometheus)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ $npm_only = 0 ] && [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need root to install Debian packages: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine has no package lists; a stale one may have outdated ones.
  apt-get update -qq
  # policy-rc.d keeps the packages' services (keepalived, mariadb) from starting in the root
  # namespace: the tests start their own, inside namespaces they made.
  had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  if [ $had_policy = 0 ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ $had_policy = 0 ] && rm -f /usr/sbin/policy-rc.d
fi

# npm dependencies and the native addon, built by `npm ci` through node-gyp against Debian's
# Node headers (/usr/include/node): nothing is downloaded.
[ -f /usr/include/node/node.h ] && export npm_config_nodedir=/usr
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || [ ! -f build/Release/ktsnative.node ]; then
  npm ci --no-fund --no-audit 2>&1 | grep -v 'Unknown user config' || true
fi
[ -f build/Release/ktsnative.node ] || { echo "setup: native addon did not build" >&2; exit 1; }
# The bundled executable (about 0.1 s): always rebuilt so it matches the sources.
node scripts/build.mjs
echo "setup: ok"
