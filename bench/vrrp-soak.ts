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
//     'gc' entries; one summary line per minute and at stop).
// Usage (root): node --import tsx bench/vrrp-soak.ts [--minutes 10] [--no-stress] [--nice -20]
// Writes bench/out/vrrp-soak.json.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tsharkFields } from '../test/captures/tshark.ts';
import { VrrpLab, holds, instanceConf, waitFor } from '../test/support/lab.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const mi = process.argv.indexOf('--minutes');
const MINUTES = mi >= 0 ? Number(process.argv[mi + 1]) : 10;
const STRESS = !process.argv.includes('--no-stress');
const ni = process.argv.indexOf('--nice');
const NICE = ni >= 0 ? Number(process.argv[ni + 1]) : undefined;

// --nice N: global_defs vrrp_priority N (src/daemon/process-priority.ts), keepalived's knob.
const GLOBAL = `global_defs {\n    enable_script_security\n    script_user root\n${NICE !== undefined ? `    vrrp_priority ${NICE}\n` : ''}}\n`;
const conf = (priority: number, state: 'MASTER' | 'BACKUP'): string =>
  GLOBAL + instanceConf({ priority, state, version: 3, advertInt: 0.01 });
const env = { KEEPALIVED_TS_GC_STATS: '1', KEEPALIVED_TS_GC_STATS_INTERVAL: '60' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const transitions = (log: string): number => (log.match(/Entering (MASTER|BACKUP|FAULT) STATE/g) ?? []).length;

const l = new VrrpLab('soak');
let stress: ReturnType<typeof spawn> | undefined;
try {
  const d2 = l.startTs('d2', conf(100, 'BACKUP'), [], env);
  const d1 = l.startTs('d1', conf(150, 'MASTER'), [], env);
  await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 as master');
  await holds(() => l.soleHolder() === 'd1', 2000, 'd1 as master');
  if (STRESS) {
    // CPU load only (no packets): two workers on two cores, ended by pid (and --timeout anyway).
    stress = spawn('stress-ng', ['--cpu', '2', '--timeout', `${Math.ceil(MINUTES * 60) + 30}s`, '--quiet'], { stdio: 'ignore' });
    await sleep(1000);
  }
  const base1 = transitions(d1.log());
  const base2 = transitions(d2.log());
  const pcap = await l.captureStart('soak.pcap');
  const tStart = Date.now() / 1000;
  console.log(`soak: ${MINUTES} min, VRRPv3 advert_int 0.01, stress-ng --cpu 2: ${STRESS ? 'on' : 'off'}, vrrp_priority: ${NICE ?? 'unset'}`);
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
  const gc1 = gcLines(d1.log());
  const gc2 = gcLines(d2.log());
  const result = {
    minutes: MINUTES, stress: STRESS, vrrpPriority: NICE ?? null, spurious, advertsFromBackup: fromD2,
    masterAdverts: t1.length, gapMs: { max: gaps[gaps.length - 1] ?? 0, p999: q(0.999), p99: q(0.99), median: q(0.5) },
    gapsOver20ms: over(20), gapsOver34ms: over(34),
    gcMaster: gc1[gc1.length - 1] ?? 'none', gcBackup: gc2[gc2.length - 1] ?? 'none',
  };
  console.log(`spurious transitions: ${spurious} (adverts from the backup: ${fromD2})`);
  console.log(`master adverts: ${t1.length}; gap ms: max ${result.gapMs.max.toFixed(2)}, p99.9 ${result.gapMs.p999.toFixed(2)}, p99 ${result.gapMs.p99.toFixed(2)}, median ${result.gapMs.median.toFixed(2)}; gaps > 20 ms: ${result.gapsOver20ms}, > 34 ms (master-down): ${result.gapsOver34ms}`);
  console.log(`master  ${result.gcMaster.replace(/^.*GC stats:/, 'GC:')}`);
  console.log(`backup  ${result.gcBackup.replace(/^.*GC stats:/, 'GC:')}`);
  mkdirSync(`${ROOT}bench/out`, { recursive: true });
  writeFileSync(`${ROOT}bench/out/vrrp-soak.json`, JSON.stringify(result, null, 2));
} finally {
  if (stress && stress.exitCode === null) stress.kill('SIGKILL');
  await l.destroy();
}
