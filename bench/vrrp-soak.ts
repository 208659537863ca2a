// Soak: VRRPv3 at advert_int 0.01 (10 ms, the shortest keepalived accepts) between two
// keepalived-ts directors for N minutes while stress-ng keeps both cores busy (--cpu 2).
// A master-down interval is then 3 x 10 ms + skew (3.9 ms at 100) = 34 ms: any pause of the
// master's event loop (GC, scheduling) longer than that makes the backup take over - a spurious
// transition. Counted:
//   - spurious transitions: "Entering ... STATE" lines in either log after the start-up
//     election has settled (d1 MASTER 150, d2 BACKUP 100), and adverts from d2 on the wire;
//   - the master's advert gaps from a tcpdump capture of the bridge (tshark frame times):
//     worst, p99.9, p99, count;
//   - GC pauses inside each daemon (KEEPALIVED_TS_GC_STATS=1, src/daemon/gc-stats.ts: perf_hooks
//     'gc' entries; one summary line per minute and at stop);
//   - stalls: every VRRP timer callback more than 10 ms late, with the main thread's run-queue
//     wait and the GC pauses over the same span (KEEPALIVED_TS_TIMING=1, src/daemon/timing-stalls.ts),
//     classed as "runqueue" (waited for a CPU at least half of it: the scheduler), "gc", or "other";
//     and for each master advert gap over 34 ms, the master's stall that made it.
// Usage (root): node --import tsx bench/vrrp-soak.ts [--minutes 10] [--no-stress] [--nice -20] [--rt 50]
//   --nice N  global_defs vrrp_priority N (setpriority on every thread, keepalived's knob);
//   --rt N    SCHED_RR priority N on every thread of both daemons (chrt -a -r -p N PID at spawn):
//             what keepalived's vrrp_rt_priority does, which keepalived-ts does not implement yet.
// Writes bench/out/vrrp-soak.json.

import { spawn, spawnSync } from 'node:child_process';
import { parseStallLine } from '../src/daemon/timing-stalls.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tsharkFields } from '../test/captures/tshark.ts';
import { VrrpLab, holds, instanceConf, waitFor } from '../test/support/lab.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const mi = process.argv.indexOf('--minutes');
const MINUTES = mi >= 0 ? Number(process.argv[mi + 1]) : 10;
const STRESS = !process.argv.includes('--no-stress');
const ni = process.argv.indexOf('--nice');
const NICE = ni >= 0 ? Number(process.argv[ni + 1]) : undefined;
const ri = process.argv.indexOf('--rt');
const RT = ri >= 0 ? Number(process.argv[ri + 1]) : undefined;

// --nice N: global_defs vrrp_priority N (src/daemon/process-priority.ts), keepalived's knob.
const GLOBAL = `global_defs {\n    enable_script_security\n    script_user root\n${NICE !== undefined ? `    vrrp_priority ${NICE}\n` : ''}}\n`;
const conf = (priority: number, state: 'MASTER' | 'BACKUP'): string =>
  GLOBAL + instanceConf({ priority, state, version: 3, advertInt: 0.01 });
