// buildStatus: what `keepalived-ts status` shows, as one plain JSON-able object built from the
// DaemonView. Pure: it reads the view (and the facts the caller gathered, `extra`) and nothing
// else, so the control socket can answer from it and tests can check it field by field.
//
// Versioned (`format: 1`): fields may be added; a field's meaning never changes within a format.
// Times are wall-clock milliseconds from the EventHistory (events are recorded when observed).
//
// Why the effective priority differs from the configured one: the tracking rules of
// keepalived's vrrp_track.c (src/vrrp/tracking.ts) are applied again here, tracker by tracker,
// to the states the instance holds, so each tracker says what it adds. The sum is checked
// against the instance's own effective priority (`explained`); the instance stays the authority.
//
// Real servers: health, reason and current weight come from the checker scheduler
// (realServerStatus), the time of the last change from the history, and the kernel side from
// LvsDirector.observedTable (the table as IpvsSync last dumped it). A kernel destination is tied
// to its real server by address, then by the port rule of desired-table.ts destsFor.

import { formatIp, type IpAddress } from '../base/ip.ts';
import { desiredTable } from '../ipvs/desired-table.ts';
import { destKeyId, serviceFamily, serviceKeyId, type IpvsTable, type ServiceKey } from '../ipvs/model.ts';
import type { Director } from '../runtime/director.ts';
import type { LvsDirector } from '../runtime/lvs-director.ts';
import type { LvsRealServer, LvsVirtualServer } from '../runtime/lvs-spec-from-config.ts';
import type { VrrpInstance } from '../vrrp/instance.ts';
import { OWNER_PRIORITY } from '../vrrp/timing.ts';
import { MAX_TRACK_WEIGHT } from '../vrrp/tracking.ts';
import type { DaemonView } from './daemon-view.ts';

export const STATUS_FORMAT = 1;

export interface TrackerStatus {
  readonly kind: 'track_interface' | 'track_script' | 'track_file';
  readonly name: string;
  readonly weight: number;
  readonly reverse: boolean;
  /** 'up'/'down' (interface; up until reported), 'ok'/'failed' (script), the value read (file; 0 until read). */
  readonly state: string;
  /** What it adds to the configured priority now (0 when it does not apply). */
  readonly delta: number;
  /** Weight 0 (or a file product below -253): its failure puts the instance in FAULT. */
  readonly faults: boolean;
}

export interface VrrpInstanceStatus {
  readonly name: string;
  readonly vrid: number;
  readonly interface: string;
  readonly family: 4 | 6;
  readonly version: 2 | 3;
  readonly state: string;
  readonly configuredPriority: number;
  readonly effectivePriority: number;
  readonly owner: boolean;
  readonly trackers: readonly TrackerStatus[];
  /** Configured + every delta, before keepalived's clamp to 1..254. */
  readonly unclampedPriority: number;
  /** The trackers account for the effective priority (false = a state we could not read). */
  readonly explained: boolean;
  readonly faultReasons: readonly string[];
  /** Held in FAULT by another sync group member. */
  readonly syncFault: boolean;
  /** Our primary address (advert source). */
  readonly address: string;
  /** The master as we see it: ourselves when MASTER, else the source of the last accepted advert. */
  readonly master: { readonly address: string; readonly self: boolean } | null;
  readonly vips: readonly { readonly address: string; readonly interface: string; readonly excluded: boolean }[];
  /** The instance holds its VIPs exactly while MASTER. */
  readonly vipsHeld: boolean;
  readonly lastTransition: { readonly atMs: number; readonly from: string; readonly to: string; readonly cause: string } | null;
  readonly transitions: number;
  readonly adverts: {
    readonly sent: number; readonly received: number; readonly priorityZeroSent: number; readonly priorityZeroReceived: number;
    readonly becameMaster: number; readonly releasedMaster: number; readonly lowerPriorityDiscarded: number;
    /** Rejected adverts per reason (only reasons seen). */
    readonly rejected: Readonly<Record<string, number>>;
  };
  readonly nopreempt: boolean;
  readonly preemptDelayS: number;
  readonly advertIntervalS: number;
  readonly unicastPeers: readonly string[];
}

