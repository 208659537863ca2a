// One seeded random failover scenario (DESIGN section 5): 1-5 directors, one or two VRIDs,
// v2/v3, multicast/unicast, priorities with ties and sometimes an owner, nopreempt,
// preempt_delay, `state MASTER`, track scripts (weights or FAULT), sync groups; then a schedule
// of faults: crash and restart, graceful stop and start, link down/up, partitions and heals,
// lossy/duplicating/reordering periods and script flaps. Finally everything is repaired and the
// cluster must settle. The SimCluster checks the invariants after every event; the result lists
// the violations and a log of what was done, so a failing seed can be read and replayed.

import { parseIp } from '../base/ip.ts';
import type { Prng } from '../base/prng.ts';
import type { DirectorSpec } from '../runtime/director.ts';
import { defaultInstanceSpec, type VrrpInstanceSpec } from '../vrrp/instance-spec.ts';
import type { ScriptSpec } from '../vrrp/script-scheduler.ts';
import { SimCluster, type Violation } from './sim-cluster.ts';

export interface RandomScenarioResult {
  readonly seed: number;
  readonly directors: number;
  readonly violations: readonly Violation[];
  readonly log: readonly string[];
  readonly eventsRun: number;
  readonly electionChecks: number;
  readonly virtualUs: number;
  readonly failovers: number;
}

export interface RandomScenarioOptions {
  /** Virtual time of the chaos phase (default 120 s). */
  readonly chaosUs?: number;
}

interface VridPlan { vrid: number; family: 4 | 6; version: 2 | 3; unicast: boolean; pass: boolean; v2IntervalCs: number }

/** Director d's address in a family: 10.0.0.d, or the link-local fe80::d keepalived uses for IPv6. */
export function simHostAddr(d: number, family: 4 | 6) {
  return parseIp(family === 4 ? `10.0.0.${d}` : `fe80::${d}`)!;
}

