// Differential test against keepalived 2.2.7's own HTTP_GET checker. The same keepalived.conf
// and the same scripted backend (200, then 500 until notify_down, then 200 until notify_up; see
// checker-oracle.ts) run once under keepalived (`keepalived -C` in the IPVS guest of
// run-in-vm.sh: this machine's kernel has no IPVS) and once under our stack on this host's
// loopback. Both must make the same number of failing probes before going down, the same number
// of successful probes before coming back (keepalived needs a clean pass after a failed url),
// with the same spacing. Times are compared with each other, never with constants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hasCommand, isRoot, need } from '../support/env.ts';

const run = promisify(execFile);
const RUN_IN_VM = '/work/shared/tools/run-in-vm.sh';

interface OracleRun {
  who: string;
  t1: number;
  t2: number;
  requests: { t: number; status: number }[];
  events: { event: string; t: number }[];
}

function lastJson(stdout: string): OracleRun {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no result line in:\n${stdout}`);
  return JSON.parse(line) as OracleRun;
}

function summarise(r: OracleRun) {
  const down = r.events.find((e) => e.event === 'down')!.t;
  const up = r.events.find((e) => e.event === 'up' && e.t >= r.t2)!.t;
  const failing = r.requests.filter((q) => q.status === 500 && q.t <= down).map((q) => q.t);
  const recovering = r.requests.filter((q) => q.t >= r.t2 && q.t <= up).map((q) => q.t);
  const gaps = (ts: number[]) => ts.slice(1).map((t, i) => t - ts[i]!);
  return {
    failing: failing.length, recovering: recovering.length,
    failGaps: gaps(failing), recoverGaps: gaps(recovering),
    downAfterMs: down - r.t1, upAfterMs: up - r.t2,
  };
}

test('HTTP_GET retry / delay_before_retry / recovery match keepalived 2.2.7', { timeout: 300_000 }, async (t) => {
  if (!need(t, isRoot() && existsSync(RUN_IN_VM) && hasCommand('keepalived'), 'root, keepalived and run-in-vm.sh (IPVS guest)')) return;
  const dir = mkdtempSync(join(tmpdir(), `oracle-${process.pid}-`));
  try {
    const [kaOut, oursOut] = await Promise.all([
      run(RUN_IN_VM, ['node --import tsx test/check/checker-oracle.ts keepalived'], {
        env: { ...process.env, VM_TIMEOUT: '240' }, timeout: 280_000, maxBuffer: 16 << 20,
      }),
      run(process.execPath, ['--import', 'tsx', 'test/check/checker-oracle.ts', 'ours'], {
        env: { ...process.env, ORACLE_DIR: dir }, timeout: 120_000,
      }),
    ]);
    const ka = summarise(lastJson(kaOut.stdout));
    const ours = summarise(lastJson(oursOut.stdout));
    const detail = `keepalived ${JSON.stringify(ka)}\nours ${JSON.stringify(ours)}`;
    // retry 2: three failing probes, then down.
    assert.equal(ka.failing, 3, detail);
    assert.equal(ours.failing, ka.failing, detail);
    // Back up only after two successes (the failed url's, then a clean pass).
    assert.equal(ka.recovering, 2, detail);
    assert.equal(ours.recovering, ka.recovering, detail);
    // Same spacing (delay_before_retry between failures, delay_loop while recovering): within
    // half a second of keepalived's, gap by gap.
    for (const [a, b] of [[ka.failGaps, ours.failGaps], [ka.recoverGaps, ours.recoverGaps]] as const) {
      assert.equal(a.length, b.length, detail);
      a.forEach((g, i) => assert.ok(Math.abs(g - b[i]!) < 500, `gap ${i}: keepalived ${g} ms, ours ${b[i]} ms\n${detail}`));
    }
    assert.ok(Math.abs(ka.downAfterMs - ours.downAfterMs) < 1500, detail);
    assert.ok(Math.abs(ka.upAfterMs - ours.upAfterMs) < 1500, detail);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