export interface VrrpScriptStatus {
  readonly name: string;
  readonly command: string;
  readonly status: 'ok' | 'failed';
  /** When the last result changed the status (null: not since the start). */
  readonly changedAtMs: number | null;
  readonly intervalS: number;
  readonly rise: number;
  readonly fall: number;
  readonly users: readonly { readonly instance: string; readonly weight: number }[];
}

export interface RealServerStatusView {
  readonly key: string;
  readonly address: string;
  readonly port: number | null;
  readonly health: 'up' | 'down' | 'unknown';
  readonly configuredWeight: number;
  /** The weight the checkers give it now (MISC_CHECK dynamic weights, ...). */
  readonly currentWeight: number;
  /** In every kernel service of its virtual server (with weight 0 when inhibited). */
  readonly inKernel: boolean;
  readonly kernelWeight: number | null;
  readonly reason: string;
  readonly changedAtMs: number | null;
  readonly checkers: readonly { readonly id: string; readonly up: boolean; readonly reason: string }[];
}

export interface VirtualServerStatus {
  readonly id: string;
  readonly services: readonly string[];
  readonly quorum: { readonly up: boolean; readonly atMs: number } | null;
  readonly realServers: readonly RealServerStatusView[];
  readonly sorryServer: string | null;
}

export interface IpvsDestRow {
  readonly address: string;
  readonly port: number;
  readonly fwd: string;
  readonly weight: number;
  readonly uThreshold: number;
  readonly lThreshold: number;
  /** Ours: the real server's health ('sorry' for the sorry server); null = not from our config. */
  readonly health: 'up' | 'down' | 'unknown' | 'sorry' | null;
  readonly reason: string | null;
  readonly changedAtMs: number | null;
}

export interface IpvsServiceRow {
  readonly id: string;
  readonly family: 4 | 6;
  /** 'tcp' | 'udp' | 'sctp', or null for a fwmark service. */
  readonly protocol: string | null;
  readonly address: string | null;
  readonly port: number;
  readonly fwmark: number;
  readonly scheduler: string;
  readonly flags: number;
  readonly timeoutS: number;
  readonly netmask: number;
  readonly dests: readonly IpvsDestRow[];
}

export interface LvsStatus {
  /** The kernel has acknowledged the table we want. */
  readonly inSync: boolean;
  readonly virtualServers: readonly VirtualServerStatus[];
  /** The kernel's table as last dumped (not a fresh read). */
  readonly table: readonly IpvsServiceRow[];
  /** "IP Virtual Server version 1.2.1 (size=4096)" when the caller could read it. */
  readonly ipvsVersionLine: string | null;
}

export interface DaemonStatus {
  readonly format: typeof STATUS_FORMAT;
  readonly daemon: {
    readonly pid: number; readonly version: string; readonly configFile: string;
    readonly startedAtMs: number; readonly nowMs: number | null;
  };
  readonly vrrp: {
    readonly instances: readonly VrrpInstanceStatus[];
    readonly syncGroups: readonly { readonly name: string; readonly state: string; readonly members: readonly { readonly name: string; readonly state: string }[] }[];
    readonly scripts: readonly VrrpScriptStatus[];
  } | null;
  readonly lvs: LvsStatus | null;
}

/** Facts the caller gathered itself (the view has no clock and no /proc). */
export interface StatusExtra {
  readonly nowMs?: number;
  readonly ipvsVersionLine?: string;
}

export function buildStatus(view: DaemonView, extra: StatusExtra = {}): DaemonStatus {
  const vrrp = view.vrrp();
  const lvs = view.lvs();
  return {
    format: STATUS_FORMAT,
    daemon: { pid: view.pid, version: view.version, configFile: view.configFile, startedAtMs: view.startedAtMs, nowMs: extra.nowMs ?? null },
    vrrp: vrrp ? vrrpStatus(view, vrrp) : null,
    lvs: lvs ? lvsStatus(view, lvs, extra.ipvsVersionLine ?? null) : null,
  };
}

