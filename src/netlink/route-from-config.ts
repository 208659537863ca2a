// routeSpecFromConfig: one virtual_routes / static_routes line (the config model's
// VirtualRoute, ip-route words) -> the RouteSpec that rtnl-route.ts encodes.
//
// Defaults are keepalived 2.2.7's, not iproute2's (vrrp/vrrp_iproute.c; checked against
// keepalived itself in test/netns/netlink-config-routes.test.ts): protocol "keepalived"
// (RTPROT_KEEPALIVED 18) and scope global even for a route without a gateway, where
// `ip route add` would choose boot and link.
// Names that need /etc/iproute2 files (tables, protocols, realms) are resolved through the
// caller's `names`; anything this module cannot express is listed in `ignored` so the
// caller can log it, and the rest of the route still goes in. Never throws.
import { parseIp, parsePrefix, type IpAddress, type IpFamily } from '../base/ip.ts';
import type { VirtualRoute } from '../config/model-vrrp.ts';
import {
  type Nexthop, type RouteSpec, RTNH_F_ONLINK, ROUTE_TYPE_BY_NAME, RTAX_ADVMSS, RTAX_HOPLIMIT, RTAX_INITCWND,
  RTAX_INITRWND, RTAX_MTU, RTAX_WINDOW, RTPROT_KEEPALIVED, RT_TABLE_MAIN,
} from './rtnl-route.ts';
import { RT_SCOPE_UNIVERSE, SCOPE_BY_NAME } from './rtnl-types.ts';

const RTAX_CWND = 7;
const RTAX_REORDERING = 9;
const RTAX_SSTHRESH = 6;
const RTAX_FEATURES = 12;
const RTAX_QUICKACK = 15;
const RTAX_FASTOPEN_NO_COOKIE = 17;
const RTAX_FEATURE_ECN = 1;

/** The ip-route options that are plain u32 metrics (RTAX_*). */
const METRIC_OPTIONS: Readonly<Record<string, number>> = {
  mtu: RTAX_MTU, advmss: RTAX_ADVMSS, window: RTAX_WINDOW, cwnd: RTAX_CWND, ssthresh: RTAX_SSTHRESH,
  reordering: RTAX_REORDERING, hoplimit: RTAX_HOPLIMIT, initcwnd: RTAX_INITCWND, initrwnd: RTAX_INITRWND,
  quickack: RTAX_QUICKACK, fastopen_no_cookie: RTAX_FASTOPEN_NO_COOKIE,
};

/** Built-in names of iproute2's rt_tables / rt_protos (the files can add more: `names`). */
export const TABLE_BY_NAME: Readonly<Record<string, number>> = { default: 253, main: 254, local: 255 };
export const PROTOCOL_BY_NAME: Readonly<Record<string, number>> = {
  redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12, dnrouted: 13,
  xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42, openr: 99, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192,
};

export interface NameResolver {
  /** Interface name -> index (0 or undefined when absent). */
  ifindex(name: string): number | undefined;
  /** Names from /etc/iproute2/rt_tables, rt_protos, rt_realms (optional). */
  table?(name: string): number | undefined;
  protocol?(name: string): number | undefined;
  realm?(name: string): number | undefined;
}

