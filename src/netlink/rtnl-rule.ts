// rtnetlink policy rules: RTM_NEWRULE / RTM_DELRULE / RTM_GETRULE (struct fib_rule_hdr,
// <linux/fib_rules.h>), for keepalived's virtual_rules / static_rules.
//
// Encoding follows iproute2 `ip rule add` (iprule.c iprule_modify) and keepalived
// vrrp/vrrp_iprule.c netlink_rule: the table goes in frh.table when < 256 and always in
// FRA_TABLE when >= 256; the default action for a rule with a table is FR_ACT_TO_TBL;
// `not` is FIB_RULE_INVERT in frh.flags; fwmark/mask, iif/oif names, goto, priority,
// suppress_prefixlength and suppress_ifgroup, uidrange, sport/dport ranges are attributes.
import { ByteWriter } from '../base/bytes.ts';
import type { IpAddress, IpFamily } from '../base/ip.ts';
import { type Decoded, type NlAttr, attrString, attrU32, decodeAttrs, findAttr } from './attributes.ts';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST, type NlMessage, encodeMessage } from './message.ts';
import { AF_UNSPEC, RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE, afToFamily, familyToAf, ipOfFamily } from './rtnl-types.ts';

export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_IIFNAME = 3;
export const FRA_GOTO = 4;
export const FRA_PRIORITY = 6;
export const FRA_FWMARK = 10;
export const FRA_FLOW = 11;
export const FRA_SUPPRESS_IFGROUP = 13;
export const FRA_SUPPRESS_PREFIXLEN = 14;
export const FRA_TABLE = 15;
export const FRA_FWMASK = 16;
export const FRA_OIFNAME = 17;
export const FRA_L3MDEV = 19;
export const FRA_UID_RANGE = 20;
export const FRA_PROTOCOL = 21;
export const FRA_IP_PROTO = 22;
export const FRA_SPORT_RANGE = 23;
export const FRA_DPORT_RANGE = 24;

export const FR_ACT_TO_TBL = 1;
export const FR_ACT_GOTO = 2;
export const FR_ACT_NOP = 3;
export const FR_ACT_BLACKHOLE = 6;
export const FR_ACT_UNREACHABLE = 7;
export const FR_ACT_PROHIBIT = 8;

export const FIB_RULE_INVERT = 0x2;

export interface RuleSpec {
  readonly family: IpFamily;
  readonly priority?: number;
  readonly src?: IpAddress;
  readonly srcLen?: number;
  readonly dst?: IpAddress;
  readonly dstLen?: number;
  readonly table?: number;
  /** FR_ACT_*; default FR_ACT_TO_TBL. */
  readonly action?: number;
  readonly tos?: number;
  readonly invert?: boolean;
  readonly fwmark?: number;
  readonly fwmask?: number;
  readonly iifName?: string;
  readonly oifName?: string;
  readonly gotoPriority?: number;
  readonly suppressPrefixLen?: number;
  readonly suppressIfgroup?: number;
  readonly realm?: number;
  readonly l3mdev?: boolean;
  readonly protocol?: number;
  readonly ipProto?: number;
  readonly sport?: readonly [number, number];
  readonly dport?: readonly [number, number];
  readonly uidRange?: readonly [number, number];
}

function fibRuleHdr(af: number, dstLen: number, srcLen: number, tos: number, table: number, action: number, flags: number): Uint8Array {
  // { u8 family, dst_len, src_len, tos, table, res1, res2, action; u32 flags }
  return new ByteWriter(12).u8(af).u8(dstLen).u8(srcLen).u8(tos).u8(table).u8(0).u8(0).u8(action).u32le(flags).finish();
}

function range(a: readonly [number, number], bytes: 2 | 4): Uint8Array {
  const w = new ByteWriter(8);
  if (bytes === 2) w.u16le(a[0]).u16le(a[1]);
  else w.u32le(a[0]).u32le(a[1]);
  return w.finish();
}

