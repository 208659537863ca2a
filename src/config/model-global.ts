// global_defs, as a typed record (keepalived/core/global_parser.c). Defaults that change
// behaviour are filled (vrrp_version 2, multicast groups, GARP timings, down_timer_adverts...);
// everything else is present only when configured.
import type { FifoSpec, ScriptCommand } from './model-common.ts';

export interface LvsSyncDaemon {
  readonly interface: string;
  readonly inst?: string;
  readonly id?: number;
  readonly maxlen?: number;
  readonly port: number;
  readonly ttl?: number;
  readonly group?: string;
}

export interface GlobalDefs {
  readonly process_names?: boolean;
  readonly process_name?: string;
  readonly vrrp_process_name?: string;
  readonly checker_process_name?: string;
  readonly use_symlink_paths?: boolean;
  readonly set_supplementary_groups?: boolean;
  readonly router_id?: string;
  readonly notification_email_from?: string;
  readonly smtp_server?: { readonly host: string; readonly port: number };
  readonly smtp_helo_name?: string;
  /** Seconds; keepalived default 30. */
  readonly smtp_connect_timeout: number;
  readonly notification_email: readonly string[];
  readonly smtp_alert?: boolean;
  readonly startup_script?: ScriptCommand;
  readonly startup_script_timeout: number;
  readonly shutdown_script?: ScriptCommand;
  readonly shutdown_script_timeout: number;
  readonly max_auto_priority?: number;
  /** Microseconds (the keyword's unit in keepalived). */
  readonly min_auto_priority_delay?: number;
  readonly smtp_alert_vrrp?: boolean;
  readonly smtp_alert_checker?: boolean;
  readonly checker_log_all_failures?: boolean;
  readonly dynamic_interfaces?: boolean | 'allow_if_changes';
  readonly no_email_faults?: boolean;
  readonly default_interface: string;
  readonly disable_local_igmp?: boolean;
  readonly v3_checksum_as_v2: boolean;
  readonly lvs_timeouts?: { readonly tcp?: number; readonly tcpfin?: number; readonly udp?: number };
  readonly lvs_flush?: boolean;
  /** true = flush all, 'VS' = only the configured virtual servers. */
  readonly lvs_flush_on_stop?: boolean | 'VS';
  readonly lvs_sync_daemon?: LvsSyncDaemon;
  readonly vrrp_mcast_group4: string;
  readonly vrrp_mcast_group6: string;
  readonly vrrp_garp_master_delay: number;
  readonly vrrp_garp_master_repeat: number;
  readonly vrrp_garp_master_refresh: number;
  readonly vrrp_garp_master_refresh_repeat: number;
  readonly vrrp_garp_lower_prio_delay?: number;
  readonly vrrp_garp_lower_prio_repeat?: number;
  readonly vrrp_down_timer_adverts: number;
  readonly vrrp_garp_interval: number;
  readonly vrrp_gna_interval: number;
  readonly vrrp_min_garp?: boolean;
  readonly vrrp_garp_extra_if?: { readonly all: boolean; readonly interval: number };
  readonly vrrp_lower_prio_no_advert: boolean;
  readonly vrrp_higher_prio_send_advert: boolean;
  readonly vrrp_version: 2 | 3;
  readonly vrrp_check_unicast_src?: boolean;
  readonly vrrp_skip_check_adv_addr?: boolean;
  readonly vrrp_strict: boolean;
  readonly vrrp_priority?: number;
  readonly vrrp_no_swap?: boolean;
  readonly vrrp_rt_priority?: number;
  readonly vrrp_cpu_affinity?: readonly number[];
  readonly vrrp_rlimit_rttime?: number;
  readonly notify_fifo?: FifoSpec;
  readonly notify_fifo_script?: ScriptCommand;
  readonly vrrp_notify_fifo?: FifoSpec;
  readonly vrrp_notify_fifo_script?: ScriptCommand;
  readonly vrrp_notify_priority_changes?: boolean;
  readonly fifo_write_vrrp_states_on_reload?: boolean;
  readonly lvs_notify_fifo?: FifoSpec;
  readonly lvs_notify_fifo_script?: ScriptCommand;
  readonly checker_priority?: number;
  readonly checker_no_swap?: boolean;
  readonly checker_rt_priority?: number;
  readonly checker_cpu_affinity?: readonly number[];
  readonly checker_rlimit_rttime?: number;
  readonly script_user?: { readonly user: string; readonly group?: string };
  readonly enable_script_security: boolean;
  readonly vrrp_netlink_cmd_rcv_bufs?: number;
  readonly vrrp_netlink_cmd_rcv_bufs_force?: boolean;
  readonly vrrp_netlink_monitor_rcv_bufs?: number;
  readonly vrrp_netlink_monitor_rcv_bufs_force?: boolean;
  readonly process_monitor_rcv_bufs?: number;
  readonly process_monitor_rcv_bufs_force?: boolean;
  readonly lvs_netlink_cmd_rcv_bufs?: number;
  readonly lvs_netlink_cmd_rcv_bufs_force?: boolean;
  readonly lvs_netlink_monitor_rcv_bufs?: number;
  readonly lvs_netlink_monitor_rcv_bufs_force?: boolean;
  readonly rs_init_notifies?: boolean;
  readonly no_checker_emails?: boolean;
  readonly vrrp_rx_bufs_policy?: string;
  readonly vrrp_rx_bufs_multiplier?: number;
  readonly vrrp_startup_delay?: number;
  readonly vrrp_delay_after_boot?: number;
  readonly log_unknown_vrids?: boolean;
  readonly vrrp_owner_ignore_adverts?: boolean;
  readonly vmac_prefix: string;
  readonly vmac_addr_prefix?: string;
  readonly umask?: number;
  readonly random_seed?: number;
  readonly reload_check_config?: string | boolean;
  readonly reload_time_file?: string;
  readonly reload_repeat?: boolean;
  readonly reload_file?: string;
  readonly include_check?: readonly string[];
  readonly config_save_dir?: string;
  readonly tmp_config_directory?: string;
  readonly data_use_instance?: boolean;
  readonly iproute_usr_dir?: string;
  readonly iproute_etc_dir?: string;
  readonly state_dump_file?: string;
  readonly stats_dump_file?: string;
  readonly json_dump_file?: string;
}

/** keepalived's defaults (global_data.c set_default_*; vrrp.h VRRP_GARP_* ...). */
export function defaultGlobalDefs(): GlobalDefs {
  return {
    smtp_connect_timeout: 30,
    notification_email: [],
    startup_script_timeout: 10,
    shutdown_script_timeout: 10,
    default_interface: 'eth0',
    v3_checksum_as_v2: false,
    vrrp_mcast_group4: '224.0.0.18',
    vrrp_mcast_group6: 'ff02::12',
    vrrp_garp_master_delay: 5,
    vrrp_garp_master_repeat: 5,
    vrrp_garp_master_refresh: 0,
    vrrp_garp_master_refresh_repeat: 1,
    vrrp_down_timer_adverts: 3,
    vrrp_garp_interval: 0,
    vrrp_gna_interval: 0,
    vrrp_lower_prio_no_advert: false,
    vrrp_higher_prio_send_advert: false,
    vrrp_version: 2,
    vrrp_strict: false,
    enable_script_security: false,
    vmac_prefix: 'vrrp',
  };
}
