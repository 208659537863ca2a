// rtnetlink routes: RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE (struct rtmsg,
// <linux/rtnetlink.h>), for keepalived's virtual_routes / static_routes.
//
// Encoding follows iproute2 `ip route add` (iproute.c iproute_modify) and keepalived
// vrrp/vrrp_iproute.c netlink_route: a table below 256 goes in rtm_table, a larger one in
// RTA_TABLE with rtm_table = RT_TABLE_UNSPEC; the metric is RTA_PRIORITY; mtu/advmss...
// are nested RTAX_* inside RTA_METRICS; multipath is RTA_MULTIPATH, a list of struct
// rtnexthop {u16 len, u8 flags, u8 hops (weight-1), s32 ifindex} each followed by its own
// attributes (RTA_GATEWAY). Deleting needs only the identifying fields (dst, table, tos,
// metric, type); the kernel matches the rest if given.
import { ByteWriter } from '../base/bytes.ts';
import type { IpAddress, IpFamily } from '../base/ip.ts';
import { AttrWriter, type Decoded, type NlAttr, attrU32, decodeAttrs, findAttr, nestedAttrs } from './attributes.ts';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, type NlMessage, encodeMessage } from './message.ts';
import { AF_UNSPEC, RTM_DELROUTE, RTM_GETROUTE, RTM_NEWROUTE, afToFamily, familyToAf, ipOfFamily } from './rtnl-types.ts';

export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_FLOW = 11;
export const RTA_TABLE = 15;
export const RTA_MARK = 16;
export const RTA_PREF = 20;

export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_ANYCAST = 4;
export const RTN_MULTICAST = 5;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;
export const RTN_NAT = 10;

/** Route type names as `ip route` writes them. */
export const ROUTE_TYPE_BY_NAME: Readonly<Record<string, number>> = {
  unicast: RTN_UNICAST, local: RTN_LOCAL, broadcast: RTN_BROADCAST, anycast: RTN_ANYCAST, multicast: RTN_MULTICAST,
  blackhole: RTN_BLACKHOLE, unreachable: RTN_UNREACHABLE, prohibit: RTN_PROHIBIT, throw: RTN_THROW, nat: RTN_NAT,
};

export const RTPROT_UNSPEC = 0;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_KEEPALIVED = 18;

export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

export const RTNH_F_ONLINK = 4;

// enum RTAX_* (metrics)
export const RTAX_MTU = 2;
export const RTAX_WINDOW = 3;
export const RTAX_RTT = 4;
export const RTAX_ADVMSS = 8;
export const RTAX_HOPLIMIT = 10;
export const RTAX_INITCWND = 11;
export const RTAX_INITRWND = 14;

export interface Nexthop {
  readonly gateway?: IpAddress;
  readonly ifindex?: number;
  /** 1..256 (sent as hops = weight - 1). */
  readonly weight?: number;
  /** RTNH_F_* (RTNH_F_ONLINK). */
  readonly flags?: number;
}

export interface RouteSpec {
  readonly family: IpFamily;
  /** Destination; prefixLen 0 with an all-zero address is the default route. */
  readonly dst: IpAddress;
  readonly dstLen: number;
  /** `from` source prefix (policy routing); IPv6 only in practice. */
  readonly src?: IpAddress;
  readonly srcLen?: number;
  /** RT_TABLE_MAIN unless given. */
  readonly table?: number;
  /** RTPROT_*; default RTPROT_BOOT as `ip route add`. */
  readonly protocol?: number;
  /** RT_SCOPE_*; default universe, link for a route without gateway, host for local. */
  readonly scope?: number;
  /** RTN_*; default unicast. */
  readonly type?: number;
  readonly tos?: number;
  readonly oif?: number;
  readonly gateway?: IpAddress;
  /** `src ADDR`: preferred source (RTA_PREFSRC). */
  readonly prefsrc?: IpAddress;
  /** `metric N`: RTA_PRIORITY. */
  readonly metric?: number;
  /** rtm_flags (RTNH_F_ONLINK for `onlink`). */
  readonly flags?: number;
  /** RTAX_* -> value, e.g. {[RTAX_MTU]: 1400}. */
  readonly metrics?: Readonly<Record<number, number>>;
  readonly nexthops?: readonly Nexthop[];
  readonly realm?: number;
  readonly pref?: number;
}

