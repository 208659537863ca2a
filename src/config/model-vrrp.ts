// The VRRP side of the model (keepalived/vrrp/vrrp_parser.c, vrrp_ipaddress.c, vrrp_iproute.c,
// vrrp_iprule.c, trackers/track_file.c). Keys are keepalived's keywords.
import type { Origin, ScriptCommand } from './model-common.ts';

/** One line of virtual_ipaddress / virtual_ipaddress_excluded / static_ipaddress. */
export interface VirtualIpAddress {
  /** Canonical text form of the address. */
  readonly address: string;
  readonly family: 4 | 6;
  /** From `/LEN`; /32 or /128 when omitted (as keepalived). */
  readonly prefix_len: number;
  readonly dev?: string;
  /** `brd IP`, or `+` / `-` (computed / none) as written. */
  readonly brd?: string;
  readonly scope?: string;
  readonly label?: string;
  readonly peer?: string;
  readonly home?: boolean;
  readonly nodad?: boolean;
  readonly mngtmpaddr?: boolean;
  readonly noprefixroute?: boolean;
  readonly autojoin?: boolean;
  readonly no_track: boolean;
  /** Seconds, or 'forever'. IPv6 /128 VIPs default to 0 (deprecated) in keepalived. */
  readonly preferred_lft?: number | 'forever';
  /** `use_vmac [NAME]`: the VIP lives on a VMAC interface. */
  readonly use_vmac?: string | true;
  readonly track_group?: string;
  readonly origin: Origin;
}

/** One line of virtual_routes / static_routes, in ip-route terms. */
export interface VirtualRoute {
  /** 'unicast' unless blackhole|unreachable|prohibit|throw... was given. */
  readonly type: string;
  /** Destination prefix in canonical form, or 'default'. */
  readonly to: string;
  readonly family: 4 | 6;
  readonly src?: string;
  readonly via?: string;
  readonly dev?: string;
  readonly scope?: string;
  readonly table?: string;
  readonly metric?: number;
  readonly protocol?: string;
  readonly tos?: string;
  /** Other ip-route options, keyword -> value as written (mtu, advmss, realms, nexthop ...). */
  readonly options: Readonly<Record<string, string>>;
  readonly no_track: boolean;
  readonly track_group?: string;
  readonly origin: Origin;
}

/** One line of virtual_rules / static_rules, in ip-rule terms. */
export interface VirtualRule {
  readonly family?: 4 | 6;
  readonly from?: string;
  readonly to?: string;
  readonly table?: string;
  readonly preference?: number;
  /** goto, nop, type, fwmark, iif, oif, ... as written. */
  readonly options: Readonly<Record<string, string>>;
  readonly no_track: boolean;
  readonly track_group?: string;
  readonly origin: Origin;
}

export interface TrackRef {
  readonly name: string;
  /** Absent = the tracked object's own weight applies (track_script/track_file/track_process). */
  readonly weight?: number;
  readonly reverse: boolean;
  readonly origin: Origin;
}

export interface UnicastPeer {
  readonly address: string;
  readonly min_ttl?: number;
  readonly max_ttl?: number;
}

export interface UseVmac {
  /** Interface name; keepalived's default is vrrp.<VRID> (vmac_prefix + '.' + VRID). */
  readonly name?: string;
  readonly mac?: string;
  readonly netlink_notify_msg?: boolean;
  readonly group?: number;
}

export interface Authentication {
  readonly auth_type: 'PASS' | 'AH';
  /** At most 8 characters used (longer is cut, with a warning, as keepalived does). */
  readonly auth_pass: string;
}

