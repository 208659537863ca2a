// The global_defs block (keepalived/core/global_parser.c init_global_keywords), one entry per
// keyword of keepalived 2.4.3. Keywords of optional keepalived builds (snmp, dbus, bfd, json,
// nftables/iptables/ipset) are recognised and reported as not supported.
import type { Statement } from 'keepalived-conf-parser';
import { isMulticast } from '../base/ip.ts';
import type { ConfigContext } from './config-context.ts';
import { boolField, field, intField, intListField, secondsField, stringField, ipField } from './field-keyword.ts';
import { alias, deprecatedAlias, kw, KeywordTable, unsupported, values, type KeywordSpec } from './keyword-table.ts';
import type { Draft } from './model-common.ts';
import type { GlobalDefs, LvsSyncDaemon } from './model-global.ts';
import { arg, noExtraArgs, readInt, readIp, readIntWord, readPortWord, readSecondsWord } from './read-value.ts';
import { readFifo, readOwnedScript, readScriptCommand } from './script-command.ts';

export type GlobalDefsDraft = Draft<GlobalDefs>;
type Spec = KeywordSpec<GlobalDefsDraft>;

const BIG = 2 ** 31 - 1;

/** field() with the draft type fixed, so T is inferred from the reader. */
function f<K extends keyof GlobalDefsDraft & string>(
  name: K,
  read: (ctx: ConfigContext, stmt: Statement) => GlobalDefsDraft[K] | undefined,
  extra = 1,
): Spec {
  return field<GlobalDefsDraft, GlobalDefsDraft[K]>(name, name as never, read, extra);
}

function smtpServer(ctx: ConfigContext, stmt: Statement): GlobalDefs['smtp_server'] {
  const host = arg(ctx, stmt, 0, 'an IP address or host name');
  if (!host) return undefined;
  let port = 25;
  if (stmt.args[1]) {
    const p = readPortWord(ctx, stmt.args[1]);
    if (p === undefined) return undefined;
    port = p;
  }
  return { host: host.text, port };
}

/** `lvs_sync_daemon IF [[inst] VI] [id N] [maxlen N] [port N] [ttl N] [group IP]` (global_parser.c). */
function lvsSyncDaemon(ctx: ConfigContext, stmt: Statement): LvsSyncDaemon | undefined {
  const ifw = arg(ctx, stmt, 0, 'an interface');
  if (!ifw) return undefined;
  const out: Draft<LvsSyncDaemon> = { interface: ifw.text, port: 8848 };
  const a = stmt.args;
  for (let i = 1; i < a.length; i++) {
    const w = a[i]!;
    const v = a[i + 1];
    const need = (): boolean => {
      if (v) return true;
      ctx.error('missing-value', w, `lvs_sync_daemon: '${w.text}' needs a value`);
      return false;
    };
    switch (w.text) {
      case 'inst': if (need()) out.inst = v!.text; i++; break;
      case 'id': if (need()) out.id = readIntWord(ctx, v!, 0, 255); i++; break;
      case 'maxlen': if (need()) out.maxlen = readIntWord(ctx, v!, 1, 65507); i++; break;
      case 'port': if (need()) out.port = readIntWord(ctx, v!, 1, 65535) ?? 8848; i++; break;
      case 'ttl': if (need()) out.ttl = readIntWord(ctx, v!, 1, 255); i++; break;
      case 'group': if (need()) out.group = readIp(ctx, stmt, i + 1)?.address; i++; break;
      default:
        // The old form names the VRRP instance directly after the interface.
        if (i === 1) out.inst = w.text;
        else ctx.error('invalid-value', w, `lvs_sync_daemon: unknown option '${w.text}'`);
    }
  }
  return out;
}

function lvsTimeouts(ctx: ConfigContext, stmt: Statement): GlobalDefs['lvs_timeouts'] {
  const out: { tcp?: number; tcpfin?: number; udp?: number } = {};
  const a = stmt.args;
  for (let i = 0; i < a.length; i += 2) {
    const k = a[i]!;
    const v = a[i + 1];
    if (k.text !== 'tcp' && k.text !== 'tcpfin' && k.text !== 'udp') {
      ctx.error('invalid-value', k, `lvs_timeouts: unknown option '${k.text}'`, 'expected tcp, tcpfin or udp');
      continue;
    }
    if (!v) { ctx.error('missing-value', k, `lvs_timeouts: '${k.text}' needs seconds`); break; }
    const s = readSecondsWord(ctx, v, 0, 86400 * 31);
    if (s !== undefined) out[k.text] = s;
  }
  return out;
}

