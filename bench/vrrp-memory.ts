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
// 5 times, 1 s apart, and the largest sample kept.
//
// Usage (root): node --import tsx bench/vrrp-memory.ts [-n 2000] [-k 8] [--settle 10]
// Prints both figures and the ratio; writes bench/out/vrrp-memory.json.

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

async function measure(which: 'keepalived-ts' | 'keepalived', conf: string, dir: string): Promise<{ rssKb: number; procs: number; settleS: number }> {
  const ns = lab(which === 'keepalived' ? 'memka' : 'memts');
  const argv = which === 'keepalived'
    ? ['keepalived', '-n', '-l', '-P', '-f', conf, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')]
    : [join(ROOT, 'bin/keepalived-ts'), '-n', '-l', '-P', '-f', conf];
  const child = spawn('ip', ['netns', 'exec', ns.name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let masters = 0;
  let tail = '';
  const onData = (b: Buffer): void => {
    const s = tail + b.toString();
    const lines = s.split('\n');
    tail = lines.pop() ?? '';
    for (const l of lines) if (l.includes('Entering MASTER STATE')) masters++;
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
    for (let i = 0; i < 5; i++) {
      const pids = tree(child.pid!);
      const sum = pids.reduce((a, p) => a + rssKb(p), 0);
      if (sum > best) { best = sum; procs = pids.length; }
      await sleep(1000);
    }
    return { rssKb: best, procs, settleS };
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
  console.log(`keepalived-ts : RSS ${(ts.rssKb / 1024).toFixed(1)} MiB (${ts.procs} process(es)), all MASTER after ${ts.settleS.toFixed(1)} s`);
  const ka = await measure('keepalived', conf, dir);
  console.log(`keepalived    : RSS ${(ka.rssKb / 1024).toFixed(1)} MiB (${ka.procs} process(es)), all MASTER after ${ka.settleS.toFixed(1)} s`);
  console.log(`ratio keepalived-ts / keepalived: ${(ts.rssKb / ka.rssKb).toFixed(2)}`);
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/out/vrrp-memory.json'), JSON.stringify({ instances: N, interfaces: K, settleS: SETTLE_S, ts, keepalived: ka }, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
