// The demo's scenario, run where the kernel can do it (the host, or the IPVS guest through
// run-in-vm.sh; demo/run-demo.ts decides and bundles it with esbuild). Two directors run the real
// keepalived-ts executable (`keepalived-ts -n -l -f FILE`, VRRP and LVS) on the two example
// files, unchanged; three real servers (name-server.mjs, set up for DR by `keepalived-ts
// realserver apply VIP`) and a client (load-client.mjs) sit on the same bridge. Phases: master elected and traffic spread over the real servers; the master
// director dies (its daemon crashes AND its link is cut: a dead machine. A SIGKILLed daemon
// alone leaves its VIP and IPVS table in the kernel, still serving, so there would be no
// failover to see; a machine that dies takes them with it); the backup takes over; the old master comes back and
// preempts (or not, as its file says); both stop cleanly; everything is removed.
// The oracles are the kernel's (`ip addr` for the VIP, `ipvsadm` for the table and its counters)
// and the client's (which server answered each request, and when).
//
// --mode vrrp (a kernel without IPVS): the same directors with -P, and instead of real servers
// each director answers HTTP itself with its name, so the failover is still measured through the VIP.
//
//   node demo-lab.mjs --daemon keepalived-ts.mjs --bin DIR --conf1 F --conf2 F [--mode lvs|vrrp]
//        [--where TEXT] [--interval-ms 20] [--timeout-ms 1000]
// Last line: `demo: failover 3.7 s, 180 failed requests of 900, master back: yes (...)` - failover
// from the kill to the first answer through the backup; failed requests: those sent from one
// timeout before the crash until a few seconds after the failover; of: every request the client
// sent. Or `demo: FAILED: reason` / `demo: interrupted`. Exit 0 only when every check held.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { demoPlan, masterDownIntervalS, type DemoPlan, type DirectorPlan } from './demo-plan.ts';
import { DemoNet } from './demo-net.ts';
import { Daemon, Proc, sleep, spawnIn, waitFor, waitLine } from './demo-procs.ts';
import { DemoTraffic, formatSpread, parseRequestLine, spread } from './demo-traffic.ts';
import { TCPDUMP_ARGV, WireWatch } from './wire-watch.ts';

const { values: a } = parseArgs({
  options: {
    daemon: { type: 'string' }, bin: { type: 'string' }, conf1: { type: 'string' }, conf2: { type: 'string' },
    mode: { type: 'string', default: 'lvs' }, where: { type: 'string', default: 'this host' },
    'interval-ms': { type: 'string', default: '20' }, 'timeout-ms': { type: 'string', default: '1000' },
  },
});
if (!a.daemon || !a.bin || !a.conf1 || !a.conf2) throw new Error('usage: demo-lab --daemon F --bin DIR --conf1 F --conf2 F [--mode lvs|vrrp]');
const LVS = a.mode !== 'vrrp';
const INTERVAL_MS = Number(a['interval-ms']);
const TIMEOUT_MS = Number(a['timeout-ms']);
/** Start-up of a Node process on a slow one-CPU guest, on top of every protocol bound. */
const SLACK_S = 30;
const STEADY_MS = 3000;

