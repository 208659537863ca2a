// The worker's memory settings (issue 3): the V8 flags the supervisor adds to the worker's command
// line (src/cli/main.ts workerV8Flags) and the one-off collection after start-up and reload
// (src/daemon/load-config.ts releaseStartupGarbage). Judged by V8 itself in child processes
// started with exactly those flags: its heap statistics, not our reading of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { workerV8Flags } from '../../../src/cli/main.ts';
import { releaseStartupGarbage } from '../../../src/daemon/load-config.ts';

const LOAD_CONFIG = new URL('../../../src/daemon/load-config.ts', import.meta.url).href;

/** Runs `script` (an ES module body) in a fresh node with `flags`; returns its stdout as JSON. */
function inChild(flags: readonly string[], script: string): Record<string, number | boolean | string> {
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, number | boolean | string>;
}

test('workerV8Flags: --expose-gc, and a 1 MiB semi-space and 50% heap growth for a VRRP-only worker, unless the command line sets them', () => {
  const P = { vrrpOnly: true };
  assert.deepEqual(workerV8Flags(['--enable-source-maps'], P), ['--max-semi-space-size=1', '--heap-growing-percent=50', '--expose-gc']);
  assert.deepEqual(workerV8Flags(['--max-semi-space-size=8', '--heap-growing-percent=100'], P), ['--expose-gc']);
  assert.deepEqual(workerV8Flags(['--max_semi_space_size=8', '--expose_gc', '--heap_growing_percent=0'], P), []);
  assert.deepEqual(workerV8Flags(['--expose-gc'], P), ['--max-semi-space-size=1', '--heap-growing-percent=50']);
  // Checkers run in the worker: V8's own young generation (the cap cost them CPU).
  assert.deepEqual(workerV8Flags(['--enable-source-maps'], { vrrpOnly: false }), ['--expose-gc']);
});

test('the worker flags cap the young generation and expose gc (V8 heap statistics)', () => {
  // Allocation-heavy start-up: without the cap V8 grows new space to 2 x 16 MiB.
  const script = `
    import v8 from 'node:v8';
    let keep = [];
    for (let r = 0; r < 30; r++) { const a = []; for (let i = 0; i < 100000; i++) a.push({ i, s: 'x' + i }); keep.push(a[r]); }
    const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(JSON.stringify({ newSpaceMiB: ns.space_size / 1048576, gc: typeof globalThis.gc }));`;
  const capped = inChild(workerV8Flags([], { vrrpOnly: true }), script);
  const plain = inChild([], script);
  assert.equal(capped.gc, 'function');
  assert.equal(plain.gc, 'undefined');
  assert.ok(Number(capped.newSpaceMiB) <= 3, `new space ${capped.newSpaceMiB} MiB with the worker's flags`);
  assert.ok(Number(plain.newSpaceMiB) > Number(capped.newSpaceMiB), `new space without the flags ${plain.newSpaceMiB} MiB`);
});

test('releaseStartupGarbage returns the dead old space with --expose-gc, and does nothing without it', () => {
  assert.equal(releaseStartupGarbage(), typeof (globalThis as { gc?: unknown }).gc === 'function');
  // ~60 MiB that survives into old space, then dies - as a parse tree does once the model is built.
  const script = `
    import v8 from 'node:v8';
    import { releaseStartupGarbage } from ${JSON.stringify(LOAD_CONFIG)};
    const old = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size / 1048576;
    let tree = [];
    for (let i = 0; i < 600000; i++) tree.push({ line: i, text: 'statement ' + i, children: [] });
    await new Promise((r) => setTimeout(r, 10));
    tree = undefined;
    const before = old();
    const ran = releaseStartupGarbage();
    console.log(JSON.stringify({ before, after: old(), ran }));`;
  const withGc = inChild(['--expose-gc'], script);
  assert.equal(withGc.ran, true);
  assert.ok(Number(withGc.before) > 30, `old space before ${withGc.before} MiB`);
  assert.ok(Number(withGc.after) < Number(withGc.before) / 2, `old space ${withGc.before} -> ${withGc.after} MiB`);
  const without = inChild([], script);
  assert.equal(without.ran, false);
});