export type FromConfig<T> =
  | { readonly ok: true; readonly spec: T; readonly ignored: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** strtoul(…, 0): decimal, 0x hex or 0 octal; undefined for anything else. */
export function parseCNumber(text: string): number | undefined {
  const m = /^(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.exec(text);
  if (!m) return undefined;
  const v = text.startsWith('0x') || text.startsWith('0X') ? parseInt(text, 16) : text.length > 1 && text.startsWith('0') ? parseInt(text, 8) : parseInt(text, 10);
  return v <= 0xffffffff ? v : undefined;
}

export function lookupNumber(text: string, builtin: Readonly<Record<string, number>>, extra?: (n: string) => number | undefined): number | undefined {
  return parseCNumber(text) ?? builtin[text] ?? extra?.(text);
}

/** "from/to" realms: names or numbers; the u32 is (from << 16) | to. */
export function parseRealms(text: string, names: NameResolver): number | undefined {
  const one = (t: string): number | undefined => { const v = parseCNumber(t) ?? names.realm?.(t); return v !== undefined && v <= 0xffff ? v : undefined; };
  const [a, b] = text.split('/');
  if (b === undefined) return one(a!);
  const from = one(a!);
  const to = one(b);
  return from === undefined || to === undefined ? undefined : ((from << 16) | to) >>> 0;
}

function address(text: string | undefined, family: IpFamily): IpAddress | undefined {
  const a = text === undefined ? undefined : parseIp(text);
  return a && a.family === family ? a : undefined;
}

/** `via A dev D weight W onlink nexthop via ...` as the config keeps it (after the first `nexthop`). */
function parseNexthops(text: string, family: IpFamily, names: NameResolver, ignored: string[]): Nexthop[] | string {
  const out: Nexthop[] = [];
  for (const part of text.split(/\bnexthop\b/)) {
    const w = part.trim().split(/\s+/).filter((x) => x !== '');
    if (w.length === 0) continue;
    let nh: { gateway?: IpAddress; ifindex?: number; weight?: number; flags?: number } = {};
    for (let i = 0; i < w.length; i++) {
      const k = w[i]!;
      const v = w[i + 1];
      if ((k === 'via' || k === 'gw') && v !== undefined) {
        const gw = address(v === 'inet' || v === 'inet6' ? w[++i + 1] : v, family);
        if (!gw) return `nexthop gateway '${v}' is not an IPv${family} address`;
        nh = { ...nh, gateway: gw };
        i++;
      } else if ((k === 'dev' || k === 'oif') && v !== undefined) {
        const idx = names.ifindex(v);
        if (!idx) return `nexthop device '${v}' does not exist`;
        nh = { ...nh, ifindex: idx };
        i++;
      } else if (k === 'weight' && v !== undefined) {
        const n = parseCNumber(v);
        if (n === undefined || n < 1 || n > 256) return `nexthop weight '${v}' is not 1..256`;
        nh = { ...nh, weight: n };
        i++;
      } else if (k === 'onlink') {
        nh = { ...nh, flags: (nh.flags ?? 0) | RTNH_F_ONLINK };
      } else {
        ignored.push(`nexthop ${k}`);
      }
    }
    out.push(nh);
  }
  return out;
}

export function routeSpecFromConfig(r: VirtualRoute, names: NameResolver): FromConfig<RouteSpec> {
  const family = r.family;
  const ignored: string[] = [];
  const type = ROUTE_TYPE_BY_NAME[r.type];
  if (type === undefined) return { ok: false, error: `route type '${r.type}' unknown` };
  let dst: IpAddress;
  let dstLen: number;
  if (r.to === 'default') {
    dst = { family, bytes: new Uint8Array(family === 4 ? 4 : 16) };
    dstLen = 0;
  } else {
    const p = parsePrefix(r.to);
    if (!p || p.addr.family !== family) return { ok: false, error: `destination '${r.to}' is not an IPv${family} prefix` };
    dst = p.addr;
    dstLen = p.prefixLen;
  }
  const spec: { -readonly [K in keyof RouteSpec]: RouteSpec[K] } = {
    family, dst, dstLen, type, protocol: RTPROT_KEEPALIVED, scope: RT_SCOPE_UNIVERSE, table: RT_TABLE_MAIN,
  };
  if (r.src !== undefined) {
    const a = address(r.src, family);
    if (!a) return { ok: false, error: `src '${r.src}' is not an IPv${family} address` };
    spec.prefsrc = a;
  }
  if (r.via !== undefined) {
    const a = address(r.via, family);
    if (!a) return { ok: false, error: `via '${r.via}' is not an IPv${family} address` };
    spec.gateway = a;
  }
  if (r.dev !== undefined) {
    const idx = names.ifindex(r.dev);
    if (!idx) return { ok: false, error: `device '${r.dev}' does not exist` };
    spec.oif = idx;
  }
  if (r.scope !== undefined) {
    const s = lookupNumber(r.scope, SCOPE_BY_NAME);
    if (s === undefined || s > 255) return { ok: false, error: `scope '${r.scope}' unknown` };
    spec.scope = s;
  }
  if (r.table !== undefined) {
    const t = lookupNumber(r.table, TABLE_BY_NAME, names.table);
    if (t === undefined) return { ok: false, error: `table '${r.table}' unknown` };
    spec.table = t;
  }
  if (r.protocol !== undefined) {
    const p = lookupNumber(r.protocol, PROTOCOL_BY_NAME, names.protocol);
    if (p === undefined || p > 255) return { ok: false, error: `protocol '${r.protocol}' unknown` };
    spec.protocol = p;
  }
  if (r.metric !== undefined) spec.metric = r.metric;
  if (r.tos !== undefined) {
    const t = parseCNumber(r.tos);
    if (t === undefined || t > 255) return { ok: false, error: `tos '${r.tos}' is not 0..255` };
    spec.tos = t;
  }
  const metrics: Record<number, number> = {};
  for (const [k, v] of Object.entries(r.options)) {
    const rtax = METRIC_OPTIONS[k];
    if (rtax !== undefined) {
      const n = parseCNumber(v);
      if (n === undefined) return { ok: false, error: `${k} '${v}' is not a number` };
      metrics[rtax] = n;
    } else if (k === 'features') {
      if (v === 'ecn') metrics[RTAX_FEATURES] = RTAX_FEATURE_ECN;
      else ignored.push(`features ${v}`);
    } else if (k === 'onlink') {
      spec.flags = (spec.flags ?? 0) | RTNH_F_ONLINK;
    } else if (k === 'realms') {
      const realm = parseRealms(v, names);
      if (realm === undefined) return { ok: false, error: `realms '${v}' unknown` };
      spec.realm = realm;
    } else if (k === 'pref') {
      // RFC 4191 router preference as RTA_PREF: ICMPV6_ROUTER_PREF_LOW 3, MEDIUM 0, HIGH 1.
      const pref = ({ low: 3, medium: 0, high: 1 } as Record<string, number>)[v];
      if (pref === undefined) return { ok: false, error: `pref '${v}' is not low|medium|high` };
      spec.pref = pref;
    } else if (k === 'nexthop') {
      const nhs = parseNexthops(v, family, names, ignored);
      if (typeof nhs === 'string') return { ok: false, error: nhs };
      spec.nexthops = nhs;
    } else {
      // rtt/rttvar/rto_min (time units), lock, congctl, expires, vrf, encap, add/append/prepend.
      ignored.push(v === 'true' ? k : `${k} ${v}`);
    }
  }
  if (Object.keys(metrics).length > 0) spec.metrics = metrics;
  return { ok: true, spec, ignored };
}
