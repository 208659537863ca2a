// Checker blocks inside real_server (keepalived/check/check_tcp.c, check_http.c, check_smtp.c,
// check_dns.c, check_udp.c, check_ping.c, check_misc.c, check_file.c, check_bfd.c). Every
// checker but FILE_CHECK and BFD_CHECK shares install_checker_common_keywords(); keepalived
// 2.4.3's tree installs the connection keywords for MISC_CHECK too (2.2.7 did not: there they
// are unknown keywords). Handlers fill a loose draft; the final typed
// checker, with keepalived's inheritance (checker <- real_server <- virtual_server <- default),
// is produced by completeChecker() in lvs-complete.ts.
import type { Statement } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import { applyTable, deprecatedAlias, kw, KeywordTable, sub, unsupported, type KeywordSpec } from './keyword-table.ts';
import type { HttpUrl } from './model-lvs.ts';
import { arg, noExtraArgs, readBool, readEnumWord, readInt, readIntWord, readIp, readPortWord, readSeconds } from './read-value.ts';
import { readScriptCommand } from './script-command.ts';

export interface CheckerDraft {
  type: string;
  stmt: Statement;
  f: Record<string, unknown>;
}
type Spec = KeywordSpec<CheckerDraft>;

function put(d: CheckerDraft, k: string, v: unknown): void {
  if (v !== undefined) d.f[k] = v;
}

const secs = (name: string, min = 0, max = 86400 * 365): Spec =>
  kw(name, (c, s, d) => { put(d, name, readSeconds(c, s, min, max)); noExtraArgs(c, s, 1); });
const int = (name: string, min: number, max: number): Spec =>
  kw(name, (c, s, d) => { put(d, name, readInt(c, s, min, max)); noExtraArgs(c, s, 1); });
const bool = (name: string): Spec => kw(name, (c, s, d) => { put(d, name, readBool(c, s)); noExtraArgs(c, s, 1); });
const port = (name: string): Spec =>
  kw(name, (c, s, d) => { const w = arg(c, s, 0, 'a port'); if (w) put(d, name, readPortWord(c, w)); noExtraArgs(c, s, 1); });
const ip = (name: string): Spec => kw(name, (c, s, d) => { put(d, name, readIp(c, s)?.address); noExtraArgs(c, s, 1); });
const str = (name: string): Spec =>
  kw(name, (c, s, d) => { put(d, name, arg(c, s, 0)?.text); noExtraArgs(c, s, 1); });

const retry = int('retry', 0, 2 ** 31 - 1);
/** Timing keywords every checker (even MISC_CHECK) takes. */
const timing: Spec[] = [
  retry, secs('delay_before_retry'), secs('warmup'), secs('delay_loop', 0.000001), bool('alpha'), bool('log_all_failures'),
];
/** Connection keywords (conn_opts_t), not for MISC_CHECK. */
const connection: Spec[] = [
  ip('connect_ip'), port('connect_port'), ip('bindto'), port('bind_port'), str('bind_if'),
  secs('connect_timeout', 0.000001), int('fwmark', 0, 2 ** 32 - 1),
];
const common = [...connection, ...timing];

/** `status_code 200 301-302 ...` */
function statusCodes(ctx: ConfigContext, stmt: Statement): [number, number][] {
  const out: [number, number][] = [];
  for (const w of stmt.args) {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(w.text);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || lo < 100 || hi > 999 || hi < lo) {
      ctx.error('invalid-value', w, `invalid status_code '${w.text}'`, 'expected N or N-M with 100 <= N <= M <= 999');
      continue;
    }
    out.push([lo, hi]);
  }
  return out;
}

interface UrlDraft { path?: string; digest?: string; status_code?: [number, number][]; virtualhost?: string; tls_compliant?: boolean }

const urlTable = new KeywordTable<UrlDraft>('url', [
  kw('path', (c, s, d) => { const w = arg(c, s, 0, 'a path'); if (w) { d.path = w.text; c.checkCommentCut(w, 'url path'); } noExtraArgs(c, s, 1); }),
  kw('digest', (c, s, d) => {
    const w = arg(c, s, 0, 'an MD5 digest (32 hex digits)');
    if (!w) return;
    if (!/^[0-9a-fA-F]{32}$/.test(w.text)) c.error('invalid-value', w, `digest '${w.text}' is not 32 hex digits`);
    else d.digest = w.text.toLowerCase();
    noExtraArgs(c, s, 1);
  }),
  kw('status_code', (c, s, d) => { d.status_code = [...(d.status_code ?? []), ...statusCodes(c, s)]; }),
  kw('virtualhost', (c, s, d) => { const w = arg(c, s, 0, 'a host name'); if (w) d.virtualhost = w.text; }),
  ...['regex', 'regex_no_match', 'regex_options', 'regex_min_offset', 'regex_max_offset', 'regex_stack']
    .map((n) => unsupported<UrlDraft>(n, 'regex (PCRE2)')),
  kw('tls_compliant', (c, s, d) => { const v = readBool(c, s); if (v !== undefined) d.tls_compliant = v; }),
]);

const url = sub<CheckerDraft>('url', (c, s, d) => {
  const u: UrlDraft = {};
  applyTable(c, urlTable, s.block?.statements ?? [], u);
  if (u.path === undefined) {
    c.error('missing-value', s.keyword, 'url without path - ignored');
    return;
  }
  const out: { -readonly [K in keyof HttpUrl]: HttpUrl[K] } = { path: u.path, status_code: u.status_code ?? [[200, 299]] };
  if (u.digest !== undefined) out.digest = u.digest;
  if (u.virtualhost !== undefined) out.virtualhost = u.virtualhost;
  if (u.tls_compliant !== undefined) out.tls_compliant = u.tls_compliant;
  d.f.url = [...((d.f.url as HttpUrl[] | undefined) ?? []), out];
});

