#!/usr/bin/env bash
# Regenerates test/corpus/oracle-unknown-lines.jsonl: for every file listed in
# ../shared/corpus/oracle-keepalived-2.2.7.tsv, the exact lines on which Debian's keepalived
# 2.2.7 reported "Unknown keyword" (the oracle TSV only keeps the count and the first line).
#
# Run as root. Each file is tested exactly as the oracle did it: `keepalived -t -f FILE` from the
# file's own folder, inside a fresh, empty network namespace (`unshare -n`, so no interface named
# in a config exists and nothing can touch the host's network), with a 5 s timeout.
# The config id is fixed (`-i corpus-oracle`) because the oracle machine's host name is unknown;
# our corpus test uses the same id.
#
# Output, one JSON object per line:
#   {"path":"devel-configs/1.conf","exit":5,"unknown":[{"file":"1.conf","line":14,"keyword":"vrrp_defs"}]}
# "file" is the file keepalived named in the message, or the tested file's basename when it named none.
set -euo pipefail
CORPUS=${CORPUS:-$(cd "$(dirname "$0")/../../../shared/corpus" && pwd)}
OUT=${1:-$(dirname "$0")/oracle-unknown-lines.jsonl}
JOBS=${JOBS:-4}
[ "$(id -u)" = 0 ] || { echo "needs root (unshare -n)" >&2; exit 1; }
command -v keepalived >/dev/null || { echo "keepalived not installed" >&2; exit 1; }

one() {
  local rel=$1 dir base err rc
  dir=$CORPUS/$(dirname "$rel"); base=$(basename "$rel")
  err=$(cd "$dir" && timeout 5 unshare -n keepalived -t -i corpus-oracle -f "$base" 2>&1 >/dev/null) && rc=0 || rc=$?
  # Lines look like "(Line 3) Unknown keyword 'x'" or "(inc.conf: Line 6) Unknown keyword 'x'".
  printf '%s\n' "$err" | REL="$rel" RC="$rc" BASE="$base" node -e '
    const lines = require("fs").readFileSync(0, "utf8").split("\n");
    const unknown = [];
    for (const l of lines) {
      const m = /^\((?:(.*): )?Line (\d+)\) Unknown keyword \x27(.*)\x27\s*$/.exec(l);
      if (m) unknown.push({ file: m[1] ?? process.env.BASE, line: Number(m[2]), keyword: m[3] });
    }
    process.stdout.write(JSON.stringify({ path: process.env.REL, exit: Number(process.env.RC), unknown }) + "\n");
  '
}
export -f one
export CORPUS
tail -n +2 "$CORPUS/oracle-keepalived-2.2.7.tsv" | cut -f1 \
  | xargs -P "$JOBS" -I{} bash -c 'one "$1"' _ {} | sort > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "wrote $(wc -l < "$OUT") entries to $OUT" >&2
