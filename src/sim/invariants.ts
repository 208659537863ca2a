// The simulator's invariants (DESIGN section 5), checked after every event:
//  1. a running director holds an instance's VIPs if and only if that instance is MASTER (a
//     master may lack a VIP whose add the address port refused: keepalived only logs that);
//  2. the members of a sync group share one state;
//  3. once the network has been stable for the window, among the running, non-faulted instances of
//     one VRID that can hear each other there is exactly one MASTER, and no non-master without
//     `nopreempt` has a higher effective priority than it (a backup only preempts a strictly
//     lower master, RFC 5798 6.4.2; equal priorities are settled by the primary-address tie-break
//     among masters, 6.4.3).

import { formatIp } from '../base/ip.ts';
import type { VrrpInstance } from '../vrrp/instance.ts';
import { vipKey } from './fake-ports.ts';
import type { L2Segment } from './l2-segment.ts';
import type { SimHost } from './sim-host.ts';

export function checkVipsIffMaster(hosts: readonly SimHost[]): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    if (h.status === 'crashed') continue;
    for (const inst of h.director.instances) {
      const master = inst.state === 'MASTER';
      for (const v of inst.allVips) {
        const held = h.addresses.holds(inst.spec.ifname, v);
        // An add the kernel refused (injected netlink error) leaves a master without that VIP.
        if (master && !held && h.addresses.refused.has(vipKey(inst.spec.ifname, v))) continue;
        if (held !== master) {
          out.push(`${h.name}/${inst.name}: state ${inst.state} but VIP ${formatIp(v.addr)} ${master ? 'missing' : 'held'}`);
        }
      }
    }
  }
  return out;
}

export function checkSyncGroups(hosts: readonly SimHost[]): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    if (h.status !== 'running') continue;
    for (const g of h.director.syncGroups) {
      if (g.sharedState() === 'mixed') {
        out.push(`${h.name}/sync group ${g.name}: ${g.members.map((m) => `${m.name}=${m.state}`).join(' ')}`);
      }
    }
  }
  return out;
}

export function checkElection(hosts: readonly SimHost[], segment: L2Segment): string[] {
  const out: string[] = [];
  const live = hosts.filter((h) => h.status === 'running' && h.link.linkUp);
  // Components: same partition (all live links are up).
  const components = new Map<number, SimHost[]>();
  for (const h of live) components.set(h.link.partition, [...(components.get(h.link.partition) ?? []), h]);
  void segment;
  for (const [partition, members] of components) {
    const byVrid = new Map<string, Array<{ host: SimHost; inst: VrrpInstance }>>();
    for (const host of members) {
      for (const inst of host.director.instances) {
        if (inst.state !== 'MASTER' && inst.state !== 'BACKUP') continue;
        const key = `${inst.spec.family}/${inst.spec.vrid}`;
        byVrid.set(key, [...(byVrid.get(key) ?? []), { host, inst }]);
      }
    }
    for (const [vrid, list] of byVrid) {
      const masters = list.filter((x) => x.inst.state === 'MASTER');
      const where = `partition ${partition} vrid ${vrid}`;
      if (masters.length !== 1) {
        out.push(`${where}: ${masters.length} masters among ${list.map((x) => `${x.host.name}=${x.inst.state}@${x.inst.effectivePriority}`).join(' ')}`);
        continue;
      }
      const m = masters[0]!;
      for (const x of list) {
        if (x === m || x.inst.spec.nopreempt) continue;
        if (x.inst.effectivePriority > m.inst.effectivePriority) {
          out.push(`${where}: master ${m.host.name}@${m.inst.effectivePriority} below ${x.host.name}@${x.inst.effectivePriority} (preemptive)`);
        }
      }
    }
  }
  return out;
}
