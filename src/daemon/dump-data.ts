// The USR1 dump (/tmp/keepalived.data): the configuration and state as text, with keepalived
// 2.2.7's section headers and line formats (vrrp/vrrp_print.c dump_vrrp, global_data.c
// dump_global_data; the fixture test/fixtures/dumps/keepalived-2.2.7.data was written by
// keepalived itself). Pure: DaemonView -> text.
//
// What is printed is what we model: global definitions, VRRP instances (state, timers, VIPs,
// trackers, unicast peers, auth), sync groups, the vrrp_scripts and track_files in use (the LVS
// half writes keepalived_check.data: dump-data-lvs.ts). keepalived's lines about its
// process internals are left out, each with the reason beside where it would be:
// the "VRRP Sockpool" and "Interfaces" sections, "fd_in/fd_out", "Read timeout", and the
// nftables build lines; "Virtual Routes" is not reproduced yet.

import type { KeepalivedConfig } from '../config/model.ts';
import { formatIp } from '../base/ip.ts';
import type { Director } from '../runtime/director.ts';
import type { VrrpInstance } from '../vrrp/instance.ts';
import { masterDownUs } from '../vrrp/timing.ts';
import type { DaemonView } from './daemon-view.ts';
import { instanceConfig, lastTransitionS, notifyScripts, quotedCommand } from './dump-json.ts';
import { vipLine } from './dump-vip-line.ts';

export interface DataDumpOptions {
  /** keepalived's default router_id is the host name. */
  readonly hostname: string;
  /** The interface index keepalived prints beside an IPv6 multicast group (left out when unknown). */
  readonly ifindex?: (ifname: string) => number | undefined;
  /** Numeric "uid:gid" of a script user, as keepalived prints it (names when unknown). */
  readonly uidGid?: (user: { readonly user: string; readonly group?: string }) => string | undefined;
}

const US_PER_S = 1_000_000;
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, width: number, fill = '0'): string {
  return String(n).padStart(width, fill);
}

/** keepalived's timestamp: "1795270630.852631 (Sat Nov 21 14:17:10.852631 2026)", local time. */
export function keepalivedTime(seconds: number): string {
  const whole = Math.floor(seconds);
  const usec = pad(Math.round((seconds - whole) * US_PER_S) % US_PER_S, 6);
  const d = new Date(whole * 1000);
  const clock = `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}`;
  return `${whole}.${usec} (${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad(d.getDate(), 2, ' ')} ${clock}.${usec} ${d.getFullYear()})`;
}

function uidGid(u: { readonly user: string; readonly group?: string }, o: DataDumpOptions): string {
  return o.uidGid?.(u) ?? `${u.user}:${u.group ?? u.user}`;
}

const bool = (b: boolean | undefined): string => (b ? 'true' : 'false');
const yesNo = (b: boolean | undefined): string => (b ? 'yes' : 'no');
const enabled = (b: boolean | undefined): string => (b ? 'enabled' : 'disabled');
const unset = (b: boolean | undefined): string => (b === undefined ? 'unset' : bool(b));

/** keepalived's "%f" for seconds given as a float (Gratuitous ARP interval = 0.000000). */
const fixed6 = (s: number): string => s.toFixed(6);

/**
 * keepalived's global section, as its VRRP process prints it, or (forChecker) as its checker
 * process does: without "Default interface", and with the lower-priority GARP settings still
 * unresolved (UINT_MAX) unless configured, since only the VRRP process fills them in.
 */
