// What a VrrpInstance asks the outside world to do, as data. The driver (src/runtime) polls these
// and carries them to ports; the core never performs I/O itself.

import type { IpAddress } from '../base/ip.ts';
import type { Advert } from './wire/advert.ts';
import type { VipSpec } from './instance-spec.ts';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

/** keepalived's notify hooks (notify_master, notify_backup, ...) and `notify_master_rx_lower_pri`. */
/** `priorityChanged` is `notify_priority_changes`: the effective priority moved, the state did not. */
export type NotifyEvent = 'master' | 'backup' | 'fault' | 'stop' | 'masterRxLowerPri' | 'priorityChanged';

export interface SendAdvertAction {
  readonly kind: 'sendAdvert';
  readonly ifname: string;
  readonly src: IpAddress;
  /** The multicast group, or each unicast peer (one packet each). */
  readonly destinations: readonly IpAddress[];
  /** IP TTL / hop limit: 255 (RFC 5798 5.1.1.3), or `unicast_ttl` for unicast. */
  readonly ttl: number;
  /** checksum is 0 here: the codec computes it per destination (v3 pseudo-header). */
  readonly advert: Advert;
}

export interface AddVipsAction {
  readonly kind: 'addVips';
  readonly ifname: string;
  readonly vips: readonly VipSpec[];
  /** accept mode: false asks the address port to drop traffic to the VIPs (vrrp_strict). */
  readonly accept: boolean;
}

export interface RemoveVipsAction {
  readonly kind: 'removeVips';
  readonly ifname: string;
  readonly vips: readonly VipSpec[];
}

/** One round of gratuitous ARP (IPv4) / unsolicited NA (IPv6): one packet per address. */
export interface SendGratuitousAction {
  readonly kind: 'sendGratuitous';
  readonly ifname: string;
  readonly vips: readonly VipSpec[];
  readonly reason: 'becameMaster' | 'masterDelay' | 'refresh' | 'lowerPriority';
}

export interface StateChangedAction {
  readonly kind: 'stateChanged';
  readonly from: VrrpState;
  readonly to: VrrpState;
  /** The table event that fired (see state-table.ts) and a human-readable why. */
  readonly event: string;
  readonly cause: string;
}

export interface NotifyAction {
  readonly kind: 'notify';
  readonly event: NotifyEvent;
  readonly instance: string;
  readonly priority: number;
}

/** For logs and metrics only: an advert that changed nothing, and why (keepalived logs these). */
export interface AdvertIgnoredAction {
  readonly kind: 'advertIgnored';
  /** A rejection reason (advert-check.ts), or 'lowerPriority' for a backup discarding a lower master. */
  readonly reason: string;
  readonly src: IpAddress;
  readonly priority: number;
}

/** For logs and metrics only: "Changing effective priority from X to Y". */
export interface PriorityChangedAction {
  readonly kind: 'priorityChanged';
  readonly from: number;
  readonly to: number;
}

export type VrrpAction =
  | SendAdvertAction
  | AddVipsAction
  | RemoveVipsAction
  | SendGratuitousAction
  | StateChangedAction
  | NotifyAction
  | AdvertIgnoredAction
  | PriorityChangedAction;