function scriptUser(ctx: ConfigContext, stmt: Statement): GlobalDefs['script_user'] {
  const u = arg(ctx, stmt, 0, 'a user name');
  if (!u) return undefined;
  let user = u.text;
  let group = stmt.args[1]?.text.replace(/^:/, '');
  if (user.includes(':')) [user, group] = user.split(':', 2) as [string, string];
  return group ? { user, group } : { user };
}

function umask(ctx: ConfigContext, stmt: Statement): number | undefined {
  // `umask 0022` (octal number) or `umask IWGRP | IWOTH` (bit names).
  const text = stmt.args.map((w) => w.text).join(' ');
  if (/^0?[0-7]{1,4}$/.test(text)) return parseInt(text, 8);
  const bits: Record<string, number> = {
    IRUSR: 0o400, IWUSR: 0o200, IXUSR: 0o100, IRGRP: 0o40, IWGRP: 0o20, IXGRP: 0o10, IROTH: 4, IWOTH: 2, IXOTH: 1,
  };
  let m = 0;
  for (const part of text.split('|').map((s) => s.trim())) {
    const b = bits[part];
    if (b === undefined) {
      ctx.error('invalid-value', stmt.args[0] ?? stmt.keyword, `invalid umask '${text}'`);
      return undefined;
    }
    m |= b;
  }
  return m;
}

