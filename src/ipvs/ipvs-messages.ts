// The IPVS generic-netlink conversation as typed data: one IpvsRequest per command we can send
// (every IPVS_CMD_* of include/uapi/linux/ip_vs.h), one IpvsReply per message the kernel sends
// back. The bytes are ipvs-codec.ts's business; the conversation is ipvs-sync.ts's.
import type { IpAddress } from '../base/ip.ts';
import type { DestKey, IpvsDest, IpvsService, ServiceKey, UnknownAttr } from './model.ts';

/** The sync daemon of IPVS_CMD_NEW/DEL/GET_DAEMON (lvs_sync_daemon). */
export interface SyncDaemon {
  readonly state: 'master' | 'backup';
  readonly mcastIfn: string;
  readonly syncId: number;
  readonly syncMaxLen?: number;
  readonly mcastGroup?: IpAddress;
  readonly mcastPort?: number;
  readonly mcastTtl?: number;
  readonly unknown?: readonly UnknownAttr[];
}

/** lvs_timeouts: tcp / tcpfin / udp in seconds (0 = leave unchanged, as ipvsadm --set). */
export interface IpvsTimeouts {
  readonly tcpS: number;
  readonly tcpFinS: number;
  readonly udpS: number;
}

export type IpvsRequest =
  | { readonly cmd: 'new-service' | 'set-service'; readonly service: IpvsService }
  | { readonly cmd: 'del-service'; readonly service: ServiceKey }
  /** Without `service`: a dump of every service (NLM_F_DUMP). */
  | { readonly cmd: 'get-service'; readonly service?: ServiceKey }
  | { readonly cmd: 'new-dest' | 'set-dest'; readonly service: ServiceKey; readonly dest: IpvsDest }
  | { readonly cmd: 'del-dest'; readonly service: ServiceKey; readonly dest: DestKey }
  /** Always a dump (NLM_F_DUMP) of one service's destinations. */
  | { readonly cmd: 'get-dest'; readonly service: ServiceKey }
  | { readonly cmd: 'new-daemon'; readonly daemon: SyncDaemon }
  | { readonly cmd: 'del-daemon'; readonly state: 'master' | 'backup' }
  | { readonly cmd: 'get-daemon' }
  | { readonly cmd: 'set-config'; readonly timeouts: IpvsTimeouts }
  | { readonly cmd: 'get-config' }
  | { readonly cmd: 'get-info' }
  /** Without `service`: zero every counter. */
  | { readonly cmd: 'zero'; readonly service?: ServiceKey }
  | { readonly cmd: 'flush' };

/** Counters of a service or destination (IPVS_*_ATTR_STATS64, else STATS). */
export interface IpvsStats {
  readonly conns: bigint;
  readonly inPkts: bigint;
  readonly outPkts: bigint;
  readonly inBytes: bigint;
  readonly outBytes: bigint;
  readonly cps: bigint;
  readonly inPps: bigint;
  readonly outPps: bigint;
  readonly inBps: bigint;
  readonly outBps: bigint;
}

export type IpvsReply =
  | { readonly kind: 'service'; readonly service: IpvsService; readonly stats?: IpvsStats }
  | {
      readonly kind: 'dest'; readonly dest: IpvsDest; readonly stats?: IpvsStats;
      readonly activeConns: number; readonly inactConns: number; readonly persistConns: number;
    }
  | { readonly kind: 'daemon'; readonly daemons: readonly SyncDaemon[] }
  | { readonly kind: 'config'; readonly timeouts: IpvsTimeouts }
  | { readonly kind: 'info'; readonly version: number; readonly connTabSize: number };
