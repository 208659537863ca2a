// Runs INSIDE the IPVS guest: keepalived-ts's LVS half and keepalived 2.2.7 side by side on the
// same keepalived.conf, one after the other in fresh namespaces of the same guest. Bundled and
// started by test/kernel/guest/lvs-lab-runner.ts (benches bench/lvs-*.ts, test
// test/kernel/lvs-stop-restart.test.ts):
//     node lvs-lab-guest.mjs MODE DAEMON_SCRIPT WORK_DIR      (parameters in the environment)
// MODE
//   stop     full table (SERVICES x DESTS, no checkers) + a foreign service, SIGTERM: entries left
//            behind (`ipvsadm -Ln`), SIGTERM -> exit; keepalived also with child_wait_time KA_WAIT_S.
//   restart  the same table plus a NAT and a DR service in front of a real server; stopped with -I,
//            started again on the matching table while a client holds CONNS TCP connections per
//            service and opens new ones: netlink requests captured on nlmon (by command; errno of
//            the replies), failed connections, table identical before/after.
//   cost     CHECKS real servers with TCP_CHECK, then with HTTP_GET, delay_loop 1, against a real
//            server namespace answering for 10.200.0.0/14 (AnyIP): checker process CPU over
//            WINDOW_S, probes counted by the server.
//   memory   SERVICES x DESTS real servers with HTTP_GET (delay_loop DELAY_LOOP_S) answering: RSS
//            of every process of each daemon SAMPLE_AFTER_S after the table was first full.
//   test     stop + restart of keepalived-ts only, at the given scale, as pass/fail results.
// Output: `KTS-BENCH {...}` per measurement, `KTS-RESULT {"name","ok","detail"}` in test mode.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import {
  addForeign, captureNetlink, cpuSeconds, delNs, fillerConf, ipvsadmCount, ipvsEntries, killAll, makeNs, processTree, rssKb,
  sh, sleep, startIn, startKeepalived, startOurs, tallyNetlink, until, waitLine, waitReady, type CheckKind, type Daemon, type Ns, type Who,
} from './lvs-lab.ts';

if (process.env.KTS_LVS_LAB_GUEST !== '1') throw new Error('run me through test/kernel/guest/lvs-lab-runner.ts (I change IPVS)');
const [mode, daemonScript, workDir] = process.argv.slice(2);
if (!mode || !daemonScript || !workDir) throw new Error('usage: lvs-lab-guest MODE DAEMON_SCRIPT WORK_DIR');
const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const SERVICES = env('SERVICES', 1000);
const DESTS = env('DESTS', 20);
const P = `l${process.pid % 100000}`;
let nsSeq = 0;
const emit = (o: object): void => { process.stdout.write(`KTS-BENCH ${JSON.stringify(o)}\n`); };
const GLOBAL = 'global_defs {\n  router_id lvslab\n}\n';

function writeConf(name: string, text: string): string {
  const f = join(workDir!, `${P}-${name}.conf`);
  writeFileSync(f, text);
  return f;
}
function start(who: Who, ns: string, conf: string, opts: { keep?: boolean; checkerOnly?: boolean } = {}): Daemon {
  const tag = `${P}-${nsSeq++}`;
  if (who === 'keepalived-ts') return startOurs(ns, daemonScript!, conf, opts.keep ? ['-I'] : []);
  return startKeepalived(ns, conf, workDir!, tag, [...(opts.checkerOnly === false ? [] : ['-C']), ...(opts.keep ? ['-I'] : [])]);
}
async function stopWithin(d: Daemon, timeoutMs: number): Promise<{ ms: number; exited: boolean }> {
  const t0 = performance.now();
  d.proc.kill('SIGTERM');
  const done = await Promise.race([d.exit.then(() => true), sleep(timeoutMs).then(() => false)]);
  return { ms: Math.round(performance.now() - t0), exited: done };
}

// ------------------------------------------------------------------------------------ stop