const specs: Spec[] = [
  // keepalived 2.2.7 ignores any argument here (`process_names hidden` is accepted silently).
  f('process_names', (ctx, stmt) => { noExtraArgs(ctx, stmt, 0); return true; }, -1),
  stringField('process_name'),
  stringField('vrrp_process_name'),
  stringField('checker_process_name'),
  unsupported('bfd_process_name', 'bfd'),
  boolField('use_symlink_paths'),
  boolField('set_supplementary_groups'),
  stringField('router_id'),
  stringField('notification_email_from'),
  f('smtp_server', smtpServer, 2),
  stringField('smtp_helo_name'),
  secondsField('smtp_connect_timeout', 0, 86400),
  values('notification_email', (ctx, stmt, d) => {
    const list = [...d.notification_email];
    for (const item of stmt.block?.statements ?? []) list.push([item.keyword, ...item.args].map((w) => w.text).join(' '));
    d.notification_email = list;
  }),
  boolField('smtp_alert'),
  f('startup_script', readScriptCommand, -1),
  intField('startup_script_timeout', 1, 1000),
  f('shutdown_script', readScriptCommand, -1),
  intField('shutdown_script_timeout', 1, 1000),
  f('max_auto_priority', (ctx, stmt) => (stmt.args[0] ? readInt(ctx, stmt, -1, 99) : 99)),
  intField('min_auto_priority_delay', 0, BIG),
  boolField('smtp_alert_vrrp'),
  boolField('smtp_alert_checker'),
  boolField('checker_log_all_failures'),
  f('dynamic_interfaces', (ctx, stmt) => {
    const w = stmt.args[0];
    if (!w) return true;
    if (w.text === 'allow_if_changes') return 'allow_if_changes' as const;
    ctx.error('invalid-value', w, `dynamic_interfaces: unknown option '${w.text}'`, "the only option is 'allow_if_changes'");
    return true;
  }),
  boolField('no_email_faults'),
  stringField('default_interface'),
  boolField('disable_local_igmp'),
  boolField('v3_checksum_as_v2'),
  f('lvs_timeouts', lvsTimeouts, -1),
  boolField('lvs_flush'),
  f('lvs_flush_on_stop', (ctx, stmt) => {
    const w = stmt.args[0];
    if (!w) return true;
    if (w.text === 'VS') return 'VS' as const;
    ctx.error('invalid-value', w, `lvs_flush_on_stop: unknown option '${w.text}'`, "the only option is 'VS'");
    return undefined;
  }),
  f('lvs_sync_daemon', lvsSyncDaemon, -1),
  f('vrrp_mcast_group4', (ctx, stmt) => readMulticast(ctx, stmt, 4)),
  f('vrrp_mcast_group6', (ctx, stmt) => readMulticast(ctx, stmt, 6)),
  // Whole seconds: keepalived reads these with read_unsigned (measured: '2.5' is invalid).
  intField('vrrp_garp_master_delay', 0, 86400),
  intField('vrrp_garp_master_repeat', 0, BIG),
  intField('vrrp_garp_master_refresh', 0, 86400),
  intField('vrrp_garp_master_refresh_repeat', 0, BIG),
  intField('vrrp_garp_lower_prio_delay', 0, 86400),
  intField('vrrp_garp_lower_prio_repeat', 0, BIG),
  intField('vrrp_down_timer_adverts', 1, 100),
  secondsField('vrrp_garp_interval', 0, 86400),
  secondsField('vrrp_gna_interval', 0, 86400),
  boolField('vrrp_min_garp'),
  f('vrrp_garp_extra_if', readGarpExtraIf, 2),
  boolField('vrrp_lower_prio_no_advert'),
  boolField('vrrp_higher_prio_send_advert'),
  f('vrrp_version', (ctx, stmt) => readInt(ctx, stmt, 2, 3) as 2 | 3 | undefined),
  unsupported('vrrp_iptables', 'iptables'),
  unsupported('vrrp_ipsets', 'ipset'),
  unsupported('nftables', 'nftables'),
  unsupported('nftables_priority', 'nftables'),
  unsupported('nftables_ifindex', 'nftables'),
  boolField('vrrp_check_unicast_src'),
  boolField('vrrp_skip_check_adv_addr'),
  boolField('vrrp_strict'),
  intField('vrrp_priority', -20, 19),
  boolField('vrrp_no_swap'),
  intField('vrrp_rt_priority', 1, 99),
  intListField('vrrp_cpu_affinity', 0, 4095),
  intField('vrrp_rlimit_rttime', 1, BIG),
  unsupported('nftables_ipvs', 'nftables'),
  unsupported('nftables_ipvs_priority', 'nftables'),
  unsupported('nftables_ipvs_start_fwmark', 'nftables'),
  unsupported('nftables_counters', 'nftables'),
  f('notify_fifo', readFifo, 3),
  f('notify_fifo_script', (c, s) => readOwnedScript(c, s, 'fifo:any'), -1),
  f('vrrp_notify_fifo', readFifo, 3),
  f('vrrp_notify_fifo_script', (c, s) => readOwnedScript(c, s, 'fifo:vrrp'), -1),
  boolField('vrrp_notify_priority_changes'),
  boolField('fifo_write_vrrp_states_on_reload'),
  f('lvs_notify_fifo', readFifo, 3),
  f('lvs_notify_fifo_script', (c, s) => readOwnedScript(c, s, 'fifo:lvs'), -1),
  intField('checker_priority', -20, 19),
  boolField('checker_no_swap'),
  intField('checker_rt_priority', 1, 99),
  intListField('checker_cpu_affinity', 0, 4095),
  intField('checker_rlimit_rttime', 1, BIG),
  ...['bfd_priority', 'bfd_no_swap', 'bfd_rt_priority', 'bfd_cpu_affinity', 'bfd_rlimit_rttime', 'bfd_rlimit_rtime']
    .map((n) => unsupported<GlobalDefsDraft>(n, 'bfd')),
  ...['snmp_socket', 'enable_traps', 'enable_snmp_vrrp', 'enable_snmp_keepalived', 'enable_snmp_rfc', 'enable_snmp_rfcv2',
    'enable_snmp_rfcv3', 'enable_snmp_checker', 'snmp_vs_stats_update_interval', 'snmp_rs_stats_update_interval']
    .map((n) => unsupported<GlobalDefsDraft>(n, 'snmp')),
  ...['enable_dbus', 'dbus_service_name', 'dbus_no_interface_name'].map((n) => unsupported<GlobalDefsDraft>(n, 'dbus')),
  f('script_user', scriptUser, 2),
  boolField('enable_script_security'),
  intField('vrrp_netlink_cmd_rcv_bufs', 0, BIG),
  boolField('vrrp_netlink_cmd_rcv_bufs_force'),
  intField('vrrp_netlink_monitor_rcv_bufs', 0, BIG),
  boolField('vrrp_netlink_monitor_rcv_bufs_force'),
  intField('process_monitor_rcv_bufs', 0, BIG),
  boolField('process_monitor_rcv_bufs_force'),
  intField('lvs_netlink_cmd_rcv_bufs', 0, BIG),
  boolField('lvs_netlink_cmd_rcv_bufs_force'),
  intField('lvs_netlink_monitor_rcv_bufs', 0, BIG),
  boolField('lvs_netlink_monitor_rcv_bufs_force'),
  boolField('rs_init_notifies'),
  boolField('no_checker_emails'),
  f('vrrp_rx_bufs_policy', (ctx, stmt) => stmt.args.map((w) => w.text).join(' ') || undefined, -1),
  intField('vrrp_rx_bufs_multiplier', 1, BIG),
  secondsField('vrrp_startup_delay', 0, 3600),
  secondsField('vrrp_delay_after_boot', 0, 3600),
  boolField('log_unknown_vrids'),
  boolField('vrrp_owner_ignore_adverts'),
  stringField('vmac_prefix'),
  stringField('vmac_addr_prefix'),
  f('umask', umask, -1),
  intField('random_seed', 0, 2 ** 32 - 1),
  f('reload_check_config', (_ctx, stmt) => stmt.args[0]?.text ?? true),
  stringField('reload_time_file'),
  boolField('reload_repeat'),
  f('reload_file', (_ctx, stmt) => stmt.args[0]?.text ?? '/run/keepalived.reload'),
  f('include_check', (_ctx, stmt) => stmt.args.map((w) => w.text), -1),
  stringField('config_save_dir'),
  stringField('tmp_config_directory'),
  boolField('data_use_instance'),
  unsupported('json_version', 'json'),
  stringField('iproute_usr_dir'),
  stringField('iproute_etc_dir'),
  stringField('state_dump_file'),
  stringField('stats_dump_file'),
  stringField('json_dump_file'),
];

