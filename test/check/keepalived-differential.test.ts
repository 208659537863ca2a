// Differential test against keepalived 2.2.7's own HTTP_GET, MISC, TCP, UDP, DNS and SMTP checks. The same
// keepalived.conf and the same scripted backend (see checker-oracle.ts) run once under keepalived (`keepalived -C` in the IPVS guest of
// run-in-vm.sh: this machine's kernel has no IPVS) and once under our stack on this host's
// loopback. HTTP: the same number of failing probes before going down, of successful probes
// before coming back (keepalived needs a clean pass after a failed url), with the same spacing.
// MISC: the same IPVS weight / presence after each exit code. TCP/UDP/DNS/SMTP: the same
// number of attempts before the down and the same retry behaviour while down. Times are compared with each
// other, never with constants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { TOOLS } from '../support/paths.ts';

const run = promisify(execFile);
const RUN_IN_VM = process.env.KTS_RUN_IN_VM ?? join(TOOLS, 'run-in-vm.sh');

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

const SCENARIOS = ['http', 'misc', 'tcp', 'udp', 'dns', 'smtp'];

interface AttemptRun { t1: number; t2: number; syns: number[]; events: { event: string; t: number }[] }

/** Attempts (SYNs / datagrams seen by tcpdump) from the failure to the down, and after it. */
function attempts(r: AttemptRun) {
  const down = r.events.find((e) => e.event === 'down' && e.t >= r.t1)!.t;
  // The down is decided on the last failed attempt's answer, and the next attempt is at least
  // a delay_before_retry (1 s) later: split there with room for a loaded guest.
  const beforeDown = r.syns.filter((t) => t > r.t1 && t <= down + 400).length;
  const whileDown = r.syns.filter((t) => t > down + 400 && t < r.t2);
  const gaps = whileDown.slice(1).map((t, i) => t - whileDown[i]!);
  return { beforeDown, whileDown: whileDown.length, retriesWhileDown: gaps.some((g) => g < 2000) };
}

interface MiscRun { codes: number[]; states: (number | 'absent')[]; events: { event: string }[] }

/** Both scenarios under keepalived in ONE guest boot, and under ours on the host, in parallel. */
async function runBoth(dir: string): Promise<{ ka: string[]; ours: string[] }> {
  const oursRun = (scenario: string) => run(process.execPath, ['--import', 'tsx', 'test/check/checker-oracle.ts', 'ours', scenario], {
    env: { ...process.env, ORACLE_DIR: join(dir, scenario) }, timeout: 120_000,
  });
  for (const sc of SCENARIOS) mkdirSync(join(dir, sc));
  const [kaOut, ...oursOut] = await Promise.all([
    // Two keepalived checker processes side by side, each on its own virtual server and files.
    run(RUN_IN_VM, [`rc=0; for s in ${SCENARIOS.join(' ')}; do mkdir -p /tmp/$s; `
      + '(ORACLE_DIR=/tmp/$s node --import tsx test/check/checker-oracle.ts keepalived $s > /tmp/$s/out) & done; '
      + `for j in $(jobs -p); do wait $j || rc=1; done; cat ${SCENARIOS.map((sc) => `/tmp/${sc}/out`).join(' ')}; exit $rc`], {
      env: { ...process.env, VM_TIMEOUT: '240' }, timeout: 280_000, maxBuffer: 16 << 20,
    }),
    ...SCENARIOS.map(oursRun),
  ]);
  const json = (out: string) => out.trim().split('\n').filter((l) => l.startsWith('{'));
  return { ka: json(kaOut.stdout), ours: oursOut.flatMap((o) => json(o.stdout)) };
}

test('HTTP_GET, MISC_CHECK misc_dynamic, TCP/UDP/DNS/SMTP_CHECK retry behaviour match keepalived 2.2.7', { timeout: 300_000 }, async (t) => {
  if (!need(t, isRoot() && existsSync(RUN_IN_VM) && hasCommand('keepalived'), 'root, keepalived and run-in-vm.sh (IPVS guest)')) return;
  const dir = mkdtempSync(join(tmpdir(), `oracle-${process.pid}-`));
  try {
    const { ka: kaLines, ours: oursLines } = await runBoth(dir);
    assert.equal(kaLines.length, SCENARIOS.length, `keepalived runs: ${kaLines.join('\n')}`);
    assert.equal(oursLines.length, SCENARIOS.length, `our runs: ${oursLines.join('\n')}`);

    // HTTP_GET, retry 2: three failing probes, then down; back up only after two successes
    // (the failed url's, then a clean pass); the same spacing, gap by gap, within half a second.
    const ka = summarise(JSON.parse(kaLines[0]!) as OracleRun);
    const ours = summarise(JSON.parse(oursLines[0]!) as OracleRun);
    const detail = `keepalived ${JSON.stringify(ka)}\nours ${JSON.stringify(ours)}`;
    assert.equal(ka.failing, 3, detail);
    assert.equal(ours.failing, ka.failing, detail);
    assert.equal(ka.recovering, 2, detail);
    assert.equal(ours.recovering, ka.recovering, detail);
    for (const [a, b] of [[ka.failGaps, ours.failGaps], [ka.recoverGaps, ours.recoverGaps]] as const) {
      assert.equal(a.length, b.length, detail);
      a.forEach((g, i) => assert.ok(Math.abs(g - b[i]!) < 800, `gap ${i}: keepalived ${g} ms, ours ${b[i]} ms\n${detail}`));
    }
    assert.ok(Math.abs(ka.downAfterMs - ours.downAfterMs) < 1500, detail);
    assert.ok(Math.abs(ka.upAfterMs - ours.upAfterMs) < 1500, detail);

    // MISC_CHECK misc_dynamic, exit codes 0 12 255 0 1 7 2 on a weight-5 real server: what
    // keepalived put in IPVS (ipvsadm -Ln) and what our core reports, step by step.
    const kaMisc = JSON.parse(kaLines[1]!) as MiscRun;
    const oursMisc = JSON.parse(oursLines[1]!) as MiscRun;
    assert.deepEqual(kaMisc.states, [5, 10, 253, 5, 'absent', 5, 0]);
    assert.deepEqual(oursMisc.states, kaMisc.states);
    assert.deepEqual(oursMisc.events.map((e) => e.event), kaMisc.events.map((e) => e.event));

    // TCP/UDP/DNS/SMTP (retry 2, delay_before_retry 1, delay_loop 3) against a closed socket or
    // a refusing responder: attempts before the down, and whether a down checker still spends
    // its retries (TCP and SMTP do, UDP and DNS do not, in keepalived 2.2.7).
    for (const [i, name] of [[2, 'TCP'], [3, 'UDP'], [4, 'DNS'], [5, 'SMTP']] as const) {
      const k = attempts(JSON.parse(kaLines[i]!) as AttemptRun);
      const o = attempts(JSON.parse(oursLines[i]!) as AttemptRun);
      const d = `${name}: keepalived ${JSON.stringify(k)}\nours ${JSON.stringify(o)}`;
      assert.equal(k.beforeDown, 3, d);
      assert.equal(o.beforeDown, k.beforeDown, d);
      assert.equal(k.retriesWhileDown, name === 'TCP' || name === 'SMTP', d);
      assert.equal(o.retriesWhileDown, k.retriesWhileDown, d);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
