// A simulated LAN of directors: one SimWorld, one L2Segment, N SimHosts, and the invariant
// checks run after every event (plus: no state change at all while stable). "Stable" means: no crash, restart, stop, link change, partition
// change, tracker status change or lossy network for the stability window, which is long enough
// for any election to settle (three master-down intervals at the lowest priority and longest
// interval, plus the longest preempt_delay, plus a second of slack).

import type { Instant } from '../base/time.ts';
import { advertIntervalUs, masterDownUs } from '../vrrp/timing.ts';
import { checkElection, checkSyncGroups, checkVipsIffMaster } from './invariants.ts';
import { CLEAN, L2Segment, type SegmentFaults } from './l2-segment.ts';
import { SimHost, type SimHostOptions } from './sim-host.ts';
import { SimWorld } from './sim-world.ts';

export interface Violation {
  readonly at: Instant;
  readonly after: string;
  readonly message: string;
}

export class SimCluster {
  readonly world: SimWorld;
  readonly segment: L2Segment;
  readonly hosts: SimHost[] = [];
  readonly violations: Violation[] = [];
  lastDisturbance: Instant = 0;
  checksRun = 0;
  private readonly masterSince = new Map<string, Instant>();
  /** When each instance last left MASTER (a second master makes v3 backups adopt its interval). */
  private readonly masterUntil = new Map<string, Instant>();
  electionChecks = 0;

  constructor(seed: number, readonly checkInvariants = true) {
    this.world = new SimWorld(seed);
    this.segment = new L2Segment(this.world);
    this.world.afterEvent = (e) => { if (this.checkInvariants) this.check(e.label); };
  }

  addHost(options: SimHostOptions): SimHost {
    const h = new SimHost(this.world, this.segment, options);
    h.onEvent = (e) => {
      if (e.kind === 'scriptStatus') this.disturb();
      // Once settled, nothing may change state by itself: no flapping, and a nopreempt or
      // lower-priority backup never takes over a live master.
      if (e.kind !== 'stateChanged') return;
      const key = `${h.name}/${e.instance}`;
      if (e.to === 'MASTER') this.masterSince.set(key, this.world.now);
      else this.masterSince.delete(key);
      if (e.from === 'MASTER') this.masterUntil.set(key, this.world.now);
      if (!this.checkInvariants) return;
      if (this.isStable()) {
        this.record(`${h.name}: ${e.instance} ${e.from} -> ${e.to} while stable (${e.cause})`, 'stateChanged');
      } else if (e.to === 'MASTER' && e.from === 'BACKUP') {
        this.checkNopreempt(h, e.instance);
      }
    };
    h.onDisturb = () => this.disturb();
    this.hosts.push(h);
    return h;
  }

