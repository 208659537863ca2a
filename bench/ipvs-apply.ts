// bench/ipvs-apply: program 1000 virtual services x 20 real servers into an empty IPVS table,
// ours (desiredTable + IpvsSync over one generic-netlink socket, batched and pipelined) against
// keepalived 2.2.7 loading the equivalent keepalived.conf, in the same user-mode-linux guest.
//
//   node --import tsx bench/ipvs-apply.ts            (host: boots the guest and reports)
//   SERVICES=200 DESTS=10 node --import tsx bench/ipvs-apply.ts
//
// Both are timed to the moment the kernel holds the whole table, read from /proc/<pid>/net/ip_vs
// (no process spawned while polling). keepalived's time includes its start-up and config parse;
// ours starts after Node and tsx have loaded (reported separately) and includes desiredTable.
// Figures are ratios on the same guest and kernel; absolute numbers depend on the machine.
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { TOOLS } from '../test/support/paths.ts';

const SERVICES = Number(process.env.SERVICES ?? 1000);
const DESTS = Number(process.env.DESTS ?? 20);
const RUN_IN_VM = process.env.KTS_RUN_IN_VM ?? join(TOOLS, 'run-in-vm.sh');

const vip = (i: number) => `10.${100 + (i >> 8)}.${i & 255}.1`;
const rip = (i: number, j: number) => `10.${200 + (i >> 8)}.${i & 255}.${j + 1}`;

function destsIn(path: string): number {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('  -> ') && !l.includes('RemoteAddress')).length;
  } catch {
    return -1;
  }
}

async function waitForDests(path: string, want: number, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (destsIn(path) >= want) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timeout: ${destsIn(path)} of ${want} dests`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function guest(): Promise<void> {
  const { desiredTable } = await import('../src/ipvs/desired-table.ts');
  const { IpvsSync } = await import('../src/ipvs/ipvs-sync.ts');
  const { ipvsWire } = await import('../src/ipvs/ipvs-wire.ts');
  const { parseIp } = await import('../src/base/ip.ts');
  const { IpvsClient } = await import('../test/kernel/guest/ipvs-client.ts');
  const total = SERVICES * DESTS;
  spawnSync('modprobe', ['ip_vs']);

  // ---- ours, in the guest's root namespace
  const c = new IpvsClient(8 << 20);
  await c.resolve();
  await c.request({ cmd: 'flush' });
  const t0 = performance.now();
  const vs = Array.from({ length: SERVICES }, (_, i) => ({
    id: `vs${i}`, target: { kind: 'addr' as const, addr: parseIp(vip(i))!, port: 80 }, scheduler: 'wrr', protocol: 'tcp' as const,
    realServers: Array.from({ length: DESTS }, (_, j) => ({ addr: parseIp(rip(i, j))!, port: 8080, weight: 1 + (j % 5), health: 'up' as const })),
  }));
  const desired = desiredTable({ virtualServers: vs, state: new Map() });
  const tPlan = performance.now();
  const events = await c.sync(new IpvsSync(ipvsWire), desired.table, undefined, 600_000);
  const tOurs = performance.now();
  const synced = events.find((e) => e.type === 'synced');
  if (destsIn('/proc/net/ip_vs') !== total) throw new Error(`ours: ${destsIn('/proc/net/ip_vs')} dests`);
  // Adoption by a fresh daemon: full dump, zero ops.
  const tA = performance.now();
  await c.sync(new IpvsSync(ipvsWire), desired.table, undefined, 600_000);
  const tAdopt = performance.now();
  await c.request({ cmd: 'flush' });
  c.close();

  // ---- keepalived, in its own namespace
  const ns = `ktsbench${process.pid}`;
  const dir = `/tmp/${ns}`;
  mkdirSync(dir, { recursive: true });
  let conf = 'global_defs {\n  router_id bench\n}\n';
  for (let i = 0; i < SERVICES; i++) {
    conf += `virtual_server ${vip(i)} 80 {\n  lvs_sched wrr\n  lvs_method NAT\n  protocol TCP\n`;
    for (let j = 0; j < DESTS; j++) conf += `  real_server ${rip(i, j)} 8080 {\n    weight ${1 + (j % 5)}\n  }\n`;
    conf += '}\n';
  }
  writeFileSync(`${dir}/k.conf`, conf);
  // keepalived's own parse/config-check time, to read its apply time apart from its start-up.
  const p0 = performance.now();
  spawnSync('keepalived', ['-t', '-f', `${dir}/k.conf`], { stdio: 'ignore' });
  const tKaParse = performance.now() - p0;
  spawnSync('ip', ['netns', 'add', ns]);
  spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const k0 = performance.now();
  const child = spawn('ip', ['netns', 'exec', ns, 'keepalived', '-n', '-l', '-C', '-f', `${dir}/k.conf`, `--pid=${dir}/k.pid`, `--checkers_pid=${dir}/c.pid`], { stdio: 'ignore' });
  let tKa = NaN;
  try {
    await waitForDests(`/proc/${child.pid}/net/ip_vs`, total, 600_000);
    tKa = performance.now() - k0;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => { const t = setTimeout(r, 20_000); child.on('exit', () => { clearTimeout(t); r(undefined); }); });
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
  const r = {
    services: SERVICES, destsPerService: DESTS, ops: synced && synced.type === 'synced' ? synced.ops : -1,
    oursMs: Math.round(tOurs - t0), oursDesiredTableMs: Math.round(tPlan - t0), oursAdoptMs: Math.round(tAdopt - tA),
    keepalivedMs: Math.round(tKa), keepalivedConfigTestMs: Math.round(tKaParse), ratioKeepalivedOverOurs: Number((tKa / (tOurs - t0)).toFixed(2)),
  };
  process.stdout.write(`BENCH ${JSON.stringify(r)}\n`);
}

if (process.env.KTS_IPVS_GUEST === '1') {
  await guest();
} else {
  const res = spawnSync(RUN_IN_VM, [`KTS_IPVS_GUEST=1 SERVICES=${SERVICES} DESTS=${DESTS} node --import tsx bench/ipvs-apply.ts`], {
    cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8', env: { ...process.env, VM_MEM: process.env.VM_MEM ?? '2048' },
  });
  const line = (res.stdout ?? '').split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) {
    process.stderr.write(`${res.stdout}\n${res.stderr}\n`);
    process.exit(1);
  }
  const r = JSON.parse(line.slice(6)) as Record<string, number>;
  console.log(`IPVS apply, ${r.services} services x ${r.destsPerService} dests from empty (same UML guest):`);
  console.log(`  ours       ${r.oursMs} ms (${r.ops} ops; desiredTable ${r.oursDesiredTableMs} ms); adopt same table ${r.oursAdoptMs} ms, 0 ops`);
  console.log(`  keepalived ${r.keepalivedMs} ms (process start + parse + apply); keepalived -t on the same file alone: ${r.keepalivedConfigTestMs} ms`);
  console.log(`  keepalived / ours = ${r.ratioKeepalivedOverOurs}`);
}