function rtmsg(s: { family: IpFamily | 0; dstLen: number; srcLen: number; tos: number; table: number; protocol: number; scope: number; type: number; flags: number }): Uint8Array {
  const af = s.family === 0 ? AF_UNSPEC : familyToAf(s.family);
  return new ByteWriter(12)
    .u8(af).u8(s.dstLen).u8(s.srcLen).u8(s.tos)
    .u8(s.table).u8(s.protocol).u8(s.scope).u8(s.type)
    .u32le(s.flags)
    .finish();
}

/** RTM_NEWROUTE ('add', 'replace') or RTM_DELROUTE ('del'), with NLM_F_ACK. */
export function encodeRouteRequest(op: 'add' | 'replace' | 'del', r: RouteSpec, seq: number): Uint8Array {
  const table = r.table ?? RT_TABLE_MAIN;
  // iproute2 iproute_modify: a delete leaves type/protocol 0 and scope NOWHERE (wildcards).
  const type = r.type ?? (op === 'del' ? 0 : RTN_UNICAST);
  // iproute2: scope link for a gatewayless unicast route, host for local, else universe.
  const hasGw = r.gateway !== undefined || (r.nexthops ?? []).some((n) => n.gateway);
  const scope = r.scope ?? (type === RTN_LOCAL ? 254 : type === RTN_UNICAST && !hasGw && op !== 'del' ? 253 : 0);
  const flags =
    op === 'del' ? NLM_F_REQUEST | NLM_F_ACK : NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | (op === 'replace' ? NLM_F_REPLACE : NLM_F_EXCL);
  const fixed = rtmsg({
    family: r.family, dstLen: r.dstLen, srcLen: r.srcLen ?? 0, tos: r.tos ?? 0,
    table: table < 256 ? table : RT_TABLE_UNSPEC,
    protocol: op === 'del' ? r.protocol ?? 0 : r.protocol ?? RTPROT_BOOT,
    scope: op === 'del' && r.scope === undefined ? 255 /* RT_SCOPE_NOWHERE: match any */ : scope,
    type, flags: r.flags ?? 0,
  });
  return encodeMessage({ type: op === 'del' ? RTM_DELROUTE : RTM_NEWROUTE, flags, seq, pid: 0 }, (w) => {
    if (r.dstLen > 0) w.bytes(RTA_DST, r.dst.bytes);
    if (r.src && (r.srcLen ?? 0) > 0) w.bytes(RTA_SRC, r.src.bytes);
    if (table >= 256) w.u32(RTA_TABLE, table);
    if (r.prefsrc) w.bytes(RTA_PREFSRC, r.prefsrc.bytes);
    if (r.gateway) w.bytes(RTA_GATEWAY, r.gateway.bytes);
    if (r.oif !== undefined) w.u32(RTA_OIF, r.oif);
    if (r.metric !== undefined) w.u32(RTA_PRIORITY, r.metric);
    if (r.realm !== undefined) w.u32(RTA_FLOW, r.realm);
    if (r.pref !== undefined) w.u8(RTA_PREF, r.pref);
    const metrics = Object.entries(r.metrics ?? {});
    if (metrics.length > 0) w.nest(RTA_METRICS, (m) => { for (const [k, v] of metrics) m.u32(Number(k), v); });
    if (r.nexthops && r.nexthops.length > 0) w.bytes(RTA_MULTIPATH, encodeNexthops(r.nexthops));
  }, fixed);
}

function encodeNexthops(nhs: readonly Nexthop[]): Uint8Array {
  const w = new ByteWriter(64);
  for (const nh of nhs) {
    const attrs = new AttrWriter();
    if (nh.gateway) attrs.bytes(RTA_GATEWAY, nh.gateway.bytes);
    const a = attrs.finish();
    w.u16le(8 + a.length).u8(nh.flags ?? 0).u8((nh.weight ?? 1) - 1).u32le(nh.ifindex ?? 0).bytes(a);
  }
  return w.finish();
}