async function stopRun(who: Who, variant: { childWaitS?: number } = {}): Promise<Record<string, unknown>> {
  const ns = makeNs(`${P}s${nsSeq++}`);
  try {
    addForeign(ns.name);
    const conf = writeConf(`stop-${nsSeq}`, (variant.childWaitS ? `child_wait_time ${variant.childWaitS}\n` : '') + GLOBAL + fillerConf(SERVICES, DESTS, 'none'));
    const ours = SERVICES * (DESTS + 1);
    const d = start(who, ns.name, conf);
    const fillMs = await until(() => ipvsEntries(ns).total >= ours + 2, 900_000, `${who}: full table`, 250);
    if (who === 'keepalived-ts') await waitReady(d, 60_000);
    await sleep(2000);
    const before = ipvsadmCount(ns.name);
    const s = await stopWithin(d, 900_000);
    const after = ipvsadmCount(ns.name);
    return {
      who: variant.childWaitS ? `${who} (child_wait_time ${variant.childWaitS})` : who,
      entries: before.total - 2, fillMs, stopMs: s.ms, exited: s.exited, leftBehind: after.total - (after.foreign ? 2 : 0), foreignKept: after.foreign,
    };
  } finally {
    delNs(ns.name);
  }
}

// ------------------------------------------------------------------------------------ restart

/** client 10.0.1.2 -- director 10.0.1.1 (NAT VIP .100, DR VIP .101) -- br0 10.0.2.1 -- r1 10.0.2.11 (echo on :80). */
function restartLab(p: string): { c: string; d: Ns; r: string } {
  const c = `${p}c`; const r = `${p}r`;
  sh([
    'set -e', `ip netns add ${c}; ip netns add ${r}`,
  ].join('\n'));
  const d = makeNs(`${p}d`);
  sh([
    'set -e',
    `ip link add c0 netns ${c} type veth peer name d0 netns ${d.name}`,
    `ip -n ${c} addr add 10.0.1.2/24 dev c0; ip -n ${c} link set c0 up; ip -n ${c} link set lo up`,
    `ip -n ${d.name} addr add 10.0.1.1/24 dev d0; ip -n ${d.name} addr add 10.0.1.100/32 dev d0; ip -n ${d.name} addr add 10.0.1.101/32 dev d0; ip -n ${d.name} link set d0 up`,
    `ip -n ${d.name} link add br0 type bridge; ip -n ${d.name} addr add 10.0.2.1/24 dev br0; ip -n ${d.name} link set br0 up`,
    `ip netns exec ${d.name} sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.accept_local=1 net.ipv4.conf.br0.accept_local=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0`,
    `ip link add eth0 netns ${r} type veth peer name r1 netns ${d.name}`,
    `ip -n ${d.name} link set r1 master br0; ip -n ${d.name} link set r1 up`,
    `ip -n ${r} addr add 10.0.2.11/24 dev eth0; ip -n ${r} link set eth0 up; ip -n ${r} link set lo up; ip -n ${r} addr add 10.0.1.101/32 dev lo`,
    `ip netns exec ${r} sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2`,
    `ip -n ${r} route add default via 10.0.2.1`,
  ].join('\n'));
  return { c, d, r };
}

const ECHO_SRC = "require('net').createServer((s)=>{s.on('error',()=>{});s.pipe(s)}).listen(80,()=>console.log('listening'))";
/**
 * Holds CONNS connections per VIP (a ping every 200 ms) and opens a new one per VIP every 100 ms.
 * A failure is an error, a close, or no answer within 10 s: on one emulated CPU a daemon parsing a
 * big configuration starves the client and the echo server for seconds, which is slowness, not a
 * dropped connection; answers slower than 1 s are counted apart (slow) with the worst time.
 */
