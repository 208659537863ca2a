// rtnetlink links: RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK (struct ifinfomsg,
// <linux/if_link.h>, <linux/if.h>), link up/down, and macvlan creation for `use_vmac`.
//
// Interface state for VRRP comes from ifi_flags: keepalived treats an interface as up when
// IFF_UP and IFF_RUNNING are both set (vrrp/vrrp_if.h FLAGS_UP / IF_ISUP); IFF_RUNNING follows
// the carrier (and operstate UP when the driver reports operstate). Notifications arrive on
// RTNLGRP_LINK as RTM_NEWLINK (any change, including flags) and RTM_DELLINK (gone).
//
// VMAC (keepalived vrrp/vrrp_vmac.c netlink_link_add_vmac): a macvlan on the base interface,
// IFLA_LINKINFO { IFLA_INFO_KIND "macvlan", IFLA_INFO_DATA { IFLA_MACVLAN_MODE } }, IFLA_LINK
// = base ifindex, IFLA_ADDRESS = the virtual router MAC 00:00:5e:00:01:VRID (IPv4) or
// 00:00:5e:00:02:VRID (IPv6) from RFC 9568 section 7.3; keepalived uses mode private unless
// vmac_xmit_base/bridge is configured.
import { ByteWriter } from '../base/bytes.ts';
import { type Decoded, type NlAttr, attrString, attrU32, attrU8, decodeAttrs, findAttr, nestedAttrs } from './attributes.ts';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST, type NlMessage, encodeMessage } from './message.ts';
import { AF_INET6, AF_UNSPEC, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from './rtnl-types.ts';

export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_MASTER = 10;
export const IFLA_TXQLEN = 13;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_LINKINFO = 18;
export const IFLA_EXT_MASK = 29;
export const IFLA_AF_SPEC = 26;
export const IFLA_CARRIER = 33;
export const IFLA_INET6_ADDR_GEN_MODE = 8;
export const IN6_ADDR_GEN_MODE_NONE = 1;

export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_MACVLAN_MODE = 1;
export const IFLA_MACVLAN_FLAGS = 2;

export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_VEPA = 2;
export const MACVLAN_MODE_BRIDGE = 4;
export const MACVLAN_MODE_PASSTHRU = 8;

export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;

/** RFC 2863 operstates as IFLA_OPERSTATE carries them (<linux/if.h> IF_OPER_*). */
export const OPERSTATE_NAMES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'] as const;

export interface LinkMessage {
  /** RTM_NEWLINK or RTM_DELLINK. */
  readonly type: number;
  readonly ifindex: number;
  /** ARPHRD_* (1 = Ethernet, 772 = loopback). */
  readonly hwType: number;
  /** IFF_* */
  readonly flags: number;
  /** ifi_change: which flags changed (notifications; 0xffffffff on some). */
  readonly change: number;
  readonly name?: string;
  readonly mtu?: number;
  readonly address?: Uint8Array;
  readonly broadcast?: Uint8Array;
  readonly operstate?: number;
  readonly carrier?: number;
  readonly master?: number;
  /** IFLA_LINK: the lower device (a macvlan's base, a veth's peer index). */
  readonly link?: number;
  /** IFLA_INFO_KIND ("macvlan", "veth", "bridge"...). */
  readonly kind?: string;
  readonly macvlanMode?: number;
  readonly attrs: readonly NlAttr[];
}

/** keepalived's notion of "up": administratively up and running (carrier). */
export function linkIsUp(l: Pick<LinkMessage, 'flags'>): boolean {
  return (l.flags & (IFF_UP | IFF_RUNNING)) === (IFF_UP | IFF_RUNNING);
}

function ifinfomsg(ifindex: number, flags: number, change: number): Uint8Array {
  // { u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change }
  return new ByteWriter(16).u8(AF_UNSPEC).u8(0).u16le(0).u32le(ifindex).u32le(flags).u32le(change).finish();
}

export function encodeLinkDump(seq: number): Uint8Array {
  return encodeMessage({ type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, pid: 0 }, new Uint8Array(0), ifinfomsg(0, 0, 0));
}

/** RTM_GETLINK for one interface, by index (or by name when ifindex is 0). */
export function encodeLinkGet(seq: number, ifindex: number, name?: string): Uint8Array {
  return encodeMessage({ type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, pid: 0 }, (w) => {
    if (name !== undefined) w.string(IFLA_IFNAME, name);
  }, ifinfomsg(ifindex, 0, 0));
}

/** `ip link set dev X up|down`: RTM_NEWLINK changing only IFF_UP. */
export function encodeLinkSetUp(seq: number, ifindex: number, up: boolean): Uint8Array {
  return encodeMessage({ type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, pid: 0 }, new Uint8Array(0), ifinfomsg(ifindex, up ? IFF_UP : 0, IFF_UP));
}

export function encodeLinkDelete(seq: number, ifindex: number): Uint8Array {
  return encodeMessage({ type: RTM_DELLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, pid: 0 }, new Uint8Array(0), ifinfomsg(ifindex, 0, 0));
}

export interface MacvlanSpec {
  readonly name: string;
  /** Index of the base interface. */
  readonly baseIfindex: number;
  readonly mac: Uint8Array;
  /** MACVLAN_MODE_*; keepalived's default is private. */
  readonly mode?: number;
  /**
   * Create it administratively up. keepalived creates it down, sends encodeLinkSetAddrGenNone
   * (the kernel refuses IFLA_AF_SPEC in the create itself: EAFNOSUPPORT, as `ip link add ...
   * addrgenmode none` does), then sets it up.
   */
  readonly up?: boolean;
}

/** The VRRP virtual router MAC for a VRID (RFC 9568 section 7.3). */
export function vrrpMac(vrid: number, family: 4 | 6): Uint8Array {
  return Uint8Array.of(0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid & 0xff);
}

/** RTM_NEWLINK creating a macvlan (`ip link add NAME link BASE address MAC type macvlan mode M`). */
export function encodeMacvlanCreate(seq: number, m: MacvlanSpec): Uint8Array {
  return encodeMessage(
    { type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq, pid: 0 },
    (w) => {
      w.string(IFLA_IFNAME, m.name);
      w.u32(IFLA_LINK, m.baseIfindex);
      w.bytes(IFLA_ADDRESS, m.mac);
      w.nest(IFLA_LINKINFO, (li) => {
        li.string(IFLA_INFO_KIND, 'macvlan');
        li.nest(IFLA_INFO_DATA, (d) => d.u32(IFLA_MACVLAN_MODE, m.mode ?? MACVLAN_MODE_PRIVATE));
      });
    },
    ifinfomsg(0, m.up ? IFF_UP : 0, m.up ? IFF_UP : 0),
  );
}

/**
 * `ip link set DEV addrgenmode none`: IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE } }.
 * For a VMAC (keepalived vrrp_vmac.c): no kernel link-local address derived from the VRRP MAC,
 * which every router of the VRID shares; keepalived adds its own link-local address instead.
 */
export function encodeLinkSetAddrGenNone(seq: number, ifindex: number): Uint8Array {
  return encodeMessage({ type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, pid: 0 }, (w) => {
    w.nest(IFLA_AF_SPEC, (af) => af.nest(AF_INET6, (v6) => v6.u8(IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE)));
  }, ifinfomsg(ifindex, 0, 0));
}

export function decodeLink(msg: NlMessage): Decoded<LinkMessage> {
  const p = msg.payload;
  if (msg.type !== RTM_NEWLINK && msg.type !== RTM_DELLINK) return { ok: false, error: `not a link message (${msg.type})`, offset: 0 };
  if (p.length < 16) return { ok: false, error: 'short ifinfomsg', offset: 0 };
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const attrs = decodeAttrs(p, 16);
  if (!attrs.ok) return attrs;
  const a = attrs.value;
  let kind: string | undefined;
  let macvlanMode: number | undefined;
  const li = findAttr(a, IFLA_LINKINFO);
  if (li) {
    const inner = nestedAttrs(li);
    if (inner.ok) {
      kind = attrString(findAttr(inner.value, IFLA_INFO_KIND));
      const data = findAttr(inner.value, IFLA_INFO_DATA);
      if (data && (kind === 'macvlan' || kind === 'macvtap')) {
        const d = nestedAttrs(data);
        if (d.ok) macvlanMode = attrU32(findAttr(d.value, IFLA_MACVLAN_MODE));
      }
    }
  }
  const opt = <K extends string, T>(k: K, val: T | undefined): { [P in K]?: T } => (val === undefined ? {} : ({ [k]: val } as { [P in K]?: T }));
  return {
    ok: true,
    value: {
      type: msg.type,
      hwType: v.getUint16(2, true),
      ifindex: v.getInt32(4, true),
      flags: v.getUint32(8, true),
      change: v.getUint32(12, true),
      ...opt('name', attrString(findAttr(a, IFLA_IFNAME))),
      ...opt('mtu', attrU32(findAttr(a, IFLA_MTU))),
      ...opt('address', findAttr(a, IFLA_ADDRESS)?.data.slice()),
      ...opt('broadcast', findAttr(a, IFLA_BROADCAST)?.data.slice()),
      ...opt('operstate', attrU8(findAttr(a, IFLA_OPERSTATE))),
      ...opt('carrier', attrU8(findAttr(a, IFLA_CARRIER))),
      ...opt('master', attrU32(findAttr(a, IFLA_MASTER))),
      ...opt('link', attrU32(findAttr(a, IFLA_LINK))),
      ...opt('kind', kind),
      ...opt('macvlanMode', macvlanMode),
      attrs: a,
    },
  };
}