const env = { KEEPALIVED_TS_GC_STATS: '1', KEEPALIVED_TS_GC_STATS_INTERVAL: '60', KEEPALIVED_TS_TIMING: '1' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const transitions = (log: string): number => (log.match(/Entering (MASTER|BACKUP|FAULT) STATE/g) ?? []).length;

const l = new VrrpLab('soak');
let stress: ReturnType<typeof spawn> | undefined;
try {
  const d2 = l.startTs('d2', conf(100, 'BACKUP'), [], env);
  const d1 = l.startTs('d1', conf(150, 'MASTER'), [], env);
  if (RT !== undefined) {
    // At once: `ip netns exec` execs node, whose threads (and a supervisor's worker) inherit the policy.
    for (const p of [d1, d2]) {
      const r = spawnSync('chrt', ['-a', '-r', '-p', String(RT), String(p.pid)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`chrt ${p.pid}: ${r.stderr}`);
    }
  }
  // A settled start: d1 master for 2 s (retried: on a busy shared machine a start-up flap happens).
  for (let attempt = 1; ; attempt++) {
    await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 as master');
    try {
      await holds(() => l.soleHolder() === 'd1', 2000, 'd1 as master');
      break;
    } catch (e) {
      if (attempt >= 5) throw e;
      console.log(`start-up: ${String(e)}; again`);
    }
  }
  if (STRESS) {
    // CPU load only (no packets): two workers on two cores, ended by pid (and --timeout anyway).
    stress = spawn('stress-ng', ['--cpu', '2', '--timeout', `${Math.ceil(MINUTES * 60) + 30}s`, '--quiet'], { stdio: 'ignore' });
    await sleep(1000);
  }
  const base1 = transitions(d1.log());
  const base2 = transitions(d2.log());
  const pcap = await l.captureStart('soak.pcap');
  const tStart = Date.now() / 1000;
  console.log(`soak: ${MINUTES} min, VRRPv3 advert_int 0.01, stress-ng --cpu 2: ${STRESS ? 'on' : 'off'}, vrrp_priority: ${NICE ?? 'unset'}, SCHED_RR: ${RT ?? 'no'}`);
  const endAt = Date.now() + MINUTES * 60_000;
  while (Date.now() < endAt) {
    await sleep(Math.min(30_000, endAt - Date.now()));
    const s = (transitions(d1.log()) - base1) + (transitions(d2.log()) - base2);
    console.log(`  ${((Date.now() / 1000 - tStart) / 60).toFixed(1)} min: spurious transitions so far ${s}, holder ${l.soleHolder() ?? 'none/both'}`);
  }
  await l.captureStop();
  const spurious = (transitions(d1.log()) - base1) + (transitions(d2.log()) - base2);
  if (stress && stress.exitCode === null) stress.kill('SIGTERM');
  await d1.stop('SIGTERM');
  await d2.stop('SIGTERM');

  const rows = tsharkFields(pcap, ['frame.time_epoch', 'ip.src'], [], 'vrrp').rows;
  const t1 = rows.filter((r) => r['ip.src'] === l.node('d1').ip4).map((r) => Number(r['frame.time_epoch']));
  const fromD2 = rows.filter((r) => r['ip.src'] === l.node('d2').ip4).length;
  const gaps: number[] = [];
  for (let i = 1; i < t1.length; i++) gaps.push((t1[i]! - t1[i - 1]!) * 1000);
  gaps.sort((a, b) => a - b);
  const q = (p: number): number => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] ?? 0;
  const over = (ms: number): number => gaps.filter((g) => g > ms).length;
  const gcLines = (log: string): string[] => log.split('\n').filter((x) => x.includes('GC stats:'));
  // Stalls inside the window, classed by what the daemon measured over the same span.
  const tEnd = t1[t1.length - 1] ?? Date.now() / 1000;
  const stallsOf = (log: string) => log.split('\n').map(parseStallLine).filter((x): x is NonNullable<typeof x> => x !== undefined)
    .filter((x) => x.epochMs / 1000 >= tStart && x.epochMs / 1000 <= tEnd);
  const classOf = (x: { lateUs: number; runDelayUs: number; gcMs: number }): string =>
    x.runDelayUs >= 0.5 * x.lateUs ? 'runqueue' : x.gcMs * 1000 >= 0.5 * x.lateUs ? 'gc' : 'other';
  const stallSummary = (log: string) => {
    const st = stallsOf(log);
    const by = { runqueue: 0, gc: 0, other: 0 };
    for (const x of st) by[classOf(x) as keyof typeof by]++;
    const worst = [...st].sort((a, b) => b.lateUs - a.lateUs).slice(0, 5)
      .map((x) => `${(x.lateUs / 1000).toFixed(1)} ms late (run queue ${(x.runDelayUs / 1000).toFixed(1)} ms, gc ${x.gcMs.toFixed(1)} ms)`);
    return { stalls: st.length, ...by, worst };
  };
  // Each master advert gap over the master-down interval, and the master's stall inside it.
  const stalls1 = stallsOf(d1.log());
  const bigGaps: string[] = [];
  for (let i = 1; i < t1.length; i++) {
    const g = (t1[i]! - t1[i - 1]!) * 1000;
    if (g <= 34) continue;
    const s = stalls1.find((x) => x.epochMs / 1000 >= t1[i - 1]! - 0.001 && x.epochMs / 1000 <= t1[i]!);
    bigGaps.push(`${g.toFixed(1)} ms at +${(t1[i - 1]! - tStart).toFixed(1)} s: ${s ? `master stall ${(s.lateUs / 1000).toFixed(1)} ms, ${classOf(s)} (run queue ${(s.runDelayUs / 1000).toFixed(1)} ms, gc ${s.gcMs.toFixed(1)} ms)` : 'no master stall logged'}`);
  }
  const gc1 = gcLines(d1.log());
  const gc2 = gcLines(d2.log());
  const result = {
    minutes: MINUTES, stress: STRESS, vrrpPriority: NICE ?? null, spurious, advertsFromBackup: fromD2,
    masterAdverts: t1.length, gapMs: { max: gaps[gaps.length - 1] ?? 0, p999: q(0.999), p99: q(0.99), median: q(0.5) },
    gapsOver20ms: over(20), gapsOver34ms: over(34),
    gcMaster: gc1[gc1.length - 1] ?? 'none', gcBackup: gc2[gc2.length - 1] ?? 'none',
    stallsMaster: stallSummary(d1.log()), stallsBackup: stallSummary(d2.log()), gapsOverMasterDown: bigGaps,
  };
  console.log(`spurious transitions: ${spurious} (adverts from the backup: ${fromD2})`);
  console.log(`master adverts: ${t1.length}; gap ms: max ${result.gapMs.max.toFixed(2)}, p99.9 ${result.gapMs.p999.toFixed(2)}, p99 ${result.gapMs.p99.toFixed(2)}, median ${result.gapMs.median.toFixed(2)}; gaps > 20 ms: ${result.gapsOver20ms}, > 34 ms (master-down): ${result.gapsOver34ms}`);
  console.log(`master  ${result.gcMaster.replace(/^.*GC stats:/, 'GC:')}`);
  console.log(`backup  ${result.gcBackup.replace(/^.*GC stats:/, 'GC:')}`);
  for (const [who, st] of [['master', result.stallsMaster], ['backup', result.stallsBackup]] as const) {
    console.log(`${who} stalls > 10 ms: ${st.stalls} (runqueue ${st.runqueue}, gc ${st.gc}, other ${st.other}); worst: ${st.worst.join('; ') || '-'}`);
  }
  for (const g of bigGaps.slice(0, 20)) console.log(`  master advert gap ${g}`);
  if (bigGaps.length > 20) console.log(`  ... ${bigGaps.length - 20} more in bench/out/vrrp-soak.json`);
  mkdirSync(`${ROOT}bench/out`, { recursive: true });
  writeFileSync(`${ROOT}bench/out/vrrp-soak.json`, JSON.stringify(result, null, 2));
} finally {
  if (stress && stress.exitCode === null) stress.kill('SIGKILL');
  await l.destroy();
}
