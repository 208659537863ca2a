// lvsSpecFromConfig: the parsed configuration's LVS half -> what the LvsDirector runs.
//
// Two views of the same virtual servers come out of one pass, tied together by key:
//  - the checker scheduler's input (src/check/scheduler-input-from-config.ts, the checker
//    engineer's mapping, reused as is), keyed "TCP 10.0.0.1:80 -> 192.168.1.2:80";
//  - the IPVS desired-table input (src/ipvs/desired-table.ts) as templates whose health and
//    effective weight the director fills in from the scheduler's verdicts. Each template real
//    server carries the scheduler's key (realServerKey) so a HealthChanged finds it.
// keepalived's inheritance (VS -> RS -> checker) is already applied by src/config, so the real
// server's inhibit_on_failure / alpha are the effective ones.
// Pure; never throws: an address the config layer let through but we cannot read is reported
// and that server is left out (check_parser.c refuses such configs anyway).
import { parseIp, type IpFamily } from '../base/ip.ts';
import type { KeepalivedConfig, LvsMethod as ConfigLvsMethod, VirtualServer } from '../config/model.ts';
import type { ScriptSpec } from '../check/checker-spec.ts';
import type { SchedulerInput } from '../check/checker-scheduler.ts';
import { realServerKey, schedulerInputFromConfig, virtualServerKey } from '../check/scheduler-input-from-config.ts';
import type { AddressRange } from '../ipvs/address-range.ts';
import type {
  GroupEntry, LvsMethod, RealServerSpec, SchedFlags, SorryServerSpec, VirtualServerGroupSpec, VirtualServerSpec, VsTarget,
} from '../ipvs/desired-table.ts';
import type { IpvsProtocol } from '../ipvs/model.ts';
import { TunFlag } from '../ipvs/numbers.ts';

/** A real server template: desired-table input minus the live health, plus the checker key. */
export interface LvsRealServer extends Omit<RealServerSpec, 'health' | 'weight'> {
  readonly checkKey: string;
  /** Configured weight (the scheduler's starting weight). */
  readonly weight: number;
}

export interface LvsVirtualServer extends Omit<VirtualServerSpec, 'realServers'> {
  readonly realServers: readonly LvsRealServer[];
  readonly quorumUp?: ScriptSpec;
  readonly quorumDown?: ScriptSpec;
}

export interface LvsSpec {
  readonly checks: SchedulerInput;
  readonly groups: readonly VirtualServerGroupSpec[];
  readonly virtualServers: readonly LvsVirtualServer[];
}

export interface LvsSpecDiagnostic {
  readonly subject: string;
  readonly message: string;
}

export interface LvsSpecResult {
  readonly spec: LvsSpec;
  readonly diagnostics: readonly LvsSpecDiagnostic[];
}

const PROTOCOLS: Record<VirtualServer['protocol'], IpvsProtocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

function method(m: ConfigLvsMethod | undefined): LvsMethod | undefined {
  if (!m) return undefined;
  if (m.lb_kind === 'NAT') return { fwd: 'nat' };
  if (m.lb_kind === 'DR') return { fwd: 'dr' };
  const tunFlags = m.tunnel_csum === 'csum' ? TunFlag.CSUM : m.tunnel_csum === 'remcsum' ? TunFlag.REMCSUM : TunFlag.NOCSUM;
  return {
    fwd: 'tun', tunType: m.tunnel_type ?? 'ipip', tunFlags,
    ...(m.tunnel_port !== undefined ? { tunPort: m.tunnel_port } : {}),
  };
}

/** keepalived's sched_flags keywords -> IP_VS_SVC_F_SCHED1..3 (sh-/mh-fallback = 1, -port = 2). */
function schedFlags(vs: VirtualServer): SchedFlags {
  const has = (...names: string[]): boolean => names.some((n) => vs.sched_flags.includes(n));
  return {
    flag1: has('flag-1', 'sh-fallback', 'mh-fallback'),
    flag2: has('flag-2', 'sh-port', 'mh-port'),
    flag3: has('flag-3'),
    ops: vs.ops,
  };
}

/** persistence_granularity: an IPv4 netmask (dotted or prefix length) as a big-endian u32, or an IPv6 prefix length. */
function granularity(text: string | undefined, family: IpFamily): number | undefined {
  if (text === undefined) return undefined;
  if (/^[0-9]+$/.test(text)) {
    const len = Number(text);
    if (family === 6) return len;
    return len === 0 ? 0 : (0xffffffff << (32 - Math.min(32, len))) >>> 0;
  }
  const a = parseIp(text);
  if (!a || a.family !== 4) return undefined;
  return ((a.bytes[0]! << 24) | (a.bytes[1]! << 16) | (a.bytes[2]! << 8) | a.bytes[3]!) >>> 0;
}

