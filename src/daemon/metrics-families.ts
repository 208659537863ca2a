// Every metric family keepalived-ts exports, as data: name, type, help and label names.
//
// Where an existing exporter already publishes a metric, we use its exact name, type and label
// names, so Grafana dashboards built for it keep working against keepalived-ts:
//  - mehdy/keepalived-exporter (internal/collector/collector.go, fillMetrics): keepalived_* with
//    labels iname, intf, vrid (+ ip_address on the state gauges), scripts by name;
//  - gen2brain/keepalived_exporter (collector/collector.go, NewKACollector): keepalived_vrrp_*
//    counters with labels name, intf, vrid, state (the state as text).
// test/fixtures/metrics/exporter-names.txt holds both lists as read from their sources, and
// test/unit/daemon/metrics-names.test.ts checks every overlap against it.
// Our own metrics carry the keepalived_ts_ prefix.

import type { MetricFamilyDef } from './metrics-registry.ts';

const def = (name: string, type: MetricFamilyDef['type'], help: string, labels: readonly string[]): MetricFamilyDef =>
  ({ name, type, help, labels });

/** mehdy/keepalived-exporter's per-instance labels (commonLabels). */
const MEHDY = ['iname', 'intf', 'vrid'] as const;
const MEHDY_VIP = ['iname', 'intf', 'vrid', 'ip_address'] as const;
/** gen2brain/keepalived_exporter's labelsVrrp. */
const GEN2BRAIN = ['name', 'intf', 'vrid', 'state'] as const;
/** gen2brain/keepalived_exporter's labelsLVS: "ADDR:PORT" and the IP protocol number. */
const LVS = ['addr', 'proto'] as const;
const TS_INSTANCE = ['iname', 'intf', 'vrid'] as const;

// --- shared by both exporters -------------------------------------------------------------------
export const UP = def('keepalived_up', 'gauge', 'Status', []);

// --- mehdy/keepalived-exporter ------------------------------------------------------------------
export const M = {
  vrrpState: def('keepalived_vrrp_state', 'gauge', 'State of vrrp', MEHDY_VIP),
  vrrpExcludedState: def('keepalived_vrrp_excluded_state', 'gauge', 'State of vrrp with excluded VIP', MEHDY_VIP),
  garpDelay: def('keepalived_gratuitous_arp_delay_total', 'counter', 'Gratuitous ARP delay', MEHDY),
  advertRcvd: def('keepalived_advertisements_received_total', 'counter', 'Advertisements received', MEHDY),
  advertSent: def('keepalived_advertisements_sent_total', 'counter', 'Advertisements sent', MEHDY),
  becomeMaster: def('keepalived_become_master_total', 'counter', 'Became master', MEHDY),
  releaseMaster: def('keepalived_release_master_total', 'counter', 'Released master', MEHDY),
  advertIntervalErr: def('keepalived_advertisements_interval_errors_total', 'counter', 'Advertisement interval errors', MEHDY),
  ipTtlErr: def('keepalived_ip_ttl_errors_total', 'counter', 'TTL errors', MEHDY),
  authMismatch: def('keepalived_authentication_mismatch_total', 'counter', 'Authentication mismatch', MEHDY),
  authFailure: def('keepalived_authentication_failure_total', 'counter', 'Authentication failure', MEHDY),
  priZeroRcvd: def('keepalived_priority_zero_received_total', 'counter', 'Priority zero received', MEHDY),
  priZeroSent: def('keepalived_priority_zero_sent_total', 'counter', 'Priority zero sent', MEHDY),
  scriptStatus: def('keepalived_script_status', 'gauge', 'Tracker Script Status', ['name']),
} as const;

