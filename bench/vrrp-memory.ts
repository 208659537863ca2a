// Memory of the VRRP daemon at scale: resident set size (VmRSS) of keepalived-ts against
// keepalived 2.2.7 (the sum over its processes: parent + VRRP child) on the same configuration
// of N vrrp_instances (default 2000), in one run, one after the other.
//
// The lab: one namespace per implementation holding K veth pairs (default 8) a<i> <-> b<i>;
// the daemon runs on a0..a(K-1), each with its own IPv4 address, N/K instances per interface,
// VRIDs 1..N/K unique per interface, VRRPv2 advert_int 1, priority 100, one /32 VIP each. Nobody
// else speaks VRRP there, so every instance becomes MASTER after its master-down timer: the
// daemon holds 2000 VIPs and sends 2000 adverts a second - the steady state. "Settled" = every
// instance has logged "Entering MASTER STATE", then SETTLE_S more seconds; RSS is then sampled
// 5 times (--samples), 1 s apart, and the largest sample kept (the median is printed beside it:
// keepalived-ts's old space grows between major collections, so one sample is a poor figure).
//
// Usage (root): node --import tsx bench/vrrp-memory.ts [-n 2000] [-k 8] [--settle 10] [--samples 5] [--ts-only]
// Prints both figures and the ratio, and each keepalived-ts process's RSS split as
// /proc/PID/smaps_rollup gives it (anonymous = heaps and malloc; file = mapped code: node, the
// addon, shared libraries); writes bench/out/vrrp-memory.json. --ts-only skips keepalived (for
// trying a change quickly; the ratio needs both).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netns } from '../test/support/netns.ts';

const ROOT = new URL('..', import.meta.url).pathname;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg('-n', 2000);
const K = arg('-k', 8);
const SETTLE_S = arg('--settle', 10);
const TS_ONLY = process.argv.includes('--ts-only');
const GC_INTERVAL_S = 10;
/** RSS samples, 1 s apart: the largest is reported, and the median beside it (the heap breathes). */
const SAMPLES = arg('--samples', 5);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function config(): string {
  const perIf = Math.ceil(N / K);
  if (perIf > 255) throw new Error(`${perIf} instances per interface: VRIDs run out (raise -k)`);
  const out = ['global_defs {', '    router_id memtest', '    vrrp_garp_master_delay 0', '}'];
  let made = 0;
  for (let i = 0; i < K && made < N; i++) {
    for (let vrid = 1; vrid <= perIf && made < N; vrid++, made++) {
      out.push(`vrrp_instance VI_${i}_${vrid} {`, '    state BACKUP', `    interface a${i}`, `    virtual_router_id ${vrid}`,
        '    priority 100', '    advert_int 1', '    virtual_ipaddress {', `        10.${100 + i}.${vrid}.1/32`, '    }', '}');
    }
  }
  return out.join('\n') + '\n';
}

function lab(tag: string): Netns {
  const ns = Netns.create(tag);
  for (let i = 0; i < K; i++) {
    ns.ip('link', 'add', `a${i}`, 'type', 'veth', 'peer', 'name', `b${i}`);
    ns.ip('addr', 'add', `10.${50 + i}.0.1/24`, 'dev', `a${i}`);
    ns.ip('link', 'set', `a${i}`, 'up');
    ns.ip('link', 'set', `b${i}`, 'up');
  }
  return ns;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** One process's resident memory by kind (kB), from /proc/PID/smaps_rollup. */
function rollup(pid: number): { pid: number; cmd: string; rssKb: number; anonKb: number; fileKb: number } {
  const kb = (text: string, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  try {
    const r = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '').slice(0, 3).join(' ');
    const anonKb = kb(r, 'Anonymous');
    return { pid, cmd, rssKb: kb(r, 'Rss'), anonKb, fileKb: kb(r, 'Rss') - anonKb };
  } catch {
    return { pid, cmd: '?', rssKb: 0, anonKb: 0, fileKb: 0 };
  }
}

/** pid and all its descendants. */
function tree(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = kids.get(ppid) ?? [];
      list.push(Number(d));
      kids.set(ppid, list);
    } catch { /* gone */ }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i]!) ?? []));
  return out;
}

interface Measured { rssKb: number; medianRssKb: number; procs: number; settleS: number; split: Array<ReturnType<typeof rollup>>; gc?: string }