/** keepalived: "vrrp_mcast_group4 [10.0.0.1] is not multicast. Skipping" (a config error). */
function readMulticast(ctx: ConfigContext, stmt: Statement, family: 4 | 6): string | undefined {
  const ip = readIp(ctx, stmt, 0, family);
  if (ip && !isMulticast(ip.ip)) {
    ctx.error('invalid-address', stmt.args[0]!, `${stmt.keyword.text} ${ip.address} is not a multicast address - ignored`);
    return undefined;
  }
  return ip?.address;
}

function readGarpExtraIf(ctx: ConfigContext, stmt: Statement): GlobalDefs['vrrp_garp_extra_if'] {
  const all = stmt.args[0]?.text === 'all';
  const w = stmt.args[all ? 1 : 0];
  if (!w) {
    ctx.error('missing-value', stmt.keyword, `'${stmt.keyword.text}' needs an interval in seconds`);
    return undefined;
  }
  const s = readSecondsWord(ctx, w, 0, 86400);
  return s === undefined ? undefined : { all, interval: s };
}

const byName = new Map(specs.map((s) => [s.name, s]));
function get(name: string): Spec {
  const s = byName.get(name);
  if (!s) throw new Error(`global_defs table: no ${name}`);
  return s;
}

export const globalDefsTable = new KeywordTable<GlobalDefsDraft>('global_defs', [
  ...specs,
  alias('lvs_process_name', get('checker_process_name')),
  deprecatedAlias('lvs_flush_onstop', get('lvs_flush_on_stop')),
  alias('vrrp_rlimit_rtime', get('vrrp_rlimit_rttime')),
  alias('checker_rlimit_rtime', get('checker_rlimit_rttime')),
  deprecatedAlias('vrrp_vmac_garp_intvl', get('vrrp_garp_extra_if')),
]);
