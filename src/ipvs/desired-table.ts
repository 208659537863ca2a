// desiredTable: what the kernel's IPVS table should hold, given the configured virtual servers,
// the health verdict and effective weight of every real server, and each virtual server's
// quorum memory from the previous call. Pure: the caller keeps the returned `state` and passes
// it back next time; quorum_up/quorum_down scripts come back as actions, never run here.
//
// Rules, each from keepalived/check/ipwrapper.c (2.2.x):
// * A real server counts as alive when its verdict is 'up'; 'unknown' (not checked yet) is down
//   under alpha (per-RS alpha overrides the VS's), up otherwise (init_service_rs).
// * Alive RS -> present with its effective weight. Dead RS -> absent, or weight 0 when
//   inhibit_on_failure (ipvs_cmd turns DEL_DEST into a weight-0 EDIT_DEST for inhibited RSs).
// * Quorum (update_quorum_state): weight_sum = sum of alive RS weights; a quorum above the total
//   configured weight is reduced to it. The state starts DOWN (set_quorum_states runs before
//   any RS is alive) and is evaluated at once: gained when weight_sum >= quorum + hysteresis
//   (quorum_up runs at start-up, as keepalived logs "Gained quorum"), else "Starting with quorum
//   down" -- reported only when a sorry server exists. Later, while up, it is lost when
//   weight_sum == 0 or < quorum - hysteresis; while down, gained at >= quorum + hysteresis.
//   Verified against keepalived 2.2.7 in test/kernel (keepalived-compare.ts).
// * Sorry server: while quorum is down it is in the table (weight from its spec, default 1) and
//   every RS is out of it (perform_quorum_state(vs,false): DEL_DEST, so weight 0 if inhibited).
//   When quorum comes back it is removed; with sorry_server_inhibit it stays at weight 0, and
//   is even put there at start-up (init_service_vs: "If we have a sorry server with inhibit,
//   add it now").
// * Shutdown: the table is empty; with omega a quorum that was up emits quorum_down
//   (update_vs_notifies with stopping=true).
// * virtual_server_group: each address of each range (with the entry's port, else the VS port)
//   and each fwmark becomes one kernel service with the same destinations.
// * Dest ports (destsFor): 0 on fwmark services, the service's port for DR/TUN, the real
//   server's port (default: the VS port) for NAT.
import type { IpAddress, IpFamily } from '../base/ip.ts';
import {
  DEFAULT_DEST_ATTRS, destKeyId, fullNetmask, serviceKeyId,
  type DestAttrs, type ForwardMethod, type IpvsDest, type IpvsProtocol, type IpvsService,
  type ServiceEntry, type ServiceKey, type TunnelType,
} from './model.ts';
import { SvcFlag } from './numbers.ts';
import { expandRange, type AddressRange } from './address-range.ts';

/** lvs_method [TUN type ipip|gue port N|gre [nocsum|csum|remcsum]]. */
export interface LvsMethod {
  readonly fwd: 'nat' | 'dr' | 'tun';
  readonly tunType?: TunnelType;
  readonly tunPort?: number;
  readonly tunFlags?: number;
}

export type Health = 'up' | 'down' | 'unknown';

export interface RealServerSpec {
  readonly addr: IpAddress;
  /** Omitted: the virtual server's port (0 for fwmark services). */
  readonly port?: number;
  /** Effective weight (configured weight as adjusted by checkers). */
  readonly weight: number;
  /** The configured weight (default `weight`): caps the quorum, as keepalived does at load. */
  readonly configuredWeight?: number;
  readonly health: Health;
  readonly lvsMethod?: LvsMethod;
  readonly uThreshold?: number;
  readonly lThreshold?: number;
  /** Per-RS overrides of the VS defaults. */
  readonly inhibitOnFailure?: boolean;
  readonly alpha?: boolean;
}

export interface SorryServerSpec {
  readonly addr: IpAddress;
  readonly port?: number;
  readonly weight?: number;
  /** sorry_server_lvs_method; defaults to the VS's lvs_method. */
  readonly lvsMethod?: LvsMethod;
  /** sorry_server_inhibit. */
  readonly inhibit?: boolean;
}

