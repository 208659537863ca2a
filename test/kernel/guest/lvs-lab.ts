// Guest-side pieces of the LVS side-by-side lab (test/kernel/guest/lvs-lab-guest.ts drives them):
// network namespaces, keepalived.conf generation, the two daemons (keepalived-ts's LVS half,
// bundled, and keepalived 2.2.7), and the oracles nobody here wrote or that read the kernel
// directly:
//  - the IPVS table as the kernel prints it (/proc/<pid in the namespace>/net/ip_vs; `ipvsadm -Ln`);
//  - every netlink message a daemon sends, captured on an nlmon device in its namespace and
//    read from the pcap with the few lines of framing below (not our netlink codec);
//  - CPU time and RSS from /proc/<pid>/stat and /proc/<pid>/status.
// Runs only inside the IPVS guest (run-in-vm.sh).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const sh = (cmd: string): string => execFileSync('bash', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------ processes

const children = new Set<ChildProcess>();
export function startIn(ns: string, argv: string[]): ChildProcess {
  const c = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(c);
  c.on('exit', () => children.delete(c));
  return c;
}
/** SIGKILL to every process this lab started that is still running (by pid). */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
export function exited(c: ChildProcess): Promise<void> {
  return c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()));
}
export function waitLine(c: ChildProcess, pred: (l: string) => boolean, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: c.stdout! });
    const timer = setTimeout(() => { rl.close(); reject(new Error(`timed out waiting for ${what}`)); }, timeoutMs);
    rl.on('line', (l) => { if (pred(l)) { clearTimeout(timer); rl.close(); resolve(l); } });
    c.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what}: process exited (${code})`)); });
  });
}
export async function until(pred: () => boolean, timeoutMs: number, what: string, everyMs = 100): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (pred()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out (${timeoutMs} ms) waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ------------------------------------------------------------------------------ namespaces

/** A namespace with lo up and a process parked in it, whose /proc/<pid>/net/ip_vs is the namespace's table. */
export interface Ns { readonly name: string; readonly holder: ChildProcess }
export function makeNs(name: string): Ns {
  sh(`ip netns add ${name} && ip -n ${name} link set lo up`);
  return { name, holder: startIn(name, ['sleep', '100000']) };
}
export function delNs(name: string): void {
  try { sh(`ip netns pids ${name} | xargs -r kill -9; ip netns exec ${name} ipvsadm -C; ip netns del ${name}`); } catch { /* gone */ }
}

/** Services and real servers in the namespace's IPVS table, from the kernel's own listing. */
export function ipvsEntries(ns: Ns): { services: number; dests: number; total: number } {
  let services = 0;
  let dests = 0;
  let text = '';
  try { text = readFileSync(`/proc/${ns.holder.pid}/net/ip_vs`, 'utf8'); } catch { return { services: -1, dests: -1, total: -1 }; }
  for (const l of text.split('\n')) {
    if (/^(TCP|UDP|SCTP|FWM)\s/.test(l)) services++;
    else if (l.startsWith('  -> ') && !l.includes('RemoteAddress')) dests++;
  }
  return { services, dests, total: services + dests };
}
/** The same count from `ipvsadm -Ln` (services + real servers), and whether 10.9.9.9:1 is there. */
export function ipvsadmCount(ns: string): { total: number; foreign: boolean } {
  const text = sh(`ip netns exec ${ns} ipvsadm -Ln`);
  let total = 0;
  for (const l of text.split('\n')) if (/^(TCP|UDP|SCTP|FWM)\s/.test(l) || (/^\s+->\s/.test(l) && !l.includes('RemoteAddress'))) total++;
  return { total, foreign: /^TCP\s+10\.9\.9\.9:1\s/m.test(text) };
}
/** Someone else's service (with one real server): never ours to touch. */
export function addForeign(ns: string): void {
  sh(`ip netns exec ${ns} ipvsadm -A -t 10.9.9.9:1 -s rr && ip netns exec ${ns} ipvsadm -a -t 10.9.9.9:1 -r 10.9.9.10:1 -m`);
}

// ------------------------------------------------------------------------------ /proc figures

const CLK_TCK = 100;
/** user + system CPU seconds of one process (all its threads). */
export function cpuSeconds(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 and 15 of proc(5)
  } catch { return NaN; }
}
export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}
/** pid and all its descendants. */
export function processTree(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
    } catch { /* gone */ }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i]!) ?? []));
  return out;
}
export function readPid(file: string): number | undefined {
  try { return Number(readFileSync(file, 'utf8').trim()) || undefined; } catch { return undefined; }
}

// ------------------------------------------------------------------------------ configuration

export type CheckKind = 'none' | 'tcp' | 'http';
const CHECKER: Record<CheckKind, (delayLoopS: number) => string> = {
  none: () => '',
  tcp: (d) => `    TCP_CHECK {\n      connect_timeout 3\n      retry 1\n      delay_before_retry 1\n      delay_loop ${d}\n    }\n`,
  http: (d) => `    HTTP_GET {\n      url {\n        path /health\n        status_code 200\n      }\n      connect_timeout 3\n      retry 1\n      delay_before_retry 1\n      delay_loop ${d}\n    }\n`,
};
/** Filler virtual server i: VIP 10.(100+i/256).(i%256).1:80; real servers 10.(200+i/256).(i%256).(j+1):port. */
export function fillerConf(services: number, dests: number, check: CheckKind, o: { port?: number; delayLoopS?: number; method?: 'NAT' | 'DR' } = {}): string {
  const out: string[] = [];
  const port = o.port ?? 80;
  for (let i = 0; i < services; i++) {
    out.push(`virtual_server 10.${100 + (i >> 8)}.${i & 255}.1 80 {\n  lvs_sched wrr\n  lvs_method ${o.method ?? 'NAT'}\n  protocol TCP\n`);
    for (let j = 0; j < dests; j++) {
      out.push(`  real_server 10.${200 + (i >> 8)}.${i & 255}.${j + 1} ${port} {\n    weight ${1 + (j % 5)}\n${CHECKER[check](o.delayLoopS ?? 60)}  }\n`);
    }
    out.push('}\n');
  }
  return out.join('');
}

// ------------------------------------------------------------------------------ daemons

export type Who = 'keepalived-ts' | 'keepalived';
export interface Daemon {
  readonly who: Who;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** keepalived-ts: the director's events (--events); keepalived: none. */
  readonly events: Record<string, unknown>[];
  /** keepalived's checker process (-c pid file), once it wrote it; ours: the daemon itself. */
  checkerPid(): number | undefined;
  readonly exit: Promise<void>;
}

export function startOurs(ns: string, daemonScript: string, conf: string, extra: string[] = []): Daemon {
  const proc = startIn(ns, ['node', daemonScript, '-f', conf, '--events', '--seed', '1', ...extra]);
  const events: Record<string, unknown>[] = [];
  // Only the events the lab reads are parsed: a big table's 20,000 'health initial' lines would
  // otherwise cost this process (on the same emulated CPU) more than the daemon's start-up.
  const wanted = /"kind":"(ready|sent|ipvs|stopped|exit)"/;
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    if (!wanted.test(l)) return;
    try { events.push(JSON.parse(l) as Record<string, unknown>); } catch { /* log line */ }
  });
  proc.stderr!.on('data', (d: Buffer) => process.stderr.write(`[keepalived-ts] ${d.toString()}`));
  return { who: 'keepalived-ts', proc, pid: proc.pid!, events, checkerPid: () => proc.pid!, exit: exited(proc) };
}

/** keepalived 2.2.7 in the foreground; `-C` = checker process only (parent + checker). */
export function startKeepalived(ns: string, conf: string, dir: string, tag: string, extra: string[] = ['-C']): Daemon {
  const pidFiles = ['-p', `${dir}/${tag}.pid`, '-c', `${dir}/${tag}-c.pid`, '-r', `${dir}/${tag}-v.pid`];
  const proc = startIn(ns, ['keepalived', '-n', '-l', '-f', conf, ...pidFiles, ...extra]);
  let log = '';
  proc.stdout!.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-20_000); });
  proc.stderr!.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-20_000); });
  return { who: 'keepalived', proc, pid: proc.pid!, events: [], checkerPid: () => readPid(`${dir}/${tag}-c.pid`), exit: exited(proc) };
}

export async function waitReady(d: Daemon, timeoutMs: number): Promise<void> {
  await until(() => d.events.some((e) => e.kind === 'ready') || d.proc.exitCode !== null, timeoutMs, `${d.who} ready`);
  if (d.proc.exitCode !== null) throw new Error(`${d.who} exited ${d.proc.exitCode}`);
}

// ------------------------------------------------------------------------------ nlmon capture

export interface Capture { stop(): Promise<{ pcap: Buffer; dropped: number }> }
/** Every netlink message sent or received in the namespace (nlmon taps are per namespace), as a pcap. */
export async function captureNetlink(ns: string, file: string): Promise<Capture> {
  sh(`ip -n ${ns} link add nlmon0 type nlmon 2>/dev/null || true; ip -n ${ns} link set nlmon0 up`);
  // -B: a 64 MiB capture buffer; a restart's dump of a big table is a burst of thousands of messages.
  const p = startIn(ns, ['tcpdump', '-i', 'nlmon0', '-U', '-s', '0', '-B', '65536', '-w', file]);
  let err = '';
  p.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  await until(() => err.includes('listening on') || p.exitCode !== null, 20_000, 'tcpdump on nlmon0');
  if (p.exitCode !== null) throw new Error(`tcpdump: ${err}`);
  return {
    async stop() {
      p.kill('SIGINT');
      await exited(p);
      sh(`ip -n ${ns} link del nlmon0`);
      // "N packets dropped by kernel": the capture is then a lower bound, and says so.
      const m = /(\d+) packets? dropped by kernel/.exec(err);
      return { pcap: existsSync(file) ? readFileSync(file) : Buffer.alloc(0), dropped: m ? Number(m[1]) : -1 };
    },
  };
}

/** IPVS generic-netlink commands (linux/ip_vs.h enum ipvs_cmds). */
export const IPVS_CMD_NAMES: Record<number, string> = {
  1: 'NEW_SERVICE', 2: 'SET_SERVICE', 3: 'DEL_SERVICE', 4: 'GET_SERVICE', 5: 'NEW_DEST', 6: 'SET_DEST', 7: 'DEL_DEST', 8: 'GET_DEST',
  9: 'NEW_DAEMON', 10: 'DEL_DAEMON', 11: 'GET_DAEMON', 12: 'SET_CONFIG', 13: 'GET_CONFIG', 15: 'GET_INFO', 16: 'ZERO', 17: 'FLUSH',
};
/** The commands that change the virtual server table. */
export const TABLE_CHANGING = new Set([1, 2, 3, 5, 6, 7, 16, 17]);

export interface NetlinkTally {
  /** IPVS requests by command name (NLM_F_REQUEST set, type = the IPVS family id). */
  requests: Record<string, number>;
  changing: number;
  /** Of those, how many the kernel acknowledged (errno 0): applied. */
  changingApplied: number;
  /** Error replies by errno (0 = ACK). */
  replies: Record<string, number>;
  familyId: number;
}

/**
 * Reads a pcap of an nlmon device: finds the IPVS family id in the controller's reply
 * (CTRL_CMD_NEWFAMILY with CTRL_ATTR_FAMILY_NAME "IPVS"), then tallies requests and error replies.
 * Framing only (pcap record, Linux cooked header, nlmsghdr, genlmsghdr, top-level attributes).
 */
export function tallyNetlink(pcap: Buffer): NetlinkTally {
  const out: NetlinkTally = { requests: {}, changing: 0, changingApplied: 0, replies: {}, familyId: 0 };
  if (pcap.length < 24) return out;
  const le = pcap.readUInt32LE(0) === 0xa1b2c3d4 || pcap.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (o: number) => (le ? pcap.readUInt32LE(o) : pcap.readUInt32BE(o));
  const linktype = u32(20);
  const msgs: { proto: number; buf: Buffer }[] = [];
  for (let o = 24; o + 16 <= pcap.length;) {
    const incl = u32(o + 8);
    const data = pcap.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    // NETLINK (253) and LINUX_SLL (113) start with the 16-byte cooked header, whose protocol
    // field (bytes 14..15) is the netlink family; SLL2 (276) has it at 0..1.
    if (data.length < 20) continue;
    const [proto, body] = linktype === 276 ? [data.readUInt16BE(0), data.subarray(20)] : [data.readUInt16BE(14), data.subarray(16)];
    for (let m = 0; m + 16 <= body.length;) {
      const len = body.readUInt32LE(m);
      if (len < 16 || m + len > body.length) break;
      msgs.push({ proto, buf: body.subarray(m, m + len) });
      m += (len + 3) & ~3;
    }
  }
  const GENERIC = 16;
  for (const { proto, buf } of msgs) {
    if (proto !== GENERIC || buf.readUInt16LE(4) !== 0x10 || buf.length < 20 || buf[16] !== 1) continue;
    let id = 0; let name = '';
    for (let a = 20; a + 4 <= buf.length;) {
      const alen = buf.readUInt16LE(a); const atype = buf.readUInt16LE(a + 2) & 0x3fff;
      if (alen < 4) break;
      if (atype === 1) id = buf.readUInt16LE(a + 4);
      if (atype === 2) name = buf.subarray(a + 4, a + alen).toString('latin1').replace(/\0.*$/s, '');
      a += (alen + 3) & ~3;
    }
    if (name === 'IPVS') out.familyId = id;
  }
  const requestSeqs = new Set<number>();
  const changingSeqs = new Set<number>();
  for (const { proto, buf } of msgs) {
    if (proto !== GENERIC) continue;
    const type = buf.readUInt16LE(4); const flags = buf.readUInt16LE(6); const seq = buf.readUInt32LE(8);
    if (type === out.familyId && out.familyId !== 0 && (flags & 1) && buf.length >= 20) {
      const name = IPVS_CMD_NAMES[buf[16]!] ?? `cmd${buf[16]}`;
      out.requests[name] = (out.requests[name] ?? 0) + 1;
      if (TABLE_CHANGING.has(buf[16]!)) { out.changing++; changingSeqs.add(seq); }
      requestSeqs.add(seq);
    }
  }
  for (const { proto, buf } of msgs) {
    if (proto !== GENERIC || buf.readUInt16LE(4) !== 2 || buf.length < 20) continue;
    if (!requestSeqs.has(buf.readUInt32LE(8))) continue;
    const errno = -buf.readInt32LE(16);
    out.replies[String(errno)] = (out.replies[String(errno)] ?? 0) + 1;
    if (errno === 0 && changingSeqs.has(buf.readUInt32LE(8))) out.changingApplied++;
  }
  return out;
}
