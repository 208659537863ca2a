// The ports the runtime drives (DESIGN section 4). Two implementations each: src/os (Linux) and
// src/sim (virtual time, seeded lossy network). The runtime never awaits a port: every
// completion comes back as a callback, which the director turns into an input for a core, so the
// simulator can order every event exactly.

import type { IpAddress } from '../base/ip.ts';
import type { Instant } from '../base/time.ts';
import type { Advert, RxMeta } from '../vrrp/wire/advert.ts';
import type { VipSpec } from '../vrrp/instance-spec.ts';
import type { NotifyEvent, VrrpState } from '../vrrp/actions.ts';
import type { ScriptOutcome, ScriptSpec } from '../vrrp/script-scheduler.ts';

/** Monotonic time and ONE wake-up: a new wakeAt replaces the previous one; undefined cancels. */
export interface Clock {
  now(): Instant;
  wakeAt(at: Instant | undefined, onWake: () => void): void;
}

/** One VRRP packet to send: IP header fields plus the encoded VRRP payload. */
export interface AdvertTx {
  readonly ifname: string;
  readonly src: IpAddress;
  readonly dst: IpAddress;
  /** RFC 5798 section 5.1.1.3: 255; unicast adverts use `unicast_ttl` (default 255). */
  readonly ttl: number;
  readonly payload: Uint8Array;
}

/** Raw VRRP (IP protocol 112) in and out, on every interface the instances use. */
export interface VrrpLink {
  send(tx: AdvertTx): void;
  onReceive(cb: (payload: Uint8Array, meta: RxMeta) => void): void;
  /** The interface name for a received packet's ifindex (undefined = unknown). */
  ifnameOf(ifindex: number): string | undefined;
}

/** Per-instance checksum knobs (keepalived `v3_checksum_as_v2`, `old_unicast_checksum`). */
export interface CodecOptions {
  readonly v3ChecksumAsV2?: boolean;
  readonly oldUnicastChecksum?: 'auto' | 'never' | 'always';
}

/**
 * Encodes / decodes the VRRP payload (wireAdvertCodec over src/vrrp/wire in production and in the
 * simulator). Decode never throws; `reason` is a stable code for the per-reason counters.
 */
export interface AdvertCodec {
  encode(advert: Advert, src: IpAddress, dst: IpAddress, options?: CodecOptions): Uint8Array;
  decode(payload: Uint8Array, meta: RxMeta, options?: CodecOptions): { ok: true; advert: Advert } | { ok: false; reason: string };
}

export type PortResult = { ok: true } | { ok: false; error: string };

/** Virtual addresses on interfaces (netlink RTM_NEWADDR / RTM_DELADDR in production). */
export interface AddressPort {
  add(ifname: string, vips: readonly VipSpec[], accept: boolean, done: (r: PortResult) => void): void;
  remove(ifname: string, vips: readonly VipSpec[], done: (r: PortResult) => void): void;
}

/** Gratuitous ARP (IPv4) / unsolicited neighbour advertisement (IPv6), one per address. */
export interface Announcer {
  announce(ifname: string, vips: readonly VipSpec[]): void;
}

/** Runs a vrrp_script; `kill` ends a run (SIGTERM then SIGKILL in production). */
export interface ScriptRunner {
  run(runId: number, script: ScriptSpec, done: (outcome: ScriptOutcome) => void): void;
  kill(runId: number): void;
}

export interface Notification {
  readonly instance: string;
  readonly event: NotifyEvent;
  readonly state: VrrpState;
  readonly priority: number;
}

/** notify_master / notify_backup / notify_fault / notify_stop scripts, FIFO, SNMP traps... */
export interface Notifier {
  notify(n: Notification): void;
}

export interface DirectorPorts {
  readonly clock: Clock;
  readonly link: VrrpLink;
  readonly codec: AdvertCodec;
  readonly addresses: AddressPort;
  readonly announcer: Announcer;
  readonly scripts: ScriptRunner;
  readonly notifier: Notifier;
}