export function dataGlobalSection(config: KeepalivedConfig, o: DataDumpOptions, forChecker = false): string[] {
  const g = config.global_defs;
  const UNSET = 4294967295;
  const rp = (name: string, v: number | undefined): string => ` ${name} = ${v ?? 0}`;
  const out = [
    '------< Global definitions >------',
    ` Network namespace = ${config.net_namespace ?? '(default)'}`,
    ` Network namespace ipvs = ${config.net_namespace_ipvs === undefined ? '(main namespace)' : config.net_namespace_ipvs === true ? '(default)' : config.net_namespace_ipvs}`,
  ];
  if (config.instance !== undefined) out.push(` Instance name = ${config.instance}`);
  out.push(
    ` Router ID = ${g.router_id ?? o.hostname}`,
    ` Default smtp_alert = ${unset(g.smtp_alert)}`,
    ` Default smtp_alert_vrrp = ${unset(g.smtp_alert_vrrp)}`,
    ` Default smtp_alert_checker = ${unset(g.smtp_alert_checker)}`,
    ` Checkers log all failures = ${bool(g.checker_log_all_failures)}`,
    g.reload_check_config !== undefined ? ` Test config before reload${typeof g.reload_check_config === 'string' ? `, log to ${g.reload_check_config}` : ''}` : ' No test config before reload',
  );
  if (g.data_use_instance) out.push(' Use instance name in data dumps');
  out.push(
    ` Dynamic interfaces = ${bool(g.dynamic_interfaces !== undefined && g.dynamic_interfaces !== false)}`,
    ...(forChecker ? [] : [` Default interface = ${g.default_interface}`]),
    ` Disable local IGMP = ${yesNo(g.disable_local_igmp)}`,
    ` LVS flush = ${bool(g.lvs_flush)}`,
    ` LVS flush on stop = ${g.lvs_flush_on_stop === 'VS' ? 'VS' : g.lvs_flush_on_stop ? 'all' : 'disabled'}`,
    ` FIFO write vrrp states on reload = ${bool(g.fifo_write_vrrp_states_on_reload)}`,
    ` VRRP notify priority changes = ${bool(g.vrrp_notify_priority_changes)}`,
    ` VRRP IPv4 mcast group = ${g.vrrp_mcast_group4}`,
    ` VRRP IPv6 mcast group = ${g.vrrp_mcast_group6}`,
    ` Gratuitous ARP delay = ${g.vrrp_garp_master_delay}`,
    ` Gratuitous ARP repeat = ${g.vrrp_garp_master_repeat}`,
    ` Gratuitous ARP refresh timer = ${g.vrrp_garp_master_refresh}`,
    ` Gratuitous ARP refresh repeat = ${g.vrrp_garp_master_refresh_repeat}`,
    ` Gratuitous ARP lower priority delay = ${g.vrrp_garp_lower_prio_delay ?? (forChecker ? UNSET : g.vrrp_garp_master_delay)}`,
    ` Gratuitous ARP lower priority repeat = ${g.vrrp_garp_lower_prio_repeat ?? (forChecker ? UNSET : g.vrrp_garp_master_repeat)}`,
    ` Num adverts before down = ${g.vrrp_down_timer_adverts}`,
    ` Gratuitous ARP for each secondary VMAC = ${g.vrrp_garp_extra_if?.interval ?? 0}s${g.vrrp_garp_extra_if?.all ? ' (all)' : ''}`,
    ` Send advert after receive lower priority advert = ${bool(!g.vrrp_lower_prio_no_advert)}`,
    ` Send advert after receive higher priority advert = ${bool(g.vrrp_higher_prio_send_advert)}`,
    ` Gratuitous ARP interval = ${fixed6(g.vrrp_garp_interval)}`,
    ` Gratuitous NA interval = ${fixed6(g.vrrp_gna_interval)}`,
    ` VRRP default protocol version = ${g.vrrp_version}`,
    // keepalived prints its nftables build here ("nftables without counters", "libnftnl
    // version"); we install no nftables rules, so there is nothing to say.
    ` VRRP check unicast_src = ${bool(g.vrrp_check_unicast_src)}`,
    ` VRRP skip check advert addresses = ${bool(g.vrrp_skip_check_adv_addr)}`,
    ` VRRP strict mode = ${bool(g.vrrp_strict)}`,
    ` Max auto priority = ${g.max_auto_priority ?? 0}`,
    ` Min auto priority delay = ${g.min_auto_priority_delay ?? 1000000} usecs`,
    rp('VRRP process priority', g.vrrp_priority),
    ` VRRP don't swap = ${bool(g.vrrp_no_swap)}`,
    rp('VRRP realtime priority', g.vrrp_rt_priority),
    ` VRRP realtime limit = ${g.vrrp_rlimit_rttime ?? 10000}`,
    rp('Checker process priority', g.checker_priority),
    ` Checker don't swap = ${bool(g.checker_no_swap)}`,
    rp('Checker realtime priority', g.checker_rt_priority),
    ` Checker realtime limit = ${g.checker_rlimit_rttime ?? 10000}`,
    // BFD is not modelled: keepalived's defaults.
    ' BFD process priority = 0',
    " BFD don't swap = false",
    ' BFD realtime priority = 0',
    ' BFD realtime limit = 10000',
    // SNMP and DBus are not implemented (the keywords are refused), so they are always off.
    ' SNMP vrrp disabled',
    ' SNMP checker disabled',
    ' SNMP RFCv2 disabled',
    ' SNMP RFCv3 disabled',
    ' SNMP traps disabled',
    ' SNMP socket = default (unix:/var/agentx/master)',
    ' DBus disabled',
    ' DBus service name = ',
    ` Script security ${g.enable_script_security ? 'enabled' : 'disabled'}`,
    ` Default script uid:gid ${g.script_user ? uidGid(g.script_user, o) : '0:0'}`,
    rp('vrrp_netlink_cmd_rcv_bufs', g.vrrp_netlink_cmd_rcv_bufs),
    rp('vrrp_netlink_cmd_rcv_bufs_force', g.vrrp_netlink_cmd_rcv_bufs_force ? 1 : 0),
    rp('vrrp_netlink_monitor_rcv_bufs', g.vrrp_netlink_monitor_rcv_bufs),
    rp('vrrp_netlink_monitor_rcv_bufs_force', g.vrrp_netlink_monitor_rcv_bufs_force ? 1 : 0),
    rp('process_monitor_rcv_bufs', g.process_monitor_rcv_bufs),
    rp('process_monitor_rcv_bufs_force', g.process_monitor_rcv_bufs_force ? 1 : 0),
    rp('lvs_netlink_cmd_rcv_bufs', g.lvs_netlink_cmd_rcv_bufs),
    rp('lvs_netlink_cmd_rcv_bufs_force', g.lvs_netlink_cmd_rcv_bufs_force ? 1 : 0),
    rp('lvs_netlink_monitor_rcv_bufs', g.lvs_netlink_monitor_rcv_bufs),
    rp('lvs_netlink_monitor_rcv_bufs_force', g.lvs_netlink_monitor_rcv_bufs_force ? 1 : 0),
    rp('rs_init_notifies', g.rs_init_notifies ? 1 : 0),
    rp('no_checker_emails', g.no_checker_emails ? 1 : 0),
    ` rx_bufs_multiples = ${g.vrrp_rx_bufs_multiplier ?? 3}`,
    ` umask = 0${(g.umask ?? 0o177).toString(8)}`,
  );
  return out;
}

