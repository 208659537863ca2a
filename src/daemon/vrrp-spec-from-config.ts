// The configuration model (src/config: vrrp_instance, vrrp_script, vrrp_sync_group, global_defs)
// -> what the engine runs (VrrpInstanceSpec, DirectorSpec) plus what the OS ports need beyond it
// (VIP options, script argv and users, notify hooks, per-instance checksum knobs, groups).
//
// Theory of operation: a pure function of the model and a few host facts (the interface's
// primary address, user ids). Everything keepalived resolves at start-up is resolved here:
//  - interface: `interface`, else global default_interface;
//  - primary address (advert source and election tie-break): unicast_src_ip, else mcast_src_ip,
//    else the interface's first IPv4 address / its IPv6 link-local (vrrp.c vrrp_complete_instance);
//  - sync-group track_* are added to every member instance (vrrp_sync.c);
//  - track_script/track_file weights: the reference's own weight, else the object's weight
//    (with its `reverse`);
//  - only vrrp_scripts some instance tracks are run ("script X is not used" otherwise);
//  - the v2 PASS password is cut to 8 bytes (the config layer warned already);
//  - virtual_ipaddress_excluded: added and removed with the VIPs, never advertised;
//  - the multicast group: mcast_dst_ip, else vrrp_mcast_group4/6 when not the RFC one.
// Problems that stop an instance from running (no address on the interface, no interface) are
// returned as diagnostics, never thrown.

import { formatIp, parseIp, type IpAddress } from '../base/ip.ts';
import { secondsToUs } from '../base/time.ts';
import type { GlobalDefs } from '../config/model-global.ts';
import type { ScriptCommand } from '../config/model-common.ts';
import type { TrackFile, TrackRef, VirtualIpAddress, VirtualRoute, VrrpInstance, VrrpScript, VrrpSyncGroup } from '../config/model-vrrp.ts';
import type { DirectorSpec } from '../runtime/director.ts';
import {
  DEFAULT_GARP,
  type AuthSpec,
  type TrackScriptSpec,
  type VipSpec,
  type VrrpInstanceSpec,
} from '../vrrp/instance-spec.ts';
import type { ScriptSpec } from '../vrrp/script-scheduler.ts';

/** The part of the whole configuration model this mapping reads. */
export interface VrrpConfigView {
  readonly global_defs: GlobalDefs;
  readonly vrrp_instances: readonly VrrpInstance[];
  readonly vrrp_scripts: readonly VrrpScript[];
  readonly vrrp_sync_groups: readonly VrrpSyncGroup[];
  readonly track_files?: readonly TrackFile[];
}

/** Host facts the mapping needs (the daemon reads them from netlink and /etc/passwd). */
export interface SpecHost {
  /** IPv4: the interface's primary address; IPv6: its link-local address. */
  primaryAddress(ifname: string, family: 4 | 6): IpAddress | undefined;
}

export interface SpecProblem {
  readonly severity: 'error' | 'warning';
  readonly instance?: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
}

export interface DaemonVrrpPlan {
  readonly director: DirectorSpec;
  /** `${dev}/${address}` -> the configured line, for the address port's options. */
  readonly vipLines: ReadonlyMap<string, VirtualIpAddress>;
  readonly scriptCommands: ReadonlyMap<string, ScriptCommand>;
  /** Per instance: virtual_routes, installed while it is MASTER. */
  readonly routes: ReadonlyMap<string, readonly VirtualRoute[]>;
  /** track_file blocks some instance tracks (the daemon watches these files). */
  readonly trackFiles: readonly TrackFile[];
  readonly mcastGroup4: IpAddress;
  readonly mcastGroup6: IpAddress;
  /** use_vmac: the macvlans to create before the instances start (their spec ifname is the VMAC). */
  readonly vmacs: readonly VmacPlan[];
  readonly problems: readonly SpecProblem[];
}

export interface VmacPlan {
  readonly instance: string;
  /** vrrp.<VRID> (global vmac_prefix) or the configured name. */
  readonly name: string;
  /** The configured interface, which the VMAC sits on. */
  readonly base: string;
  readonly mac: Uint8Array;
  readonly family: 4 | 6;
  /** IPv6: the base's link-local, which the VMAC gets as its advert source. */
  readonly linkLocal?: IpAddress;
}

/**
 * The VMAC's MAC: configured (6 octets, or 5 + the VRID as keepalived allows), else the RFC 9568
 * section 7.3 virtual router MAC 00:00:5e:00:01:VRID / 00:00:5e:00:02:VRID.
 */