export type VsTarget =
  | { readonly kind: 'addr'; readonly addr: IpAddress; readonly port?: number }
  | { readonly kind: 'fwmark'; readonly fwmark: number }
  | { readonly kind: 'group'; readonly group: string };

export type GroupEntry =
  | { readonly kind: 'range'; readonly range: AddressRange; readonly port?: number }
  | { readonly kind: 'fwmark'; readonly fwmark: number; readonly family?: IpFamily };

export interface VirtualServerGroupSpec {
  readonly name: string;
  readonly entries: readonly GroupEntry[];
}

/** Scheduler flags by keepalived keyword: sh-/mh-fallback = flag-1, sh-/mh-port = flag-2. */
export interface SchedFlags {
  readonly flag1?: boolean;
  readonly flag2?: boolean;
  readonly flag3?: boolean;
  /** ops: one-packet scheduling (UDP). */
  readonly ops?: boolean;
}

export interface VirtualServerSpec {
  /** Identity of this virtual server across calls (quorum memory, actions), e.g. "10.0.0.1 80". */
  readonly id: string;
  readonly target: VsTarget;
  /** Default tcp; ignored by fwmark services. */
  readonly protocol?: IpvsProtocol;
  /** ip_family for fwmark services; default: the RS family when all agree, else IPv4. */
  readonly ipFamily?: IpFamily;
  /** lvs_sched; keepalived's default is wlc (IPVS_DEF_SCHED). */
  readonly scheduler?: string;
  readonly schedFlags?: SchedFlags;
  /** Default lvs_method of the real servers (default NAT). */
  readonly lvsMethod?: LvsMethod;
  /** persistence_timeout in seconds (undefined/0 = not persistent). */
  readonly persistenceTimeoutS?: number;
  /** persistence_granularity: IPv4 netmask as a big-endian u32, or IPv6 prefix length. */
  readonly persistenceGranularity?: number;
  readonly persistenceEngine?: string;
  readonly quorum?: number;
  readonly hysteresis?: number;
  readonly quorumUpScript?: string;
  readonly quorumDownScript?: string;
  readonly alpha?: boolean;
  readonly omega?: boolean;
  readonly inhibitOnFailure?: boolean;
  readonly sorryServer?: SorryServerSpec;
  readonly realServers: readonly RealServerSpec[];
}

export interface DesiredInput {
  readonly groups?: readonly VirtualServerGroupSpec[];
  readonly virtualServers: readonly VirtualServerSpec[];
  /** The `state` returned by the previous call (empty map at start-up). */
  readonly state: ReadonlyMap<string, VsQuorumState>;
  /** The daemon is stopping: empty table, omega notifiers. */
  readonly stopping?: boolean;
}

export interface VsQuorumState {
  readonly quorumUp: boolean;
  /** The sorry server has been put in the table at least once (keepalived's s_svr->set). */
  readonly sorrySet: boolean;
}

export interface QuorumAction {
  readonly kind: 'quorum-script';
  readonly vs: string;
  readonly transition: 'up' | 'down';
  /** The script to run; undefined when none is configured (the transition is still reported). */
  readonly script: string | undefined;
}

export interface DesiredDiagnostic {
  readonly vs: string;
  readonly code: 'unknown-group' | 'range-too-large' | 'family-mismatch';
  readonly message: string;
}

export interface DesiredResult {
  readonly table: Map<string, ServiceEntry>;
  readonly state: Map<string, VsQuorumState>;
  readonly actions: QuorumAction[];
  readonly diagnostics: DesiredDiagnostic[];
}

/** The most kernel services one group entry may expand to; a typo'd /8 must not eat the host. */
export const MAX_RANGE_EXPANSION = 65536;

/** IPVS weights are 0..INT32_MAX (the kernel rejects negatives; keepalived's real_weight clamps). */
const clampWeight = (w: number): number => Math.min(Math.max(Math.trunc(w), 0), 0x7fffffff);

