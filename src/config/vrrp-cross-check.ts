// Checks across VRRP blocks, once every block is complete: names that track_* lists and sync
// groups refer to, interfaces on this host (only when HostFacts are given), and the same VRID
// twice on one interface and family (the two instances would fight over one virtual MAC
// 00-00-5E-00-01-{VRID}, RFC 5798 section 7.3; keepalived 2.2.7 reports it too: "A and B both
// use VRID 52 with IPv4 on interface eth0").
import type { SourcePosition } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import { didYouMean } from './did-you-mean.ts';
import type { TrackRef, VirtualIpAddress, VrrpInstance, VrrpSyncGroup } from './model-vrrp.ts';

const at = (o: { file: string; line: number }): SourcePosition => ({ file: o.file, line: o.line, col: 1 });

export interface TrackNames {
  readonly scripts: ReadonlySet<string>;
  readonly files: ReadonlySet<string>;
  readonly processes: ReadonlySet<string>;
}

/** Drops references to undefined objects, with a diagnostic (keepalived: "track script X not found, ignoring"). */
function filterRefs(ctx: ConfigContext, owner: string, kind: string, refs: readonly TrackRef[], names: ReadonlySet<string>, blockKw: string): TrackRef[] {
  return refs.filter((r) => {
    if (names.has(r.name)) return true;
    const s = didYouMean(r.name, names);
    ctx.error('unknown-reference', at(r.origin), `(${owner}) ${kind} '${r.name}' is not defined by any ${blockKw} block - ignored`,
      s ? `did you mean '${s}'?` : `define it with ${blockKw} ${r.name} { ... }`);
    return false;
  });
}

export interface VrrpCheckResult {
  readonly instances: VrrpInstance[];
  readonly groups: VrrpSyncGroup[];
  /** Instances keepalived would run: their interface exists (or host facts are absent). */
  readonly running: ReadonlySet<string>;
}