const CLIENT_SRC = `
const net = require('net');
const vips = process.argv.slice(1); // node -e SRC A B: argv = [node, A, B]
const n = Number(process.env.CONNS);
const fresh = () => ({ persistentFailed: 0, echoes: 0, newOk: 0, newFailed: 0, slow: 0, worstMs: 0, failures: [] });
let c = fresh();
const live = [];
function fail(what) { c.failures.length < 10 && c.failures.push(what); }
function took(ms) { if (ms > 1000) c.slow++; if (ms > c.worstMs) c.worstMs = ms; }
for (const vip of vips) for (let i = 0; i < n; i++) {
  const s = net.connect(80, vip); const st = { s, vip, dead: false, sentAt: 0 };
  s.setNoDelay(true);
  s.on('data', () => { took(Date.now() - st.sentAt); st.sentAt = 0; c.echoes++; });
  const die = (why) => { if (!st.dead) { st.dead = true; c.persistentFailed++; fail(vip + ' persistent ' + why); } };
  s.on('error', (e) => die(e.code)); s.on('close', () => die('closed'));
  live.push(st);
}
setInterval(() => { const now = Date.now(); for (const st of live) {
  if (st.dead) continue;
  if (st.sentAt && now - st.sentAt > 10000) { st.dead = true; c.persistentFailed++; fail(st.vip + ' persistent no echo'); st.s.destroy(); continue; }
  if (!st.sentAt) { st.sentAt = now; st.s.write('x'); }
} }, 200);
setInterval(() => { for (const vip of vips) {
  const t0 = Date.now(); const s = net.connect(80, vip); let done = false;
  const end = (ok, why) => { if (done) return; done = true; clearTimeout(t); if (ok) { c.newOk++; took(Date.now() - t0); } else { c.newFailed++; fail(vip + ' new ' + why); } s.destroy(); };
  const t = setTimeout(() => end(false, 'timeout'), 10000);
  s.on('connect', () => s.write('y')); s.on('data', () => end(true)); s.on('error', (e) => end(false, e.code)); s.on('close', () => end(false, 'closed'));
} }, 100);
require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
  console.log(JSON.stringify({ ...c, alive: live.filter((s) => !s.dead).length }));
  if (l === 'mark') c = fresh();
});
console.log('ready');`;

async function clientSay(client: ChildProcess, cmd: string): Promise<Record<string, unknown>> {
  const line = waitLine(client, (l) => l.startsWith('{'), 20_000, `client ${cmd}`);
  client.stdin!.write(`${cmd}\n`);
  return JSON.parse(await line) as Record<string, unknown>;
}

const RESTART_VS = `
virtual_server 10.0.1.100 80 {
  delay_loop 1
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  real_server 10.0.2.11 80 {
    weight 2
    TCP_CHECK {
      connect_timeout 2
    }
  }
}
virtual_server 10.0.1.101 80 {
  delay_loop 1
  lvs_sched wrr
  lvs_method DR
  protocol TCP
  real_server 10.0.2.11 80 {
    weight 3
    TCP_CHECK {
      connect_timeout 2
    }
  }
}
`;

const saveSorted = (ns: string): string => sh(`ip netns exec ${ns} ipvsadm -S -n`).split('\n').filter(Boolean).sort().join('\n');

