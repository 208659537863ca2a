#!/usr/bin/env bash
# Installs keepalived-ts as a systemd service beside (in place of) keepalived:
#   /usr/lib/keepalived-ts/          the bundle: dist/ (keepalived-ts.mjs, its chunks, maps), the native addon
#                                    build/Release/ktsnative.node, and node_modules/ with only the
#                                    packages the bundle leaves external (pino, undici and what
#                                    they need); nothing else from the checkout
#   /usr/sbin/keepalived-ts          a wrapper: exec node .../dist/keepalived-ts.mjs "$@"
#                                    (the path systemd/keepalived-ts.service's ExecStart names)
#   /etc/systemd/system/keepalived-ts.service   systemd/keepalived-ts.service, unchanged
#   /etc/default/keepalived-ts       keepalived-ts's own options (only when not there already)
# keepalived's /etc/keepalived/keepalived.conf and /etc/default/keepalived are read, not touched.
#
# Usage: scripts/install-service.sh [--root=DIR] [--dry-run] [--node=PATH]
#   --root=DIR   install under DIR instead of / (a package build or a test); the paths written
#                into the wrapper stay the runtime ones (/usr/lib/keepalived-ts...), as DESTDIR
#   --dry-run    print what would be done, change nothing
#   --node=PATH  the node binary the wrapper runs (default: `command -v node`, must be >= 20)
# Then, on the real machine:
#   systemctl disable --now keepalived && systemctl enable --now keepalived-ts
# Needs a built checkout (`bash scripts/setup.sh --npm-only`). Installing again replaces the
# bundle in one rename, so a running daemon keeps the files it started with until restarted.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
root=/ dry=0 node=''
for a in "$@"; do
  case "$a" in
    --root=*) root=${a#--root=} ;;
    --dry-run) dry=1 ;;
    --node=*) node=${a#--node=} ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-service: unknown argument '$a' (try --help)" >&2; exit 2 ;;
  esac
done
[ -n "$root" ] || { echo "install-service: --root= needs a directory" >&2; exit 2; }
root=${root%/}
lib=/usr/lib/keepalived-ts
sbin=/usr/sbin/keepalived-ts
unit=/etc/systemd/system/keepalived-ts.service
envfile=/etc/default/keepalived-ts

die() { echo "install-service: $*" >&2; exit 1; }
run() { echo "+ $*"; [ $dry = 1 ] || "$@"; }

[ -f "$src/dist/keepalived-ts.mjs" ] || die "no bundle at $src/dist/keepalived-ts.mjs: run 'bash scripts/setup.sh --npm-only' first"
[ -f "$src/build/Release/ktsnative.node" ] || die "no native addon at $src/build/Release/ktsnative.node: run 'bash scripts/setup.sh --npm-only' first"
[ -n "$node" ] || node=$(command -v node || true)
[ -n "$node" ] && [ -x "$node" ] || die "node not found (give --node=PATH)"
node=$(readlink -f "$node")
major=$("$node" -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || die "$node is Node $major; keepalived-ts needs Node >= 20"
if [ -z "$root" ] && [ $dry = 0 ] && [ "$(id -u)" != 0 ]; then die "installing into / needs root (or use --root=DIR / --dry-run)"; fi

# The packages the bundle imports at run time (scripts/build.mjs `external`), with everything they
# depend on, as npm laid them out in node_modules (a nested node_modules travels with its package).
mapfile -t pkgs < <(cd "$src" && "$node" -e '
  const fs = require("fs"), path = require("path");
  const seen = new Set(), todo = ["pino", "undici"];
  while (todo.length) {
    const name = todo.pop();
    if (seen.has(name)) continue;
    const dir = path.join("node_modules", name);
    if (!fs.existsSync(path.join(dir, "package.json"))) continue; // an optional dependency not installed
    seen.add(name);
    const pj = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    todo.push(...Object.keys({ ...pj.dependencies, ...pj.optionalDependencies }));
  }
  for (const n of [...seen].sort()) console.log(n);
')
for must in pino undici; do
  printf '%s\n' "${pkgs[@]}" | grep -qx "$must" || die "node_modules/$must missing: run 'bash scripts/setup.sh --npm-only' first"
done

stage="$root$lib.new"
run rm -rf "$stage"
run install -d -m 0755 "$stage/dist" "$stage/build/Release" "$stage/node_modules"
# The entry and its code-split chunks (scripts/build.mjs), with their source maps.
run install -m 0644 "$src"/dist/*.mjs "$src"/dist/*.mjs.map "$stage/dist/"
run install -m 0755 "$src/build/Release/ktsnative.node" "$stage/build/Release/"
for p in "${pkgs[@]}"; do
  run install -d -m 0755 "$(dirname "$stage/node_modules/$p")"
  run cp -R "$src/node_modules/$p" "$stage/node_modules/$p"
done
version=$(cd "$src" && "$node" -p 'require("./package.json").version')
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ $dry = 1 ]; then echo "+ write $stage/VERSION ($version $commit)"; else printf '%s %s\n' "$version" "$commit" > "$stage/VERSION"; fi
# Swap in one rename: a daemon started from the old tree keeps its open files.
if [ -e "$root$lib" ]; then run rm -rf "$root$lib.old"; run mv "$root$lib" "$root$lib.old"; fi
run install -d -m 0755 "$(dirname "$root$lib")"
run mv "$stage" "$root$lib"
run rm -rf "$root$lib.old"

wrapper="#!/bin/sh
# keepalived-ts $version ($commit), installed by scripts/install-service.sh
exec $node --enable-source-maps $lib/dist/keepalived-ts.mjs \"\$@\"
"
run install -d -m 0755 "$root$(dirname "$sbin")"
if [ $dry = 1 ]; then echo "+ write $root$sbin (exec $node $lib/dist/keepalived-ts.mjs)"; else
  printf '%s' "$wrapper" > "$root$sbin.tmp" && chmod 0755 "$root$sbin.tmp" && mv "$root$sbin.tmp" "$root$sbin"
fi

run install -d -m 0755 "$root$(dirname "$unit")"
run install -m 0644 "$src/systemd/keepalived-ts.service" "$root$unit"
if [ -e "$root$envfile" ]; then echo "= $root$envfile kept"; else
  run install -d -m 0755 "$root$(dirname "$envfile")"
  run install -m 0644 "$src/systemd/keepalived-ts.default" "$root$envfile"
fi

if [ -z "$root" ] && [ $dry = 0 ] && [ -d /run/systemd/system ]; then run systemctl daemon-reload; fi
echo "install-service: done. Switch over with: systemctl disable --now keepalived && systemctl enable --now keepalived-ts"