// ---- VRRP ------------------------------------------------------------------------------------

function vrrpStatus(view: DaemonView, d: Director): NonNullable<DaemonStatus['vrrp']> {
  const scriptOk = (name: string): boolean => d.scripts.status(name);
  return {
    instances: d.instances.map((i) => instanceStatus(view, i, scriptOk)),
    syncGroups: d.syncGroups.map((g) => ({
      name: g.name, state: g.sharedState(), members: g.members.map((m) => ({ name: m.name, state: m.state })),
    })),
    scripts: d.spec.scripts.map((s) => {
      const h = view.history.scripts.get(s.name);
      return {
        name: s.name, command: s.command, status: scriptOk(s.name) ? 'ok' : 'failed', changedAtMs: h?.atMs ?? null,
        intervalS: s.intervalUs / 1e6, rise: s.rise, fall: s.fall,
        users: d.instances.flatMap((i) => i.spec.trackScripts.filter((t) => t.name === s.name).map((t) => ({ instance: i.name, weight: t.weight }))),
      };
    }),
  };
}

/** The tracker states the instance holds (scripts come from the director's scheduler). */
function trackingMaps(i: VrrpInstance): { ifUp: ReadonlyMap<string, boolean>; fileValue: ReadonlyMap<string, number> } {
  const t = i.trackerStates;
  return { ifUp: t.interfaces, fileValue: t.files };
}

/** vrrp_track.c's contribution rules, as src/vrrp/tracking.ts applies them. */
function trackers(i: VrrpInstance, scriptOk: (name: string) => boolean): TrackerStatus[] {
  const maps = trackingMaps(i);
  const out: TrackerStatus[] = [];
  for (const t of i.spec.trackInterfaces) {
    const up = maps.ifUp.get(t.ifname) ?? true; // interfaces count as up until told otherwise
    const good = t.reverse ? !up : up;
    const delta = (t.weight > 0 && good) || (t.weight < 0 && !good) ? t.weight : 0;
    out.push({ kind: 'track_interface', name: t.ifname, weight: t.weight, reverse: t.reverse,
      state: up ? 'up' : 'down', delta, faults: t.weight === 0 && !good });
  }
  for (const t of i.spec.trackScripts) {
    const ok = scriptOk(t.name);
    const good = t.reverse ? !ok : ok;
    const delta = (t.weight > 0 && good) || (t.weight < 0 && !good) ? t.weight : 0;
    out.push({ kind: 'track_script', name: t.name, weight: t.weight, reverse: t.reverse, state: ok ? 'ok' : 'failed', delta, faults: t.weight === 0 && !good });
  }
  for (const t of i.spec.trackFiles) {
    const v = maps.fileValue.get(t.name) ?? 0;
    const product = t.reverse ? -(v * t.weight) : v * t.weight;
    out.push({ kind: 'track_file', name: t.name, weight: t.weight, reverse: t.reverse,
      state: String(v), delta: t.weight === 0 ? 0 : product,
      faults: t.weight === 0 ? v !== 0 : product < -MAX_TRACK_WEIGHT });
  }
  return out;
}

