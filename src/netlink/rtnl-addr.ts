// rtnetlink addresses: RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR (struct ifaddrmsg,
// <linux/if_addr.h>).
//
// Encoding follows iproute2's `ip addr add` (ipaddress.c ipaddr_modify): IFA_LOCAL is the
// address, IFA_ADDRESS the peer or the address again, IFA_BROADCAST for IPv4, IFA_LABEL
// (IPv4 only: "eth0:vip"), the low 8 flag bits in ifa_flags and all 32 in IFA_FLAGS (nodad,
// noprefixroute, mngtmpaddr...), lifetimes in IFA_CACHEINFO. keepalived's vrrp/vrrp_ipaddress.c
// netlink_ipaddress sends the same shape for virtual_ipaddress.
// Decoding keeps every attribute (`attrs`) and exposes the ones we use; IFA_FLAGS, when present,
// supersedes the 8-bit ifa_flags (the kernel sets both).
import { ByteWriter } from '../base/bytes.ts';
import type { IpAddress } from '../base/ip.ts';
import { type Decoded, type NlAttr, attrString, attrU32, decodeAttrs, findAttr } from './attributes.ts';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, type NlMessage, encodeMessage } from './message.ts';
import { AF_INET, AF_UNSPEC, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR, afToFamily, familyToAf, ipOfFamily } from './rtnl-types.ts';

export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;
export const IFA_RT_PRIORITY = 9;
export const IFA_PROTO = 11;

export const IFA_F_SECONDARY = 0x01;
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;

/** "forever" in IFA_CACHEINFO lifetimes. */
export const INFINITY_LIFE_TIME = 0xffffffff;

export interface AddressSpec {
  readonly ifindex: number;
  readonly local: IpAddress;
  readonly prefixLen: number;
  /** Point-to-point peer; default: the address itself. */
  readonly peer?: IpAddress;
  /** IPv4 broadcast address. */
  readonly broadcast?: IpAddress;
  /** IPv4 label ("eth0:1"); must start with the device name (iproute2 enforces, the kernel doesn't). */
  readonly label?: string;
  /** RT_SCOPE_*; default universe (global). */
  readonly scope?: number;
  /** IFA_F_* (IFA_F_NODAD for IPv6 nodad, ...). */
  readonly flags?: number;
  /** Seconds; INFINITY_LIFE_TIME for forever. keepalived sets preferred 0 for deprecated VIPs. */
  readonly preferredLftS?: number;
  readonly validLftS?: number;
}

export interface AddrRequestOptions {
  readonly seq: number;
  /** For add: replace an existing address instead of failing with EEXIST. */
  readonly replace?: boolean;
}

function ifaddrmsg(af: number, prefixLen: number, flags: number, scope: number, ifindex: number): Uint8Array {
  return new ByteWriter(8).u8(af).u8(prefixLen).u8(flags & 0xff).u8(scope).u32le(ifindex).finish();
}

/** RTM_NEWADDR (op 'add') or RTM_DELADDR (op 'del'), with NLM_F_ACK. */
export function encodeAddrRequest(op: 'add' | 'del', a: AddressSpec, o: AddrRequestOptions): Uint8Array {
  const af = familyToAf(a.local.family);
  const flags = a.flags ?? 0;
  const nlFlags = NLM_F_REQUEST | NLM_F_ACK | (op === 'add' ? NLM_F_CREATE | (o.replace ? NLM_F_REPLACE : NLM_F_EXCL) : 0);
  return encodeMessage(
    { type: op === 'add' ? RTM_NEWADDR : RTM_DELADDR, flags: nlFlags, seq: o.seq, pid: 0 },
    (w) => {
      w.bytes(IFA_LOCAL, a.local.bytes);
      w.bytes(IFA_ADDRESS, (a.peer ?? a.local).bytes);
      if (a.broadcast && af === AF_INET) w.bytes(IFA_BROADCAST, a.broadcast.bytes);
      if (a.label !== undefined && af === AF_INET) w.string(IFA_LABEL, a.label);
      if (flags & ~0xff) w.u32(IFA_FLAGS, flags);
      if (a.preferredLftS !== undefined || a.validLftS !== undefined) {
        // struct ifa_cacheinfo { u32 ifa_prefered, ifa_valid, cstamp, tstamp }
        const ci = new ByteWriter(16)
          .u32le(a.preferredLftS ?? INFINITY_LIFE_TIME)
          .u32le(a.validLftS ?? INFINITY_LIFE_TIME)
          .u32le(0)
          .u32le(0)
          .finish();
        w.bytes(IFA_CACHEINFO, ci);
      }
    },
    ifaddrmsg(af, a.prefixLen, flags, a.scope ?? 0, a.ifindex),
  );
}