/** RTM_NEWRULE ('add') or RTM_DELRULE ('del'), with NLM_F_ACK. */
export function encodeRuleRequest(op: 'add' | 'del', r: RuleSpec, seq: number): Uint8Array {
  // iproute2 iprule_modify: an added rule defaults to "lookup main"; a delete leaves table and
  // action 0, which the kernel treats as wildcards when matching (fib_rules.c rule_find).
  const defaultAction = op === 'add' ? FR_ACT_TO_TBL : 0;
  const action = r.action ?? (r.gotoPriority !== undefined ? FR_ACT_GOTO : defaultAction);
  const table = r.table ?? (op === 'add' && action === FR_ACT_TO_TBL ? 254 : 0);
  const flags = op === 'add' ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL : NLM_F_REQUEST | NLM_F_ACK;
  const fixed = fibRuleHdr(familyToAf(r.family), r.dst ? r.dstLen ?? 0 : 0, r.src ? r.srcLen ?? 0 : 0, r.tos ?? 0,
    table < 256 ? table : 0, action, r.invert ? FIB_RULE_INVERT : 0);
  return encodeMessage({ type: op === 'add' ? RTM_NEWRULE : RTM_DELRULE, flags, seq, pid: 0 }, (w) => {
    if (r.priority !== undefined) w.u32(FRA_PRIORITY, r.priority);
    if (r.src && (r.srcLen ?? 0) > 0) w.bytes(FRA_SRC, r.src.bytes);
    if (r.dst && (r.dstLen ?? 0) > 0) w.bytes(FRA_DST, r.dst.bytes);
    if (table >= 256) w.u32(FRA_TABLE, table);
    if (r.fwmark !== undefined) w.u32(FRA_FWMARK, r.fwmark);
    if (r.fwmask !== undefined) w.u32(FRA_FWMASK, r.fwmask);
    if (r.iifName !== undefined) w.string(FRA_IIFNAME, r.iifName);
    if (r.oifName !== undefined) w.string(FRA_OIFNAME, r.oifName);
    if (r.gotoPriority !== undefined) w.u32(FRA_GOTO, r.gotoPriority);
    if (r.suppressPrefixLen !== undefined) w.u32(FRA_SUPPRESS_PREFIXLEN, r.suppressPrefixLen);
    if (r.suppressIfgroup !== undefined) w.u32(FRA_SUPPRESS_IFGROUP, r.suppressIfgroup);
    if (r.realm !== undefined) w.u32(FRA_FLOW, r.realm);
    if (r.l3mdev) w.u8(FRA_L3MDEV, 1);
    if (r.protocol !== undefined) w.u8(FRA_PROTOCOL, r.protocol);
    if (r.ipProto !== undefined) w.u8(FRA_IP_PROTO, r.ipProto);
    if (r.sport) w.bytes(FRA_SPORT_RANGE, range(r.sport, 2));
    if (r.dport) w.bytes(FRA_DPORT_RANGE, range(r.dport, 2));
    if (r.uidRange) w.bytes(FRA_UID_RANGE, range(r.uidRange, 4));
  }, fixed);
}

export function encodeRuleDump(seq: number, family?: IpFamily): Uint8Array {
  const af = family === undefined ? AF_UNSPEC : familyToAf(family);
  return encodeMessage({ type: RTM_GETRULE, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, pid: 0 }, new Uint8Array(0), fibRuleHdr(af, 0, 0, 0, 0, 0, 0));
}

export interface RuleMessage {
  readonly msgType: number;
  readonly family: IpFamily;
  readonly dstLen: number;
  readonly srcLen: number;
  readonly tos: number;
  readonly table: number;
  readonly action: number;
  readonly flags: number;
  readonly priority?: number;
  readonly src?: IpAddress;
  readonly dst?: IpAddress;
  readonly fwmark?: number;
  readonly fwmask?: number;
  readonly iifName?: string;
  readonly oifName?: string;
  readonly gotoPriority?: number;
  readonly attrs: readonly NlAttr[];
}

export function decodeRule(msg: NlMessage): Decoded<RuleMessage> {
  const p = msg.payload;
  if (msg.type !== RTM_NEWRULE && msg.type !== RTM_DELRULE) return { ok: false, error: `not a rule message (${msg.type})`, offset: 0 };
  if (p.length < 12) return { ok: false, error: 'short fib_rule_hdr', offset: 0 };
  const af = p[0]!;
  const family = afToFamily(af);
  if (family === undefined) return { ok: false, error: `rule family ${af}`, offset: 0 };
  const attrs = decodeAttrs(p, 12);
  if (!attrs.ok) return attrs;
  const a = attrs.value;
  const opt = <K extends string, T>(k: K, val: T | undefined): { [P in K]?: T } => (val === undefined ? {} : ({ [k]: val } as { [P in K]?: T }));
  return {
    ok: true,
    value: {
      msgType: msg.type, family, dstLen: p[1]!, srcLen: p[2]!, tos: p[3]!,
      table: attrU32(findAttr(a, FRA_TABLE)) ?? p[4]!,
      action: p[7]!,
      flags: new DataView(p.buffer, p.byteOffset + 8, 4).getUint32(0, true),
      ...opt('priority', attrU32(findAttr(a, FRA_PRIORITY))),
      ...opt('src', ipOfFamily(af, findAttr(a, FRA_SRC)?.data)),
      ...opt('dst', ipOfFamily(af, findAttr(a, FRA_DST)?.data)),
      ...opt('fwmark', attrU32(findAttr(a, FRA_FWMARK))),
      ...opt('fwmask', attrU32(findAttr(a, FRA_FWMASK))),
      ...opt('iifName', attrString(findAttr(a, FRA_IIFNAME))),
      ...opt('oifName', attrString(findAttr(a, FRA_OIFNAME))),
      ...opt('gotoPriority', attrU32(findAttr(a, FRA_GOTO))),
      attrs: a,
    },
  };
}