function vmacMacOf(text: string | undefined, vrid: number, family: 4 | 6): Uint8Array | undefined {
  if (text === undefined) return Uint8Array.of(0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid & 0xff);
  const parts = text.split(':');
  if ((parts.length !== 5 && parts.length !== 6) || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  const bytes = parts.map((p) => Number.parseInt(p, 16));
  if (bytes.length === 5) bytes.push(vrid & 0xff);
  return Uint8Array.from(bytes);
}

export function vipKey(dev: string, addr: IpAddress): string {
  return `${dev}/${formatIp(addr)}`;
}

/** `base`: a VIP on the configured interface goes on the VMAC (ifname) when use_vmac is set. */
function vipOf(line: VirtualIpAddress, ifname: string, base: string = ifname): VipSpec | undefined {
  const addr = parseIp(line.address);
  if (!addr) return undefined;
  const onOwn = line.dev === undefined || line.dev === ifname || line.dev === base;
  return { addr, prefixLen: line.prefix_len, ...(onOwn ? {} : { ifname: line.dev }) };
}

function mergeRefs(own: readonly TrackRef[], group: readonly TrackRef[]): TrackRef[] {
  const out = [...own];
  for (const r of group) if (!out.some((o) => o.name === r.name)) out.push(r);
  return out;
}

function authOf(inst: VrrpInstance): AuthSpec {
  const a = inst.authentication;
  if (!a || inst.version !== 2) return { type: 'none' };
  // keepalived copies at most 8 bytes of the password (vrrp_parser.c vrrp_auth_pass_handler).
  const password = Uint8Array.from(Buffer.from(a.auth_pass, 'latin1').subarray(0, 8));
  return a.auth_type === 'AH' ? { type: 'ah', password } : { type: 'pass', password };
}

export function vrrpPlanFromConfig(cfg: VrrpConfigView, host: SpecHost): DaemonVrrpPlan {
  const g = cfg.global_defs;
  const problems: SpecProblem[] = [];
  const vipLines = new Map<string, VirtualIpAddress>();
  const groupOf = new Map<string, VrrpSyncGroup>();
  for (const sg of cfg.vrrp_sync_groups) for (const m of sg.group) groupOf.set(m, sg);
  const scriptByName = new Map(cfg.vrrp_scripts.map((s) => [s.name, s]));
  const usedScripts = new Set<string>();
  const routes = new Map<string, readonly VirtualRoute[]>();
  const fileByName = new Map((cfg.track_files ?? []).map((f) => [f.name, f]));
  const usedFiles = new Set<string>();
  const instances: VrrpInstanceSpec[] = [];
  const vmacs: VmacPlan[] = [];

  for (const inst of cfg.vrrp_instances) {
    const problem = (message: string, severity: 'error' | 'warning' = 'error'): void => {
      problems.push({ severity, instance: inst.name, message, file: inst.origin.file, line: inst.origin.line });
    };
    const baseIf = inst.interface ?? g.default_interface;
    const family = inst.family;
    // use_vmac: adverts, VIPs and GARPs use the VMAC; the advert source stays the base's address
    // (keepalived vrrp_vmac.c; IPv4 adverts go out with IP_HDRINCL, so the VMAC needs none).
    const vmacName = inst.use_vmac ? (inst.use_vmac.name ?? `${g.vmac_prefix}.${inst.virtual_router_id}`) : undefined;
    const ifname = vmacName ?? baseIf;
    if (inst.virtual_router_id < 1 || inst.virtual_router_id > 255) {
      problem(`(${inst.name}) virtual_router_id missing or invalid - instance not started`);
      continue;
    }
    const srcText = inst.unicast_src_ip ?? inst.mcast_src_ip;
    const primary = srcText !== undefined ? parseIp(srcText) : host.primaryAddress(baseIf, family);
    if (!primary || primary.family !== family) {
      problem(`(${inst.name}) no IPv${family} address to send adverts from on ${baseIf} - instance not started`);
      continue;
    }
    if (vmacName !== undefined) {
      const mac = vmacMacOf(inst.use_vmac?.mac, inst.virtual_router_id, family);
      if (!mac) {
        problem(`(${inst.name}) use_vmac: invalid MAC address '${inst.use_vmac?.mac ?? ''}' - instance not started`);
        continue;
      }
      const ll = family === 6 ? host.primaryAddress(baseIf, 6) : undefined;
      vmacs.push({ instance: inst.name, name: vmacName, base: baseIf, mac, family, ...(ll ? { linkLocal: ll } : {}) });
      if (inst.vmac_xmit_base) problem(`(${inst.name}) vmac_xmit_base is not supported yet - adverts are sent from ${vmacName}`, 'warning');
    }
    const vips: VipSpec[] = [];
    for (const line of inst.virtual_ipaddress) {
      const v = vipOf(line, ifname, baseIf);
      if (!v) continue;
      vips.push(v);
      vipLines.set(vipKey(v.ifname ?? ifname, v.addr), line);
    }
    const excluded: VipSpec[] = [];
    for (const line of inst.virtual_ipaddress_excluded) {
      const v = vipOf(line, ifname, baseIf);
      if (!v) continue;
      excluded.push(v);
      vipLines.set(vipKey(v.ifname ?? ifname, v.addr), line);
    }

    // What this daemon does not do yet: said once at start-up instead of silently ignored.
    if (inst.use_ipvlan) problem(`(${inst.name}) use_ipvlan is not supported yet - ignored`, 'warning');
    if (inst.track_process.length > 0) problem(`(${inst.name}) track_process is not supported yet - ignored`, 'warning');
    if (inst.virtual_rules.length > 0) problem(`(${inst.name}) virtual_rules are not installed yet - ignored`, 'warning');
    if (inst.virtual_routes.length > 0) {
      if (inst.virtual_ipaddress.length + inst.virtual_ipaddress_excluded.length === 0) {
        problem(`(${inst.name}) virtual_routes without any virtual_ipaddress are not installed yet - ignored`, 'warning');
      } else routes.set(inst.name, inst.virtual_routes);
    }
    if (!inst.accept) problem(`(${inst.name}) no_accept / strict mode: traffic to the VIPs is not dropped yet (no nftables rules)`, 'warning');
    for (const [set, what] of [
      [inst.timer_expired_backup !== undefined, 'timer_expired_backup has no effect yet'],
      [inst.unicast_fault_no_peer === true, 'unicast_fault_no_peer has no effect yet: an instance without peers is not put in FAULT'],
      [inst.garp_extra_if !== undefined, 'garp_extra_if has no effect yet: no gratuitous ARPs on other interfaces'],
      [inst.promote_secondaries === true, 'promote_secondaries has no effect yet: set net.ipv4.conf.IF.promote_secondaries yourself'],
      [inst.track_src_ip === true, 'track_src_ip has no effect yet: the source address is read at start'],
      [inst.use_vmac_addr === true, 'use_vmac_addr has no effect yet'],
      [inst.vrf !== undefined, 'vrf has no effect yet: the instance runs in the default VRF'],
      [inst.notify_deleted !== undefined, 'notify_deleted has no effect yet: a deleted instance is reported as stopped'],
      [inst.lvs_sync_daemon_interface !== undefined, 'lvs_sync_daemon_interface has no effect: use global_defs lvs_sync_daemon'],
      [inst.smtp_alert === true, 'smtp_alert has no effect: email alerts are not sent'],
    ] as const) {
      if (set) problem(`(${inst.name}) ${what}`, 'warning');
    }
    const sg = groupOf.get(inst.name);
    const trackIfRefs = mergeRefs(inst.track_interface, sg?.track_interface ?? []);
    const trackScriptRefs = mergeRefs(inst.track_script, sg?.track_script ?? []);
    const trackScripts: TrackScriptSpec[] = [];
    for (const r of trackScriptRefs) {
      const s = scriptByName.get(r.name);
      if (!s) {
        problem(`(${inst.name}) track_script ${r.name} not found - ignoring`, 'warning');
        continue;
      }
      usedScripts.add(r.name);
      const weight = r.weight ?? s.weight;
      const reverse = r.weight !== undefined ? r.reverse : s.weight_reverse;
      trackScripts.push({ name: r.name, weight, reverse });
    }
    const trackFiles = [];
    for (const r of mergeRefs(inst.track_file, sg?.track_file ?? [])) {
      const f = fileByName.get(r.name);
      if (!f) {
        problem(`(${inst.name}) track_file ${r.name} not found - ignoring`, 'warning');
        continue;
      }
      usedFiles.add(r.name);
      trackFiles.push({ name: r.name, weight: r.weight ?? f.weight, reverse: r.weight !== undefined ? r.reverse : f.weight_reverse });
    }

    const strict = inst.strict_mode || g.vrrp_strict;
    const groupText = inst.mcast_dst_ip ?? (family === 4 ? g.vrrp_mcast_group4 : g.vrrp_mcast_group6);
    const parsedGroup = groupText !== undefined ? parseIp(groupText) : undefined;
    const rfcGroup = family === 4 ? '224.0.0.18' : 'ff02::12';
    const group = parsedGroup && parsedGroup.family === family && formatIp(parsedGroup) !== rfcGroup ? parsedGroup : undefined;
    const v4 = family === 4;
    const spec: VrrpInstanceSpec = {
      name: inst.name,
      vrid: inst.virtual_router_id,
      version: inst.version,
      family,
      ifname,
      primaryAddr: primary,
      priority: inst.priority,
      advertIntervalCs: Math.round(inst.advert_int * 100),
      wantMaster: inst.state === 'MASTER',
      nopreempt: inst.nopreempt,
      preemptDelayUs: secondsToUs(inst.preempt_delay),
      downTimerAdverts: inst.down_timer_adverts,
      vips,
      excludedVips: excluded,
      auth: authOf(inst),
      unicastPeers: inst.unicast_peer.map((p) => parseIp(p.address)).filter((a): a is IpAddress => a !== undefined),
      unicastTtl: inst.unicast_ttl ?? 255,
      ...(group ? { mcastGroup: group } : {}),
      notifyPriorityChanges: inst.notify_priority_changes ?? g.vrrp_notify_priority_changes ?? false,
      checkUnicastSrc: inst.check_unicast_src ?? g.vrrp_check_unicast_src ?? false,
      accept: inst.accept,
      strict,
      ownerIgnoreAdverts: inst.owner_ignore_adverts ?? g.vrrp_owner_ignore_adverts ?? false,
      lowerPrioNoAdvert: inst.lower_prio_no_advert,
      higherPrioSendAdvert: inst.higher_prio_send_advert,
      garp: {
        ...DEFAULT_GARP,
        masterDelayUs: secondsToUs(inst.garp_master_delay),
        masterRepeat: inst.garp_master_repeat,
        masterRefreshUs: secondsToUs(inst.garp_master_refresh),
        masterRefreshRepeat: inst.garp_master_refresh_repeat,
        intervalUs: secondsToUs(v4 ? g.vrrp_garp_interval : g.vrrp_gna_interval),
        lowerPrioDelayUs: secondsToUs(inst.garp_lower_prio_delay),
        lowerPrioRepeat: inst.garp_lower_prio_repeat,
        minGarp: g.vrrp_min_garp ?? false,
      },
      trackInterfaces: trackIfRefs.map((r) => ({ ifname: r.name, weight: r.weight ?? 0, reverse: r.reverse })),
      trackScripts,
      trackFiles,
      dontTrackPrimary: inst.dont_track_primary,
      v3ChecksumAsV2: inst.v3_checksum_as_v2 || g.v3_checksum_as_v2,
      oldUnicastChecksum: inst.old_unicast_checksum === true ? 'always' : inst.old_unicast_checksum === 'never' ? 'never' : 'auto',
    };
    instances.push(spec);
  }

  const scripts: ScriptSpec[] = [];
  const scriptCommands = new Map<string, ScriptCommand>();
  for (const name of usedScripts) {
    const s = scriptByName.get(name)!;
    if (!s.script) {
      problems.push({ severity: 'warning', message: `vrrp_script ${name} has no script - it will always succeed`, file: s.origin.file, line: s.origin.line });
    } else {
      scriptCommands.set(name, s.script);
    }
    scripts.push({
      name,
      command: s.script?.command ?? '',
      intervalUs: secondsToUs(s.interval),
      timeoutUs: secondsToUs(s.timeout),
      rise: s.rise,
      fall: s.fall,
      initFail: s.init_fail,
    });
  }

  const started = new Set(instances.map((i) => i.name));
  const syncGroups = cfg.vrrp_sync_groups.map((sg) => ({ name: sg.name, members: sg.group.filter((m) => started.has(m)) }));
  return {
    director: { instances, syncGroups, scripts },
    vipLines,
    scriptCommands,
    routes,
    trackFiles: [...usedFiles].map((n) => fileByName.get(n)!),
    mcastGroup4: parseIp(g.vrrp_mcast_group4) ?? parseIp('224.0.0.18')!,
    mcastGroup6: parseIp(g.vrrp_mcast_group6) ?? parseIp('ff02::12')!,
    vmacs,
    problems,
  };
}