function instanceStatus(view: DaemonView, i: VrrpInstance, scriptOk: (name: string) => boolean): VrrpInstanceStatus {
  const s = i.spec;
  const tr = trackers(i, scriptOk);
  const unclamped = s.priority + tr.reduce((sum, t) => sum + t.delta, 0);
  const expected = s.priority === OWNER_PRIORITY ? OWNER_PRIORITY : Math.min(OWNER_PRIORITY - 1, Math.max(1, unclamped));
  const h = view.history.transitions.get(i.name);
  const master = i.state === 'MASTER' ? s.primaryAddr : i.state === 'BACKUP' ? i.lastMaster : undefined;
  const rejected: Record<string, number> = {};
  for (const [k, n] of Object.entries(i.stats.rejected)) if (n > 0) rejected[k] = n;
  const vip = (excluded: boolean) => (v: { addr: IpAddress; prefixLen: number; ifname?: string }) =>
    ({ address: `${formatIp(v.addr)}/${v.prefixLen}`, interface: v.ifname ?? s.ifname, excluded });
  return {
    name: i.name, vrid: s.vrid, interface: s.ifname, family: s.family, version: s.version, state: i.state,
    configuredPriority: s.priority, effectivePriority: i.effectivePriority, owner: i.isOwner,
    trackers: tr, unclampedPriority: unclamped, explained: expected === i.effectivePriority,
    faultReasons: i.faultReasons, syncFault: i.isFaulted() && !i.ownFault,
    address: formatIp(s.primaryAddr),
    master: master ? { address: formatIp(master), self: i.state === 'MASTER' } : null,
    vips: [...s.vips.map(vip(false)), ...(s.excludedVips ?? []).map(vip(true))],
    vipsHeld: i.state === 'MASTER',
    lastTransition: h ? { atMs: h.atMs, from: h.from, to: h.to, cause: h.cause } : null,
    transitions: view.history.transitionCounts.get(i.name) ?? 0,
    adverts: {
      sent: i.stats.advertsSent, received: i.stats.advertsReceived, priorityZeroSent: i.stats.priZeroSent,
      priorityZeroReceived: i.stats.priZeroReceived, becameMaster: i.stats.becomeMaster, releasedMaster: i.stats.releaseMaster,
      lowerPriorityDiscarded: i.stats.lowerPriorityDiscarded, rejected,
    },
    nopreempt: s.nopreempt, preemptDelayS: s.preemptDelayUs / 1e6, advertIntervalS: s.advertIntervalCs / 100,
    unicastPeers: s.unicastPeers.map(formatIp),
  };
}

// ---- LVS -------------------------------------------------------------------------------------

const hostPort = (addr: IpAddress, port: number): string => destKeyId({ addr, port });

/**
 * The kernel services a virtual server owns. An address is its own service; a fwmark service's
 * family is whichever the director's desired table holds; only groups (and a fwmark not in the
 * table) take desiredTable's own expansion, which is too slow to run for every server of a
 * large configuration while the daemon waits.
 */
function serviceKeysOf(lvs: LvsDirector, vs: LvsVirtualServer): ServiceKey[] {
  const t = vs.target;
  if (t.kind === 'addr') return [{ kind: 'addr', protocol: vs.protocol ?? 'tcp', addr: t.addr, port: t.port ?? 0 }];
  if (t.kind === 'fwmark') {
    const held = ([4, 6] as const).filter((family) => lvs.desiredTable.has(serviceKeyId({ kind: 'fwmark', fwmark: t.fwmark, family })));
    if (held.length === 1) return [{ kind: 'fwmark', fwmark: t.fwmark, family: held[0]! }];
  }
  const r = desiredTable({
    groups: lvs.spec.groups,
    virtualServers: [{ ...vs, sorryServer: undefined, realServers: vs.realServers.map((rs) => ({ ...rs, health: 'up' as const })) }],
    state: new Map(),
  });
  return [...r.table.values()].map((e) => e.service.key);
}

/** desired-table.ts destsFor: fwmark -> port 0; NAT -> the real server's port; DR/TUN -> the service's. */
function destPortFor(key: ServiceKey, vs: LvsVirtualServer, rs: { port?: number; lvsMethod?: { fwd: string } }): number {
  if (key.kind === 'fwmark') return 0;
  const vsPort = vs.target.kind === 'addr' ? vs.target.port ?? 0 : 0;
  return (rs.lvsMethod ?? vs.lvsMethod)?.fwd === 'dr' || (rs.lvsMethod ?? vs.lvsMethod)?.fwd === 'tun' ? key.port : rs.port ?? vsPort;
}

