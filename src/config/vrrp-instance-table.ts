// The vrrp_instance block (keepalived/vrrp/vrrp_parser.c init_vrrp_keywords). Handlers only
// record what was written into a partial draft; defaults, global inheritance and the cross-field
// rules (version vs advert_int, strict mode, nopreempt vs state...) are applied afterwards by
// completeVrrpInstance(), as keepalived does in vrrp_complete_instance().
import type { Statement } from 'keepalived-conf-parser';
import { parseAddressSpec } from './address-spec.ts';
import type { ConfigContext } from './config-context.ts';
import { alias, deprecatedAlias, kw, KeywordTable, sub, unsupported, values, applyTable, type KeywordSpec } from './keyword-table.ts';
import type { Draft } from './model-common.ts';
import type { Authentication, UnicastPeer, UseVmac, VirtualIpAddress, VrrpInstance } from './model-vrrp.ts';
import { arg, noExtraArgs, readBool, readDecimalWord, readEnumWord, readInt, readIntWord, readIp, readIpWord, readPrefixWord, readSeconds, readSecondsWord } from './read-value.ts';
import { parseRouteSpec } from './route-spec.ts';
import { parseRuleSpec } from './rule-spec.ts';
import { readScriptCommand } from './script-command.ts';
import { readTrackRefs, valueLines } from './track-refs.ts';

/** What the handlers fill: every model field optional, plus the statements seen (for positions). */
export type VrrpInstanceDraft = Partial<Draft<VrrpInstance>> & {
  name: string;
  /** keyword -> the statement that set it (the last one), for later diagnostics. */
  seen: Map<string, Statement>;
  /** advert_int as written, before the version rules (rounding) apply. */
  advert_int_raw?: number;
  /** `priority` was out of range and replaced by the default. */
  vips_family?: 4 | 6;
  /** `native_ipv6` (deprecated): the instance is IPv6 even without VIPs. */
  native_ipv6?: boolean;
};

type Spec = KeywordSpec<VrrpInstanceDraft>;

/** Record the statement, then run `body`. */
function on(name: string, body: (ctx: ConfigContext, stmt: Statement, d: VrrpInstanceDraft) => void, maxArgs = 1): Spec {
  return kw<VrrpInstanceDraft>(name, (ctx, stmt, d) => {
    d.seen.set(name, stmt);
    body(ctx, stmt, d);
    if (maxArgs >= 0) noExtraArgs(ctx, stmt, maxArgs);
  });
}

function set<K extends keyof VrrpInstanceDraft>(d: VrrpInstanceDraft, k: K, v: VrrpInstanceDraft[K] | undefined): void {
  if (v !== undefined) d[k] = v;
}

function flag(name: keyof VrrpInstanceDraft & string, value = true): Spec {
  return on(name, (_c, _s, d) => set(d, name, value as never), 0);
}

function bool(name: keyof VrrpInstanceDraft & string): Spec {
  return on(name, (c, s, d) => set(d, name, readBool(c, s) as never));
}

function script(name: keyof VrrpInstanceDraft & string): Spec {
  return on(name, (c, s, d) => {
    const before = c.scripts.length;
    set(d, name, readScriptCommand(c, s) as never);
    const entry = c.scripts[before];
    if (entry) entry.owner = `vrrp_instance:${d.name}`;
  }, -1);
}

/** `use_vmac [[name] IFNAME] [MAC] [netlink_notify_msg] [group ID]` (vrrp_parser.c vrrp_vmac_handler). */
function useVmac(ctx: ConfigContext, stmt: Statement): UseVmac {
  const out: Draft<UseVmac> = {};
  const a = stmt.args;
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!;
    if (w.text === 'name' && a[i + 1]) out.name = a[++i]!.text;
    else if (w.text === 'netlink_notify_msg') out.netlink_notify_msg = true;
    else if (w.text === 'group' && a[i + 1]) out.group = readIntWord(ctx, a[++i]!, 0, 2 ** 32 - 1);
    else if (/^([0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}$/.test(w.text)) out.mac = w.text.toLowerCase();
    else if (out.name === undefined && i === 0) out.name = w.text;
    else ctx.error('invalid-value', w, `use_vmac: unknown option '${w.text}'`);
  }
  if (out.name !== undefined && out.name.length > 15) {
    ctx.error('invalid-value', a[0]!, `use_vmac: interface name '${out.name}' longer than 15 characters`);
    delete out.name;
  }
  return out;
}

function useIpvlan(_ctx: ConfigContext, stmt: Statement): VrrpInstance['use_ipvlan'] {
  const out: { name?: string; address?: string; mode?: string } = {};
  const a = stmt.args;
  for (let i = 0; i < a.length; i++) {
    const t = a[i]!.text;
    if (t === 'name' && a[i + 1]) out.name = a[++i]!.text;
    else if (t === 'bridge' || t === 'private' || t === 'vepa') out.mode = t;
    else if (t === 'group') i++;
    else if (/[.:]/.test(t)) out.address = t;
    else out.name = t;
  }
  return out;
}