function destAttrsFor(method: LvsMethod | undefined, rawWeight: number, u = 0, l = 0): DestAttrs {
  const weight = clampWeight(rawWeight);
  const fwd: ForwardMethod = method?.fwd ?? 'nat';
  if (fwd !== 'tun') return { ...DEFAULT_DEST_ATTRS, fwd, weight, uThreshold: u, lThreshold: l };
  const tunType = method?.tunType ?? 'ipip';
  return {
    fwd, weight, uThreshold: u, lThreshold: l, tunType,
    tunPort: tunType === 'gue' ? method?.tunPort ?? 0 : 0,
    tunFlags: tunType === 'ipip' ? 0 : method?.tunFlags ?? 0,
  };
}

function serviceKeysFor(vs: VirtualServerSpec, groups: ReadonlyMap<string, VirtualServerGroupSpec>,
  family: IpFamily, diags: DesiredDiagnostic[]): ServiceKey[] {
  const protocol = vs.protocol ?? 'tcp';
  const t = vs.target;
  if (t.kind === 'addr') return [{ kind: 'addr', protocol, addr: t.addr, port: t.port ?? 0 }];
  if (t.kind === 'fwmark') return [{ kind: 'fwmark', fwmark: t.fwmark, family }];
  const group = groups.get(t.group);
  if (!group) {
    diags.push({ vs: vs.id, code: 'unknown-group', message: `virtual_server_group ${t.group} is not defined` });
    return [];
  }
  const keys: ServiceKey[] = [];
  for (const e of group.entries) {
    if (e.kind === 'fwmark') {
      keys.push({ kind: 'fwmark', fwmark: e.fwmark, family: e.family ?? family });
      continue;
    }
    const addrs = expandRange(e.range, MAX_RANGE_EXPANSION);
    if (!addrs) {
      diags.push({ vs: vs.id, code: 'range-too-large', message: `a range of group ${t.group} expands to more than ${MAX_RANGE_EXPANSION} addresses` });
      continue;
    }
    for (const addr of addrs) keys.push({ kind: 'addr', protocol, addr, port: e.port ?? 0 });
  }
  return keys;
}

/** The family of a fwmark service: ip_family, else that of the real servers when they agree, else IPv4. */
function fwmarkFamily(vs: VirtualServerSpec): IpFamily {
  if (vs.ipFamily) return vs.ipFamily;
  const fams = new Set(vs.realServers.map((r) => r.addr.family));
  if (vs.sorryServer) fams.add(vs.sorryServer.addr.family);
  return fams.size === 1 && fams.has(6) ? 6 : 4;
}

function serviceFlags(vs: VirtualServerSpec): number {
  const f = vs.schedFlags ?? {};
  let flags = 0;
  if ((vs.persistenceTimeoutS ?? 0) > 0) flags |= SvcFlag.PERSISTENT;
  if (f.ops) flags |= SvcFlag.ONEPACKET;
  if (f.flag1) flags |= SvcFlag.SCHED1;
  if (f.flag2) flags |= SvcFlag.SCHED2;
  if (f.flag3) flags |= SvcFlag.SCHED3;
  return flags;
}

