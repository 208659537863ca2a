// virtual_server and real_server blocks (keepalived/check/check_parser.c). Like the VRRP side,
// handlers record what was written in loose drafts; completeVirtualServer() (lvs-complete.ts)
// applies keepalived's defaults and inheritance and validates.
import type { Statement, Word } from 'keepalived-conf-parser';
import { readCheckerBlock, type CheckerDraft } from './checker-tables.ts';
import type { ConfigContext } from './config-context.ts';
import { alias, applyTable, kw, KeywordTable, sub, unsupported, type KeywordSpec } from './keyword-table.ts';
import type { LvsMethod, SorryServer } from './model-lvs.ts';
import { arg, noExtraArgs, readBool, readEnumWord, readInt, readIntWord, readIpWord, readPortWord, readSeconds } from './read-value.ts';
import { readScriptCommand } from './script-command.ts';

export interface RealServerDraft {
  stmt: Statement;
  ip?: { address: string; family: 4 | 6 };
  port?: number;
  f: Record<string, unknown>;
  checkers: CheckerDraft[];
}

export interface VirtualServerDraft {
  stmt: Statement;
  ip?: { address: string; family: 4 | 6 };
  port?: number;
  fwmark?: number;
  group?: string;
  f: Record<string, unknown>;
  real_servers: RealServerDraft[];
}

type Loose = { f: Record<string, unknown> };

function put(d: Loose, k: string, v: unknown): void {
  if (v !== undefined) d.f[k] = v;
}

function secs<D extends Loose>(name: string, min = 0): KeywordSpec<D> {
  return kw<D>(name, (c, s, d) => { put(d, name, readSeconds(c, s, min, 86400 * 365)); noExtraArgs(c, s, 1); });
}
function int<D extends Loose>(name: string, min: number, max: number): KeywordSpec<D> {
  return kw<D>(name, (c, s, d) => { put(d, name, readInt(c, s, min, max)); noExtraArgs(c, s, 1); });
}
function bool<D extends Loose>(name: string): KeywordSpec<D> {
  return kw<D>(name, (c, s, d) => { put(d, name, readBool(c, s)); noExtraArgs(c, s, 1); });
}
function flag<D extends Loose>(name: string): KeywordSpec<D> {
  return kw<D>(name, (c, s, d) => { put(d, name, true); noExtraArgs(c, s, 0); });
}
function script<D extends Loose>(name: string): KeywordSpec<D> {
  return kw<D>(name, (c, s, d) => put(d, name, readScriptCommand(c, s)));
}
function str<D extends Loose>(name: string): KeywordSpec<D> {
  return kw<D>(name, (c, s, d) => { put(d, name, arg(c, s, 0)?.text); noExtraArgs(c, s, 1); });
}

/** `NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]` (check_parser.c lbkind_handler). */
export function readLvsMethod(ctx: ConfigContext, stmt: Statement): LvsMethod | undefined {
  const w = arg(ctx, stmt, 0, 'NAT, DR or TUN');
  if (!w) return undefined;
  // Case-sensitive, as keepalived ("PARSER : unknown [dr] routing method for virtual server").
  const kind = readEnumWord(ctx, w, ['NAT', 'DR', 'TUN'] as const);
  if (!kind) return undefined;
  const out: { -readonly [K in keyof LvsMethod]: LvsMethod[K] } = { lb_kind: kind };
  const a = stmt.args;
  for (let i = 1; i < a.length; i++) {
    const t = a[i]!.text;
    if (kind !== 'TUN') { ctx.error('invalid-value', a[i]!, `'${t}' only applies to lvs_method TUN`); break; }
    if (t === 'type' && a[i + 1]) {
      const tt = readEnumWord(ctx, a[++i]!, ['ipip', 'gue', 'gre'] as const);
      if (tt) out.tunnel_type = tt;
    } else if (t === 'port' && a[i + 1]) out.tunnel_port = readIntWord(ctx, a[++i]!, 1, 65535);
    else if (t === 'nocsum' || t === 'csum' || t === 'remcsum') out.tunnel_csum = t;
    else ctx.error('invalid-value', a[i]!, `lvs_method TUN: unknown option '${t}'`);
  }
  return out;
}