const t0 = Date.now();
const say = (s: string): void => { process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${s}\n`); };
const detail = (s: string): void => { process.stdout.write(`         ${s}\n`); };
const secs = (ms: number): string => (ms / 1000).toFixed(1);

const work = mkdtempSync(join(tmpdir(), 'kts-demo-'));
const net = new DemoNet(`ktsdemo${process.pid}`, 'eth0', 24);
const procs: Proc[] = [];
const traffic = new DemoTraffic();
const wire = new WireWatch();
let cleaned = false;

async function cleanup(): Promise<{ nsLeft: string[]; procsLeft: number[] }> {
  if (!cleaned) {
    cleaned = true;
    await Promise.all(procs.map((p) => p.stop('SIGKILL', 2000).catch(() => undefined)));
    net.destroy();
    rmSync(work, { recursive: true, force: true });
  }
  // Our children by their exit events (a reaped pid may be reused), workers by pid + start time.
  const left = procs.flatMap((p) => [...(p.isDone() ? [] : [p.pid]), ...(p instanceof Daemon ? p.workers() : [])]);
  return { nsLeft: net.left(), procsLeft: left };
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    say(`${sig}: tearing the lab down`);
    void cleanup().then((left) => {
      say(`cleanup: ${left.nsLeft.length} namespaces, ${left.procsLeft.length} processes left`);
      process.stdout.write('demo: interrupted\n');
      process.exit(130);
    });
  });
}

function start(node: string, name: string, argv: string[], onLine?: (l: string, p: Proc) => void): Proc {
  const p = new Proc(name, spawnIn(net.ns(node), argv), onLine);
  procs.push(p);
  return p;
}

/** Transitions and errors from a daemon's console log, shown as they happen. */
function daemonLine(node: string): (l: string) => void {
  return (l) => {
    const msg = l.replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /, '');
    if (/Entering \w+ STATE|sent 0 priority|error|failed|internal/i.test(msg)) detail(`${node}| ${msg}`);
  };
}

let starts = 0;
async function startDirector(d: DirectorPlan): Promise<Daemon> {
  const n = ++starts;
  const pf = { main: join(work, `${d.name}-${n}.pid`), vrrp: join(work, `${d.name}-${n}.vrrp.pid`), checkers: join(work, `${d.name}-${n}.chk.pid`) };
  // Its own control socket: the default path (/run) is shared by every namespace of this host.
  const argv = ['node', a.daemon!, '-n', '-l', ...(LVS ? [] : ['-P']), '-f', d.conf, '-p', pf.main, '-r', pf.vrrp, '-c', pf.checkers,
    `--control-socket=${join(work, `${d.name}-${n}.sock`)}`];
  const p = new Daemon(`keepalived-ts ${d.name}`, spawnIn(net.ns(d.name), argv), pf, daemonLine(d.name));
  procs.push(p);
  // Up once the daemon wrote its pid files (the supervisor's worker writes -r, if there is one).
  await waitFor(() => p.isDone() || nonEmpty(pf.vrrp), SLACK_S * 1000, `${d.name}'s pid file`);
  if (p.isDone()) throw new Error(`keepalived-ts on ${d.name} exited at start:\n${p.tail().join('\n')}`);
  return p;
}
function nonEmpty(f: string): boolean {
  try { return statSync(f).size > 0; } catch { return false; }
}

/** Directors whose link is cut (a dead machine's leftover VIP reaches nobody, so it does not count). */
const down = new Set<string>();
const holders = (plan: DemoPlan): string[] => plan.directors.filter((d) => !down.has(d.name) && net.holds(d.name, plan.vip)).map((d) => d.name);

