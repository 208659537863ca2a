// Network namespaces for root tests: create uniquely named namespaces, wire them with veths
// and bridges, run commands inside, and open sockets inside from this very process.
//
// API (kept small on purpose):
//   const ns = Netns.create('vrrp')         // name "kts-vrrp-<pid>-<n>", loopback up
//   ns.ip('addr', 'add', '10.0.0.1/24', 'dev', 'veth0')   // `ip -n <name> ...`, returns stdout
//   ns.ipJson('addr', 'show')               // `ip -j -n <name> ...` parsed
//   ns.exec('sysctl', '-w', 'x=y')          // any command under `ip netns exec <name>`
//   ns.spawn('tcpdump', ...)                // a long-running child inside (caller kills it by pid)
//   ns.run(() => NativeSocket.open(...))    // call fn with THIS thread inside the namespace
//   vethPair(a, 'va', b, 'vb')              // veth va in a <-> vb in b, both up
//   ns.destroy()                            // idempotent; also done by destroyAll()
// Every namespace is destroyed by destroyAll() (call it from an after() hook) and, as a last
// resort, on process exit. Names carry process.pid: test files run in parallel.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setNetns } from '../../src/os/native-socket.ts';

let counter = 0;
const live = new Set<Netns>();

export class Netns {
  private destroyed = false;
  private constructor(readonly name: string) {}

  /** A fresh namespace with `lo` up. Throws if `ip netns add` fails. */
  static create(tag: string): Netns {
    const name = `kts-${tag}-${process.pid}-${counter++}`;
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    const ns = new Netns(name);
    live.add(ns);
    ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** `ip -n <name> args...`; throws with stderr on failure. */
  ip(...args: string[]): string {
    return execFileSync('ip', ['-n', this.name, ...args], { encoding: 'utf8', stdio: 'pipe' });
  }

  /** `ip -j -n <name> args...` parsed (`[]` when ip prints nothing). */
  ipJson(...args: string[]): unknown {
    const out = execFileSync('ip', ['-j', '-n', this.name, ...args], { encoding: 'utf8', stdio: 'pipe' });
    return out.trim() === '' ? [] : JSON.parse(out);
  }

  /** Any command inside the namespace; returns stdout, throws on a non-zero exit. */
  exec(cmd: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8', stdio: 'pipe' });
  }

  /** A background process inside the namespace. The caller ends it with child.kill() (its own pid). */
  spawn(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: 'pipe', ...opts });
  }

  /**
   * Runs fn synchronously with the JS thread inside this namespace, then moves back. Sockets
   * fn opens stay in this namespace for their whole life (setns(2) semantics).
   */
  run<T>(fn: () => T): T {
    const home = openSync('/proc/thread-self/ns/net', 'r');
    const there = openSync(`/run/netns/${this.name}`, 'r');
    try {
      const e = setNetns(there);
      if (e !== 0) throw new Error(`setns(${this.name}) failed: errno ${e}`);
      try {
        return fn();
      } finally {
        const back = setNetns(home);
        if (back !== 0) throw new Error(`setns back to the home namespace failed: errno ${back}`);
      }
    } finally {
      closeSync(there);
      closeSync(home);
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'pipe' });
    } catch {
      // already gone
    }
  }
}

/** A veth pair with one end in each namespace, both ends up. */
export function vethPair(a: Netns, aName: string, b: Netns, bName: string): void {
  a.ip('link', 'add', aName, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name);
  a.ip('link', 'set', aName, 'up');
  b.ip('link', 'set', bName, 'up');
}

/** A bridge inside ns (up), with the listed interfaces of ns enslaved to it. */
export function bridge(ns: Netns, name: string, ports: string[]): void {
  ns.ip('link', 'add', name, 'type', 'bridge');
  ns.ip('link', 'set', name, 'up');
  for (const p of ports) ns.ip('link', 'set', p, 'master', name);
}

/** Destroys every namespace this process created. */
export function destroyAll(): void {
  for (const ns of [...live]) ns.destroy();
}

process.on('exit', destroyAll);
