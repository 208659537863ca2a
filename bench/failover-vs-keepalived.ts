// Failover time of keepalived-ts against keepalived 2.2.7, measured the way
// ../shared/tools/keepalived-failover-bench.sh measures keepalived: from a capture of the bridge,
// the master's last advert on the wire -> the backup's first gratuitous ARP for the VIP ("gap").
// Both implementations run in the same process, one after the other, in the same kind of lab
// (test/support/lab.ts: d1 MASTER 150, d2 BACKUP 100, VIP 10.99.0.200), for
//   - VRRPv2, advert_int 1 (PASS auth) and VRRPv3, advert_int 0.1;
//   - a crash of the master (keepalived: SIGSTOP parent, SIGKILL VRRP child, SIGKILL parent;
//     keepalived-ts: SIGKILL) and a graceful stop (SIGTERM: priority-0 advert).
// The RFC values (vrrp-notes.md): crash = 3 x advert_int + skew, stop = skew, skew = (256-100)/256
// x advert_int (v3) or (256-100)/256 s (v2).
// keepalived-ts runs with KEEPALIVED_TS_TIMING=1 (src/daemon/timing-probe.ts): the backup logs,
// per takeover, its own stamps from the decision (the master-down / skew timer's deadline) to the
// first gratuitous ARP's sendto; they are matched to the runs by wall clock and summarised too.
//
// Usage (root): node --import tsx bench/failover-vs-keepalived.ts [-n N] [--v2-only|--v3-only] [--ts-only] [--rt N]
//   --rt N  both implementations' daemons run SCHED_RR priority N (chrt at spawn, inherited by their
//           threads and children): on a machine shared with other work the run-queue wait otherwise
//           dominates (tens of ms; src/daemon/timing-stalls.ts), and this compares the daemons themselves.
// Prints one line per run and a summary table; writes bench/out/failover-vs-keepalived.json.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tsharkFields } from '../test/captures/tshark.ts';
import { parseTimingLine, type TimingFigures } from '../src/daemon/timing-probe.ts';
import { VIP4, VrrpLab, instanceConf, waitFor, type Proc } from '../test/support/lab.ts';

type Impl = 'keepalived' | 'keepalived-ts';
type Mode = 'crash' | 'stop';
interface Case { readonly name: string; readonly version: 2 | 3; readonly advertInt: number }

const argv = process.argv.slice(2);
const N = (argv.includes('-n') ? Number(argv[argv.indexOf('-n') + 1]) : 5) || 5;
const RT = argv.includes('--rt') ? Number(argv[argv.indexOf('--rt') + 1]) : undefined;
const IMPLS: readonly Impl[] = argv.includes('--ts-only') ? ['keepalived-ts'] : ['keepalived', 'keepalived-ts'];
const CASES: Case[] = [
  { name: 'v2 advert_int 1', version: 2, advertInt: 1 },
  { name: 'v3 advert_int 0.1', version: 3, advertInt: 0.1 },
].filter((c) => !(argv.includes('--v2-only') && c.version === 3) && !(argv.includes('--v3-only') && c.version === 2)) as Case[];

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function conf(c: Case, priority: number, state: 'MASTER' | 'BACKUP'): string {
  return instanceConf({ priority, state, version: c.version, advertInt: c.advertInt, ...(c.version === 2 ? { pass: 'secret12' } : {}) });
}

interface Run { impl: Impl; case: string; mode: Mode; i: number; gapMs: number; lastPrio: string; timing?: TimingFigures }