/** `ipvsadm -Ln` in the node's namespace, as "TCP 10.99.0.200:80 wrr -> 10.99.0.21:80 Route 3, ...". */
function ipvsTable(node: string): { service?: string; dests: string[] } {
  const out = net.exec(node, 'ipvsadm', '-Ln');
  let service: string | undefined;
  const dests: string[] = [];
  for (const l of out.split('\n')) {
    const s = /^(TCP|UDP|SCTP)\s+(\S+)\s+(\S+)/.exec(l);
    if (s) service = `${s[1]} ${s[2]} ${s[3]}`;
    const d = /^\s+->\s+(\d\S+)\s+(\S+)\s+(\d+)/.exec(l);
    if (d) dests.push(`${d[1]} ${d[2]} ${d[3]}`);
  }
  return { ...(service ? { service } : {}), dests };
}
/** Connections the node's IPVS has scheduled for the virtual service (`ipvsadm -Ln --stats`). */
function ipvsConns(node: string): number {
  const m = /^(?:TCP|UDP|SCTP)\s+\S+\s+(\d+)/m.exec(net.exec(node, 'ipvsadm', '-Ln', '--stats'));
  return m ? Number(m[1]) : 0;
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

async function main(): Promise<string> {
  const r = demoPlan(a.conf1!, a.conf2!);
  if (!r.ok) throw new Error(r.error);
  const plan = r.plan;
  const [d1, d2] = plan.directors;
  const vipUrl = `http://${plan.vip}:${plan.vipPort}/`;
  say(`keepalived-ts demo: two directors (VRRP${LVS ? ' + IPVS ' + plan.lvsMethod : ' only'}) in network namespaces on ${a.where}`);
  detail(`configs: ${d1.conf}, ${d2.conf} (as they are; each director's ${plan.iface} is a veth on one bridge)`);
  const about = (d: DirectorPlan): string =>
    `${d.name} ${d.ip} priority ${d.priority} ${d.nopreempt ? 'nopreempt' : `preempt${d.preemptDelayS > 0 ? ` after ${d.preemptDelayS} s` : ''}`}`;
  detail(`VIP ${plan.vip}; ${about(d1)}; ${about(d2)}; advert_int ${d1.advertIntS} s`);
  const servers = LVS ? plan.realServers : [];
  net.build([
    ...plan.directors.map((d) => ({ name: d.name, ip: d.ip })),
    ...servers.map((s) => ({ name: s.name, ip: s.ip })),
    { name: 'client', ip: plan.clientIp },
  ]);
  // The adverts on the wire, with the kernel's timestamps: who is master when (see wire-watch.ts).
  const tcpdump = start('sw', 'tcpdump', TCPDUMP_ARGV, (l) => wire.onLine(l));
  await waitLine(tcpdump, (l) => l.includes('listening on'), SLACK_S * 1000, 'tcpdump to listen');
  // The cable puller: one `ip -batch` already running in the switch, so the link is cut within
  // a millisecond of the kill (starting `ip` takes ~100 ms, more on a loaded guest).
  // stdbuf: line-buffered, so each `link show` answer arrives when it is printed.
  const cable = new Proc('ip -batch sw', spawn('stdbuf', ['-oL', 'ip', '-n', net.ns('sw'), '-force', '-batch', '-'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  procs.push(cable);
  say(`lab: namespaces ${net.prefix}{sw,${[...plan.directors.map((d) => d.name), ...servers.map((s) => s.name), 'client'].join(',')}}`);

  // LVS-DR real servers: the VIP on lo, never answered for or announced in ARP, so only the VRRP
  // master answers for the VIP and the real servers reply to the client directly. Set up as a
  // user would, by the project's own command (one run per server, in its namespace).
  if (LVS) {
    await Promise.all(servers.map(async (s) => {
      const p = start(s.name, `realserver ${s.name}`, ['node', a.daemon!, 'realserver', 'apply', plan.vip]);
      const c = await p.exited;
      if (c !== 0) throw new Error(`keepalived-ts realserver apply on ${s.name}: exit ${String(c)}\n${p.tail().join('\n')}`);
    }));
    say(`real servers set up for DR: keepalived-ts realserver apply ${plan.vip} (VIP on lo, arp_ignore=1, arp_announce=2) in ${servers.map((s) => s.name).join(', ')}`);
  }

  // The HTTP answerers: the real servers (LVS), or the directors themselves (VRRP only).
  const answerers = LVS ? servers.map((s) => ({ node: s.name, port: s.port })) : plan.directors.map((d) => ({ node: d.name, port: plan.vipPort }));
  await Promise.all(answerers.map((s) => waitLine(start(s.node, s.node, ['node', join(a.bin!, 'name-server.mjs'), s.node, String(s.port)]), (l) => l === 'listening', SLACK_S * 1000, `${s.node} to listen`)));
  say(LVS ? `real servers ${servers.map((s) => `${s.name} ${s.ip}:${s.port} (weight ${s.weight})`).join(', ')} answer with their name`
    : `no IPVS here: each director answers ${vipUrl} itself with its name`);

  const started = await Promise.all([startDirector(d1), startDirector(d2)]);
  const pids = (p: Daemon): string => `pid ${p.pid}${p.workers().length > 0 ? `, worker ${p.workers().join(',')}` : ''}`;
  say(`started keepalived-ts -n -l${LVS ? '' : ' -P'} on ${d1.name} (${pids(started[0])}) and ${d2.name} (${pids(started[1])})`);
  // Who must end up master: the higher priority, unless it does not preempt (then whoever got
  // there first keeps it: a nopreempt backup accepts any master, as keepalived's does).
  const preferred = d2.priority > d1.priority ? d2 : d1;
  const electMs = await waitFor(() => holders(plan).length === 1 && (preferred.nopreempt || holders(plan)[0] === preferred.name),
    (masterDownIntervalS(preferred) + preferred.preemptDelayS + SLACK_S) * 1000, `one master (VIP now on: ${holders(plan).join(',') || 'nobody'})`);
  // From here on: m is the master (crashed, then back), bk the backup that takes over.
  const [m, bk] = holders(plan)[0] === d1.name ? [d1, d2] : [d2, d1];
  let daemons: [Daemon, Daemon] = holders(plan)[0] === d1.name ? started : [started[1], started[0]];
  say(`master: ${m.name} holds ${plan.vip} (${secs(electMs)} s after the daemons were up); ${bk.name} is backup`);
  if (LVS) {
    await waitFor(() => ipvsTable(m.name).dests.length === servers.length, SLACK_S * 1000, `${m.name}'s IPVS table`);
    const t = ipvsTable(m.name);
    detail(`IPVS on ${m.name}: ${t.service} -> ${t.dests.join(', ')}`);
  }

  const client = start('client', 'client', ['node', join(a.bin!, 'load-client.mjs'), vipUrl, String(INTERVAL_MS), String(TIMEOUT_MS)], (l) => {
    const q = parseRequestLine(l);
    if (q) traffic.add(q);
  });
  say(`client ${plan.clientIp}: GET ${vipUrl} every ${INTERVAL_MS} ms, ${TIMEOUT_MS} ms timeout each`);
  // A Node process takes seconds to start on the guest: the steady window opens at the first answer.
  await waitFor(() => traffic.all.some((q) => q.ok), SLACK_S * 1000, 'the first answer through the VIP');
  const steadyFrom = Date.now();
  await sleep(STEADY_MS);
  const steady = spread(traffic.sentIn(steadyFrom, Date.now() - TIMEOUT_MS));
  say(`through ${m.name}: ${formatSpread(steady)}`);
  for (const s of answerers.filter((x) => LVS || x.node === m.name)) check((steady.byServer.get(s.node) ?? 0) > 0, `${s.node} got no request through the VIP`);
  check(steady.failed === 0, `requests failed before the crash: ${formatSpread(steady)}`);
  const spreadOk = answerers.every((s) => LVS ? (steady.byServer.get(s.node) ?? 0) > 0 : true);

  // ---- the master dies
  const conns2Before = LVS ? ipvsConns(bk.name) : 0;
  const killAt = Date.now();
  const crash = daemons[0].crash();
  const port = `p${m.name}`;
  const cut = waitLine(cable, (l) => l.includes(`${port}@`) && !/[<,]UP[,>]/.test(l), SLACK_S * 1000, `${port} to go down`);
  cable.child.stdin!.write(`link set ${port} down\nlink show dev ${port}\n`);
  await cut;
  // From here on nothing can reach the dead director: the first answer after this went through the backup.
  const unpluggedAt = Date.now();
  down.add(m.name);
  say(`crash: ${m.name} dies: keepalived-ts ${crash.how} (no priority-0 advert), and its link is cut (${unpluggedAt - killAt} ms later; a dead machine: the VIP it still has serves nobody)`);
  const bound = 3 * masterDownIntervalS(bk) + SLACK_S;
  await waitFor(() => wire.firstFrom(bk.ip, killAt) !== undefined, bound * 1000, `${bk.name} to advertise as master`, 20);
  const takeover = wire.firstFrom(bk.ip, killAt)!;
  const lastHeard = wire.lastFrom(m.ip, killAt);
  const vipMs = takeover.atMs - killAt;
  await waitFor(() => net.holds(bk.name, plan.vip), SLACK_S * 1000, `${bk.name} to hold ${plan.vip}`);
  say(`${bk.name} is master ${secs(vipMs)} s after the crash (its first advert on the wire) and holds ${plan.vip}` +
    (lastHeard ? `: ${secs(takeover.atMs - lastHeard.atMs)} s after ${m.name}'s last advert (master_down_interval ${masterDownIntervalS(bk).toFixed(2)} s)` : ''));
  await crash.gone;
  check(net.isDown(m.name), `${m.name}'s switch port is still up`);
  // Only requests sent after the cut: nothing sent later can have gone through the dead director.
  await waitFor(() => traffic.firstSuccessAfter(unpluggedAt) !== undefined, bound * 1000, 'a request to succeed through the backup');
  const firstOk = traffic.firstSuccessAfter(unpluggedAt)!;
  const failoverMs = firstOk.doneMs - killAt;
  say(`first answer through ${bk.name}: ${secs(failoverMs)} s after the crash`);
  await sleep(STEADY_MS);
  // Every request that could meet the dead director: sent up to one timeout before the crash,
  // until now (a few seconds of steady traffic through the backup).
  const during = spread(traffic.sentIn(killAt - TIMEOUT_MS, Date.now() - TIMEOUT_MS));
  say(`from one timeout (${secs(TIMEOUT_MS)} s) before the crash on: ${formatSpread(during)}`);
  const onBackup = spread(traffic.sentIn(firstOk.sentMs, Date.now() - TIMEOUT_MS));
  if (LVS) {
    const conns = ipvsConns(bk.name) - conns2Before;
    detail(`IPVS on ${bk.name} scheduled ${conns} connections since the crash`);
    check(conns > 0, `${bk.name}'s IPVS scheduled nothing: requests did not go through the backup`);
  } else {
    check((onBackup.byServer.get(bk.name) ?? 0) > 0, `${bk.name} answered nothing`);
  }
  check(holders(plan).join() === bk.name, `after the failover the VIP is on ${holders(plan).join(',') || 'nobody'}, expected ${bk.name} alone`);

  // ---- the old master comes back (a rebooted machine: no VIP, no IPVS table)
  net.ip(m.name, 'addr', 'del', `${plan.vip}/${plan.prefixLen}`, 'dev', plan.iface);
  if (LVS) net.exec(m.name, 'ipvsadm', '-C');
  net.plug(m.name);
  down.delete(m.name);
  const backAt = Date.now();
  const again = await startDirector(m);
  daemons = [again, daemons[1]];
  const upMs = Date.now() - backAt;
  say(`${m.name} back: link up, keepalived-ts started again (${pids(again)}, up in ${secs(upMs)} s)`);
  const expectBack = m.priority > bk.priority && !m.nopreempt;
  let masterBack: boolean;
  let backWhy: string;
  if (expectBack) {
    const limitMs = (m.preemptDelayS + masterDownIntervalS(m) + SLACK_S) * 1000;
    await waitFor(() => wire.firstFrom(m.ip, backAt) !== undefined, limitMs, `${m.name} to advertise as master again`, 20);
    const ms = wire.firstFrom(m.ip, backAt)!.atMs - backAt;
    await waitFor(() => holders(plan).join() === m.name, 10_000, `${bk.name} to release the VIP (holders: ${holders(plan).join(',') || 'nobody'})`);
    masterBack = true;
    backWhy = `preempted: priority ${m.priority} > ${bk.priority}`;
    say(`${m.name} took ${plan.vip} back ${secs(ms)} s after its restart, ${secs(ms - upMs)} s after it was up (${backWhy})`);
  } else {
    await sleep((3 * masterDownIntervalS(m) + m.preemptDelayS) * 1000 + 5000);
    masterBack = holders(plan).join() === m.name;
    backWhy = m.nopreempt ? 'nopreempt' : `priority ${m.priority} <= ${bk.priority}`;
    check(!masterBack, `${m.name} took the VIP back although its file says ${backWhy}`);
    say(`${m.name} stays backup (${backWhy}): ${bk.name} keeps ${plan.vip}`);
  }
  await sleep(STEADY_MS);
  const handback = spread(traffic.sentIn(backAt, Date.now() - TIMEOUT_MS));
  const last = spread(traffic.sentIn(Date.now() - TIMEOUT_MS - STEADY_MS / 3, Date.now() - TIMEOUT_MS));
  say(`since ${m.name}'s restart: ${formatSpread(handback)}`);
  // Traffic flows at the end (a sanity check: one slow answer on a loaded one-CPU guest is no outage).
  check(last.sent > 0 && last.failed * 10 <= last.sent, `requests still failing at the end: ${formatSpread(last)}`);
  check(holders(plan).length === 1, `VIP holders at the end: ${holders(plan).join(',') || 'nobody'}`);

  // ---- clean stop: SIGTERM, the master sends priority 0 and releases the VIP (and IPVS)
  await client.stop('SIGTERM', TIMEOUT_MS + 2000);
  await Promise.all(daemons.map((p) => p.stop('SIGTERM', 10_000)));
  const stillVip = holders(plan);
  const stillIpvs = LVS ? plan.directors.filter((d) => ipvsTable(d.name).service !== undefined).map((d) => d.name) : [];
  say(`stop: SIGTERM to both daemons; VIP left on: ${stillVip.join(',') || 'none'}${LVS ? `; IPVS services left on: ${stillIpvs.join(',') || 'none'}` : ''}`);
  check(stillVip.length === 0 && stillIpvs.length === 0, 'a stopped daemon left its VIP or IPVS service behind');
  const total = traffic.all.length;
  const summary = `demo: failover ${secs(failoverMs)} s, ${during.failed} failed requests of ${total}, master back: ${masterBack ? 'yes' : 'no'}` +
    ` (VIP moved ${secs(vipMs)} s; ${handback.failed} failed after the restart; ${backWhy}${LVS && spreadOk ? `; served by ${answerers.map((s) => s.node).join(',')}` : ''})`;
  return summary;
}

let code = 0;
let last: string;
try {
  last = await main();
} catch (e) {
  code = 1;
  last = `demo: FAILED: ${e instanceof Error ? e.message : String(e)}`;
  for (const p of procs.filter((x) => x instanceof Daemon)) {
    detail(`--- ${p.name} (last lines)`);
    for (const l of p.tail(15)) detail(l);
  }
}
if (!interrupted) {
  const left = await cleanup();
  say(`cleanup: ${left.nsLeft.length} namespaces (ip netns list | grep ${net.prefix}), ${left.procsLeft.length} processes left`);
  if (left.nsLeft.length + left.procsLeft.length > 0) { code = 1; last = `demo: FAILED: left behind ${[...left.nsLeft, ...left.procsLeft].join(' ')}`; }
  process.stdout.write(`${last}\n`);
  process.exit(code);
}