function syncGroupOf(director: Director, name: string): string | undefined {
  return director.syncGroups.find((g) => g.members.some((m) => m.name === name))?.name;
}

function instanceLines(view: DaemonView, config: KeepalivedConfig, director: Director, inst: VrrpInstance, o: DataDumpOptions): string[] {
  const s = inst.spec;
  const c = instanceConfig(config, inst.name);
  const master = inst.state === 'MASTER';
  const unicast = s.unicastPeers.length > 0;
  const out = [` VRRP Instance = ${inst.name}`, `   VRRP Version = ${s.version}`];
  if (s.family === 6) out.push('   Using Native IPv6');
  const group = syncGroupOf(director, inst.name);
  if (group !== undefined) out.push(`   Sync group = ${group}`);
  out.push(`   State = ${inst.state}`);
  if (inst.state === 'BACKUP') {
    // keepalived prints these in BACKUP even before any advert (its own value is then junk);
    // an unknown master is printed as the unspecified address.
    out.push(`   Master router = ${inst.lastMaster ? formatIp(inst.lastMaster) : s.family === 4 ? '0.0.0.0' : '::'}`);
    // Not recorded: the instance keeps the master's address, not its priority.
    out.push('   Master priority = 0');
  }
  // keepalived prints "Flags: none" when no flag bit is set, else "Flags:" and the printable ones.
  // Which options set a bit without a line of their own is read off keepalived's dumps:
  // nopreempt, lower_prio_no_advert, higher_prio_send_advert, notify_priority_changes.
  const flagged = unicast || s.nopreempt || s.lowerPrioNoAdvert || s.higherPrioSendAdvert || s.notifyPriorityChanges === true
    || s.dontTrackPrimary || s.strict || s.checkUnicastSrc;
  if (flagged) {
    out.push('   Flags:');
    if (unicast) out.push('     Using unicast');
  } else out.push('   Flags: none');
  const faults = inst.ownFault ? inst.faultReasons.length : 0;
  out.push(
    `   Wantstate = ${inst.state}`,
    '   Number of config faults = 0',
    `   Number of interface and track script faults = ${faults}`,
    '   Number of track scripts init = 0',
    `   Last transition = ${keepalivedTime(lastTransitionS(view, inst.name))}`,
    // "Read timeout" (the next wake-up as wall time) is left out: our deadlines are on a
    // monotonic clock the view does not expose.
    `   Master down timer = ${masterDownUs(s.version, inst.effectivePriority, inst.masterAdvertIntervalUs, s.downTimerAdverts)} usecs`,
    `   Interface = ${s.ifname}`,
    `   Using src_ip = ${formatIp(s.primaryAddr)}${c?.unicast_src_ip !== undefined || c?.mcast_src_ip !== undefined ? ' (from configuration)' : ''}`,
  );
  if (!unicast) {
    // keepalived adds the interface index to an IPv6 group (its sockaddr_in6 scope id).
    const index = s.family === 6 ? o.ifindex?.(s.ifname) : undefined;
    out.push(`   Multicast address ${s.mcastGroup ? formatIp(s.mcastGroup) : s.family === 4 ? '224.0.0.18' : 'ff02::12'}${index !== undefined ? `, ifindex ${index}` : ''}`);
  }
  const g = s.garp;
  out.push(
    `   Gratuitous ARP delay = ${g.masterDelayUs / US_PER_S}`,
    `   Gratuitous ARP repeat = ${g.masterRepeat}`,
    `   Gratuitous ARP refresh = ${g.masterRefreshUs / US_PER_S}`,
    `   Gratuitous ARP refresh repeat = ${g.masterRefreshRepeat}`,
    `   Gratuitous ARP lower priority delay = ${g.lowerPrioDelayUs / US_PER_S}`,
    `   Gratuitous ARP lower priority repeat = ${g.lowerPrioRepeat}`,
    `   Down timer adverts = ${s.downTimerAdverts}`,
    `   Send advert after receive lower priority advert = ${bool(!s.lowerPrioNoAdvert)}`,
    `   Send advert after receive higher priority advert = ${bool(s.higherPrioSendAdvert)}`,
    `   Virtual Router ID = ${s.vrid}`,
    `   Priority = ${s.priority}`,
    `   Effective priority = ${inst.effectivePriority}`,
    `   Total priority = ${inst.effectivePriority}`,
    // v2 intervals are whole seconds; v3 is printed in milliseconds (vrrp_print.c).
    s.version === 2 ? `   Advert interval = ${s.advertIntervalCs / 100} sec` : `   Advert interval = ${s.advertIntervalCs * 10} milli-sec`,
    `   Accept = ${enabled(s.accept)}`,
    `   Preempt = ${enabled(!s.nopreempt)}`,
  );
  if (s.preemptDelayUs > 0) out.push(`   Preempt delay = ${s.preemptDelayUs / US_PER_S} secs`);
  out.push(`   Promote_secondaries = ${enabled(c?.promote_secondaries)}`);
  if (s.version === 2) {
    out.push(`   Authentication type = ${s.auth.type === 'pass' ? 'SIMPLE_PASSWORD' : s.auth.type === 'ah' ? 'IPSEC_AH' : 'none'}`);
    if (s.auth.type !== 'none') out.push(`   Password = ${new TextDecoder().decode(s.auth.password)}`);
  }
  const vips = c?.virtual_ipaddress ?? [];
  if (vips.length > 0) {
    out.push(`   Virtual IP (${vips.length}):`);
    for (const v of vips) out.push(`     ${vipLine(v, s.ifname, master)}`);
  }
  const evips = c?.virtual_ipaddress_excluded ?? [];
  if (evips.length > 0) {
    out.push('   Virtual IP Excluded :');
    for (const v of evips) out.push(`     ${vipLine(v, s.ifname, master)}`);
  }
  if (unicast) {
    out.push(`   Unicast TTL = ${s.unicastTtl ?? 255}`, `   Check unicast src : ${yesNo(s.checkUnicastSrc)}`, '   Unicast Peer :');
    for (const p of c?.unicast_peer ?? []) out.push(`     ${p.address} min_ttl ${p.min_ttl ?? 0} max_ttl ${p.max_ttl ?? 255}`);
    out.push(`   Unicast checksum compatibility = ${s.oldUnicastChecksum === 'always' ? 'yes' : s.oldUnicastChecksum === 'never' ? 'never' : 'no'}`);
  }
  // keepalived's "fd_in N, fd_out N" (its socket pool) is left out: not a concept here.
  if (s.trackInterfaces.length > 0) {
    out.push('   Tracked interfaces :');
    for (const t of s.trackInterfaces) out.push(`     ${t.ifname} weight ${t.weight}${t.reverse ? ' reverse' : ''}`);
  }
  if (s.trackScripts.length > 0) {
    out.push('   Tracked scripts :');
    for (const t of s.trackScripts) out.push(`     ${t.name} weight ${t.weight}${t.reverse ? ' reverse' : ''}`);
  }
  if (s.trackFiles.length > 0) {
    out.push('   Tracked files :');
    for (const t of s.trackFiles) out.push(`     ${t.name}, weight ${t.weight}${t.reverse ? ' reverse' : ''}`);
  }
  // keepalived's "Virtual Routes :" lines (its own route text) are not reproduced yet.
  out.push(
    `   Using smtp notification = ${yesNo(c?.smtp_alert ?? config.global_defs.smtp_alert_vrrp ?? config.global_defs.smtp_alert)}`,
    `   Notify deleted = ${c?.notify_deleted !== undefined ? 'Deleted' : 'Fault'}`,
  );
  const scriptUser = config.global_defs.script_user;
  for (const [, label, cmd] of notifyScripts(c)) {
    const who = cmd.user !== undefined ? { user: cmd.user, ...(cmd.group !== undefined ? { group: cmd.group } : {}) } : scriptUser;
    out.push(`   ${label} state transition script = ${quotedCommand(cmd.argv)}, uid:gid ${who ? uidGid(who, o) : '0:0'}`);
  }
  out.push(`   Notify priority changes = ${bool(s.notifyPriorityChanges)}`);
  return out;
}