async function restartRun(who: Who, conns: number): Promise<Record<string, unknown>> {
  const p = `${P}x${nsSeq++}`;
  const lab = restartLab(p);
  let d: Daemon | undefined;
  try {
    const filler = Math.max(0, SERVICES - 2);
    const conf = writeConf(`restart-${p}`, GLOBAL + RESTART_VS + fillerConf(filler, DESTS, 'none'));
    const total = filler * (DESTS + 1) + 4;
    const echo = startIn(lab.r, ['node', '-e', ECHO_SRC]);
    await waitLine(echo, (l) => l === 'listening', 30_000, 'echo server');
    d = start(who, lab.d.name, conf, { keep: true });
    await until(() => ipvsEntries(lab.d).total >= total, 900_000, `${who}: full table`, 250);
    if (who === 'keepalived-ts') await waitReady(d, 60_000);
    await sleep(2000);
    const client = startIn(lab.c, ['env', `CONNS=${conns}`, 'node', '-e', CLIENT_SRC, '10.0.1.100', '10.0.1.101']);
    await waitLine(client, (l) => l === 'ready', 30_000, 'client');
    await sleep(2000);
    const warm = await clientSay(client, 'mark');
    const before = saveSorted(lab.d.name);
    // Stop with -I (dont_release_ipvs): the table stays.
    const s = await stopWithin(d, 120_000);
    if (!s.exited) throw new Error(`${who} did not exit on SIGTERM`);
    const kept = saveSorted(lab.d.name) === before;
    const pcap = join(workDir!, `${p}.pcap`);
    const cap = await captureNetlink(lab.d.name, pcap);
    const t0 = performance.now();
    d = start(who, lab.d.name, conf, { keep: true });
    // Done = ours: 'ready' (the kernel table matches); both: no netlink traffic for 3 s.
    if (who === 'keepalived-ts') await waitReady(d, 120_000);
    let size = -1; let quietSince = performance.now();
    await until(() => {
      const now = statSync(pcap, { throwIfNoEntry: false })?.size ?? 0;
      if (now !== size) { size = now; quietSince = performance.now(); }
      return performance.now() - quietSince > 3000 && performance.now() - t0 > 5000;
    }, 600_000, `${who}: netlink quiet after restart`, 200);
    const settledMs = Math.round(quietSince - t0);
    await sleep(12_000); // past the client's 10 s answer timeout
    const c = await clientSay(client, 'report');
    const captured = await cap.stop();
    const tally = { ...tallyNetlink(captured.pcap), dropped: captured.dropped };
    const after = saveSorted(lab.d.name);
    const sent = d.events.filter((e) => e.kind === 'sent').reduce((n, e) => n + Number(e.messages), 0);
    const synced = d.events.filter((e) => e.kind === 'ipvs' && e.type === 'synced').map((e) => e.ops);
    client.kill('SIGKILL');
    return {
      who, entries: total, conns: conns * 2, restartToQuietMs: settledMs, keptOnStop: kept, tableUnchanged: after === before,
      ipvsRequests: tally.requests, changingRequests: tally.changing, changingApplied: tally.changingApplied, replyErrnos: tally.replies,
      ...(who === 'keepalived-ts' ? {
        daemonSentMessages: sent, daemonSyncedOps: synced,
        daemonIpvsEvents: d.events.filter((e) => e.kind === 'ipvs').map((e) => [e.type, e.reason ?? e.ops ?? e.services].filter((x) => x !== undefined).join(' ')),
      } : {}),
      beforeStop: warm, persistentFailed: c.persistentFailed, persistentAlive: c.alive, echoes: c.echoes, newOk: c.newOk, newFailed: c.newFailed, slowAnswers: c.slow, worstAnswerMs: c.worstMs, failures: c.failures,
      captureDropped: tally.dropped,
    };
  } finally {
    if (d && d.proc.exitCode === null) { d.proc.kill('SIGKILL'); await d.exit; }
    for (const n of [lab.c, lab.r, lab.d.name]) delNs(n);
  }
}

// ------------------------------------------------------------------------------------ checkers

/** director 10.0.2.1 -- r 10.0.2.2, which answers for all of 10.200.0.0/14 (AnyIP): TCP :81 accepts, HTTP :80 says 200. */
const SERVER_SRC = `
let tcp = 0, http = 0;
require('net').createServer((s) => { tcp++; s.on('error', () => {}); s.resume(); s.on('end', () => s.end()); }).listen(81, () => {
  require('http').createServer((q, r) => { http++; r.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }); r.end('ok'); })
    .listen(80, () => console.log('listening'));
});
require('readline').createInterface({ input: process.stdin }).on('line', () => console.log(JSON.stringify({ tcp, http })));`;

async function serverLab(p: string): Promise<{ d: Ns; r: string; server: ChildProcess }> {
  const d = makeNs(`${p}d`);
  const r = `${p}r`;
  sh([
    'set -e', `ip netns add ${r}`,
    `ip link add eth0 netns ${r} type veth peer name d0 netns ${d.name}`,
    `ip -n ${d.name} addr add 10.0.2.1/24 dev d0; ip -n ${d.name} link set d0 up; ip -n ${d.name} route add 10.200.0.0/14 via 10.0.2.2`,
    `ip -n ${r} addr add 10.0.2.2/24 dev eth0; ip -n ${r} link set eth0 up; ip -n ${r} link set lo up; ip -n ${r} route add local 10.200.0.0/14 dev lo`,
    `ip netns exec ${r} sysctl -qw net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096`,
  ].join('\n'));
  const server = startIn(r, ['node', '-e', SERVER_SRC]);
  await waitLine(server, (l) => l === 'listening', 30_000, 'probe server');
  return { d, r, server };
}
async function served(server: ChildProcess): Promise<{ tcp: number; http: number }> {
  const line = waitLine(server, (l) => l.startsWith('{'), 20_000, 'server counts');
  server.stdin!.write('count\n');
  return JSON.parse(await line) as { tcp: number; http: number };
}

