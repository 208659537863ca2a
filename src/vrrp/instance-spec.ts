// The input one VrrpInstance is built from: everything the state machine needs to know about a
// `vrrp_instance` block, already validated and with keepalived's defaults applied. The config
// layer (src/config) maps its parsed model onto this type; the core never sees config text.
//
// Units are in the names. Defaults noted below are keepalived 2.2.x's (vrrp_parser.c, vrrp.h);
// `defaultInstanceSpec` fills them so tests and the mapper only state what differs.

import type { IpAddress } from '../base/ip.ts';
import type { DurationUs } from '../base/time.ts';
import type { VrrpVersion } from './wire/advert.ts';

/** One virtual address (`virtual_ipaddress`), with the prefix and device it is added on. */
export interface VipSpec {
  readonly addr: IpAddress;
  readonly prefixLen: number;
  /** `dev`; undefined = the instance's interface. */
  readonly ifname?: string;
}

/** `track_interface`: weight 0 means "down = FAULT"; otherwise +w while up (w > 0), -|w| while down (w < 0). */
export interface TrackInterfaceSpec {
  readonly ifname: string;
  /** -253..253 (vrrp_track.c). */
  readonly weight: number;
  /** `weight ... reverse`: the interface counts as up when it is down. */
  readonly reverse: boolean;
}

/** `track_script` reference (the script's own rise/fall/interval live in the ScriptScheduler). */
export interface TrackScriptSpec {
  readonly name: string;
  /** -253..253; 0 = a failed script puts the instance in FAULT. */
  readonly weight: number;
  readonly reverse: boolean;
}

/** `track_file`: value read from the file times weight; weight 0 = non-zero value means FAULT. */
export interface TrackFileSpec {
  readonly name: string;
  readonly weight: number;
  readonly reverse: boolean;
}

export interface GarpSpec {
  /** `garp_master_delay`: second burst after becoming master; 0 = none. Default 5 s. */
  readonly masterDelayUs: DurationUs;
  /** `garp_master_repeat`: gratuitous ARPs / unsolicited NAs per address per burst. Default 5. */
  readonly masterRepeat: number;
  /** `garp_master_refresh`: periodic burst while master; 0 = off (default). */
  readonly masterRefreshUs: DurationUs;
  /** `garp_master_refresh_repeat`: default 1. */
  readonly masterRefreshRepeat: number;
  /** `vrrp_garp_interval` / `vrrp_gna_interval`: spacing between rounds of a burst; default 0. */
  readonly intervalUs: DurationUs;
  /** `garp_lower_prio_delay`: second burst after a lower-priority advert; default = masterDelayUs. */
  readonly lowerPrioDelayUs: DurationUs;
  /** `garp_lower_prio_repeat`: default = masterRepeat (strict mode: 0). */
  readonly lowerPrioRepeat: number;
  /** `vrrp_min_garp`: one GARP, no second burst. */
  readonly minGarp: boolean;
}

/** The auth block (v2 only; keepalived ignores it for v3 with a warning). */
export type AuthSpec =
  | { readonly type: 'none' }
  | { readonly type: 'pass'; /** up to 8 bytes; zero-padded on the wire */ readonly password: Uint8Array }
  | { readonly type: 'ah'; readonly password: Uint8Array };

