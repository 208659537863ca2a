// VmacPort: the `use_vmac` interfaces on Linux, as keepalived's vrrp/vrrp_vmac.c makes them.
//
// Theory of operation. For each instance with use_vmac the daemon, at start-up (keepalived
// creates its VMACs when it starts, whatever the initial state):
//  1. creates a macvlan (mode private) named vrrp.<VRID> (or the configured name) on the
//     instance's interface, with the virtual router MAC 00:00:5e:00:01:VRID (IPv6
//     00:00:5e:00:02:VRID, RFC 9568 section 7.3) - a leftover of the same name from a crashed
//     run is deleted first, as its MAC or base may differ;
//  2. sets addrgenmode none (a separate request: the kernel refuses IFLA_AF_SPEC in the create)
//     so the kernel derives no link-local from the shared MAC; for IPv6 the base interface's
//     link-local is copied onto the VMAC as the advert source (keepalived does the same);
//  3. sets the sysctls keepalived sets (vrrp_if_config.c): on the base arp_ignore=1 and
//     arp_filter=1, so the base does not answer ARP for a VIP (that lives on the VMAC) with its
//     own MAC; on the VMAC arp_ignore=1, accept_local=1, rp_filter=0, promote_secondaries=1 (its replies route out of
//     the base, so arp_filter there would silence it);
//  4. brings it up. The VRRP socket, the VIPs and the GARPs then use the VMAC like any interface.
// On stop the VMACs are deleted (their VIPs go with them) and the sysctls restored.
// Failures are returned as text, never thrown: the daemon logs them and the instance falls back
// to whatever the kernel gives it.

import { readFileSync, writeFileSync } from 'node:fs';
import type { IpAddress } from '../base/ip.ts';
import {
  encodeLinkDelete,
  encodeLinkSetAddrGenNone,
  encodeLinkSetUp,
  encodeMacvlanCreate,
} from '../netlink/rtnl-link.ts';
import { IFA_F_NODAD, encodeAddrRequest } from '../netlink/rtnl-addr.ts';
import { ifNameToIndex } from './native-socket.ts';
import type { NetlinkResult, NetlinkSocket } from './netlink-socket.ts';

const EEXIST = 17;

export interface VmacSpec {
  /** The VMAC's name (vrrp.<VRID> by default). */
  readonly name: string;
  /** The instance's own interface. */
  readonly base: string;
  readonly mac: Uint8Array;
  readonly family: 4 | 6;
  /** IPv6: the base's link-local, copied onto the VMAC as the advert source. */
  readonly linkLocal?: IpAddress;
}

export interface VmacLog {
  info(msg: string): void;
  warn(msg: string): void;
}

function errText(r: NetlinkResult): string {
  return r.ok ? 'ok' : `errno ${r.error.errno}${r.error.message ? ` (${r.error.message})` : ''}`;
}

export class VmacPort {
  private readonly created = new Set<string>();
  /** /proc/sys path -> the value before we changed it. */
  private readonly savedSysctls = new Map<string, string>();

  constructor(private readonly nl: NetlinkSocket, private readonly log: VmacLog) {}

  /** Creates and brings up one VMAC; resolves with an error text on failure. */
  async create(v: VmacSpec): Promise<string | undefined> {
    const base = ifNameToIndex(v.base);
    if (base === 0) return `base interface ${v.base} not found`;
    const build = (seq: number): Uint8Array => encodeMacvlanCreate(seq, { name: v.name, baseIfindex: base, mac: v.mac });
    let r = await this.nl.request(build);
    if (!r.ok && r.error.errno === EEXIST) {
      // A leftover of a crashed run: start from a clean interface.
      const old = ifNameToIndex(v.name);
      if (old !== 0) await this.nl.request((seq) => encodeLinkDelete(seq, old));
      r = await this.nl.request(build);
    }
    if (!r.ok) return `creating VMAC ${v.name} on ${v.base}: ${errText(r)}`;
    this.created.add(v.name);
    const idx = ifNameToIndex(v.name);
    if (idx === 0) return `VMAC ${v.name} vanished after creation`;
    const ag = await this.nl.request((seq) => encodeLinkSetAddrGenNone(seq, idx));
    if (!ag.ok) this.log.warn(`VMAC ${v.name}: addrgenmode none failed: ${errText(ag)}`);
    const conf = (ifname: string, key: string, value: string): void => this.setSysctl(`/proc/sys/net/ipv4/conf/${ifname}/${key}`, value);
    conf(v.base, 'arp_ignore', '1');
    conf(v.base, 'arp_filter', '1');
    conf(v.name, 'arp_ignore', '1');
    conf(v.name, 'accept_local', '1');
    conf(v.name, 'rp_filter', '0');
    conf(v.name, 'promote_secondaries', '1');
    if (v.family === 6) this.setSysctl(`/proc/sys/net/ipv6/conf/${v.name}/accept_dad`, '0');
    const up = await this.nl.request((seq) => encodeLinkSetUp(seq, idx, true));
    if (!up.ok) return `setting VMAC ${v.name} up: ${errText(up)}`;
    if (v.linkLocal) {
      const ll = v.linkLocal;
      const a = await this.nl.request((seq) => encodeAddrRequest('add', { ifindex: idx, local: ll, prefixLen: 64, scope: 253 /* RT_SCOPE_LINK */, flags: IFA_F_NODAD }, { seq }));
      if (!a.ok) this.log.warn(`VMAC ${v.name}: adding link-local failed: ${errText(a)}`);
    }
    this.log.info(`Success creating VMAC interface ${v.name}`);
    return undefined;
  }

  /** Deletes every VMAC we created and restores the sysctls (base interface first). */
  async removeAll(): Promise<void> {
    for (const name of this.created) {
      const idx = ifNameToIndex(name);
      if (idx === 0) continue;
      const r = await this.nl.request((seq) => encodeLinkDelete(seq, idx));
      if (!r.ok) this.log.warn(`deleting VMAC ${name}: ${errText(r)}`);
      else this.log.info(`Deleted VMAC interface ${name}`);
    }
    this.created.clear();
    for (const [path, value] of this.savedSysctls) {
      try { writeFileSync(path, value); } catch { /* the interface is gone */ }
    }
    this.savedSysctls.clear();
  }

  private setSysctl(path: string, value: string): void {
    try {
      const old = readFileSync(path, 'utf8').trim();
      if (!this.savedSysctls.has(path)) this.savedSysctls.set(path, old);
      if (old !== value) writeFileSync(path, value);
    } catch (e) {
      this.log.warn(`cannot set ${path}=${value}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