function syncGroupLines(director: Director, config: KeepalivedConfig): string[] {
  if (director.syncGroups.length === 0) return [];
  const out = ['------< VRRP Sync groups >------'];
  for (const g of director.syncGroups) {
    const shared = g.sharedState();
    const c = config.vrrp_sync_groups.find((x) => x.name === g.name);
    out.push(
      ` VRRP Sync Group = ${g.name}, ${shared === 'mixed' ? (g.members.some((m) => m.state === 'MASTER') ? 'MASTER' : 'BACKUP') : shared}`,
      `   Num member fault ${g.members.filter((m) => m.state === 'FAULT').length}, num member init ${g.members.filter((m) => m.state === 'INIT').length}`,
      '   VRRP member instances :',
      ...g.members.map((m) => `     ${m.name}`),
      `   Using smtp notification = ${yesNo(c?.smtp_alert)}`,
    );
  }
  return out;
}

/** keepalived deletes unused scripts and files at start-up, so only those in use are printed. */
function scriptLines(director: Director, config: KeepalivedConfig, o: DataDumpOptions): string[] {
  const used = director.spec.scripts.map((s) => s.name);
  if (used.length === 0) return [];
  const out = ['------< VRRP Scripts >------'];
  for (const name of used) {
    const c = config.vrrp_scripts.find((s) => s.name === name);
    const ok = director.scripts.status(name);
    const rise = c?.rise ?? 1;
    const fall = c?.fall ?? 1;
    const user = c?.user ?? config.global_defs.script_user;
    out.push(
      ` VRRP Script = ${name}`,
      `   Command = ${quotedCommand(c?.script?.argv ?? [])}`,
      `   Interval = ${c?.interval ?? 1} sec`,
      // keepalived keeps an unset timeout as 0 (and runs with the interval); our model fills it
      // with the interval, so a timeout equal to the interval prints as keepalived's unset 0.
      `   Timeout = ${c && c.timeout !== c.interval ? c.timeout : 0} sec`,
      `   Weight = ${c?.weight ?? 0}${c?.weight_reverse ? ' reverse' : ''}`,
      `   Rise = ${rise}`,
      `   Fall = ${fall}`,
      // keepalived's result counter: rise+fall-1 when fully good, 0 when bad (script-scheduler.ts).
      `   Result = ${ok ? rise + fall - 1 : 0}`,
      '   Insecure = no',
      `   Init state = ${c?.init_fail ? 'failed' : 'unknown'}`,
      `   Status = ${ok ? 'GOOD' : 'BAD'}`,
      `   Script uid:gid = ${user ? uidGid(user, o) : '0:0'}`,
      '   VRRP instances :',
      '   Tracking instances :',
    );
    for (const inst of director.instances) {
      const t = inst.spec.trackScripts.find((x) => x.name === name);
      if (t) out.push(`     ${inst.name}, weight ${t.weight}${t.reverse ? ' reverse' : ''}`);
    }
    // Whether a run is in progress is the scheduler's private state.
    out.push('   State = idle');
  }
  return out;
}

