// A VRRP lab for root tests, the shape of ../shared/tools/vrrp-lab.sh but private to one test
// process: namespace "sw" holds bridge br0; each director and the client has eth0 on it
// (10.99.0.11, .12, ... and .100, fixed MACs 02:99:00:00:00:1N), and IPv6 link-locals without
// DAD delays. Directors run keepalived-ts (bin/keepalived-ts -n -P, the real executable: a
// supervising parent and its worker, so crash() is SIGSTOP, SIGKILL worker, SIGKILL parent) or
// Debian's keepalived 2.2.7, each only inside its namespace, and every process is ended by its
// own pid. tcpdump captures br0 inside "sw".
// Everything is torn down by destroy() (call it from after/finally) and on process exit.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand } from './env.ts';
import { Netns } from './netns.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
export const VIP4 = '10.99.0.200';

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  log(): string;
  exited(): boolean;
  /** Sends sig to this process and waits (bounded) for it to exit. */
  stop(sig?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

/** keepalived-ts as started by startTs: pid is the supervisor's. */
export interface TsProc extends Proc {
  /** The worker's pid file (-r). */
  readonly pidFile: string;
  /** The live worker's pid, from -r. */
  workerPid(): number | undefined;
  /** A real crash: nothing is sent, the VIPs stay (SIGSTOP parent, SIGKILL worker, SIGKILL parent). */
  crash(): Promise<void>;
}

export interface Node {
  readonly name: string;
  readonly ns: Netns;
  readonly ip4: string;
  readonly mac: string;
}

/** Directors run as users run them: the real executable, in the foreground, VRRP only. */
function daemonCommand(): string[] {
  return [join(ROOT, 'bin/keepalived-ts'), '-n', '-P'];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls cond every 20 ms until it holds; throws with `what` after timeoutMs. Returns the ms waited. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (cond()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Holds for the whole period (polled every 50 ms); throws as soon as it does not. */
export async function holds(cond: () => boolean, periodMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < periodMs) {
    if (!cond()) throw new Error(`${what} stopped holding after ${Date.now() - t0} ms`);
    await sleep(50);
  }
}

function track(name: string, child: ChildProcess): Proc {
  let out = '';
  child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { out += b.toString(); });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: spawn failed`);
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    name, child, pid,
    log: () => out,
    exited,
    async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000) {
      if (exited()) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(sig);
      const t = setTimeout(() => { if (!exited()) child.kill('SIGKILL'); }, timeoutMs);
      await done;
      clearTimeout(t);
    },
  };
}

export class VrrpLab {
  readonly sw: Netns;
  readonly nodes = new Map<string, Node>();
  readonly client: Netns;
  readonly dir: string;
  private readonly procs: Proc[] = [];
  private readonly tsProcs: TsProc[] = [];
  private capture: Proc | undefined;

  constructor(tag: string, names: readonly string[] = ['d1', 'd2']) {
    this.dir = mkdtempSync(join(tmpdir(), `kts-lab-${tag}-${process.pid}-`));
    this.sw = Netns.create(`${tag}sw`);
    try {
      this.sw.ip('link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0');
      this.sw.ip('link', 'set', 'br0', 'up');
      names.forEach((name, i) => {
        const ns = Netns.create(`${tag}${name}`);
        const node: Node = { name, ns, ip4: `10.99.0.${11 + i}`, mac: `02:99:00:00:00:${(0x11 + i).toString(16)}` };
        this.attach(ns, `v${i}`, node.ip4, node.mac);
        this.nodes.set(name, node);
      });
      this.client = Netns.create(`${tag}cl`);
      this.attach(this.client, 'vcl', '10.99.0.100', '02:99:00:00:01:00');
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  private attach(ns: Netns, port: string, ip4: string, mac: string): void {
    // No DAD: link-locals are usable at once (the IPv6 advert source) and VIPs never go tentative.
    for (const k of ['all', 'default']) ns.exec('sysctl', '-qw', `net.ipv6.conf.${k}.accept_dad=0`);
    this.sw.ip('link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name);
    this.sw.ip('link', 'set', port, 'master', 'br0', 'up');
    ns.ip('link', 'set', 'eth0', 'address', mac);
    ns.ip('addr', 'add', `${ip4}/24`, 'dev', 'eth0');
    ns.ip('link', 'set', 'eth0', 'up');
  }

  node(name: string): Node {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  file(name: string, text: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, text);
    return p;
  }

  /**
   * keepalived-ts in the node's namespace, console log, detail: a supervising parent (the
   * spawned pid, -p) and its worker (-r: DIR/NODE-ts.vrrp.pid unless extra passes -r).
   */
  startTs(node: string, conf: string, extra: readonly string[] = [], env?: NodeJS.ProcessEnv): TsProc {
    const n = this.node(node);
    const file = this.file(`${node}-ts.conf`, conf);
    const given = extra.findIndex((a) => a === '-r' || a === '--vrrp_pid');
    const pidFile = given >= 0 ? extra[given + 1]! : join(this.dir, `${node}-ts.vrrp.pid`);
    const child = spawn('ip', ['netns', 'exec', n.ns.name, ...daemonCommand(), '-l', '-D', '-f', file, ...(given >= 0 ? [] : ['-r', pidFile]), ...extra], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}),
    });
    const p = track(`ts:${node}`, child);
    this.procs.push(p);
    // The pid in -r, if that process is alive and runs this node's configuration (a stale file
    // from a crashed run, or a reused pid, is not ours to kill).
    const workerPid = (): number | undefined => {
      let pid: number;
      try {
        pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
        if (!Number.isInteger(pid) || pid <= 0 || pid === p.pid) return undefined;
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(file) ? pid : undefined;
      } catch {
        return undefined;
      }
    };
    // As keepalived (vrrp-notes.md): SIGKILL of the parent alone is not a crash (the worker
    // sees its parent die and stops gracefully, priority 0): stop the parent so it cannot
    // respawn, kill the worker, then kill the parent.
    const crash = async (): Promise<void> => {
      if (p.exited()) return;
      process.kill(p.pid, 'SIGSTOP');
      const w = workerPid();
      if (w !== undefined) { try { process.kill(w, 'SIGKILL'); } catch { /* gone */ } }
      await p.stop('SIGKILL');
    };
    const ts = Object.assign(p, { pidFile, workerPid, crash });
    this.tsProcs.push(ts);
    return ts;
  }

  /** Debian's keepalived 2.2.7 (VRRP only, foreground, console log), with its own pid files. */
  startKeepalived(node: string, conf: string): Proc & { vrrpPid(): number | undefined; crash(): Promise<void> } {
    const n = this.node(node);
    const file = this.file(`${node}-ka.conf`, conf);
    const pf = (k: string): string => join(this.dir, `${node}.${k}.pid`);
    for (const k of ['main', 'vrrp', 'chk', 'bfd']) rmSync(pf(k), { force: true });
    const child = spawn('ip', ['netns', 'exec', n.ns.name, 'keepalived', '-n', '-l', '-D', '-G', '-P', '-f', file,
      '-p', pf('main'), '-r', pf('vrrp'), '-c', pf('chk'), '-b', pf('bfd'), '-i', node], { stdio: ['ignore', 'pipe', 'pipe'] });
    const p = track(`ka:${node}`, child);
    this.procs.push(p);
    const vrrpPid = (): number | undefined => {
      const f = pf('vrrp');
      if (!existsSync(f)) return undefined;
      const v = Number.parseInt(readFileSync(f, 'utf8').trim(), 10);
      return Number.isInteger(v) && v > 0 ? v : undefined;
    };
    // vrrp-notes.md: SIGKILL of the parent alone is not a crash (the child sends priority 0 on
    // its parent-death signal): stop the parent, kill the VRRP child, then kill the parent.
    const crash = async (): Promise<void> => {
      const c = vrrpPid();
      process.kill(p.pid, 'SIGSTOP');
      if (c !== undefined) { try { process.kill(c, 'SIGKILL'); } catch { /* gone */ } }
      await p.stop('SIGKILL');
    };
    return Object.assign(p, { vrrpPid, crash });
  }

  /** Whether node's eth0 holds addr (from `ip -j addr`). */
  hasAddr(node: string, addr: string = VIP4): boolean {
    const j = this.node(node).ns.ipJson('addr', 'show', 'dev', 'eth0') as { addr_info?: { local?: string }[] }[];
    return j.some((l) => (l.addr_info ?? []).some((a) => a.local === addr));
  }

  /** Exactly one holder of addr among the nodes: its name, else undefined. */
  soleHolder(addr: string = VIP4): string | undefined {
    const holders = [...this.nodes.keys()].filter((n) => this.hasAddr(n, addr));
    return holders.length === 1 ? holders[0] : undefined;
  }

  /** One ping from the client (1 s deadline); iputils ping if installed, else busybox's. */
  ping(addr: string = VIP4): boolean {
    const v6 = addr.includes(':');
    const argv = hasCommand('ping') ? ['ping', ...(v6 ? ['-6'] : []), '-c', '1', '-W', '1', addr]
      : ['busybox', v6 ? 'ping6' : 'ping', '-c', '1', '-W', '1', addr];
    try {
      this.client.exec(argv[0]!, ...argv.slice(1));
      return true;
    } catch {
      return false;
    }
  }

  /** The MAC the client's neighbour table has for addr (after a ping). */
  clientNeighbourMac(addr: string = VIP4): string | undefined {
    const j = this.client.ipJson('neigh', 'show', addr) as { lladdr?: string }[];
    return j[0]?.lladdr;
  }

  async captureStart(name = 'br0.pcap'): Promise<string> {
    const file = join(this.dir, name);
    const child = spawn('ip', ['netns', 'exec', this.sw.name, 'tcpdump', '-i', 'br0', '--immediate-mode', '-U', '-n', '-w', file, 'vrrp or (ip6 proto 112) or arp or icmp or icmp6'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.capture = track('tcpdump', child);
    this.procs.push(this.capture);
    await waitFor(() => this.capture!.log().includes('listening'), 5000, 'tcpdump to listen');
    return file;
  }

  async captureStop(): Promise<void> {
    await sleep(200); // -U flushes per packet; let the last ones land
    await this.capture?.stop('SIGINT');
    this.capture = undefined;
  }

  async destroy(): Promise<void> {
    // Workers first (a worker whose parent is gone keeps running until it has stopped).
    for (const p of this.tsProcs) {
      try { await p.crash(); } catch { /* already gone */ }
      const w = p.workerPid();
      if (w !== undefined) { try { process.kill(w, 'SIGKILL'); } catch { /* gone */ } }
    }
    for (const p of this.procs) {
      try { await p.stop('SIGKILL', 2000); } catch { /* already gone */ }
    }
    for (const n of this.nodes.values()) n.ns.destroy();
    this.client?.destroy();
    this.sw.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A keepalived.conf vrrp_instance block from parts (tests state only what matters). */
export function instanceConf(o: {
  name?: string; state?: 'MASTER' | 'BACKUP'; vrid?: number; priority: number; advertInt?: number; version?: 2 | 3;
  pass?: string; vips?: readonly string[]; unicastSrc?: string; peers?: readonly string[]; extra?: string;
}): string {
  const lines = [
    `vrrp_instance ${o.name ?? 'VI_1'} {`,
    `    state ${o.state ?? 'BACKUP'}`,
    '    interface eth0',
    `    virtual_router_id ${o.vrid ?? 51}`,
    `    priority ${o.priority}`,
    `    advert_int ${o.advertInt ?? 1}`,
  ];
  if (o.version !== undefined) lines.push(`    version ${o.version}`);
  if (o.pass !== undefined) lines.push('    authentication {', '        auth_type PASS', `        auth_pass ${o.pass}`, '    }');
  if (o.unicastSrc !== undefined) lines.push(`    unicast_src_ip ${o.unicastSrc}`);
  if (o.peers) lines.push('    unicast_peer {', ...o.peers.map((p) => `        ${p}`), '    }');
  lines.push('    virtual_ipaddress {', ...(o.vips ?? [`${VIP4}/24`]).map((v) => `        ${v}`), '    }');
  if (o.extra) lines.push(o.extra);
  lines.push('}');
  return lines.join('\n') + '\n';
}