const lvsMethod = <D extends Loose>(name: string): KeywordSpec<D> => kw<D>(name, (c, s, d) => put(d, name === 'lb_kind' ? 'lvs_method' : name, readLvsMethod(c, s)));

/** `IP [PORT]` of a real_server / sorry_server heading. */
export function readIpPort(ctx: ConfigContext, stmt: Statement, what: string): { ip: { address: string; family: 4 | 6 }; port?: number } | undefined {
  const w = arg(ctx, stmt, 0, `the ${what} IP address`);
  if (!w) return undefined;
  const ip = readIpWord(ctx, w);
  if (!ip) return undefined;
  const pw = stmt.args[1];
  const port = pw ? readPortWord(ctx, pw) : undefined;
  if (pw && port === undefined) return undefined;
  noExtraArgs(ctx, stmt, 2);
  return port === undefined ? { ip: { address: ip.address, family: ip.family } } : { ip: { address: ip.address, family: ip.family }, port };
}

const shared = <D extends Loose>(): KeywordSpec<D>[] => [
  int<D>('retry', 0, 2 ** 31 - 1),
  secs<D>('delay_before_retry'),
  secs<D>('warmup'),
  secs<D>('connect_timeout', 0.000001),
  secs<D>('delay_loop', 0.000001),
  bool<D>('inhibit_on_failure'),
  bool<D>('smtp_alert'),
  str<D>('virtualhost'),
  unsupported<D>('snmp_name', 'snmp'),
];

const CHECKERS = ['TCP_CHECK', 'PING_CHECK', 'HTTP_GET', 'SSL_GET', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'MISC_CHECK', 'FILE_CHECK'];

export const realServerTable = new KeywordTable<RealServerDraft>('real_server', [
  ...shared<RealServerDraft>(),
  int('weight', 0, 2 ** 31 - 1),
  lvsMethod('lvs_method'),
  int('uthreshold', 0, 2 ** 31 - 1),
  int('lthreshold', 0, 2 ** 31 - 1),
  script('notify_up'),
  script('notify_down'),
  bool('alpha'),
  ...CHECKERS.map((n) => sub<RealServerDraft>(n, (c, s, d) => { const ch = readCheckerBlock(c, s); if (ch) d.checkers.push(ch); })),
  unsupported('BFD_CHECK', 'bfd', 'keywords'),
]);

const SCHED_FLAGS = ['flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'];