function unicastPeers(ctx: ConfigContext, stmt: Statement): UnicastPeer[] {
  const out: UnicastPeer[] = [];
  for (const words of valueLines(stmt)) {
    const w0 = words[0]!;
    // keepalived accepts (and ignores) a /LEN on a peer address, as on the source address.
    const ip = w0.text.includes('/') ? readPrefixWord(ctx, w0) : readIpWord(ctx, w0);
    if (!ip) continue;
    if (w0.text.includes('/')) ctx.warn('prefix-ignored', w0, `unicast_peer: the prefix length in '${w0.text}' is ignored`, `write ${ip.address}`);
    const p: Draft<UnicastPeer> = { address: ip.address };
    for (let i = 1; i < words.length; i++) {
      const w = words[i]!;
      const v = words[i + 1];
      if ((w.text === 'min_ttl' || w.text === 'max_ttl') && v) {
        const n = readIntWord(ctx, v, 0, 255);
        if (n !== undefined) p[w.text] = n;
        i++;
      } else ctx.error('invalid-value', w, `unicast_peer ${ip.address}: unknown option '${w.text}'`, 'expected min_ttl N / max_ttl N');
    }
    out.push(p);
  }
  return out;
}

function addresses(ctx: ConfigContext, stmt: Statement): VirtualIpAddress[] {
  const out: VirtualIpAddress[] = [];
  for (const words of valueLines(stmt)) {
    const a = parseAddressSpec(ctx, words, { kind: 'vip' });
    if (a) out.push(a);
  }
  return out;
}

/** keepalived (inet_stosockaddr) accepts and ignores a `/LEN` on the source address. */
function readSourceIp(c: ConfigContext, s: Statement): string | undefined {
  const w = arg(c, s, 0, 'an IP address');
  if (!w) return undefined;
  const slash = w.text.indexOf('/');
  if (slash < 0) return readIpWord(c, w)?.address;
  const p = readPrefixWord(c, w);
  if (p) c.warn('prefix-ignored', w, `'${s.keyword.text}': the prefix length in '${w.text}' is ignored`, `write ${p.address}`);
  return p?.address;
}

type AuthDraft = { auth_type?: 'PASS' | 'AH'; auth_pass?: string; stmt: Statement };

const authTable = new KeywordTable<AuthDraft>('authentication', [
  kw('auth_type', (ctx, stmt, d) => {
    const w = arg(ctx, stmt, 0, 'PASS or AH');
    if (w) d.auth_type = readEnumWord(ctx, w, ['PASS', 'AH'] as const);
    noExtraArgs(ctx, stmt, 1);
  }),
  kw('auth_pass', (ctx, stmt, d) => {
    const w = arg(ctx, stmt, 0, 'a password');
    if (!w) return;
    let pass = w.text;
    if (pass.length > 8) {
      // keepalived: "Truncating auth_pass to 8 characters" (vrrp_parser.c vrrp_auth_pass_handler).
      ctx.warn('value-fixed', w, `auth_pass longer than 8 characters - truncated to '${pass.slice(0, 8)}'`);
      pass = pass.slice(0, 8);
    }
    ctx.checkCommentCut(w, 'auth_pass');
    d.auth_pass = pass;
    noExtraArgs(ctx, stmt, 1);
  }),
]);

const hmacNote = 'auth_hmac (keepalived > 2.4.3)';