function http(name: 'HTTP_GET' | 'SSL_GET'): KeywordTable<CheckerDraft> {
  return new KeywordTable<CheckerDraft>(name, [
    ...common,
    // keepalived 2.2.7: "nb_get_retry is deprecated - please use 'retry'" is a config error (exit 5).
    deprecatedAlias('nb_get_retry', retry, true),
    str('virtualhost'),
    kw('http_protocol', (c, s, d) => {
      const w = arg(c, s, 0, '1.0, 1.0C or 1.1');
      if (!w) return;
      const v = w.text === '1.0c' ? '1.0C' : w.text;
      put(d, 'http_protocol', readEnumWord(c, { ...w, text: v }, ['1.0', '1.0C', '1.1'] as const));
    }),
    bool('enable_sni'),
    str('sni_name'),
    bool('fast_recovery'),
    bool('tls_compliant'),
    url,
  ]);
}

const smtpHostTable = new KeywordTable<CheckerDraft>('SMTP_CHECK host', common);

const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'] as const;

function hex(name: string, wildcards: boolean): Spec {
  return kw(name, (c, s, d) => {
    const text = s.args.map((w) => w.text).join('');
    const re = wildcards ? /^[0-9a-fA-FxX]+$/ : /^[0-9a-fA-F]+$/;
    if (!re.test(text)) {
      c.error('invalid-value', s.args[0] ?? s.keyword, `${name}: '${text}' is not hex digits${wildcards ? ' (X = any)' : ''}`);
      return;
    }
    if (text.length % 2 !== 0) {
      // keepalived 2.2.7 accepts an odd count silently (measured); the last nibble is ambiguous.
      c.warn('odd-hex', s.args[0]!, `${name}: '${text}' has an odd number of hex digits`, 'write whole bytes (two digits each)');
    }
    put(d, name, text.toLowerCase());
  });
}

export const checkerTables: ReadonlyMap<string, KeywordTable<CheckerDraft>> = new Map([
  ['TCP_CHECK', new KeywordTable<CheckerDraft>('TCP_CHECK', common)],
  ['PING_CHECK', new KeywordTable<CheckerDraft>('PING_CHECK', common)],
  ['HTTP_GET', http('HTTP_GET')],
  ['SSL_GET', http('SSL_GET')],
  ['SMTP_CHECK', new KeywordTable<CheckerDraft>('SMTP_CHECK', [
    ...common,
    str('helo_name'),
    sub<CheckerDraft>('host', (c, s, d) => {
      // Deprecated sub-block (check_smtp.c WITH_HOST_ENTRIES): its options apply to the checker.
      c.warn('deprecated', s.keyword, "SMTP_CHECK 'host' block is deprecated", 'use one SMTP_CHECK per host');
      applyTable(c, smtpHostTable, s.block?.statements ?? [], d);
    }),
  ])],
  ['DNS_CHECK', new KeywordTable<CheckerDraft>('DNS_CHECK', [
    ...common,
    kw('type', (c, s, d) => { const w = arg(c, s, 0, 'a DNS type'); if (w) put(d, 'dns_type', readEnumWord(c, w, DNS_TYPES, true)); }),
    str('name'),
  ])],
  ['UDP_CHECK', new KeywordTable<CheckerDraft>('UDP_CHECK', [
    ...common,
    hex('payload', false),
    hex('require_reply', true),
    int('min_reply_length', 0, 65535),
    int('max_reply_length', 0, 65535),
  ])],
  ['MISC_CHECK', new KeywordTable<CheckerDraft>('MISC_CHECK', [
    ...common,
    kw('misc_path', (c, s, d) => put(d, 'misc_path', readScriptCommand(c, s))),
    secs('misc_timeout', 0.000001),
    kw('misc_dynamic', (c, s, d) => { put(d, 'misc_dynamic', readBool(c, s)); }),
    kw('user', (c, s, d) => {
      const u = arg(c, s, 0, 'a user name');
      if (!u) return;
      const [user, g] = u.text.split(':', 2) as [string, string | undefined];
      const group = g ?? s.args[1]?.text.replace(/^:/, '');
      put(d, 'user', group ? { user, group } : { user });
    }),
  ])],
  ['FILE_CHECK', new KeywordTable<CheckerDraft>('FILE_CHECK', [
    str('track_file'),
    kw('weight', (c, s, d) => {
      const n = readInt(c, s, -254, 254);
      if (n !== undefined) put(d, 'weight', n);
      const r = s.args[1];
      if (r && r.text !== 'reverse' && r.text !== 'noreverse') c.error('invalid-value', r, `weight: unknown option '${r.text}'`);
      put(d, 'weight_reverse', r?.text === 'reverse');
    }),
  ])],
]);

/** Checker keywords valid in real_server: tables above plus BFD_CHECK (needs keepalived's bfd build). */
export const CHECKER_NAMES = [...checkerTables.keys()];

export function readCheckerBlock(ctx: ConfigContext, stmt: Statement): CheckerDraft | undefined {
  const table = checkerTables.get(stmt.keyword.text);
  if (!table) return undefined;
  const d: CheckerDraft = { type: stmt.keyword.text, stmt, f: {} };
  applyTable(ctx, table, stmt.block?.statements ?? [], d);
  return d;
}

export { readIntWord };