// --- gen2brain/keepalived_exporter --------------------------------------------------------------
export const G = {
  advertRcvd: def('keepalived_vrrp_advert_rcvd', 'counter', 'Advertisements received', GEN2BRAIN),
  advertSent: def('keepalived_vrrp_advert_sent', 'counter', 'Advertisements sent', GEN2BRAIN),
  becomeMaster: def('keepalived_vrrp_become_master', 'counter', 'Became master', GEN2BRAIN),
  releaseMaster: def('keepalived_vrrp_release_master', 'counter', 'Released master', GEN2BRAIN),
  advertIntervalErr: def('keepalived_vrrp_advert_interval_err', 'counter', 'Advertisement interval errors', GEN2BRAIN),
  ipTtlErr: def('keepalived_vrrp_ip_ttl_err', 'counter', 'TTL errors', GEN2BRAIN),
  authtypeMismatch: def('keepalived_vrrp_authtype_mismatch', 'counter', 'Authentication mismatch', GEN2BRAIN),
  authFailure: def('keepalived_vrrp_auth_failure', 'counter', 'Authentication failure', GEN2BRAIN),
  priZeroRcvd: def('keepalived_vrrp_pri_zero_rcvd', 'counter', 'Priority zero received', GEN2BRAIN),
  priZeroSent: def('keepalived_vrrp_pri_zero_sent', 'counter', 'Priority zero sent', GEN2BRAIN),
  // The kernel's IPVS counters, read at scrape time (metrics-ipvs-counters.ts).
  lvsVipInPackets: def('keepalived_lvs_vip_in_packets', 'counter', 'VIP in packets', LVS),
  lvsVipOutPackets: def('keepalived_lvs_vip_out_packets', 'counter', 'VIP out packets', LVS),
  lvsVipInBytes: def('keepalived_lvs_vip_in_bytes', 'counter', 'VIP in bytes', LVS),
  lvsVipOutBytes: def('keepalived_lvs_vip_out_bytes', 'counter', 'VIP out bytes', LVS),
  lvsVipConn: def('keepalived_lvs_vip_conn', 'counter', 'VIP connections', LVS),
  lvsRsInPackets: def('keepalived_lvs_rs_in_packets', 'counter', 'RS in packets', LVS),
  lvsRsOutPackets: def('keepalived_lvs_rs_out_packets', 'counter', 'RS out packets', LVS),
  lvsRsInBytes: def('keepalived_lvs_rs_in_bytes', 'counter', 'RS in bytes', LVS),
  lvsRsOutBytes: def('keepalived_lvs_rs_out_bytes', 'counter', 'RS out bytes', LVS),
  lvsRsConn: def('keepalived_lvs_rs_conn', 'counter', 'RS connections', LVS),
} as const;

// --- keepalived-ts only -------------------------------------------------------------------------
export const TS = {
  buildInfo: def('keepalived_ts_build_info', 'gauge', 'Always 1; the version of keepalived-ts running', ['version']),
  startTime: def('keepalived_ts_start_time_seconds', 'gauge', 'When the daemon started, in seconds since the Unix epoch', []),
  priority: def('keepalived_ts_vrrp_priority', 'gauge', 'Configured priority of the VRRP instance', TS_INSTANCE),
  effectivePriority: def('keepalived_ts_vrrp_effective_priority', 'gauge',
    'Priority after track_script/track_interface/track_file weights (what the adverts carry)', TS_INSTANCE),
  lastTransition: def('keepalived_ts_vrrp_last_transition_timestamp_seconds', 'gauge',
    'When the instance last changed state, in seconds since the Unix epoch', TS_INSTANCE),
  transitions: def('keepalived_ts_vrrp_transitions_total', 'counter', 'State changes of the instance since the daemon started', TS_INSTANCE),
  advertsRejected: def('keepalived_ts_vrrp_adverts_rejected_total', 'counter',
    'Decoded adverts the instance refused or ignored, per reason', [...TS_INSTANCE, 'reason']),
  packetErrors: def('keepalived_ts_vrrp_packet_errors_total', 'counter',
    'VRRP packets that could not be decoded (before any instance is chosen), per reason', ['reason']),
  rsUp: def('keepalived_ts_lvs_real_server_up', 'gauge',
    'Health of a real server as its checkers see it: 1 up, 0 down (absent until the first verdict)', ['virtual_server', 'real_server']),
  rsWeight: def('keepalived_ts_lvs_real_server_weight', 'gauge',
    'Weight of a real server (configured, or the last one a checker set)', ['virtual_server', 'real_server']),
  rsLastChange: def('keepalived_ts_lvs_real_server_last_change_timestamp_seconds', 'gauge',
    'When the real server last went up or down, in seconds since the Unix epoch', ['virtual_server', 'real_server']),
  destWeight: def('keepalived_ts_lvs_desired_dest_weight', 'gauge',
    'Weight of each destination in the IPVS table keepalived-ts wants (0 = quiesced)', ['service', 'dest']),
  ipvsInSync: def('keepalived_ts_lvs_ipvs_in_sync', 'gauge', '1 when the kernel has acknowledged the desired IPVS table', []),
} as const;

/** Every family we may export (for the name checks). */
export const ALL_FAMILIES: readonly MetricFamilyDef[] = [UP, ...Object.values(M), ...Object.values(G), ...Object.values(TS)];