export function desiredTable(input: DesiredInput): DesiredResult {
  const table = new Map<string, ServiceEntry>();
  const state = new Map<string, VsQuorumState>();
  const actions: QuorumAction[] = [];
  const diagnostics: DesiredDiagnostic[] = [];
  const groups = new Map((input.groups ?? []).map((g) => [g.name, g] as const));

  for (const vs of input.virtualServers) {
    // keepalived starts every VS with quorum DOWN (set_quorum_states runs before any RS is
    // alive) and then evaluates it once with init = true (init_service_vs).
    const init = !input.state.has(vs.id);
    const prev = input.state.get(vs.id) ?? { quorumUp: false, sorrySet: false };
    const vsAlpha = vs.alpha ?? false;
    const alive = vs.realServers.map((rs) =>
      rs.health === 'up' || (rs.health === 'unknown' && !(rs.alpha ?? vsAlpha)));
    const weightSum = vs.realServers.reduce((s, rs, i) => s + (alive[i] ? Math.max(0, rs.weight) : 0), 0);

    // check_parser.c: a quorum above the total configured weight is reduced to it (with a warning).
    const totalWeight = vs.realServers.reduce((s, rs) => s + Math.max(0, rs.configuredWeight ?? rs.weight), 0);
    const quorum = vs.realServers.length > 0 ? Math.min(vs.quorum ?? 1, totalWeight) : vs.quorum ?? 1;
    const hysteresis = vs.hysteresis ?? 0;
    const sorry = vs.sorryServer;
    let quorumUp = prev.quorumUp;
    if (input.stopping) {
      if (quorumUp && vs.omega) actions.push({ kind: 'quorum-script', vs: vs.id, transition: 'down', script: vs.quorumDownScript });
      continue;
    }
    // update_quorum_state: the threshold leans by the hysteresis away from the current state.
    const threshold = quorumUp ? quorum - hysteresis : quorum + hysteresis;
    if (!quorumUp && weightSum >= threshold) {
      quorumUp = true;
      actions.push({ kind: 'quorum-script', vs: vs.id, transition: 'up', script: vs.quorumUpScript });
    } else if ((quorumUp && (weightSum === 0 || weightSum < threshold)) || (init && !quorumUp && sorry !== undefined)) {
      // At start-up without quorum, only a VS with a sorry server reports "quorum down".
      quorumUp = false;
      actions.push({ kind: 'quorum-script', vs: vs.id, transition: 'down', script: vs.quorumDownScript });
    }
    const sorryActive = !quorumUp && sorry !== undefined;
    const sorrySet = prev.sorrySet || sorryActive;
    state.set(vs.id, { quorumUp, sorrySet });

    const family: IpFamily = vs.target.kind === 'addr' ? vs.target.addr.family : fwmarkFamily(vs);
    const vsPort = vs.target.kind === 'addr' ? vs.target.port ?? 0 : 0;
    // Real servers as templates; the port is fixed per service below.
    const templates: { addr: IpAddress; port: number; attrs: DestAttrs }[] = [];
    vs.realServers.forEach((rs, i) => {
      const inhibit = rs.inhibitOnFailure ?? vs.inhibitOnFailure ?? false;
      const up = alive[i]! && !sorryActive;
      if (!up && !inhibit) return;
      const attrs = destAttrsFor(rs.lvsMethod ?? vs.lvsMethod, up ? rs.weight : 0, rs.uThreshold, rs.lThreshold);
      if (attrs.fwd !== 'tun' && rs.addr.family !== family) {
        diagnostics.push({ vs: vs.id, code: 'family-mismatch', message: 'a non-tunnelled real server must have the family of its virtual server' });
        return;
      }
      templates.push({ addr: rs.addr, port: rs.port ?? vsPort, attrs });
    });
    if (sorry && (sorryActive || sorry.inhibit)) {
      const weight = sorryActive ? sorry.weight ?? 1 : 0;
      templates.push({ addr: sorry.addr, port: sorry.port ?? vsPort, attrs: destAttrsFor(sorry.lvsMethod ?? vs.lvsMethod, weight) });
    }

    const timeoutS = vs.persistenceTimeoutS ?? 0;
    for (const key of serviceKeysFor(vs, groups, family, diagnostics)) {
      const fam = key.kind === 'addr' ? key.addr.family : key.family;
      const service: IpvsService = {
        key,
        attrs: {
          scheduler: vs.scheduler ?? 'wlc',
          flags: serviceFlags(vs),
          timeoutS,
          netmask: vs.persistenceGranularity ?? fullNetmask(fam),
          peName: vs.persistenceEngine ?? '',
        },
      };
      table.set(serviceKeyId(key), { service, dests: destsFor(key, templates) });
    }
  }
  return { table, state, actions, diagnostics };
}

/**
 * The destination port as keepalived sends it (check_parser.c warnings, ipvswrapper.c, and
 * ipvsadm's own rule): a fwmark service ignores real-server ports (0); direct routing and
 * tunnelling cannot change the port, so the dest takes the service's port; only NAT keeps the
 * real server's own port.
 */
function destsFor(key: ServiceKey, templates: readonly { addr: IpAddress; port: number; attrs: DestAttrs }[]): Map<string, IpvsDest> {
  const dests = new Map<string, IpvsDest>();
  for (const t of templates) {
    const port = key.kind === 'fwmark' ? 0 : t.attrs.fwd === 'nat' ? t.port : key.port;
    const dkey = { addr: t.addr, port };
    dests.set(destKeyId(dkey), { key: dkey, attrs: t.attrs });
  }
  return dests;
}
