// The addresses configured on each interface, read once with an rtnetlink RTM_GETADDR dump: the
// daemon needs each VRRP interface's primary IPv4 address and IPv6 link-local address as the
// advert source (keepalived vrrp.c vrrp_complete_instance takes the interface's first address).

import { formatIp, type IpAddress } from '../base/ip.ts';
import { decodeAddr, encodeAddrDump, IFA_F_SECONDARY, IFA_F_TENTATIVE, IFA_F_DADFAILED } from '../netlink/rtnl-addr.ts';
import { ifIndexToName } from './native-socket.ts';
import type { NetlinkSocket } from './netlink-socket.ts';

export interface InterfaceAddress {
  readonly addr: IpAddress;
  readonly prefixLen: number;
  readonly flags: number;
}

/** ifname -> addresses in the kernel's order (the order they were added). */
export async function dumpInterfaceAddresses(nl: NetlinkSocket): Promise<Map<string, InterfaceAddress[]>> {
  const out = new Map<string, InterfaceAddress[]>();
  const r = await nl.request((seq) => encodeAddrDump(seq));
  if (!r.ok) return out;
  for (const m of r.replies) {
    const d = decodeAddr(m);
    if (!d.ok) continue;
    const a = d.value.local ?? d.value.address;
    const name = ifIndexToName(d.value.ifindex);
    if (!a || name === undefined) continue;
    const list = out.get(name) ?? [];
    list.push({ addr: a, prefixLen: d.value.prefixLen, flags: d.value.flags });
    out.set(name, list);
  }
  return out;
}

/**
 * The advert source for an interface: IPv4 = its first primary (non-secondary) address that is
 * not one of `exclude` (our own VIPs, possibly left behind by a crash); IPv6 = its link-local.
 */
export function primaryAddressOf(
  addrs: ReadonlyMap<string, readonly InterfaceAddress[]>,
  ifname: string,
  family: 4 | 6,
  exclude: ReadonlySet<string> = new Set(),
): IpAddress | undefined {
  const list = (addrs.get(ifname) ?? []).filter((a) => a.addr.family === family && !exclude.has(formatIp(a.addr)));
  if (family === 4) return (list.find((a) => (a.flags & IFA_F_SECONDARY) === 0) ?? list[0])?.addr;
  const ll = list.filter((a) => a.addr.bytes[0] === 0xfe && (a.addr.bytes[1]! & 0xc0) === 0x80);
  return (ll.find((a) => (a.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) === 0) ?? ll[0])?.addr;
}
