// The IPVS table as data: virtual services (identified by protocol+address+port, or by fwmark +
// address family) each holding real servers ("destinations", identified by address+port).
// One model serves three readers: the desired table computed from the configuration, the
// observed table decoded from the kernel's dump, and the planner that diffs the two.
//
// Identity vs attributes follows the kernel (net/netfilter/ipvs/ip_vs_ctl.c): a service's key
// cannot be edited (it is the hash key), everything else can be changed in place with
// IPVS_CMD_SET_SERVICE; likewise a destination's addr+port (+family) is its key and
// IPVS_CMD_SET_DEST edits forwarding method, weight, thresholds and tunnel settings.
import { compareIp, formatIp, type IpAddress, type IpFamily } from '../base/ip.ts';
import { SvcFlag } from './numbers.ts';

export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';

/** Every scheduler keepalived's lvs_sched accepts (keepalived.conf(5), LVS CONFIGURATION). */
export const SCHEDULERS = [
  'rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos',
] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];

export type ServiceKey =
  | { readonly kind: 'addr'; readonly protocol: IpvsProtocol; readonly addr: IpAddress; readonly port: number }
  | { readonly kind: 'fwmark'; readonly fwmark: number; readonly family: IpFamily };

/** An attribute we did not recognise, kept so a decode/encode round trip is lossless. */
export interface UnknownAttr {
  readonly type: number;
  readonly payload: Uint8Array;
}

export interface ServiceAttrs {
  /** Scheduler name as the kernel knows it (a string: the kernel may hold one we don't list). */
  readonly scheduler: string;
  /**
   * IP_VS_SVC_F_* bits we manage: PERSISTENT, ONEPACKET, SCHED1..3. The kernel-internal HASHED bit
   * is stripped on decode (see SERVICE_FLAGS_MANAGED) so it never shows up as a difference.
   */
  readonly flags: number;
  /** Persistence timeout in seconds (0 = not persistent). */
  readonly timeoutS: number;
  /**
   * Persistence granularity. IPv4: the netmask as a 32-bit number read big-endian
   * (255.255.255.0 = 0xffffff00). IPv6: a prefix length 1..128. Same as struct ip_vs_service_user.
   */
  readonly netmask: number;
  /** Persistence engine ("sip"), '' for none. */
  readonly peName: string;
}

export type ForwardMethod = 'nat' | 'local' | 'tun' | 'dr' | 'bypass';
export type TunnelType = 'ipip' | 'gue' | 'gre';

export interface DestKey {
  readonly addr: IpAddress;
  readonly port: number;
}

export interface DestAttrs {
  readonly fwd: ForwardMethod;
  /** 0..INT32_MAX; 0 = quiesced (inhibit_on_failure). */
  readonly weight: number;
  /** Upper / lower connection thresholds, 0 = none. */
  readonly uThreshold: number;
  readonly lThreshold: number;
  /** Tunnel encapsulation; ipip/0/0 unless fwd is 'tun' (the kernel reports these for every dest). */
  readonly tunType: TunnelType;
  readonly tunPort: number;
  /** IP_VS_TUNNEL_ENCAP_FLAG_* bits (CSUM 1, REMCSUM 2; 0 = nocsum). */
  readonly tunFlags: number;
}

export interface IpvsDest {
  readonly key: DestKey;
  readonly attrs: DestAttrs;
  /** Attributes of a decoded dump we do not model (stats, conn counters are decoded separately). */
  readonly unknown?: readonly UnknownAttr[];
}

export interface IpvsService {
  readonly key: ServiceKey;
  readonly attrs: ServiceAttrs;
  readonly unknown?: readonly UnknownAttr[];
}

/** A service with its destinations, keyed by destKeyId. */
export interface ServiceEntry {
  readonly service: IpvsService;
  readonly dests: ReadonlyMap<string, IpvsDest>;
}

/** A whole table, keyed by serviceKeyId. */
export type IpvsTable = ReadonlyMap<string, ServiceEntry>;

/** The flag bits that describe configuration; HASHED is kernel bookkeeping. */
export const SERVICE_FLAGS_MANAGED =
  SvcFlag.PERSISTENT | SvcFlag.ONEPACKET | SvcFlag.SCHED1 | SvcFlag.SCHED2 | SvcFlag.SCHED3;

export function serviceFamily(key: ServiceKey): IpFamily {
  return key.kind === 'addr' ? key.addr.family : key.family;
}