export interface VrrpInstance {
  readonly name: string;
  /** Initial state as configured (`state`); BACKUP when absent or unknown. */
  readonly state: 'MASTER' | 'BACKUP';
  readonly interface?: string;
  readonly vrf?: string;
  readonly use_vmac?: UseVmac;
  readonly use_vmac_addr?: boolean;
  readonly vmac_xmit_base?: boolean;
  readonly use_ipvlan?: { readonly name?: string; readonly address?: string; readonly mode?: string };
  readonly dont_track_primary: boolean;
  readonly track_interface: readonly TrackRef[];
  readonly track_script: readonly TrackRef[];
  readonly track_file: readonly TrackRef[];
  readonly track_process: readonly TrackRef[];
  readonly mcast_src_ip?: string;
  readonly unicast_src_ip?: string;
  readonly mcast_dst_ip?: string;
  readonly track_src_ip?: boolean;
  readonly unicast_peer: readonly UnicastPeer[];
  readonly unicast_fault_no_peer?: boolean;
  readonly check_unicast_src?: boolean;
  readonly old_unicast_checksum?: boolean | 'never';
  readonly unicast_ttl?: number;
  /** 1..255; 0 when missing (an error was reported). */
  readonly virtual_router_id: number;
  /** 2 or 3: the instance's own `version`, else global vrrp_version; IPv6 always 3. */
  readonly version: 2 | 3;
  /** Address family of the instance (of its VIPs, else of its source / peers, else 4). */
  readonly family: 4 | 6;
  readonly priority: number;
  /** Seconds (v2 whole seconds 1..255, v3 0.01..40.95). */
  readonly advert_int: number;
  readonly virtual_ipaddress: readonly VirtualIpAddress[];
  readonly virtual_ipaddress_excluded: readonly VirtualIpAddress[];
  readonly no_virtual_ipaddress?: boolean;
  readonly promote_secondaries?: boolean;
  readonly v3_checksum_as_v2: boolean;
  readonly virtual_routes: readonly VirtualRoute[];
  readonly virtual_rules: readonly VirtualRule[];
  /** Default true (keepalived's accept mode) unless strict mode. */
  readonly accept: boolean;
  readonly skip_check_adv_addr: boolean;
  readonly strict_mode: boolean;
  readonly nopreempt: boolean;
  /** Seconds 0..1000. */
  readonly preempt_delay: number;
  readonly debug?: number;
  readonly notify_backup?: ScriptCommand;
  readonly notify_master?: ScriptCommand;
  readonly notify_fault?: ScriptCommand;
  readonly notify_stop?: ScriptCommand;
  readonly notify_deleted?: ScriptCommand | true;
  readonly notify?: ScriptCommand;
  readonly notify_master_rx_lower_pri?: ScriptCommand;
  readonly smtp_alert?: boolean;
  readonly notify_priority_changes?: boolean;
  readonly lvs_sync_daemon_interface?: string;
  /** Seconds; defaults from global_defs vrrp_garp_*. */
  readonly garp_master_delay: number;
  readonly garp_master_refresh: number;
  readonly garp_master_repeat: number;
  readonly garp_master_refresh_repeat: number;
  readonly garp_lower_prio_delay: number;
  readonly garp_lower_prio_repeat: number;
  readonly down_timer_adverts: number;
  readonly timer_expired_backup?: number | true;
  readonly garp_extra_if?: { readonly all: boolean; readonly interval: number };
  readonly lower_prio_no_advert: boolean;
  readonly higher_prio_send_advert: boolean;
  readonly owner_ignore_adverts?: boolean;
  readonly kernel_rx_buf_size?: number;
  readonly authentication?: Authentication;
  readonly origin: Origin;
}

export interface VrrpScript {
  readonly name: string;
  readonly script?: ScriptCommand;
  /** Seconds; default 1. */
  readonly interval: number;
  /** Seconds; default = interval. */
  readonly timeout: number;
  readonly weight: number;
  readonly weight_reverse: boolean;
  readonly rise: number;
  readonly fall: number;
  readonly user?: { readonly user: string; readonly group?: string };
  readonly init_fail: boolean;
  readonly origin: Origin;
}

export interface TrackFile {
  readonly name: string;
  readonly file?: string;
  readonly weight: number;
  readonly weight_reverse: boolean;
  readonly init_file?: { readonly value: number; readonly overwrite: boolean };
  readonly origin: Origin;
}

export interface VrrpTrackProcess {
  readonly name: string;
  readonly process?: readonly string[];
  readonly param_match?: 'initial' | 'partial';
  readonly weight: number;
  readonly weight_reverse: boolean;
  readonly quorum: number;
  readonly quorum_max?: number;
  /** Seconds. */
  readonly delay?: number;
  readonly terminate_delay?: number;
  readonly fork_delay?: number;
  readonly full_command: boolean;
  readonly origin: Origin;
}

export interface VrrpSyncGroup {
  readonly name: string;
  readonly group: readonly string[];
  readonly track_interface: readonly TrackRef[];
  readonly track_script: readonly TrackRef[];
  readonly track_file: readonly TrackRef[];
  readonly track_process: readonly TrackRef[];
  readonly notify_backup?: ScriptCommand;
  readonly notify_master?: ScriptCommand;
  readonly notify_fault?: ScriptCommand;
  readonly notify_stop?: ScriptCommand;
  readonly notify?: ScriptCommand;
  readonly smtp_alert?: boolean;
  readonly global_tracking?: boolean;
  readonly sync_group_tracking_weight?: boolean;
  readonly notify_priority_changes?: boolean;
  readonly origin: Origin;
}

export interface GarpGroup {
  readonly garp_interval?: number;
  readonly gna_interval?: number;
  readonly interfaces: readonly string[];
  readonly origin: Origin;
}

export interface LinkbeatInterface {
  readonly name: string;
  readonly method?: 'MII' | 'ETHTOOL' | 'IOCTL';
}

export interface InterfaceUpDownDelay {
  readonly interface: string;
  /** Seconds. */
  readonly down_delay: number;
  readonly up_delay: number;
}

export interface TrackGroup {
  readonly name: string;
  readonly group: readonly string[];
  readonly origin: Origin;
}
