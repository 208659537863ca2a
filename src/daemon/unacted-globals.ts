// global_defs keywords that keepalived-ts reads (so `-t` judges them as keepalived does) but
// whose effect the daemon does not provide. Running such a file must not look like it works:
// the daemon logs one warning per keyword present, saying what is missing and what to use
// instead. Keywords that only tune keepalived internals we do differently (netlink buffer
// sizes, process names) are listed too, as "not needed", so the operator knows they are inert.
//
// Only keywords whose field is absent from the model unless written are listed: defaulted
// fields (smtp_connect_timeout...) cannot tell "written" from "default".
import type { GlobalDefs } from '../config/model-global.ts';

const NO_EMAIL = 'email alerts are not sent (keepalived-ts has no SMTP client): use notify scripts or the Prometheus metrics';
const INERT = 'not needed by keepalived-ts: ignored';

export const UNACTED_GLOBALS: Readonly<Partial<Record<keyof GlobalDefs, string>>> = {
  notification_email_from: NO_EMAIL,
  smtp_server: NO_EMAIL,
  smtp_helo_name: NO_EMAIL,
  smtp_alert: NO_EMAIL,
  smtp_alert_vrrp: NO_EMAIL,
  smtp_alert_checker: NO_EMAIL,
  startup_script: 'not run at start-up yet: run it from the service unit (ExecStartPre)',
  shutdown_script: 'not run at shutdown yet: run it from the service unit (ExecStopPost)',
  notify_fifo_script: 'the FIFO is written, but this reader script is not started: start it yourself',
  vrrp_notify_fifo_script: 'the FIFO is written, but this reader script is not started: start it yourself',
  lvs_notify_fifo: 'checker events are not written to a FIFO yet: use notify_up/notify_down',
  lvs_notify_fifo_script: 'checker events are not written to a FIFO yet: use notify_up/notify_down',
  vrrp_startup_delay: 'not applied yet: VRRP starts at once',
  vrrp_delay_after_boot: 'not applied yet: VRRP starts at once',
  max_auto_priority: 'not applied: set vrrp_priority / vrrp_rt_priority explicitly',
  min_auto_priority_delay: 'not applied: set vrrp_priority / vrrp_rt_priority explicitly',
  vmac_addr_prefix: 'not applied yet: VMAC interfaces are named vrrp.VRID',
  vrrp_garp_extra_if: 'not applied yet: no gratuitous ARPs on extra interfaces',
  checker_priority: 'not applied: the checkers share the worker process with VRRP',
  checker_rt_priority: 'not applied: the checkers share the worker process with VRRP',
  checker_cpu_affinity: 'not applied: the checkers share the worker process with VRRP',
  checker_no_swap: 'not applied yet',
  vrrp_no_swap: 'not applied yet',
  vrrp_cpu_affinity: 'not applied yet',
  vrrp_rlimit_rttime: 'not applied: a Node process may legitimately run longer than the cap (a large reload, garbage collection) and SIGXCPU would end it',
  checker_rlimit_rttime: 'not applied yet',
  random_seed: 'not applied: the warm-up spread seed is logged at start-up instead',
  rs_init_notifies: 'not applied yet: notify scripts run on changes only',
  log_unknown_vrids: 'not applied: adverts for unknown VRIDs are counted and logged at debug level',
  reload_check_config: 'not needed: every reload checks the file first and keeps the running configuration on error',
  reload_time_file: 'not applied yet: reload with SIGHUP',
  config_save_dir: 'not applied yet',
  process_names: INERT,
  process_name: INERT,
  vrrp_process_name: INERT,
  checker_process_name: INERT,
  use_symlink_paths: INERT,
  vrrp_netlink_cmd_rcv_bufs: INERT,
  vrrp_netlink_monitor_rcv_bufs: INERT,
  lvs_netlink_cmd_rcv_bufs: INERT,
  lvs_netlink_monitor_rcv_bufs: INERT,
  process_monitor_rcv_bufs: INERT,
};

/** One line per keyword present in this configuration's global_defs, in the table's order. */
export function unactedGlobalWarnings(g: GlobalDefs): string[] {
  const out: string[] = [];
  for (const [key, why] of Object.entries(UNACTED_GLOBALS)) {
    const v = (g as unknown as Record<string, unknown>)[key];
    if (v === undefined || v === false || (Array.isArray(v) && v.length === 0)) continue;
    out.push(`global_defs ${key}: ${why}`);
  }
  if (g.notification_email.length > 0) out.push(`global_defs notification_email: ${NO_EMAIL}`);
  return out;
}