const vsSpecs: KeywordSpec<VirtualServerDraft>[] = [
  ...shared<VirtualServerDraft>(),
  kw('ip_family', (c, s, d) => {
    const w = arg(c, s, 0, 'inet or inet6');
    const v = w ? readEnumWord(c, w, ['inet', 'inet6'] as const) : undefined;
    if (v) put(d, 'ip_family', v === 'inet' ? 4 : 6);
  }),
  kw('lb_algo', (c, s, d) => {
    const w = arg(c, s, 0, 'a scheduler');
    if (!w) return;
    if (!SCHEDULERS.includes(w.text)) {
      // keepalived: "Invalid lvs_scheduler 'xyz' - ignoring" (a config error; wlc is then used).
      c.error('unknown-scheduler', w, `unknown scheduler '${w.text}' - ignored`, `expected one of ${SCHEDULERS.join(' ')}`);
      return;
    }
    put(d, 'lb_algo', w.text);
    noExtraArgs(c, s, 1);
  }),
  flag('hashed'),
  flag('ops'),
  ...SCHED_FLAGS.map((n) => kw<VirtualServerDraft>(n, (c, s, d) => {
    d.f.sched_flags = [...((d.f.sched_flags as string[] | undefined) ?? []), n];
    noExtraArgs(c, s, 0);
  })),
  lvsMethod('lb_kind'),
  kw('persistence_engine', (c, s, d) => { put(d, 'persistence_engine', arg(c, s, 0, 'a persistence engine (sip)')?.text); }),
  kw('persistence_timeout', (c, s, d) => {
    // No value = 360 s (check_parser.c pto_handler, IPVS_SVC_PERSISTENT_TIMEOUT).
    put(d, 'persistence_timeout', s.args[0] ? readSeconds(c, s, 1, 2 ** 31 - 1) : 360);
  }),
  kw('persistence_granularity', (c, s, d) => {
    const w = arg(c, s, 0, 'a netmask');
    if (!w) return;
    if (/^[0-9]{1,3}$/.test(w.text) && Number(w.text) <= 128) put(d, 'persistence_granularity', w.text);
    else if (readIpWord(c, w, 4)) put(d, 'persistence_granularity', w.text);
  }),
  kw('protocol', (c, s, d) => {
    const w = arg(c, s, 0, 'TCP, UDP or SCTP');
    if (w) put(d, 'protocol', readEnumWord(c, w, ['TCP', 'UDP', 'SCTP'] as const, true));
  }),
  flag('ha_suspend'),
  bool('alpha'),
  bool('omega'),
  script('quorum_up'),
  script('quorum_down'),
  int('quorum', 1, 2 ** 31 - 1),
  int('hysteresis', 0, 2 ** 31 - 1),
  int('weight', 0, 2 ** 31 - 1),
  kw('sorry_server', (c, s, d) => {
    const r = readIpPort(c, s, 'sorry server');
    if (!r) return;
    const ss: SorryServer = r.port === undefined ? { ip: r.ip.address } : { ip: r.ip.address, port: r.port };
    put(d, 'sorry_server', ss);
  }),
  flag('sorry_server_inhibit'),
  lvsMethod('sorry_server_lvs_method'),
  sub<VirtualServerDraft>('real_server', (c, s, d) => {
    const hp = readIpPort(c, s, 'real server');
    const rs: RealServerDraft = { stmt: s, f: {}, checkers: [] };
    if (hp) { rs.ip = hp.ip; if (hp.port !== undefined) rs.port = hp.port; }
    applyTable(c, realServerTable, s.block?.statements ?? [], rs);
    if (hp) d.real_servers.push(rs);
  }),
];

const vsByName = new Map(vsSpecs.map((s) => [s.name, s]));

export const virtualServerTable = new KeywordTable<VirtualServerDraft>('virtual_server', [
  ...vsSpecs,
  alias('lvs_sched', vsByName.get('lb_algo')!),
  alias('lvs_method', vsByName.get('lb_kind')!),
]);

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'];

/** The heading: `virtual_server IP [PORT]` | `fwmark N` | `group NAME`. */
export function readVirtualServerHeading(ctx: ConfigContext, stmt: Statement): VirtualServerDraft | undefined {
  const d: VirtualServerDraft = { stmt, f: {}, real_servers: [] };
  const a = stmt.args;
  const first = a[0];
  if (!first) {
    ctx.error('missing-value', stmt.keyword, "virtual_server needs 'IP PORT', 'fwmark N' or 'group NAME'");
    return undefined;
  }
  if (first.text === 'fwmark') {
    const w: Word | undefined = a[1];
    if (!w) { ctx.error('missing-value', first, 'virtual_server fwmark needs a number'); return undefined; }
    const n = readIntWord(ctx, w, 1, 2 ** 32 - 1);
    if (n === undefined) return undefined;
    d.fwmark = n;
    noExtraArgs(ctx, stmt, 2);
    return d;
  }
  if (first.text === 'group') {
    const w = a[1];
    if (!w) { ctx.error('missing-value', first, 'virtual_server group needs a name'); return undefined; }
    d.group = w.text;
    noExtraArgs(ctx, stmt, 2);
    return d;
  }
  const r = readIpPort(ctx, stmt, 'virtual server');
  if (!r) return undefined;
  d.ip = r.ip;
  if (r.port !== undefined) d.port = r.port;
  return d;
}