function trackFileLines(director: Director, config: KeepalivedConfig): string[] {
  const used = config.track_files.filter((f) => director.instances.some((i) => i.spec.trackFiles.some((t) => t.name === f.name)));
  if (used.length === 0) return [];
  const out = ['------< VRRP Track files >------'];
  for (const f of used) {
    out.push(
      ` Track file = ${f.name}`,
      `   File = ${f.file ?? ''}`,
      // The file's last value is the director's private state; keepalived's start value is 0.
      '   Status = 0',
      `   Weight = ${f.weight}${f.weight_reverse ? ' reverse' : ''}`,
      '   Tracking instances :',
    );
    for (const inst of director.instances) {
      const t = inst.spec.trackFiles.find((x) => x.name === f.name);
      if (t) out.push(`     ${inst.name}, weight ${t.weight}${t.reverse ? ' reverse' : ''}`);
    }
  }
  return out;
}

/** The VRRP half's file (keepalived.data); empty when VRRP does not run. */
export function dumpData(view: DaemonView, o: DataDumpOptions): string {
  const director = view.vrrp();
  if (!director) return '';
  const config = view.config();
  const lines = [
    ...dataGlobalSection(config, o),
    '------< VRRP Topology >------',
    ...director.instances.flatMap((i) => instanceLines(view, config, director, i, o)),
    // "VRRP Sockpool" (keepalived's per-socket file descriptors) is left out.
    ...syncGroupLines(director, config),
    ...scriptLines(director, config, o),
    ...trackFileLines(director, config),
    // "Interfaces" (keepalived's copy of the kernel's link table) is left out: `ip -d link`
    // is the source for that.
  ];
  return `${lines.join('\n')}\n`;
}
