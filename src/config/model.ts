// The typed, readonly model of a whole keepalived.conf: what buildConfig() returns. Keys are
// keepalived's keywords, so `JSON.stringify(config, null, 2)` reads like the configuration.
import type { GlobalDefs } from './model-global.ts';
import type { SslConfig, VirtualServer, VirtualServerGroup } from './model-lvs.ts';
import type {
  GarpGroup, InterfaceUpDownDelay, LinkbeatInterface, TrackFile, TrackGroup, VirtualIpAddress, VirtualRoute, VirtualRule,
  VrrpInstance, VrrpScript, VrrpSyncGroup, VrrpTrackProcess,
} from './model-vrrp.ts';

export type * from './model-common.ts';
export type * from './model-global.ts';
export type * from './model-lvs.ts';
export type * from './model-vrrp.ts';

export interface KeepalivedConfig {
  /** Top-level keywords that take no block (global_parser.c). */
  readonly net_namespace?: string;
  readonly net_namespace_ipvs?: string | true;
  readonly namespace_with_ipsets?: boolean;
  readonly use_pid_dir?: boolean;
  readonly instance?: string;
  /** Seconds; default 5. */
  readonly child_wait_time: number;
  readonly linkbeat_use_polling?: boolean;
  readonly global_defs: GlobalDefs;
  readonly static_ipaddress: readonly VirtualIpAddress[];
  readonly static_routes: readonly VirtualRoute[];
  readonly static_rules: readonly VirtualRule[];
  readonly linkbeat_interfaces: readonly LinkbeatInterface[];
  readonly interface_up_down_delays: readonly InterfaceUpDownDelay[];
  readonly garp_groups: readonly GarpGroup[];
  readonly track_groups: readonly TrackGroup[];
  readonly vrrp_scripts: readonly VrrpScript[];
  readonly track_files: readonly TrackFile[];
  readonly vrrp_track_processes: readonly VrrpTrackProcess[];
  readonly vrrp_sync_groups: readonly VrrpSyncGroup[];
  readonly vrrp_instances: readonly VrrpInstance[];
  readonly ssl?: SslConfig;
  readonly virtual_server_groups: readonly VirtualServerGroup[];
  readonly virtual_servers: readonly VirtualServer[];
}