/** RTM_GETADDR dump; family 4, 6 or undefined for both. */
export function encodeAddrDump(seq: number, family?: 4 | 6): Uint8Array {
  const af = family === undefined ? AF_UNSPEC : familyToAf(family);
  return encodeMessage({ type: RTM_GETADDR, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, pid: 0 }, new Uint8Array(0), ifaddrmsg(af, 0, 0, 0, 0));
}

export interface AddrMessage {
  /** RTM_NEWADDR or RTM_DELADDR. */
  readonly type: number;
  readonly family: 4 | 6;
  readonly prefixLen: number;
  /** IFA_F_* (from IFA_FLAGS when present). */
  readonly flags: number;
  readonly scope: number;
  readonly ifindex: number;
  /** The interface's own address (IFA_LOCAL, or IFA_ADDRESS when IFA_LOCAL is absent as for IPv6). */
  readonly local?: IpAddress;
  /** IFA_ADDRESS as sent: the peer on point-to-point links, else the address again. */
  readonly address?: IpAddress;
  readonly broadcast?: IpAddress;
  readonly label?: string;
  readonly preferredLftS?: number;
  readonly validLftS?: number;
  /** Every attribute in order, known or not. */
  readonly attrs: readonly NlAttr[];
}

/** Decodes RTM_NEWADDR / RTM_DELADDR (dump replies and notifications). */
export function decodeAddr(msg: NlMessage): Decoded<AddrMessage> {
  const p = msg.payload;
  if (msg.type !== RTM_NEWADDR && msg.type !== RTM_DELADDR) return { ok: false, error: `not an address message (${msg.type})`, offset: 0 };
  if (p.length < 8) return { ok: false, error: 'short ifaddrmsg', offset: 0 };
  const af = p[0]!;
  const family = afToFamily(af);
  if (family === undefined) return { ok: false, error: `address family ${af}`, offset: 0 };
  const attrs = decodeAttrs(p, 8);
  if (!attrs.ok) return attrs;
  const a = attrs.value;
  const ci = findAttr(a, IFA_CACHEINFO);
  const civ = ci && ci.data.length >= 8 ? new DataView(ci.data.buffer, ci.data.byteOffset, 8) : undefined;
  // IPv6 addresses arrive with IFA_ADDRESS only; like iproute2 (print_addrinfo), the
  // interface's own address is IFA_LOCAL when present, else IFA_ADDRESS.
  const address = ipOfFamily(af, findAttr(a, IFA_ADDRESS)?.data);
  const local = ipOfFamily(af, findAttr(a, IFA_LOCAL)?.data) ?? address;
  const broadcast = ipOfFamily(af, findAttr(a, IFA_BROADCAST)?.data);
  const label = attrString(findAttr(a, IFA_LABEL));
  return {
    ok: true,
    value: {
      type: msg.type,
      family,
      prefixLen: p[1]!,
      flags: attrU32(findAttr(a, IFA_FLAGS)) ?? p[2]!,
      scope: p[3]!,
      ifindex: new DataView(p.buffer, p.byteOffset + 4, 4).getUint32(0, true),
      ...(local ? { local } : {}),
      ...(address ? { address } : {}),
      ...(broadcast ? { broadcast } : {}),
      ...(label !== undefined ? { label } : {}),
      ...(civ ? { preferredLftS: civ.getUint32(0, true), validLftS: civ.getUint32(4, true) } : {}),
      attrs: a,
    },
  };
}