export function checkVrrpReferences(ctx: ConfigContext, insts: VrrpInstance[], groups: VrrpSyncGroup[], names: TrackNames, dynamicInterfaces: boolean): VrrpCheckResult {
  const fix = <T extends { name: string; track_script: readonly TrackRef[]; track_file: readonly TrackRef[]; track_process: readonly TrackRef[]; track_interface: readonly TrackRef[] }>(o: T): T => {
    const out = {
      ...o,
      track_script: filterRefs(ctx, o.name, 'track_script', o.track_script, names.scripts, 'vrrp_script'),
      track_file: filterRefs(ctx, o.name, 'track_file', o.track_file, names.files, 'track_file'),
      track_process: filterRefs(ctx, o.name, 'track_process', o.track_process, names.processes, 'vrrp_track_process'),
    };
    if (ctx.host) {
      out.track_interface = o.track_interface.filter((r) => {
        if (ctx.host!.interfaceExists(r.name)) return true;
        // With dynamic_interfaces keepalived waits for the interface to appear.
        if (dynamicInterfaces) return true;
        ctx.error('no-such-interface', at(r.origin), `(${o.name}) track_interface ${r.name} does not exist on this host - ignored`);
        return false;
      });
    }
    return out;
  };
  const instances = insts.map(fix);

  // Host: the instance's own interface (keepalived: "WARNING - interface X for vrrp_instance Y
  // doesn't exist", then "Non-existent interface specified in configuration", and the instance
  // does not run) - unless dynamic_interfaces, where keepalived waits for it (a warning).
  const running = new Set<string>();
  for (const i of instances) {
    if (i.interface === undefined || i.interface === 'lo') continue;
    if (!ctx.host || ctx.host.interfaceExists(i.interface)) { running.add(i.name); continue; }
    if (dynamicInterfaces) {
      ctx.warn('no-such-interface', at(i.origin), `(${i.name}) interface ${i.interface} does not exist yet (dynamic_interfaces: waiting for it)`);
      running.add(i.name);
    } else {
      ctx.error('no-such-interface', at(i.origin), `(${i.name}) interface ${i.interface} does not exist on this host`);
    }
  }

  // Same VRID twice on one interface and family: keepalived starts both and they collide.
  // Unicast instances are told apart by their peers, so only multicast ones are compared.
  const byKey = new Map<string, VrrpInstance>();
  for (const i of instances) {
    if (i.interface === undefined || i.unicast_peer.length > 0) continue;
    const key = `${i.interface}/${i.family}/${i.virtual_router_id}`;
    const other = byKey.get(key);
    if (other) {
      ctx.error('duplicate-vrid', at(i.origin),
        `(${i.name}) virtual_router_id ${i.virtual_router_id} is already used on ${i.interface} (IPv${i.family}) by ${other.name} (${other.origin.file}:${other.origin.line})`,
        'each VRRP instance on one interface and address family needs its own virtual_router_id');
    } else byKey.set(key, i);
  }

  // keepalived: "(vrrp3) VRRP instance vrrp2 is already using vrrp.1 - ignoring name".
  const vmacNames = new Map<string, string>();
  for (const i of instances) {
    const vn = i.use_vmac?.name;
    if (vn === undefined) continue;
    const other = vmacNames.get(vn);
    if (other !== undefined) {
      ctx.warn('value-fixed', at(i.origin), `(${i.name}) VRRP instance ${other} is already using ${vn} - name ignored`);
      const { name: _n, ...rest } = i.use_vmac!;
      (i as { use_vmac?: typeof rest }).use_vmac = rest;
    } else vmacNames.set(vn, i.name);
  }

  // Instances with the same name: keepalived refuses the second.
  const instNames = new Set<string>();
  const uniqueInstances = instances.filter((i) => {
    if (!instNames.has(i.name)) { instNames.add(i.name); return true; }
    ctx.error('duplicate', at(i.origin), `vrrp_instance ${i.name} is defined twice - the second is ignored`);
    return false;
  });

  const byName = new Map(uniqueInstances.map((i) => [i.name, i]));
  const member = new Map<string, string>();
  const outGroups: VrrpSyncGroup[] = [];
  for (const g0 of groups) {
    const g = fix(g0);
    const members: string[] = [];
    for (const m of g.group) {
      if (!instNames.has(m)) {
        const s = didYouMean(m, instNames);
        ctx.error('unknown-reference', at(g.origin), `vrrp_sync_group ${g.name}: virtual router ${m} doesn't exist - ignored`, s ? `did you mean '${s}'?` : undefined);
        continue;
      }
      const prev = member.get(m);
      if (prev !== undefined) {
        ctx.error('duplicate', at(g.origin), `vrrp_sync_group ${g.name}: ${m} is already in sync group ${prev} - ignored`);
        continue;
      }
      member.set(m, g.name);
      members.push(m);
    }
    if (members.length === 0) {
      ctx.error('missing-value', at(g.origin), `vrrp_sync_group ${g.name} has no valid member - ignored`);
      continue;
    }
    if (members.length === 1) {
      ctx.warn('single-member-group', at(g.origin), `vrrp_sync_group ${g.name} has only one member - this probably isn't what you want`);
    }
    if (!g.sync_group_tracking_weight) {
      for (const m of members) {
        const i = byName.get(m)!;
        for (const r of [...i.track_script, ...i.track_interface, ...i.track_file, ...i.track_process]) {
          if (r.weight !== undefined && r.weight !== 0) {
            ctx.warn('sync-group-weight', at(r.origin),
              `(${m}) is in sync group ${g.name}: tracker ${r.name} weight ${r.weight} is ignored (treated as 0)`,
              'set sync_group_tracking_weight in the group to keep weights');
          }
        }
      }
    }
    outGroups.push({ ...g, group: members });
  }
  return { instances: uniqueInstances, groups: outGroups, running };
}

/**
 * Host check of the devices addresses are put on (keepalived: "WARNING - interface wlan0 for ip
 * address 192.168.10.10/32 doesn't exist", a config error), unless dynamic_interfaces.
 */
export function checkAddressDevices(ctx: ConfigContext, owners: readonly { name: string; addrs: readonly VirtualIpAddress[] }[], dynamicInterfaces: boolean): void {
  const host = ctx.host;
  if (!host) return;
  for (const o of owners) {
    for (const a of o.addrs) {
      if (a.dev === undefined || host.interfaceExists(a.dev)) continue;
      const msg = `${o.name}: interface ${a.dev} for address ${a.address}/${a.prefix_len} does not exist on this host`;
      if (dynamicInterfaces) ctx.warn('no-such-interface', at(a.origin), `${msg} (dynamic_interfaces: waiting for it)`);
      else ctx.error('no-such-interface', at(a.origin), msg);
    }
  }
}
