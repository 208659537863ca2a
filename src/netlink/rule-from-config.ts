// ruleSpecFromConfig: one virtual_rules / static_rules line (the config model's VirtualRule,
// ip-rule words) -> the RuleSpec that rtnl-rule.ts encodes.
//
// keepalived 2.2.7 (vrrp/vrrp_iprule.c) marks its rules FRA_PROTOCOL "keepalived" (18) unless
// `protocol` is given, and a rule with neither from nor to nor inet6 is IPv4; checked against
// keepalived itself in test/netns/netlink-config-routes.test.ts. Unsupported options are listed
// in `ignored`; unusable values fail the line. Never throws.
import { parsePrefix, type IpFamily } from '../base/ip.ts';
import type { VirtualRule } from '../config/model-vrrp.ts';
import { FR_ACT_BLACKHOLE, FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_PROHIBIT, FR_ACT_TO_TBL, FR_ACT_UNREACHABLE, type RuleSpec } from './rtnl-rule.ts';
import { type FromConfig, type NameResolver, PROTOCOL_BY_NAME, TABLE_BY_NAME, lookupNumber, parseCNumber, parseRealms } from './route-from-config.ts';

const ACTION_BY_NAME: Readonly<Record<string, number>> = {
  unicast: FR_ACT_TO_TBL, blackhole: FR_ACT_BLACKHOLE, prohibit: FR_ACT_PROHIBIT, unreachable: FR_ACT_UNREACHABLE,
  nop: FR_ACT_NOP, goto: FR_ACT_GOTO,
};
/** /etc/protocols names ip-rule accepts for ipproto. */
const IP_PROTO_BY_NAME: Readonly<Record<string, number>> = { icmp: 1, tcp: 6, udp: 17, ipv6_icmp: 58, 'ipv6-icmp': 58, sctp: 132, udplite: 136 };
const RTPROT_KEEPALIVED = 18;

/** "10-20" or "10" -> [lo, hi]. */
function range(text: string, max: number): readonly [number, number] | undefined {
  const [a, b] = text.split('-');
  const lo = parseCNumber(a!);
  const hi = b === undefined ? lo : parseCNumber(b);
  return lo === undefined || hi === undefined || lo > hi || hi > max ? undefined : [lo, hi];
}

export function ruleSpecFromConfig(r: VirtualRule, names: NameResolver): FromConfig<RuleSpec> {
  const family: IpFamily = r.family ?? 4;
  const ignored: string[] = [];
  const spec: { -readonly [K in keyof RuleSpec]: RuleSpec[K] } = { family, protocol: RTPROT_KEEPALIVED };
  for (const side of ['from', 'to'] as const) {
    const text = r[side];
    if (text === undefined || text === 'all') continue;
    const p = parsePrefix(text);
    if (!p || p.addr.family !== family) return { ok: false, error: `${side} '${text}' is not an IPv${family} prefix` };
    if (side === 'from') { spec.src = p.addr; spec.srcLen = p.prefixLen; } else { spec.dst = p.addr; spec.dstLen = p.prefixLen; }
  }
  if (r.table !== undefined) {
    const t = lookupNumber(r.table, TABLE_BY_NAME, names.table);
    if (t === undefined) return { ok: false, error: `table '${r.table}' unknown` };
    spec.table = t;
  }
  if (r.preference !== undefined) spec.priority = r.preference;
  const bad = (k: string, v: string): FromConfig<RuleSpec> => ({ ok: false, error: `${k} '${v}' is not valid` });
  for (const [k, v] of Object.entries(r.options)) {
    switch (k) {
      case 'not': spec.invert = true; break;
      case 'l3mdev': spec.l3mdev = true; break;
      case 'blackhole': case 'prohibit': case 'unreachable': case 'nop': spec.action = ACTION_BY_NAME[k]; break;
      case 'type': {
        const a = ACTION_BY_NAME[v];
        if (a === undefined) return bad(k, v);
        spec.action = a;
        break;
      }
      case 'fwmark': {
        const [m, mask] = v.split('/');
        const mark = parseCNumber(m!);
        const fwmask = mask === undefined ? undefined : parseCNumber(mask);
        if (mark === undefined || (mask !== undefined && fwmask === undefined)) return bad(k, v);
        spec.fwmark = mark;
        if (fwmask !== undefined) spec.fwmask = fwmask;
        break;
      }
      case 'iif': spec.iifName = v; break;
      case 'oif': spec.oifName = v; break;
      case 'tos': case 'dsfield': {
        const t = parseCNumber(v);
        if (t === undefined || t > 255) return bad(k, v);
        spec.tos = t;
        break;
      }
      case 'goto': {
        const g = parseCNumber(v);
        if (g === undefined) return bad(k, v);
        spec.gotoPriority = g;
        spec.action = FR_ACT_GOTO;
        break;
      }
      case 'suppress_prefixlength': case 'sup_pl': {
        const n = parseCNumber(v);
        if (n === undefined) return bad(k, v);
        spec.suppressPrefixLen = n;
        break;
      }
      case 'suppress_ifgroup': case 'sup_group': {
        const n = parseCNumber(v);
        if (n === undefined) return bad(k, v); // group names need /etc/iproute2/group
        spec.suppressIfgroup = n;
        break;
      }
      case 'realms': {
        const realm = parseRealms(v, names);
        if (realm === undefined) return bad(k, v);
        spec.realm = realm;
        break;
      }
      case 'protocol': {
        const p = lookupNumber(v, PROTOCOL_BY_NAME, names.protocol);
        if (p === undefined || p > 255) return bad(k, v);
        spec.protocol = p;
        break;
      }
      case 'ipproto': case 'ip_proto': {
        const p = lookupNumber(v.toLowerCase(), IP_PROTO_BY_NAME);
        if (p === undefined || p > 255) return bad(k, v);
        spec.ipProto = p;
        break;
      }
      case 'sport': case 'dport': {
        const rg = range(v, 0xffff);
        if (!rg) return bad(k, v);
        if (k === 'sport') spec.sport = rg; else spec.dport = rg;
        break;
      }
      case 'uidrange': {
        const rg = range(v, 0xffffffff);
        if (!rg) return bad(k, v);
        spec.uidRange = rg;
        break;
      }
      default:
        ignored.push(v === 'true' ? k : `${k} ${v}`); // tunnel-id, no_track_group...
    }
  }
  return { ok: true, spec, ignored };
}
