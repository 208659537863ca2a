#!/usr/bin/env bash
# The whole test suite: set-up, type check, then every *.test.ts under test/
# with Node's built-in runner. Root tests (netns, keepalived peer, IPVS in a guest kernel) are
# part of it; in CI (CI=true) a test that cannot run fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--no-setup" ]; then shift; else bash scripts/setup.sh; fi

echo "== type check"
npx tsc -p tsconfig.json --noEmit

echo "== tests"
if [ $# -gt 0 ]; then files=("$@"); else
  mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
fi
# Node 20's runner has no globs: the files are listed explicitly. Two at a time: the machines
# have two cores and root tests use namespaces named after their own pid, so they never collide.
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