export interface VrrpInstanceSpec {
  /** The block's name (`vrrp_instance NAME`), used in notifications and logs. */
  readonly name: string;
  readonly vrid: number;
  readonly version: VrrpVersion;
  readonly family: 4 | 6;
  /** `interface`: where adverts are sent and received. */
  readonly ifname: string;
  /** Our primary address on ifname (or `mcast_src_ip`/`unicast_src_ip`): advert source and tie-break. */
  readonly primaryAddr: IpAddress;
  /** 1..255; 255 = address owner. Default 100. */
  readonly priority: number;
  /** v2: whole seconds x 100 (100..25500); v3: 1..4095. Default 100 (1 s). */
  readonly advertIntervalCs: number;
  /** `state MASTER` wanted at start-up (only shortens the first timer; see VrrpInstance.start). */
  readonly wantMaster: boolean;
  readonly nopreempt: boolean;
  /** `preempt_delay` 0..1000 s. */
  readonly preemptDelayUs: DurationUs;
  /** `down_timer_adverts`, default 3. */
  readonly downTimerAdverts: number;
  /** `virtual_ipaddress`: carried in adverts, added on MASTER, removed on leaving it. */
  readonly vips: readonly VipSpec[];
  /** `virtual_ipaddress_excluded`: added and removed with the VIPs but not carried in adverts (default none). */
  readonly excludedVips?: readonly VipSpec[];
  readonly auth: AuthSpec;
  /** `unicast_peer`: when non-empty, adverts go to each peer instead of the multicast group. */
  readonly unicastPeers: readonly IpAddress[];
  /** `unicast_ttl`: IP TTL of unicast adverts (default 255; multicast is always 255). */
  readonly unicastTtl?: number;
  /** `mcast_dst_ip` / `vrrp_mcast_group4|6`; undefined = 224.0.0.18 / ff02::12. */
  readonly mcastGroup?: IpAddress;
  /** `notify_priority_changes`: a Notify action whenever the effective priority changes. */
  readonly notifyPriorityChanges?: boolean;
  /** `check_unicast_src`: drop unicast adverts whose source is not a listed peer. */
  readonly checkUnicastSrc: boolean;
  /** `accept` / `no_accept`; reported to the address port so it can install drop rules. */
  readonly accept: boolean;
  /** `vrrp_strict` / `strict_mode`. Its config-time restrictions are the config layer's job. */
  readonly strict: boolean;
  /** `owner_ignore_adverts`: an owner (255) ignores every advert. */
  readonly ownerIgnoreAdverts: boolean;
  /** `lower_prio_no_advert`: a master does not re-advertise on hearing a lower priority. */
  readonly lowerPrioNoAdvert: boolean;
  /** `higher_prio_send_advert`: a master sends one advert before yielding to a higher one. */
  readonly higherPrioSendAdvert: boolean;
  readonly garp: GarpSpec;
  readonly trackInterfaces: readonly TrackInterfaceSpec[];
  readonly trackScripts: readonly TrackScriptSpec[];
  readonly trackFiles: readonly TrackFileSpec[];
  /** `dont_track_primary`: the own interface going down does not cause FAULT. */
  readonly dontTrackPrimary: boolean;
  /** `v3_checksum_as_v2` (global or per instance): v3 IPv4 checksum without the pseudo-header. */
  readonly v3ChecksumAsV2: boolean;
  /** `old_unicast_checksum`: 'auto' (default) accepts both pre-1.3.6 and current unicast checksums. */
  readonly oldUnicastChecksum: 'auto' | 'never' | 'always';
}

export const DEFAULT_GARP: GarpSpec = {
  masterDelayUs: 5_000_000,
  masterRepeat: 5,
  masterRefreshUs: 0,
  masterRefreshRepeat: 1,
  intervalUs: 0,
  lowerPrioDelayUs: 5_000_000,
  lowerPrioRepeat: 5,
  minGarp: false,
};

/** Spec with keepalived's defaults; `over` supplies at least the identity of the instance. */
export function defaultInstanceSpec(
  over: Partial<VrrpInstanceSpec> & Pick<VrrpInstanceSpec, 'vrid' | 'primaryAddr'>,
): VrrpInstanceSpec {
  const strict = over.strict ?? false;
  const garp = over.garp ?? (strict ? { ...DEFAULT_GARP, lowerPrioRepeat: 0, lowerPrioDelayUs: 0 } : DEFAULT_GARP);
  return {
    name: `VI_${over.vrid}`,
    version: 2,
    family: over.primaryAddr.family,
    ifname: 'eth0',
    priority: 100,
    advertIntervalCs: 100,
    wantMaster: false,
    nopreempt: false,
    preemptDelayUs: 0,
    downTimerAdverts: 3,
    vips: [],
    excludedVips: [],
    unicastTtl: 255,
    notifyPriorityChanges: false,
    auth: { type: 'none' },
    unicastPeers: [],
    checkUnicastSrc: false,
    accept: !strict,
    ownerIgnoreAdverts: false,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    dontTrackPrimary: false,
    v3ChecksumAsV2: false,
    oldUnicastChecksum: 'auto',
    ...over,
    strict,
    garp,
  };
}