function buildDirectors(prng: Prng, n: number, log: string[]): DirectorSpec[] {
  const vrids: VridPlan[] = [];
  const vridCount = prng.int(1, 2);
  for (let k = 0; k < vridCount; k++) {
    // RFC 5798: IPv6 is VRRPv3 only.
    const family = prng.chance(0.2) ? 6 : 4;
    vrids.push({ vrid: 50 + k, family, version: family === 6 || prng.chance(0.5) ? 3 : 2, unicast: prng.chance(0.3), pass: prng.chance(0.3), v2IntervalCs: prng.pick([100, 100, 200]) });
  }
  const sync = vridCount === 2 && prng.chance(0.4);
  const ownerAt = prng.chance(0.15) ? prng.int(1, n) : -1;
  const specs: DirectorSpec[] = [];
  for (let d = 1; d <= n; d++) {
    const hasScript = prng.chance(0.4);
    const scriptWeight = sync ? 0 : prng.pick([-60, -30, 0, 30]);
    const scripts: ScriptSpec[] = hasScript
      ? [{ name: 'chk', command: 'chk', intervalUs: prng.pick([500_000, 1_000_000, 2_000_000]), timeoutUs: 1_000_000, rise: prng.int(1, 3), fall: prng.int(1, 3), initFail: prng.chance(0.2) }]
      : [];
    const basePriority = prng.pick([50, 100, 100, 150, 200, 254]);
    const trackEth1 = prng.chance(0.3);
    const eth1Weight = sync ? 0 : prng.pick([-50, 0, 25]);
    // A sync group's members share nopreempt (mixed settings would hold the group hostage).
    const groupNopreempt = prng.chance(0.15);
    const instances: VrrpInstanceSpec[] = vrids.map((v) => {
      const priority = d === ownerAt ? 255 : sync ? basePriority : prng.pick([50, 100, 100, 150, 200, 254]);
      const nopreempt = priority !== 255 && (sync ? groupNopreempt : prng.chance(0.15));
      return defaultInstanceSpec({
        name: `VI_${v.vrid}`,
        vrid: v.vrid,
        version: v.version,
        primaryAddr: simHostAddr(d, v.family),
        priority,
        advertIntervalCs: v.version === 2 ? v.v2IntervalCs : prng.pick([10, 20, 50, 100]),
        wantMaster: !nopreempt && prng.chance(0.2),
        nopreempt,
        preemptDelayUs: !nopreempt && prng.chance(0.15) ? prng.int(1, 30) * 100_000 : 0,
        vips: [{ addr: parseIp(v.family === 4 ? `10.0.1.${v.vrid}` : `2001:db8::${v.vrid}`)!, prefixLen: v.family === 4 ? 24 : 64 }],
        auth: v.version === 2 && v.pass ? { type: 'pass', password: new TextEncoder().encode('secret') } : { type: 'none' },
        unicastPeers: v.unicast ? Array.from({ length: n }, (_, i) => simHostAddr(i + 1, v.family)).filter((_, i) => i + 1 !== d) : [],
        checkUnicastSrc: v.unicast,
        trackScripts: hasScript ? [{ name: 'chk', weight: scriptWeight, reverse: false }] : [],
        trackInterfaces: trackEth1 ? [{ ifname: 'eth1', weight: eth1Weight, reverse: false }] : [],
        garp: { masterDelayUs: 5_000_000, masterRepeat: 5, masterRefreshUs: prng.chance(0.3) ? 10_000_000 : 0, masterRefreshRepeat: 1, intervalUs: prng.chance(0.3) ? 10_000 : 0, lowerPrioDelayUs: 5_000_000, lowerPrioRepeat: 5, minGarp: false },
      });
    });
    specs.push({ instances, syncGroups: sync ? [{ name: 'G', members: instances.map((i) => i.name) }] : [], scripts });
    log.push(`d${d}: ${instances.map((i) => `${i.name} v${i.version} p${i.priority} int${i.advertIntervalCs}cs${i.nopreempt ? ' nopreempt' : ''}${i.preemptDelayUs ? ` pdelay${i.preemptDelayUs / 1000}ms` : ''}${i.wantMaster ? ' MASTER' : ''}${i.unicastPeers.length ? ' unicast' : ''}${i.family === 6 ? ' ipv6' : ''}`).join(', ')}${scripts[0] ? ` script(w${scriptWeight} rise${scripts[0].rise} fall${scripts[0].fall}${scripts[0].initFail ? ' init_fail' : ''})` : ''}${trackEth1 ? ` eth1(w${eth1Weight})` : ''}${sync ? ' sync' : ''}`);
  }
  return specs;
}