async function costRun(who: Who, kind: 'tcp' | 'http', checks: number, windowS: number): Promise<Record<string, unknown>> {
  const lab = await serverLab(`${P}k${nsSeq++}`);
  let d: Daemon | undefined;
  try {
    const services = Math.ceil(checks / 20);
    const conf = writeConf(`cost-${kind}-${nsSeq}`, GLOBAL + fillerConf(services, 20, kind, { port: kind === 'tcp' ? 81 : 80, delayLoopS: 1 }));
    const total = services * 21;
    d = start(who, lab.d.name, conf);
    await until(() => ipvsEntries(lab.d).total >= total, 300_000, `${who}: table`, 250);
    await sleep(5000); // past the warmup spread (delay_loop 1): every checker is cycling
    const pid = d.checkerPid()!;
    const key = kind === 'tcp' ? 'tcp' : 'http';
    const c0 = cpuSeconds(pid); const all0 = processTree(d.pid).reduce((s, x) => s + cpuSeconds(x), 0); const n0 = (await served(lab.server))[key];
    const t0 = performance.now();
    let minEntries = Infinity;
    const end = t0 + windowS * 1000;
    while (performance.now() < end) { await sleep(1000); minEntries = Math.min(minEntries, ipvsEntries(lab.d).total); }
    const c1 = cpuSeconds(pid); const all1 = processTree(d.pid).reduce((s, x) => s + cpuSeconds(x), 0); const n1 = (await served(lab.server))[key];
    const probes = n1 - n0;
    const wallS = (performance.now() - t0) / 1000;
    return {
      who, kind, checks, windowS: Math.round(wallS), probes, probesPerS: Math.round(probes / wallS), cpuS: Number((c1 - c0).toFixed(2)),
      msCpuPer1000: Math.round(((c1 - c0) * 1e6) / probes), allProcessesMsCpuPer1000: Math.round(((all1 - all0) * 1e6) / probes),
      tableStayedFull: minEntries >= total,
    };
  } finally {
    if (d && d.proc.exitCode === null) { d.proc.kill('SIGKILL'); await d.exit; }
    lab.server.kill('SIGKILL');
    delNs(lab.r); delNs(lab.d.name);
  }
}

/**
 * Sampled at a fixed time after the table was first full (ours: 'ready'; keepalived: every entry
 * seen), not after "every checker probed": 20,000 HTTP_GET every delay_loop is more than one
 * emulated CPU can do (bench/lvs-check-cost.ts), so checkers fall behind, some time out and the
 * table moves; probes served and entries at sampling are reported beside the RSS.
 */
async function memoryRun(who: Who, delayLoopS: number, sampleAfterS: number): Promise<Record<string, unknown>> {
  const lab = await serverLab(`${P}m${nsSeq++}`);
  let d: Daemon | undefined;
  try {
    const conf = writeConf(`mem-${nsSeq}`, GLOBAL + fillerConf(SERVICES, DESTS, 'http', { port: 80, delayLoopS }));
    const total = SERVICES * (DESTS + 1);
    const n0 = (await served(lab.server)).http;
    const t0 = Date.now();
    // keepalived without -C: all of its processes, as an operator runs it.
    const dd = start(who, lab.d.name, conf, { checkerOnly: false });
    d = dd;
    if (who === 'keepalived-ts') await waitReady(dd, 900_000);
    else await until(() => ipvsEntries(lab.d).total >= total, 900_000, `${who}: table`, 500);
    const fillMs = Date.now() - t0;
    await sleep(sampleAfterS * 1000);
    const samples: { total: number; per: Record<string, number> }[] = [];
    for (let i = 0; i < 5; i++) {
      const per: Record<string, number> = {};
      for (const pid of processTree(dd.pid)) per[String(pid)] = rssKb(pid);
      samples.push({ total: Object.values(per).reduce((a, b) => a + b, 0), per });
      await sleep(2000);
    }
    const best = samples.reduce((a, b) => (b.total > a.total ? b : a));
    return {
      who, realServers: SERVICES * DESTS, delayLoopS, fillMs, sampledAfterS: sampleAfterS, probesBeforeSampling: (await served(lab.server)).http - n0,
      entriesAtSampling: ipvsEntries(lab.d).total, rssMiB: Number((best.total / 1024).toFixed(1)), processes: Object.keys(best.per).length,
      perProcessMiB: Object.values(best.per).map((k) => Number((k / 1024).toFixed(1))),
    };
  } finally {
    if (d && d.proc.exitCode === null) { d.proc.kill('SIGTERM'); await Promise.race([d.exit, sleep(20_000)]); if (d.proc.exitCode === null) d.proc.kill('SIGKILL'); }
    lab.server.kill('SIGKILL');
    delNs(lab.r); delNs(lab.d.name);
  }
}

