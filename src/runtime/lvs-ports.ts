// The LVS half's ports and events (DESIGN section 4): what LvsDirector drives and reports.
// Linux: NetlinkIpvsPort (src/os/ipvs-port.ts), OsProbeRunner, ScriptLvsNotifier (src/daemon);
// tests and the simulator: fakes on virtual time.
import type { Instant } from '../base/time.ts';
import type { ProbeRunner, ScriptSpec } from '../check/checker-spec.ts';
import type { IpvsSyncEvent, WireMessage } from '../ipvs/ipvs-sync.ts';
import type { IpvsTable } from '../ipvs/model.ts';
import type { Clock } from './ports.ts';

/** Generic netlink for IPVS: raw sends, received messages already framed and sorted by seq. */
export interface IpvsPort {
  /** Sends one buffer (possibly several netlink messages). A failed send is reported as an overrun. */
  send(bytes: Uint8Array): void;
  onMessages(cb: (msgs: readonly WireMessage[]) => void): void;
  /** The socket lost messages (ENOBUFS) or a send failed: what is in flight is unknown. */
  onOverrun(cb: () => void): void;
  /** `modprobe ip_vs` (keepalived does it when the IPVS genl family is missing). */
  modprobe(module: string, done: (ok: boolean) => void): void;
}

export type LvsNotifyEvent = 'rs_up' | 'rs_down' | 'quorum_up' | 'quorum_down';

/** notify_up/notify_down/quorum_up/quorum_down (fire and forget, as keepalived's notify_exec). */
export interface LvsNotifier {
  notify(event: LvsNotifyEvent, subject: string, script: ScriptSpec): void;
}

export interface LvsPorts {
  readonly clock: Clock;
  readonly probes: ProbeRunner;
  readonly ipvs: IpvsPort;
  readonly notifier: LvsNotifier;
}

export type LvsEvent =
  | { readonly kind: 'health'; readonly at: Instant; readonly realServer: string; readonly up: boolean; readonly reason: string }
  | { readonly kind: 'weight'; readonly at: Instant; readonly realServer: string; readonly weight: number; readonly reason: string }
  | { readonly kind: 'quorum'; readonly at: Instant; readonly virtualServer: string; readonly up: boolean }
  | { readonly kind: 'desired'; readonly at: Instant; readonly table: IpvsTable }
  | { readonly kind: 'ipvs'; readonly at: Instant; readonly event: IpvsSyncEvent }
  | { readonly kind: 'sent'; readonly at: Instant; readonly messages: number; readonly bytes: number }
  | { readonly kind: 'diagnostic'; readonly at: Instant; readonly subject: string; readonly message: string }
  | { readonly kind: 'stopped'; readonly at: Instant };