async function measure(impl: Impl, c: Case): Promise<Run[]> {
  const l = new VrrpLab(impl === 'keepalived' ? 'bka' : 'bts');
  const runs: Run[] = [];
  try {
    const rt = (p: Proc): void => {
      if (RT === undefined) return;
      const r = spawnSync('chrt', ['-a', '-r', '-p', String(RT), String(p.pid)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`chrt ${p.pid}: ${r.stderr}`);
    };
    const start = (node: 'd1' | 'd2'): Proc & { crash(): Promise<void> } => {
      const p = startOne(node);
      rt(p);
      return p;
    };
    const startOne = (node: 'd1' | 'd2'): Proc & { crash(): Promise<void> } => {
      const text = conf(c, node === 'd1' ? 150 : 100, node === 'd1' ? 'MASTER' : 'BACKUP');
      if (impl === 'keepalived') return l.startKeepalived(node, text);
      const p: Proc & { crash?: () => Promise<void> } = l.startTs(node, text, [], { KEEPALIVED_TS_TIMING: '1' });
      // The lab's crash() when it has one (a supervising parent: SIGSTOP it, SIGKILL the worker,
      // SIGKILL it, as keepalived's crash); a single process dies of SIGKILL alone.
      if (typeof p.crash === 'function') return p as Proc & { crash(): Promise<void> };
      return Object.assign(p, { crash: () => p.stop('SIGKILL') });
    };
    const pcap = await l.captureStart(`${impl}-v${c.version}.pcap`);
    const d2 = start('d2');
    let d1 = start('d1');
    const kills: { mode: Mode; i: number; t0: number }[] = [];
    for (const mode of ['crash', 'stop'] as const) {
      for (let i = 1; i <= N; i++) {
        await waitFor(() => l.soleHolder() === 'd1', 30_000 + 10_000 * c.advertInt, `d1 master (${impl} ${c.name} ${mode} #${i})`);
        // Settle two adverts, then stop at a random phase within one interval.
        await sleep(1000 * c.advertInt * (2 + Math.random()));
        const t0 = Date.now() / 1000;
        if (mode === 'crash') await d1.crash();
        else await d1.stop('SIGTERM');
        kills.push({ mode, i, t0 });
        await waitFor(() => l.hasAddr('d2'), 20_000, 'd2 to take over');
        await sleep(200);
        d1 = start('d1');
      }
    }
    await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 master at the end');
    await l.captureStop();
    const rows = tsharkFields(pcap, ['frame.time_epoch', 'eth.src', 'vrrp.prio', 'arp.isgratuitous'], [],
      `vrrp or (arp.isgratuitous == 1 and arp.src.proto_ipv4 == ${VIP4})`).rows;
    const episodes = d2.log().split('\n').map(parseTimingLine).filter((x): x is TimingFigures => x !== undefined);
    const d1mac = l.node('d1').mac;
    const d2mac = l.node('d2').mac;
    for (const k of kills) {
      const g = rows.find((r) => r['arp.isgratuitous'] === '1' && r['eth.src'] === d2mac && Number(r['frame.time_epoch']) > k.t0);
      if (!g) continue;
      const gt = Number(g['frame.time_epoch']);
      let last: (typeof rows)[number] | undefined;
      for (const r of rows) {
        if (Number(r['frame.time_epoch']) >= gt) break;
        if (r['eth.src'] === d1mac && r['vrrp.prio'] !== '') last = r;
      }
      if (!last) continue;
      // The backup's own account of this takeover: its first episode after the kill.
      const timing = episodes.find((e) => e.epochMs / 1000 > k.t0 && e.epochMs / 1000 < gt + 1);
      const run: Run = { impl, case: c.name, mode: k.mode, i: k.i, gapMs: (gt - Number(last['frame.time_epoch'])) * 1000, lastPrio: last['vrrp.prio'] ?? '', ...(timing ? { timing } : {}) };
      runs.push(run);
      const t = timing?.fields;
      const inside = t ? `  late ${t.late_us} us, decision->GARP ${t.decision_to_garp_us} us, rx->deadline ${((t.rx_to_deadline_us ?? NaN) / 1000).toFixed(3)} ms` : '';
      console.log(`${impl.padEnd(13)} ${c.name.padEnd(18)} ${k.mode.padEnd(5)} #${k.i}  gap ${run.gapMs.toFixed(1).padStart(8)} ms  (last d1 advert prio ${run.lastPrio})${inside}`);
    }
  } finally {
    await l.destroy();
  }
  return runs;
}

function stats(xs: number[]): { n: number; min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { n: s.length, min: s[0] ?? NaN, median: s.length ? mid : NaN, max: s[s.length - 1] ?? NaN };
}

if (process.getuid?.() !== 0) {
  console.error('failover-vs-keepalived: needs root (network namespaces)');
  process.exit(2);
}
const all: Run[] = [];
for (const c of CASES) {
  for (const impl of IMPLS) all.push(...(await measure(impl, c)));
}
console.log('\ngap = master\'s last advert -> backup\'s first gratuitous ARP (ms), n per cell =', N, RT !== undefined ? `(SCHED_RR ${RT})` : '');
console.log('case               mode   keepalived min/median/max      keepalived-ts min/median/max   ratio(median)');
const summary: Record<string, unknown> = {};
for (const c of CASES) {
  for (const mode of ['crash', 'stop'] as const) {
    const ka = stats(all.filter((r) => r.impl === 'keepalived' && r.case === c.name && r.mode === mode).map((r) => r.gapMs));
    const ts = stats(all.filter((r) => r.impl === 'keepalived-ts' && r.case === c.name && r.mode === mode).map((r) => r.gapMs));
    const f = (s: typeof ka): string => `${s.min.toFixed(1)}/${s.median.toFixed(1)}/${s.max.toFixed(1)} (n=${s.n})`.padEnd(30);
    console.log(`${c.name.padEnd(18)} ${mode.padEnd(6)} ${f(ka)} ${f(ts)} ${(ts.median / ka.median).toFixed(3)}`);
    summary[`${c.name} ${mode}`] = { keepalived: ka, keepaliveTs: ts, ratio: ts.median / ka.median };
  }
}
// Inside keepalived-ts's backup (timing-probe.ts), microseconds: the timer's lateness after its
// deadline, the deadline to the first GARP's sendto, and the step's parts.
const FIELDS = ['late_us', 'fire_to_step_us', 'step_to_vip_call_us', 'step_to_vip_add_us', 'step_to_advert_us', 'step_to_garp_us', 'step_to_vip_ack_us', 'decision_to_garp_us'];
console.log('\nkeepalived-ts backup, inside the daemon (us): min/median/max');
console.log('case               mode   ' + FIELDS.map((f) => f.replace(/_us$/, '').padEnd(20)).join(''));
for (const c of CASES) {
  for (const mode of ['crash', 'stop'] as const) {
    const ts = all.filter((r) => r.impl === 'keepalived-ts' && r.case === c.name && r.mode === mode && r.timing);
    const cells = FIELDS.map((f) => {
      const s = stats(ts.map((r) => r.timing!.fields[f]).filter((v): v is number => v !== undefined));
      return `${s.min.toFixed(0)}/${s.median.toFixed(0)}/${s.max.toFixed(0)}`.padEnd(20);
    });
    console.log(`${c.name.padEnd(18)} ${mode.padEnd(6)} ${cells.join('')}`);
    summary[`${c.name} ${mode} inside keepalived-ts (us)`] = Object.fromEntries(FIELDS.map((f) => [f, stats(ts.map((r) => r.timing!.fields[f]).filter((v): v is number => v !== undefined))]));
  }
}
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/failover-vs-keepalived.json', import.meta.url), JSON.stringify({ n: N, rt: RT ?? null, runs: all, summary }, null, 2));