export function encodeRouteDump(seq: number, family?: IpFamily): Uint8Array {
  return encodeMessage({ type: RTM_GETROUTE, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, pid: 0 }, new Uint8Array(0),
    rtmsg({ family: family ?? 0, dstLen: 0, srcLen: 0, tos: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0 }));
}

export interface RouteMessage extends Required<Pick<RouteSpec, 'family' | 'dst' | 'dstLen' | 'table' | 'protocol' | 'scope' | 'type' | 'tos' | 'flags'>> {
  /** RTM_NEWROUTE or RTM_DELROUTE. */
  readonly msgType: number;
  readonly srcLen: number;
  readonly src?: IpAddress;
  readonly oif?: number;
  readonly gateway?: IpAddress;
  readonly prefsrc?: IpAddress;
  readonly metric?: number;
  readonly nexthops?: readonly Nexthop[];
  readonly attrs: readonly NlAttr[];
}

export function decodeRoute(msg: NlMessage): Decoded<RouteMessage> {
  const p = msg.payload;
  if (msg.type !== RTM_NEWROUTE && msg.type !== RTM_DELROUTE) return { ok: false, error: `not a route message (${msg.type})`, offset: 0 };
  if (p.length < 12) return { ok: false, error: 'short rtmsg', offset: 0 };
  const af = p[0]!;
  const family = afToFamily(af);
  if (family === undefined) return { ok: false, error: `route family ${af}`, offset: 0 };
  const attrs = decodeAttrs(p, 12);
  if (!attrs.ok) return attrs;
  const a = attrs.value;
  const zero: IpAddress = { family, bytes: new Uint8Array(family === 4 ? 4 : 16) };
  const get = (t: number): IpAddress | undefined => ipOfFamily(af, findAttr(a, t)?.data);
  const src = get(RTA_SRC);
  const gateway = get(RTA_GATEWAY);
  const prefsrc = get(RTA_PREFSRC);
  const oif = attrU32(findAttr(a, RTA_OIF));
  const metric = attrU32(findAttr(a, RTA_PRIORITY));
  const mp = findAttr(a, RTA_MULTIPATH);
  const nexthops = mp ? decodeNexthops(af, mp.data) : undefined;
  return {
    ok: true,
    value: {
      msgType: msg.type, family, dstLen: p[1]!, srcLen: p[2]!, tos: p[3]!,
      table: attrU32(findAttr(a, RTA_TABLE)) ?? p[4]!,
      protocol: p[5]!, scope: p[6]!, type: p[7]!,
      flags: new DataView(p.buffer, p.byteOffset + 8, 4).getUint32(0, true),
      dst: get(RTA_DST) ?? zero,
      ...(src ? { src } : {}),
      ...(gateway ? { gateway } : {}),
      ...(prefsrc ? { prefsrc } : {}),
      ...(oif !== undefined ? { oif } : {}),
      ...(metric !== undefined ? { metric } : {}),
      ...(nexthops ? { nexthops } : {}),
      attrs: a,
    },
  };
}

function decodeNexthops(af: number, b: Uint8Array): Nexthop[] | undefined {
  const out: Nexthop[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 0;
  while (off + 8 <= b.length) {
    const len = v.getUint16(off, true);
    if (len < 8 || off + len > b.length) return undefined;
    const inner = decodeAttrs(b, off + 8, off + len);
    const gateway = inner.ok ? ipOfFamily(af, findAttr(inner.value, RTA_GATEWAY)?.data) : undefined;
    out.push({ flags: b[off + 2]!, weight: b[off + 3]! + 1, ifindex: v.getInt32(off + 4, true), ...(gateway ? { gateway } : {}) });
    off += (len + 3) & ~3;
  }
  return out;
}

/** RTA_METRICS of a decoded route, as RTAX_* -> value. */
export function routeMetrics(r: Pick<RouteMessage, 'attrs'>): Record<number, number> {
  const m = findAttr(r.attrs, RTA_METRICS);
  const out: Record<number, number> = {};
  const inner = m ? nestedAttrs(m) : undefined;
  if (inner?.ok) for (const a of inner.value) { const v = attrU32(a); if (v !== undefined) out[a.type] = v; }
  return out;
}