async function measure(which: 'keepalived-ts' | 'keepalived', conf: string, dir: string): Promise<Measured> {
  const ns = lab(which === 'keepalived' ? 'memka' : 'memts');
  const argv = which === 'keepalived'
    ? ['keepalived', '-n', '-l', '-P', '-f', conf, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')]
    : [join(ROOT, 'bin/keepalived-ts'), '-n', '-l', '-P', '-f', conf];
  // keepalived-ts's GC pauses are logged every GC_INTERVAL_S (src/daemon/gc-stats.ts): the cost of
  // the worker's memory flags (src/cli/main.ts workerV8Flags) shows there.
  const env = { ...process.env, KEEPALIVED_TS_GC_STATS: '1', KEEPALIVED_TS_GC_STATS_INTERVAL: String(GC_INTERVAL_S) };
  const child = spawn('ip', ['netns', 'exec', ns.name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let masters = 0;
  let gcLine = '';
  let tail = '';
  const onData = (b: Buffer): void => {
    const s = tail + b.toString();
    const lines = s.split('\n');
    tail = lines.pop() ?? '';
    for (const l of lines) {
      if (l.includes('Entering MASTER STATE')) masters++;
      else if (l.includes('GC stats:')) gcLine = l.slice(l.indexOf('GC stats:'));
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  try {
    const t0 = Date.now();
    while (masters < N) {
      if (child.exitCode !== null) throw new Error(`${which} exited with ${child.exitCode}`);
      if (Date.now() - t0 > 180_000) throw new Error(`${which}: only ${masters}/${N} masters after 180 s`);
      await sleep(200);
    }
    const settleS = (Date.now() - t0) / 1000;
    await sleep(SETTLE_S * 1000);
    let best = 0;
    let procs = 0;
    let split: Measured['split'] = [];
    const sums: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      // `ip netns exec` execs the command: child.pid is the daemon's first process.
      const pids = tree(child.pid!);
      const sum = pids.reduce((a, p) => a + rssKb(p), 0);
      sums.push(sum);
      if (sum > best) { best = sum; procs = pids.length; split = pids.map(rollup); }
      await sleep(1000);
    }
    const medianRssKb = sums.sort((a, b) => a - b)[Math.floor(sums.length / 2)] ?? 0;
    return { rssKb: best, medianRssKb, procs, settleS, split, ...(gcLine !== '' ? { gc: gcLine } : {}) };
  } finally {
    const done = new Promise<void>((r) => child.once('exit', () => r()));
    if (child.exitCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await done;
    clearTimeout(t);
    ns.destroy();
  }
}

const dir = mkdtempSync(join(tmpdir(), `kts-mem-${process.pid}-`));
try {
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, config());
  console.log(`${N} vrrp_instances over ${K} veth interfaces; settle ${SETTLE_S} s after the last MASTER`);
  const ts = await measure('keepalived-ts', conf, dir);
  console.log(`keepalived-ts : RSS ${(ts.rssKb / 1024).toFixed(1)} MiB (${ts.procs} process(es); median of ${SAMPLES} samples ${(ts.medianRssKb / 1024).toFixed(1)}), all MASTER after ${ts.settleS.toFixed(1)} s`);
  for (const p of ts.split) {
    console.log(`  pid ${p.pid}: ${(p.rssKb / 1024).toFixed(1)} MiB = anonymous ${(p.anonKb / 1024).toFixed(1)} + file-backed ${(p.fileKb / 1024).toFixed(1)}  (${p.cmd})`);
  }
  if (ts.gc) console.log(`  last ${ts.gc}`);
  if (!TS_ONLY) {
    const ka = await measure('keepalived', conf, dir);
    console.log(`keepalived    : RSS ${(ka.rssKb / 1024).toFixed(1)} MiB (${ka.procs} process(es); median ${(ka.medianRssKb / 1024).toFixed(1)}), all MASTER after ${ka.settleS.toFixed(1)} s`);
    console.log(`ratio keepalived-ts / keepalived: ${(ts.rssKb / ka.rssKb).toFixed(2)}`);
    mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/out/vrrp-memory.json'), JSON.stringify({ instances: N, interfaces: K, settleS: SETTLE_S, ts, keepalived: ka }, null, 2));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