interface DestOwner { readonly rs?: LvsRealServer; readonly sorry?: boolean }

function lvsStatus(view: DaemonView, lvs: LvsDirector, ipvsVersionLine: string | null): LvsStatus {
  const observed: IpvsTable = lvs.observedTable;
  const owners = new Map<string, DestOwner>(); // "serviceId dest" -> owner
  const virtualServers: VirtualServerStatus[] = [];
  /** Real server key -> what its table rows repeat. */
  const seen = new Map<string, { health: RealServerStatusView['health']; reason: string; atMs: number | null }>();
  for (const vs of lvs.spec.virtualServers) {
    const keys = serviceKeysOf(lvs, vs);
    const ids = keys.map(serviceKeyId);
    for (const [n, k] of keys.entries()) {
      for (const rs of vs.realServers) owners.set(`${ids[n]} ${hostPort(rs.addr, destPortFor(k, vs, rs))}`, { rs });
      const sorry = vs.sorryServer;
      if (sorry) owners.set(`${ids[n]} ${hostPort(sorry.addr, destPortFor(k, vs, sorry))}`, { sorry: true });
    }
    const realServers = vs.realServers.map((rs): RealServerStatusView => {
      const st = lvs.scheduler.realServerStatus(rs.checkKey);
      const h = view.history.health.get(rs.checkKey);
      const health = lvs.health(rs.checkKey) ?? 'unknown';
      const reason = st?.reason || h?.reason || '';
      seen.set(rs.checkKey, { health, reason, atMs: h?.atMs ?? null });
      let present = 0;
      let kernelWeight: number | null = null;
      for (const [n, k] of keys.entries()) {
        const d = observed.get(ids[n]!)?.dests.get(hostPort(rs.addr, destPortFor(k, vs, rs)));
        if (!d) continue;
        present++;
        kernelWeight ??= d.attrs.weight;
      }
      return {
        key: rs.checkKey, address: formatIp(rs.addr), port: rs.port ?? null,
        health,
        configuredWeight: rs.weight, currentWeight: st?.weight ?? rs.weight,
        inKernel: keys.length > 0 && present === keys.length, kernelWeight,
        reason, changedAtMs: h?.atMs ?? null,
        checkers: (st?.checkers ?? []).map((c) => ({ id: c.id, up: c.up, reason: c.lastReason })),
      };
    });
    const q = view.history.quorum.get(vs.id);
    virtualServers.push({
      id: vs.id, services: ids, quorum: q ? { up: q.up, atMs: q.atMs } : null, realServers,
      sorryServer: vs.sorryServer ? formatIp(vs.sorryServer.addr) : null,
    });
  }
  const table: IpvsServiceRow[] = [];
  for (const [id, e] of observed) {
    const k = e.service.key;
    const a = e.service.attrs;
    table.push({
      id, family: serviceFamily(k), protocol: k.kind === 'addr' ? k.protocol : null,
      address: k.kind === 'addr' ? formatIp(k.addr) : null, port: k.kind === 'addr' ? k.port : 0, fwmark: k.kind === 'fwmark' ? k.fwmark : 0,
      scheduler: a.scheduler, flags: a.flags, timeoutS: a.timeoutS, netmask: a.netmask,
      dests: [...e.dests.entries()].map(([did, d]): IpvsDestRow => {
        const o = owners.get(`${id} ${did}`);
        const r = o?.rs ? seen.get(o.rs.checkKey) : undefined;
        return {
          address: formatIp(d.key.addr), port: d.key.port, fwd: d.attrs.fwd, weight: d.attrs.weight,
          uThreshold: d.attrs.uThreshold, lThreshold: d.attrs.lThreshold,
          health: o?.sorry ? 'sorry' : r ? r.health : null,
          reason: o?.sorry ? 'sorry server (quorum down or inhibited)' : r ? r.reason || null : null,
          changedAtMs: r?.atMs ?? null,
        };
      }),
    });
  }
  return { inSync: lvs.inSync, virtualServers, table, ipvsVersionLine };
}