function groups(config: KeepalivedConfig, diags: LvsSpecDiagnostic[]): VirtualServerGroupSpec[] {
  return config.virtual_server_groups.map((g) => {
    const entries: GroupEntry[] = [];
    for (const a of g.addresses) {
      const first = parseIp(a.address);
      const last = parseIp(a.range_end ?? a.address);
      if (!first || !last) {
        diags.push({ subject: `virtual_server_group ${g.name}`, message: `unreadable address ${a.address}` });
        continue;
      }
      const range: AddressRange = { first, last };
      entries.push({ kind: 'range', range, ...(a.port !== undefined ? { port: a.port } : {}) });
    }
    for (const f of g.fwmarks) entries.push({ kind: 'fwmark', fwmark: f.fwmark, ...(f.family !== undefined ? { family: f.family } : {}) });
    return { name: g.name, entries };
  });
}

function target(vs: VirtualServer): VsTarget | undefined {
  if (vs.fwmark !== undefined) return { kind: 'fwmark', fwmark: vs.fwmark };
  if (vs.group !== undefined) return { kind: 'group', group: vs.group };
  const addr = vs.ip === undefined ? undefined : parseIp(vs.ip);
  return addr ? { kind: 'addr', addr, ...(vs.port !== undefined ? { port: vs.port } : {}) } : undefined;
}

export function lvsSpecFromConfig(config: KeepalivedConfig): LvsSpecResult {
  const diagnostics: LvsSpecDiagnostic[] = [];
  const mapped = schedulerInputFromConfig(config);
  for (const d of mapped.diagnostics) diagnostics.push({ subject: d.checker, message: d.message });
  const checkVs = new Map(mapped.input.virtualServers.map((v) => [v.key, v]));
  const virtualServers: LvsVirtualServer[] = [];
  for (const vs of config.virtual_servers) {
    const id = virtualServerKey(vs);
    // Read by -t as keepalived reads it, but not acted upon yet: said, never silently ignored.
    if (vs.ha_suspend) diagnostics.push({ subject: id, message: 'ha_suspend is not supported yet: its checkers run whether or not this director holds the address' });
    const t = target(vs);
    if (!t) {
      diagnostics.push({ subject: id, message: `unreadable virtual server address ${vs.ip ?? '?'}` });
      continue;
    }
    const family: IpFamily = t.kind === 'addr' ? t.addr.family : vs.ip_family ?? vs.family;
    const realServers: LvsRealServer[] = [];
    for (const rs of vs.real_servers) {
      const addr = parseIp(rs.ip);
      if (!addr) {
        diagnostics.push({ subject: realServerKey(vs, rs), message: `unreadable real server address ${rs.ip}` });
        continue;
      }
      const m = method(rs.lvs_method);
      realServers.push({
        checkKey: realServerKey(vs, rs), addr, weight: rs.weight, configuredWeight: rs.weight,
        inhibitOnFailure: rs.inhibit_on_failure, alpha: rs.alpha,
        ...(rs.port !== undefined ? { port: rs.port } : {}),
        ...(m ? { lvsMethod: m } : {}),
        ...(rs.uthreshold !== undefined ? { uThreshold: rs.uthreshold } : {}),
        ...(rs.lthreshold !== undefined ? { lThreshold: rs.lthreshold } : {}),
      });
    }
    let sorryServer: SorryServerSpec | undefined;
    if (vs.sorry_server) {
      const addr = parseIp(vs.sorry_server.ip);
      const sm = method(vs.sorry_server_lvs_method);
      if (addr) {
        sorryServer = {
          addr, inhibit: vs.sorry_server_inhibit,
          ...(vs.sorry_server.port !== undefined ? { port: vs.sorry_server.port } : {}),
          ...(sm ? { lvsMethod: sm } : {}),
        };
      } else diagnostics.push({ subject: id, message: `unreadable sorry_server address ${vs.sorry_server.ip}` });
    }
    const cv = checkVs.get(id);
    const gran = granularity(vs.persistence_granularity, family);
    const vsMethod = method(vs.lvs_method);
    virtualServers.push({
      id, target: t, protocol: PROTOCOLS[vs.protocol], scheduler: vs.lb_algo, schedFlags: schedFlags(vs),
      quorum: vs.quorum, hysteresis: vs.hysteresis, alpha: vs.alpha, omega: vs.omega,
      inhibitOnFailure: vs.inhibit_on_failure, realServers,
      ...(vsMethod ? { lvsMethod: vsMethod } : {}),
      ...(vs.ip_family !== undefined ? { ipFamily: vs.ip_family } : {}),
      ...(vs.persistence_timeout !== undefined ? { persistenceTimeoutS: vs.persistence_timeout } : {}),
      ...(gran !== undefined ? { persistenceGranularity: gran } : {}),
      ...(vs.persistence_engine !== undefined ? { persistenceEngine: vs.persistence_engine } : {}),
      ...(sorryServer ? { sorryServer } : {}),
      ...(cv?.quorumUp ? { quorumUp: cv.quorumUp, quorumUpScript: cv.quorumUp.argv.join(' ') } : {}),
      ...(cv?.quorumDown ? { quorumDown: cv.quorumDown, quorumDownScript: cv.quorumDown.argv.join(' ') } : {}),
    });
  }
  return { spec: { checks: mapped.input, groups: groups(config, diagnostics), virtualServers }, diagnostics };
}