export function runRandomScenario(seed: number, options: RandomScenarioOptions = {}): RandomScenarioResult {
  const c = new SimCluster(seed);
  const prng = c.world.prng;
  const log: string[] = [];
  const n = prng.int(1, 5);
  const specs = buildDirectors(prng, n, log);
  specs.forEach((spec, i) => c.addHost({ name: `d${i + 1}`, addr: simHostAddr(i + 1, 4), moreAddrs: [simHostAddr(i + 1, 6)], spec }));
  for (const h of c.hosts) {
    const at = prng.int(0, 3_000_000);
    c.world.schedule(at, `start ${h.name}`, () => h.start());
  }
  const note = (what: string) => log.push(`${(c.world.now / 1e6).toFixed(6)}s ${what}`);
  const chaosUs = options.chaosUs ?? 120_000_000;
  let t = 0;
  while (t < chaosUs) {
    t += prng.int(200_000, prng.chance(0.2) ? 40_000_000 : 8_000_000);
    if (t >= chaosUs) break;
    const h = prng.pick(c.hosts);
    const kind = prng.int(0, 12);
    c.world.schedule(t, 'fault', () => {
      switch (kind) {
        case 0: if (h.status === 'running') { note(`crash ${h.name}`); c.crash(h.name); } else { note(`restart ${h.name}`); c.restart(h.name); } break;
        case 1: if (h.status === 'running') { note(`stop ${h.name}`); c.stop(h.name); } else { note(`restart ${h.name}`); c.restart(h.name); } break;
        case 2: note(`link ${h.name} ${h.link.linkUp ? 'down' : 'up'}`); c.setLink(h.name, !h.link.linkUp); break;
        case 3: {
          const side = c.hosts.filter(() => prng.chance(0.5)).map((x) => x.name);
          note(`partition [${side.join(',')}]`); c.partition([side]);
          break;
        }
        case 4: note('heal'); c.heal(); break;
        case 5: {
          const f = { loss: prng.int(5, 50) / 100, duplication: prng.int(0, 20) / 100, delayUs: 50, jitterUs: prng.int(0, 20_000) };
          note(`network ${JSON.stringify(f)}`); c.setFaults(f);
          break;
        }
        case 6: note('network clean'); c.setFaults({}); break;
        case 7: case 8: {
          if (prng.chance(0.25)) {
            const hang = !h.scriptHanging.has('chk');
            note(`script ${h.name} ${hang ? 'hangs' : 'stops hanging'}`); h.setScriptHanging('chk', hang);
            break;
          }
          const healthy = !(h.scriptHealth.get('chk') ?? true);
          note(`script ${h.name} ${healthy ? 'ok' : 'failing'}`); h.setScriptHealthy('chk', healthy);
          break;
        }
        case 9: note(`jitter only`); c.setFaults({ duplication: 0.2, jitterUs: 5_000 }); break;
        case 12:
          note(`netlink refuses the next address change on ${h.name}`);
          h.addresses.failNext = 1;
          break;
        case 11: {
          if (prng.chance(0.5)) {
            note(`reload ${h.name} (same configuration)`);
            h.reload({ ...h.spec }, false);
          } else {
            // A new base priority for every instance (sync-group members stay equal).
            const priority = prng.pick([50, 100, 150, 200, 254]);
            note(`reload ${h.name} priority ${priority}`);
            h.reload({ ...h.spec, instances: h.spec.instances.map((i) => ({ ...i, priority: i.priority === 255 ? 255 : priority })) });
          }
          break;
        }
        case 10: {
          const up = !(h.otherLinks.get('eth1') ?? true);
          note(`eth1 ${h.name} ${up ? 'up' : 'down'}`); h.setInterface('eth1', up);
          break;
        }
      }
    });
  }
  // Repair everything, then let the cluster settle for a full stability window (and a bit).
  c.world.schedule(chaosUs + 1, 'repair', () => {
    note('repair all');
    c.setFaults({});
    c.heal();
    for (const h of c.hosts) {
      c.setLink(h.name, true);
      if (h.otherLinks.get('eth1') === false) h.setInterface('eth1', true);
      if (h.scriptHealth.get('chk') === false) h.setScriptHealthy('chk', true);
      h.setScriptHanging('chk', false);
      if (h.status !== 'running') c.restart(h.name);
    }
  });
  c.world.runUntil(chaosUs + 1);
  // Settle: run until two seconds past a full stability window after the LAST disturbance
  // (repairs can still trigger script status changes, e.g. rise counting after a restart).
  for (let round = 0; round < 10; round++) {
    const seen = c.lastDisturbance;
    c.world.runUntil(seen + c.stableWindowUs() + 2_000_000);
    if (c.lastDisturbance === seen) break;
  }
  let failovers = 0;
  for (const h of c.hosts) failovers += h.events.filter((e) => e.kind === 'stateChanged' && e.to === 'MASTER').length;
  return {
    seed, directors: n, violations: c.violations, log, eventsRun: c.world.eventsRun,
    electionChecks: c.electionChecks, virtualUs: c.world.now, failovers,
  };
}