function hostPort(addr: IpAddress, port: number): string {
  return addr.family === 6 ? `[${formatIp(addr)}]:${port}` : `${formatIp(addr)}:${port}`;
}

/** A stable text identity: "tcp:10.0.0.1:80", "udp:[2001:db8::1]:53", "fwmark:4:7". */
export function serviceKeyId(key: ServiceKey): string {
  return key.kind === 'addr'
    ? `${key.protocol}:${hostPort(key.addr, key.port)}`
    : `fwmark:${key.family}:${key.fwmark}`;
}

export function destKeyId(key: DestKey): string {
  return hostPort(key.addr, key.port);
}

export function compareServiceKeys(a: ServiceKey, b: ServiceKey): number {
  if (a.kind !== b.kind) return a.kind === 'addr' ? -1 : 1;
  if (a.kind === 'fwmark' && b.kind === 'fwmark') return a.family - b.family || a.fwmark - b.fwmark;
  if (a.kind === 'addr' && b.kind === 'addr') {
    return a.protocol.localeCompare(b.protocol) || compareIp(a.addr, b.addr) || a.port - b.port;
  }
  return 0;
}

export function serviceAttrsEqual(a: ServiceAttrs, b: ServiceAttrs): boolean {
  return (
    a.scheduler === b.scheduler &&
    (a.flags & SERVICE_FLAGS_MANAGED) === (b.flags & SERVICE_FLAGS_MANAGED) &&
    a.timeoutS === b.timeoutS &&
    a.netmask === b.netmask &&
    a.peName === b.peName
  );
}

export function destAttrsEqual(a: DestAttrs, b: DestAttrs): boolean {
  return (
    a.fwd === b.fwd &&
    a.weight === b.weight &&
    a.uThreshold === b.uThreshold &&
    a.lThreshold === b.lThreshold &&
    a.tunType === b.tunType &&
    a.tunPort === b.tunPort &&
    a.tunFlags === b.tunFlags
  );
}

/** Default granularity: the whole address (keepalived and ipvsadm send ~0 / 128). */
export function fullNetmask(family: IpFamily): number {
  return family === 4 ? 0xffffffff : 128;
}

export const DEFAULT_DEST_ATTRS: DestAttrs = {
  fwd: 'nat', weight: 1, uThreshold: 0, lThreshold: 0, tunType: 'ipip', tunPort: 0, tunFlags: 0,
};

/** Builds a table from services and dests (later duplicates win), for tests and decoders. */
export function buildTable(entries: Iterable<{ service: IpvsService; dests: Iterable<IpvsDest> }>): IpvsTable {
  const table = new Map<string, ServiceEntry>();
  for (const e of entries) {
    const dests = new Map<string, IpvsDest>();
    for (const d of e.dests) dests.set(destKeyId(d.key), d);
    table.set(serviceKeyId(e.service.key), { service: e.service, dests });
  }
  return table;
}

/**
 * The form the kernel reports a dest in: tunnel fields are only sent for 'tun' (so read back as
 * ipip/0/0 otherwise), the tunnel port only for GUE, tunnel flags never for IPIP. Planning
 * against a non-normalised desired table would edit the same dest forever.
 */
export function normalizeDestAttrs(a: DestAttrs): DestAttrs {
  if (a.fwd !== 'tun') {
    return a.tunType === 'ipip' && a.tunPort === 0 && a.tunFlags === 0 ? a : { ...a, tunType: 'ipip', tunPort: 0, tunFlags: 0 };
  }
  const tunPort = a.tunType === 'gue' ? a.tunPort : 0;
  const tunFlags = a.tunType === 'ipip' ? 0 : a.tunFlags;
  return tunPort === a.tunPort && tunFlags === a.tunFlags ? a : { ...a, tunPort, tunFlags };
}

/** A table in the kernel's own terms (see normalizeDestAttrs; service flags limited to the managed bits). */
export function normalizeTable(table: IpvsTable): IpvsTable {
  const out = new Map<string, ServiceEntry>();
  for (const [id, e] of table) {
    const s = e.service;
    const flags = s.attrs.flags & SERVICE_FLAGS_MANAGED;
    const service = flags === s.attrs.flags ? s : { ...s, attrs: { ...s.attrs, flags } };
    const dests = new Map<string, IpvsDest>();
    for (const [did, d] of e.dests) {
      const attrs = normalizeDestAttrs(d.attrs);
      dests.set(did, attrs === d.attrs ? d : { ...d, attrs });
    }
    out.set(id, { service, dests });
  }
  return out;
}