const specs: Spec[] = [
  on('use_vmac', (c, s, d) => set(d, 'use_vmac', useVmac(c, s)), -1),
  flag('use_vmac_addr'),
  flag('vmac_xmit_base'),
  on('use_ipvlan', (c, s, d) => set(d, 'use_ipvlan', useIpvlan(c, s)), -1),
  values<VrrpInstanceDraft>('unicast_peer', (c, s, d) => { d.seen.set('unicast_peer', s); d.unicast_peer = [...(d.unicast_peer ?? []), ...unicastPeers(c, s)]; }),
  flag('unicast_fault_no_peer'),
  flag('check_unicast_src'),
  on('old_unicast_checksum', (c, s, d) => {
    const w = s.args[0];
    if (!w) d.old_unicast_checksum = true;
    else if (w.text === 'never') d.old_unicast_checksum = 'never';
    else c.error('invalid-value', w, `old_unicast_checksum: unknown option '${w.text}'`, "the only option is 'never'");
  }),
  on('native_ipv6', (c, s, d) => {
    c.warn('deprecated', s.keyword, "'native_ipv6' is deprecated", 'give the instance IPv6 addresses instead');
    d.native_ipv6 = true;
  }, 0),
  on('state', (c, s, d) => {
    const w = arg(c, s, 0, 'MASTER or BACKUP');
    if (!w) return;
    if (w.text === 'MASTER' || w.text === 'BACKUP') d.state = w.text;
    else {
      // keepalived: "unknown state 'x', defaulting to BACKUP" (vrrp_state_handler).
      c.error('invalid-value', w, `unknown state '${w.text}' - using BACKUP`, 'expected MASTER or BACKUP');
      d.state = 'BACKUP';
    }
  }),
  on('interface', (c, s, d) => set(d, 'interface', arg(c, s, 0, 'an interface name')?.text)),
  on('vrf', (c, s, d) => set(d, 'vrf', arg(c, s, 0, 'a VRF interface')?.text)),
  flag('dont_track_primary'),
  values<VrrpInstanceDraft>('track_interface', (c, s, d) => { d.track_interface = [...(d.track_interface ?? []), ...readTrackRefs(c, s, 253)]; }),
  values<VrrpInstanceDraft>('track_script', (c, s, d) => { d.track_script = [...(d.track_script ?? []), ...readTrackRefs(c, s, 253)]; }),
  values<VrrpInstanceDraft>('track_file', (c, s, d) => { d.track_file = [...(d.track_file ?? []), ...readTrackRefs(c, s, 254)]; }),
  values<VrrpInstanceDraft>('track_process', (c, s, d) => { d.track_process = [...(d.track_process ?? []), ...readTrackRefs(c, s, 254)]; }),
  unsupported('track_bfd', 'bfd', 'values'),
  on('mcast_src_ip', (c, s, d) => set(d, 'mcast_src_ip', readSourceIp(c, s))),
  on('unicast_src_ip', (c, s, d) => set(d, 'unicast_src_ip', readSourceIp(c, s))),
  on('mcast_dst_ip', (c, s, d) => {
    const ip = readIp(c, s);
    if (ip && !(ip.family === 4 ? (ip.ip.bytes[0]! & 0xf0) === 0xe0 : ip.ip.bytes[0] === 0xff)) {
      c.error('invalid-address', s.args[0]!, `mcast_dst_ip ${ip.address} is not a multicast address`);
      return;
    }
    set(d, 'mcast_dst_ip', ip?.address);
  }),
  flag('track_src_ip'),
  on('virtual_router_id', (c, s, d) => set(d, 'virtual_router_id', readInt(c, s, 1, 255))),
  on('unicast_ttl', (c, s, d) => set(d, 'unicast_ttl', readInt(c, s, 0, 255))),
  on('version', (c, s, d) => set(d, 'version', readInt(c, s, 2, 3) as 2 | 3 | undefined)),
  on('priority', (c, s, d) => {
    const w = arg(c, s, 0, 'a priority 1..255');
    if (!w) return;
    if (!/^[+-]?[0-9]+$/.test(w.text)) {
      c.error('invalid-number', w, `invalid priority '${w.text}' - using default`);
      return;
    }
    const n = Number(w.text);
    if (n < 1 || n > 255) {
      // keepalived: "Priority not valid! must be between 1 & 255. Using default 100".
      c.warn('value-fixed', w, `priority ${w.text} outside 1..255 - using the default 100`);
      d.priority = 100;
      return;
    }
    d.priority = n;
  }),
  on('advert_int', (c, s, d) => {
    const w = arg(c, s, 0, 'an interval in seconds');
    if (!w) return;
    const n = readDecimalWord(c, w);
    if (n === undefined) return;
    if (n <= 0) { c.error('out-of-range', w, `advert_int ${w.text} must be greater than 0`); return; }
    d.advert_int_raw = n;
  }),
  values<VrrpInstanceDraft>('virtual_ipaddress', (c, s, d) => { d.seen.set('virtual_ipaddress', s); d.virtual_ipaddress = [...(d.virtual_ipaddress ?? []), ...addresses(c, s)]; }),
  values<VrrpInstanceDraft>('virtual_ipaddress_excluded', (c, s, d) => { d.virtual_ipaddress_excluded = [...(d.virtual_ipaddress_excluded ?? []), ...addresses(c, s)]; }),
  flag('no_virtual_ipaddress'),
  flag('promote_secondaries'),
  on('linkbeat_use_polling', (c, s) => c.warn('deprecated', s.keyword, "'linkbeat_use_polling' in vrrp_instance is deprecated", 'use linkbeat_interfaces or the top-level keyword'), 0),
  bool('v3_checksum_as_v2'),
  values<VrrpInstanceDraft>('virtual_routes', (c, s, d) => {
    const out = [...(d.virtual_routes ?? [])];
    for (const words of valueLines(s)) { const r = parseRouteSpec(c, words, 'vip'); if (r) out.push(r); }
    d.virtual_routes = out;
  }),
  values<VrrpInstanceDraft>('virtual_rules', (c, s, d) => {
    const out = [...(d.virtual_rules ?? [])];
    for (const words of valueLines(s)) { const r = parseRuleSpec(c, words, 'vip'); if (r) out.push(r); }
    d.virtual_rules = out;
  }),
  flag('accept'),
  on('no_accept', (_c, _s, d) => { d.accept = false; }, 0),
  bool('skip_check_adv_addr'),
  bool('strict_mode'),
  on('preempt', (_c, _s, d) => { d.nopreempt = false; }, 0),
  flag('nopreempt'),
  on('preempt_delay', (c, s, d) => set(d, 'preempt_delay', readSeconds(c, s, 0, 1000))),
  on('debug', (c, s, d) => set(d, 'debug', s.args[0] ? readInt(c, s, 0, 4) : 1)),
  script('notify_backup'),
  script('notify_master'),
  script('notify_fault'),
  script('notify_stop'),
  on('notify_deleted', (c, s, d) => set(d, 'notify_deleted', s.rest.trim() === '' ? true : readScriptCommand(c, s)), -1),
  script('notify'),
  script('notify_master_rx_lower_pri'),
  bool('smtp_alert'),
  bool('notify_priority_changes'),
  on('lvs_sync_daemon_interface', (c, s, d) => set(d, 'lvs_sync_daemon_interface', arg(c, s, 0, 'an interface')?.text)),
  // Whole seconds: keepalived reads the GARP delays with read_unsigned (measured: '2.5' invalid).
  on('garp_master_delay', (c, s, d) => set(d, 'garp_master_delay', readInt(c, s, 0, 86400))),
  on('garp_master_refresh', (c, s, d) => set(d, 'garp_master_refresh', readInt(c, s, 0, 86400))),
  on('garp_master_repeat', (c, s, d) => set(d, 'garp_master_repeat', readInt(c, s, 0, 2 ** 31 - 1))),
  on('garp_master_refresh_repeat', (c, s, d) => set(d, 'garp_master_refresh_repeat', readInt(c, s, 0, 2 ** 31 - 1))),
  on('garp_lower_prio_delay', (c, s, d) => set(d, 'garp_lower_prio_delay', readInt(c, s, 0, 86400))),
  on('garp_lower_prio_repeat', (c, s, d) => set(d, 'garp_lower_prio_repeat', readInt(c, s, 0, 2 ** 31 - 1))),
  on('down_timer_adverts', (c, s, d) => set(d, 'down_timer_adverts', readInt(c, s, 1, 100))),
  on('timer_expired_backup', (c, s, d) => set(d, 'timer_expired_backup', s.args[0] ? readInt(c, s, 1, 254) : true)),
  on('garp_extra_if', (c, s, d) => {
    const all = s.args[0]?.text === 'all';
    const w = s.args[all ? 1 : 0];
    if (!w) { c.error('missing-value', s.keyword, `'${s.keyword.text}' needs an interval in seconds`); return; }
    const iv = readSecondsWord(c, w, 0, 86400);
    if (iv !== undefined) d.garp_extra_if = { all, interval: iv };
  }, 2),
  bool('lower_prio_no_advert'),
  bool('higher_prio_send_advert'),
  flag('owner_ignore_adverts'),
  on('kernel_rx_buf_size', (c, s, d) => set(d, 'kernel_rx_buf_size', readInt(c, s, 0, 2 ** 31 - 1))),
  sub<VrrpInstanceDraft>('authentication', (c, s, d) => {
    d.seen.set('authentication', s);
    const a: AuthDraft = { stmt: s };
    applyTable(c, authTable, s.block?.statements ?? [], a);
    if (a.auth_type === undefined) { c.error('missing-value', s.keyword, 'authentication without auth_type - ignored'); return; }
    if (a.auth_pass === undefined) { c.error('missing-value', s.keyword, 'authentication without auth_pass - ignored'); return; }
    const auth: Authentication = { auth_type: a.auth_type, auth_pass: a.auth_pass };
    d.authentication = auth;
  }),
  unsupported('auth_hmac', hmacNote, 'keywords'),
];

const byName = new Map(specs.map((s) => [s.name, s]));
const get = (n: string): Spec => byName.get(n)!;

export const vrrpInstanceTable = new KeywordTable<VrrpInstanceDraft>('vrrp_instance', [
  ...specs,
  alias('thread_timer_expired', get('timer_expired_backup')),
  deprecatedAlias('vmac_garp_intvl', get('garp_extra_if')),
]);

export function newVrrpInstanceDraft(name: string): VrrpInstanceDraft {
  return { name, seen: new Map() };
}

export { readSeconds };