  /**
   * A backup whose down timer fires while a settled master reaches it over a clean network has
   * taken over a live master. nopreempt forbids that always (RFC 5798 6.4.2 "Preempt_Mode");
   * preempt_delay forbids it until the delay has run from start-up (keepalived preempt_time):
   * checked when the master was there before this director started and nothing changed since.
   */
  private checkNopreempt(h: SimHost, name: string): void {
    const inst = h.director.instance(name);
    if (!inst || this.segment.faults.loss > 0) return;
    const { vrid, family, nopreempt, preemptDelayUs } = inst.spec;
    let cutoff: Instant;
    if (nopreempt) {
      let maxInterval = 0;
      for (const x of this.hosts) for (const s of x.spec.instances) if (s.vrid === vrid && s.family === family) maxInterval = Math.max(maxInterval, advertIntervalUs(s.advertIntervalCs));
      cutoff = this.world.now - (masterDownUs(inst.spec.version, 1, maxInterval, inst.spec.downTimerAdverts) + 200_000);
      if (this.lastDisturbance > cutoff) return;
    } else if (preemptDelayUs > 0 && this.world.now < h.startedAt + preemptDelayUs && this.lastDisturbance <= h.startedAt) {
      cutoff = h.startedAt;
    } else {
      return;
    }
    // Only with one master throughout: two masters at once legitimately confuse a v3 backup
    // (it adopts whichever interval it heard last).
    let masters = 0;
    for (const o of this.hosts) {
      for (const m of o.director.instances) {
        if (m.spec.vrid !== vrid || m.spec.family !== family || (o === h && m.name === name)) continue;
        if (m.state === 'MASTER' && o.status === 'running') masters++;
        if ((this.masterUntil.get(`${o.name}/${m.name}`) ?? -1) > cutoff) return;
      }
    }
    if (masters !== 1) return;
    for (const o of this.hosts) {
      if (o === h || o.status !== 'running' || !this.segment.connected(o.link, h.link)) continue;
      for (const m of o.director.instances) {
        if (m.spec.vrid !== vrid || m.spec.family !== family || m.state !== 'MASTER') continue;
        const since = this.masterSince.get(`${o.name}/${m.name}`);
        // It must have heard that master at least once (one of its intervals plus the network's
        // worst delay): before that, timing out is the normal start-up race.
        const heard = this.world.now - h.startedAt >= advertIntervalUs(m.spec.advertIntervalCs) + this.segment.faults.delayUs + this.segment.faults.jitterUs + 1_000;
        if (since !== undefined && since <= cutoff && heard) {
          this.record(`${h.name}: ${nopreempt ? 'nopreempt' : 'preempt_delay'} ${name} took over from live master ${o.name} (master since ${(since / 1e6).toFixed(6)}s)`, 'stateChanged');
        }
      }
    }
  }

  host(name: string): SimHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  disturb(): void {
    this.lastDisturbance = this.world.now;
  }

  setFaults(f: Partial<SegmentFaults>): void {
    this.segment.faults = { ...CLEAN, ...f };
    this.disturb();
  }

  /** Each inner list is one side of the cut; hosts not named stay in partition 0. */
  partition(sides: readonly (readonly string[])[]): void {
    for (const h of this.hosts) h.link.partition = 0;
    sides.forEach((side, i) => { for (const n of side) this.host(n).link.partition = i + 1; });
    this.disturb();
  }

  heal(): void {
    for (const h of this.hosts) h.link.partition = 0;
    this.disturb();
  }

  /** Wrappers that also mark the disturbance. */
  crash(name: string): void { this.host(name).crash(); this.disturb(); }
  restart(name: string): void { this.host(name).restart(); this.disturb(); }
  stop(name: string): void { this.host(name).stop(); this.disturb(); }
  setLink(name: string, up: boolean): void { this.host(name).setLink(up); this.disturb(); }

  private windowCache: { specs: unknown[]; us: number } | undefined;

  stableWindowUs(): number {
    const specs = this.hosts.map((h) => h.spec);
    const cached = this.windowCache;
    if (cached && cached.specs.length === specs.length && cached.specs.every((s, i) => s === specs[i])) return cached.us;
    let maxDown = 0;
    let maxDelay = 0;
    let maxInterval = 0;
    for (const h of this.hosts) for (const s of h.spec.instances) maxInterval = Math.max(maxInterval, advertIntervalUs(s.advertIntervalCs));
    for (const h of this.hosts) {
      for (const s of h.spec.instances) {
        maxDown = Math.max(maxDown, masterDownUs(s.version, 1, maxInterval, s.downTimerAdverts));
        maxDelay = Math.max(maxDelay, s.preemptDelayUs);
      }
    }
    const us = 3 * maxDown + maxDelay + 1_000_000;
    this.windowCache = { specs, us };
    return us;
  }

  isStable(): boolean {
    return this.segment.faults.loss === 0 && this.world.now - this.lastDisturbance >= this.stableWindowUs();
  }

  check(after: string): void {
    this.checksRun++;
    const found = [...checkVipsIffMaster(this.hosts), ...checkSyncGroups(this.hosts)];
    if (this.isStable()) {
      this.electionChecks++;
      found.push(...checkElection(this.hosts, this.segment));
    }
    for (const message of found) this.record(message, after);
  }

  private record(message: string, after: string): void {
    if (this.violations.length < 20) this.violations.push({ at: this.world.now, after, message });
  }
}
