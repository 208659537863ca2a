// DemoNet: the demo's network, all in namespaces named PREFIX<node> (nothing touches the root
// namespace): "sw" holds bridge br0 (no STP, no multicast snooping, so VRRP multicast floods at
// once); every other node has one veth named after the configuration's interface (eth0) on it.
// (The real servers' LVS-DR set-up - VIP on lo, arp_ignore/arp_announce - is done by
// `keepalived-ts realserver apply`, as a user would: see demo-lab.ts.)
// unplug()/plug() set a node's switch port down/up: the demo's "machine dies" and "comes back".
import { execFileSync } from 'node:child_process';

export interface NetNode {
  readonly name: string;
  readonly ip: string;
}

const run = (cmd: string, args: readonly string[]): string =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export class DemoNet {
  private readonly made: string[] = [];

  constructor(readonly prefix: string, readonly iface: string, readonly prefixLen: number) {}

  ns(node: string): string {
    return `${this.prefix}${node}`;
  }

  /** `ip -n NS args` */
  ip(node: string, ...args: string[]): string {
    return run('ip', ['-n', this.ns(node), ...args]);
  }

  /** Any command inside the node's namespace. */
  exec(node: string, cmd: string, ...args: string[]): string {
    return run('ip', ['netns', 'exec', this.ns(node), cmd, ...args]);
  }

  private add(node: string): void {
    run('ip', ['netns', 'add', this.ns(node)]);
    this.made.push(node);
    this.ip(node, 'link', 'set', 'lo', 'up');
  }

  build(nodes: readonly NetNode[]): void {
    this.add('sw');
    this.ip('sw', 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0');
    this.ip('sw', 'link', 'set', 'br0', 'up');
    for (const n of nodes) {
      this.add(n.name);
      this.ip('sw', 'link', 'add', `p${n.name}`, 'type', 'veth', 'peer', 'name', this.iface, 'netns', this.ns(n.name));
      this.ip('sw', 'link', 'set', `p${n.name}`, 'master', 'br0', 'up');
      this.ip(n.name, 'addr', 'add', `${n.ip}/${this.prefixLen}`, 'dev', this.iface);
      this.ip(n.name, 'link', 'set', this.iface, 'up');
    }
  }

  unplug(node: string): void {
    this.ip('sw', 'link', 'set', `p${node}`, 'down');
  }

  /** Whether the node's switch port is administratively down. */
  isDown(node: string): boolean {
    const j = JSON.parse(this.ip('sw', '-j', 'link', 'show', `p${node}`) || '[]') as { flags?: string[] }[];
    return j.length === 1 && !(j[0]!.flags ?? []).includes('UP');
  }

  plug(node: string): void {
    this.ip('sw', 'link', 'set', `p${node}`, 'up');
  }

  /** Whether the node's interface holds addr (`ip -j addr`, the kernel's word, not the daemon's). */
  holds(node: string, addr: string): boolean {
    try {
      const j = JSON.parse(this.ip(node, '-j', 'addr', 'show', 'dev', this.iface) || '[]') as { addr_info?: { local?: string }[] }[];
      return j.some((l) => (l.addr_info ?? []).some((a) => a.local === addr));
    } catch {
      return false;
    }
  }

  /** Deletes every namespace this object made (idempotent, never throws). */
  destroy(): void {
    for (const n of this.made.splice(0).reverse()) {
      try { run('ip', ['netns', 'del', this.ns(n)]); } catch { /* already gone */ }
    }
  }

  /** Namespaces with this prefix that still exist (`ip netns list`). */
  left(): string[] {
    let out = '';
    try { out = run('ip', ['netns', 'list']); } catch { /* no netns support: none left */ }
    return out.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(this.prefix));
  }
}