// ------------------------------------------------------------------------------------ main

function result(name: string, ok: boolean, detail: unknown): void {
  process.stdout.write(`KTS-RESULT ${JSON.stringify({ name, ok, detail: typeof detail === 'string' ? detail : JSON.stringify(detail) })}\n`);
}

async function main(): Promise<void> {
  const both: Who[] = process.env.ONLY === 'ours' ? ['keepalived-ts'] : ['keepalived-ts', 'keepalived'];
  if (mode === 'stop') {
    for (const who of both) emit({ bench: 'stop', ...(await stopRun(who)) });
    const w = env('KA_WAIT_S', 0);
    if (w > 0 && both.includes('keepalived')) emit({ bench: 'stop', ...(await stopRun('keepalived', { childWaitS: w })) });
  } else if (mode === 'restart') {
    for (const who of both) emit({ bench: 'restart', ...(await restartRun(who, env('CONNS', 50))) });
  } else if (mode === 'cost') {
    for (const kind of ['tcp', 'http'] as const) {
      for (const who of both) emit({ bench: 'cost', ...(await costRun(who, kind, env('CHECKS', 200), env('WINDOW_S', 30))) });
    }
  } else if (mode === 'memory') {
    for (const who of both) emit({ bench: 'memory', ...(await memoryRun(who, env('DELAY_LOOP_S', 60), env('SAMPLE_AFTER_S', 90))) });
  } else if (mode === 'test') {
    const r = await restartRun('keepalived-ts', env('CONNS', 20));
    emit({ bench: 'restart', ...r });
    const ops = r.daemonSyncedOps as unknown[];
    result('restart on a matching table issues 0 table-changing IPVS requests (nlmon capture) and keeps the table', r.changingRequests === 0 && r.captureDropped === 0 && r.tableUnchanged === true && r.keptOnStop === true
      && JSON.stringify(ops) === '[0]' && Number((r.ipvsRequests as Record<string, number>).GET_DEST) === SERVICES
      && !(r.daemonIpvsEvents as string[]).some((e) => e.startsWith('resync')), r);
    result('restart drops 0 connections (held and new, NAT and DR)', r.persistentFailed === 0 && r.newFailed === 0 && Number(r.newOk) > 0 && Number(r.echoes) > 0 && r.persistentAlive === r.conns, r);
    const s = await stopRun('keepalived-ts');
    emit({ bench: 'stop', ...s });
    result('stop leaves 0 of our entries and keeps a foreign service', s.exited === true && s.leftBehind === 0 && s.foreignKept === true && s.entries === SERVICES * (DESTS + 1), s);
  } else throw new Error(`unknown mode ${mode}`);
}

const load = () => sh('cat /proc/loadavg').trim();
try {
  process.stdout.write(`KTS-INFO ${JSON.stringify({ mode, services: SERVICES, dests: DESTS, guestLoadavg: load(), guestCpus: sh('nproc').trim() })}\n`);
  await main();
} catch (e) {
  result('harness', false, e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e));
} finally {
  killAll();
  await sleep(200);
}
process.exit(0);
