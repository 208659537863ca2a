// The director: one driver for N VrrpInstances, their sync groups and the vrrp_script scheduler.
//
// Theory of operation: every entry point (a received packet, the timer, an interface change, a
// script completion, start, stop) becomes one step: read the clock once, hand the input to the
// cores, then pump their actions to the ports until none are left, then re-arm exactly ONE timer
// at the earliest deadline any core reported (DESIGN section 4). Port completions arriving while
// a step is running (a fake port may answer synchronously) are queued and run as their own step
// afterwards, so cores never see re-entrant calls.

import type { IpAddress } from '../base/ip.ts';
import type { Instant } from '../base/time.ts';
import type { VrrpAction, VrrpState } from '../vrrp/actions.ts';
import type { VrrpInstanceSpec } from '../vrrp/instance-spec.ts';
import { VrrpInstance } from '../vrrp/instance.ts';
import { checkInstanceSpec } from '../vrrp/instance-spec-check.ts';
import { ScriptScheduler, type ScriptAction, type ScriptSpec } from '../vrrp/script-scheduler.ts';
import { SyncGroup } from '../vrrp/sync-group.ts';
import type { TrackChange } from '../vrrp/tracking.ts';
import type { RxMeta } from '../vrrp/wire/advert.ts';
import type { DirectorPorts } from './ports.ts';

export interface SyncGroupSpec {
  readonly name: string;
  readonly members: readonly string[];
}

export interface DirectorSpec {
  readonly instances: readonly VrrpInstanceSpec[];
  readonly syncGroups: readonly SyncGroupSpec[];
  readonly scripts: readonly ScriptSpec[];
}

/** What the director reports for logs, metrics and the simulator's invariant checks. */
export type DirectorEvent =
  | { readonly kind: 'stateChanged'; readonly at: Instant; readonly instance: string; readonly from: VrrpState; readonly to: VrrpState; readonly cause: string }
  | { readonly kind: 'scriptStatus'; readonly at: Instant; readonly script: string; readonly ok: boolean }
  | { readonly kind: 'decodeError'; readonly at: Instant; readonly reason: string }
  | { readonly kind: 'unknownVrid'; readonly at: Instant; readonly vrid: number }
  | { readonly kind: 'portError'; readonly at: Instant; readonly port: string; readonly error: string }
  | { readonly kind: 'advertIgnored'; readonly at: Instant; readonly instance: string; readonly reason: string; readonly src: IpAddress; readonly priority: number }
  | { readonly kind: 'priorityChanged'; readonly at: Instant; readonly instance: string; readonly from: number; readonly to: number }
  /** An instance spec the engine refuses (see checkInstanceSpec); the instance is not run. */
  | { readonly kind: 'invalidSpec'; readonly at: Instant; readonly instance: string; readonly problems: readonly string[] };

export class Director {
  readonly instances: VrrpInstance[] = [];
  readonly syncGroups: SyncGroup[] = [];
  private scheduler: ScriptScheduler;
  private specNow: DirectorSpec;
  private readonly inbox: Array<(now: Instant) => void> = [];
  private busy = false;
  private running = false;
  /** Last link states and track_file values reported, replayed to instances built by a reload. */
  private readonly knownLinks = new Map<string, boolean>();
  private readonly knownFiles = new Map<string, number>();
  /** Packets the codec refused, per reason (keepalived.stats style). */
  readonly rxErrors = new Map<string, number>();
  /** Test hook: the last deadline handed to the clock. */
  armedAt: Instant | undefined;

  constructor(
    private readonly ports: DirectorPorts,
    spec: DirectorSpec,
    private readonly observe: (e: DirectorEvent) => void = () => {},
  ) {
    this.specNow = spec;
    this.instances.push(...this.build(ports.clock.now(), spec));
    this.groupUp(spec);
    this.scheduler = new ScriptScheduler(spec.scripts);
    ports.link.onReceive((payload, meta) => this.step((now) => this.receive(now, payload, meta)));
  }

  get spec(): DirectorSpec { return this.specNow; }
  get scripts(): ScriptScheduler { return this.scheduler; }

  /** Instances for the valid specs; the others are reported and left out. */
  private build(now: Instant, spec: DirectorSpec): VrrpInstance[] {
    const out: VrrpInstance[] = [];
    for (const s of spec.instances) {
      const problems = checkInstanceSpec(s);
      if (problems.length > 0) this.observe({ kind: 'invalidSpec', at: now, instance: s.name, problems: problems.map((p) => p.message) });
      else out.push(new VrrpInstance(s));
    }
    return out;
  }

  private groupUp(spec: DirectorSpec): void {
    this.syncGroups.length = 0;
    for (const g of spec.syncGroups) {
      const group = new SyncGroup(g.name);
      for (const name of g.members) {
        const member = this.instances.find((i) => i.name === name);
        if (member) group.add(member);
      }
      this.syncGroups.push(group);
    }
  }

  instance(name: string): VrrpInstance | undefined {
    return this.instances.find((i) => i.name === name);
  }

  start(): void {
    this.step((now) => {
      this.running = true;
      // init_fail scripts start failed: tell the instances before they choose their first state.
      for (const name of this.scheduler.names()) {
        if (!this.scheduler.status(name)) this.track(now, { kind: 'script', name, ok: false });
      }
      for (const g of this.syncGroups) g.refreshFaults(now);
      for (const inst of this.instances) inst.start(now);
      this.scheduler.start(now);
    });
  }

  /**
   * Reload as a diff (keepalived SIGHUP): an instance whose name, VRID, interface, family and
   * version are unchanged keeps its state (resumeFrom); a removed one stops as on shutdown
   * (priority 0, VIPs removed); a new one starts in BACKUP. Script statuses survive; the known
   * link, file and script states are replayed to every instance of the new set.
   */
  reload(spec: DirectorSpec): void {
    this.step((now) => {
      const previous = new Map(this.instances.map((i) => [i.name, i]));
      const next = this.build(now, spec);
      const statuses = new Map(this.scheduler.names().map((n) => [n, this.scheduler.status(n)] as const));
      // Prime every new instance with what is known, silently, so that resuming and settling
      // happen once, on the complete picture (no FAULT -> BACKUP -> FAULT flap on reload).
      for (const inst of next) {
        for (const [ifname, up] of this.knownLinks) inst.primeTrack({ kind: 'interface', ifname, up });
        for (const [name, value] of this.knownFiles) inst.primeTrack({ kind: 'file', name, value });
        for (const s of spec.scripts) {
          const ok = statuses.get(s.name) ?? !s.initFail;
          inst.primeTrack({ kind: 'script', name: s.name, ok });
        }
      }
      const resumed = new Set<VrrpInstance>();
      for (const inst of next) {
        const prev = previous.get(inst.name);
        if (!prev || !sameIdentity(prev.spec, inst.spec) || prev.state === 'INIT') continue;
        inst.resumeFrom(now, prev);
        resumed.add(inst);
        previous.delete(inst.name);
      }
      for (const prev of previous.values()) {
        prev.shutdown(now);
        for (let a = prev.pollAction(); a; a = prev.pollAction()) this.carry(now, prev, a);
      }
      this.scheduler.stop();
      for (let a = this.scheduler.pollAction(); a; a = this.scheduler.pollAction()) if (a.kind === 'kill') this.carryScript(now, a);
      this.scheduler = new ScriptScheduler(spec.scripts, statuses, this.scheduler.followingRunId);
      this.specNow = spec;
      this.instances.length = 0;
      this.instances.push(...next);
      this.groupUp(spec);
      for (const g of this.syncGroups) g.refreshFaults(now);
      for (const inst of resumed) inst.settle(now);
      if (!this.running) return;
      for (const inst of next) if (!resumed.has(inst)) inst.start(now);
      this.scheduler.start(now);
    });
  }

  /** Graceful stop: masters send priority 0 and drop their VIPs; scripts are killed. */
  stop(): void {
    this.step((now) => {
      for (const inst of this.instances) inst.shutdown(now);
      this.scheduler.stop();
      this.running = false;
    });
  }

  /** Link state from the OS (netlink RTM_NEWLINK) or the simulator. */
  interfaceChanged(ifname: string, up: boolean): void {
    this.step((now) => {
      this.knownLinks.set(ifname, up);
      this.track(now, { kind: 'interface', ifname, up });
    });
  }

  /** A track_file's new value. */
  fileChanged(name: string, value: number): void {
    this.step((now) => {
      this.knownFiles.set(name, value);
      this.track(now, { kind: 'file', name, value });
    });
  }

  private track(now: Instant, change: TrackChange): void {
    for (const inst of this.instances) inst.handleTrack(now, change);
  }

  private receive(now: Instant, payload: Uint8Array, meta: RxMeta): void {
    if (!this.running) return;
    // The checksum variant is per instance: peek at the VRID (byte 1) to find whose knobs apply.
    const owner = payload.length >= 2 ? this.instances.find((i) => i.spec.vrid === payload[1] && i.spec.family === meta.src.family) : undefined;
    const decoded = this.ports.codec.decode(payload, meta, owner?.spec);
    if (!decoded.ok) {
      this.rxErrors.set(decoded.reason, (this.rxErrors.get(decoded.reason) ?? 0) + 1);
      this.observe({ kind: 'decodeError', at: now, reason: decoded.reason });
      return;
    }
    const a = decoded.advert;
    const ifname = this.ports.link.ifnameOf(meta.ifindex);
    let matched = false;
    for (const inst of this.instances) {
      if (inst.spec.vrid !== a.vrid || inst.spec.family !== a.family) continue;
      if (ifname !== undefined && inst.spec.ifname !== ifname) continue;
      matched = true;
      inst.handleAdvert(now, a, meta);
    }
    if (!matched) this.observe({ kind: 'unknownVrid', at: now, vrid: a.vrid });
  }

  private wake(now: Instant): void {
    for (const inst of this.instances) inst.handleTimeout(now);
    this.scheduler.handleTimeout(now);
  }

  /** Runs one input, pumps actions, re-arms the timer; queues inputs that arrive meanwhile. */
  private step(input: (now: Instant) => void): void {
    this.inbox.push(input);
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.inbox.shift(); next; next = this.inbox.shift()) {
        const now = this.ports.clock.now();
        next(now);
        this.pump(now);
      }
    } finally {
      this.busy = false;
    }
    this.rearm();
  }

  private pump(now: Instant): void {
    for (let progress = true; progress; ) {
      progress = false;
      for (let a = this.scheduler.pollAction(); a; a = this.scheduler.pollAction()) {
        progress = true;
        this.carryScript(now, a);
      }
      for (const inst of this.instances) {
        for (let a = inst.pollAction(); a; a = inst.pollAction()) {
          progress = true;
          this.carry(now, inst, a);
        }
      }
    }
  }

  private carryScript(now: Instant, a: ScriptAction): void {
    switch (a.kind) {
      case 'run': {
        // The scheduler of the moment: after a reload the old one ignores its late results.
        const scheduler = this.scheduler;
        this.ports.scripts.run(a.runId, a.script, (outcome) =>
          this.step((t) => scheduler.handleResult(t, a.runId, outcome)));
        return;
      }
      case 'kill':
        this.ports.scripts.kill(a.runId);
        return;
      case 'status':
        this.observe({ kind: 'scriptStatus', at: now, script: a.name, ok: a.ok });
        this.track(now, { kind: 'script', name: a.name, ok: a.ok });
        return;
    }
  }

  private carry(now: Instant, inst: VrrpInstance, a: VrrpAction): void {
    const report = (port: string) => (r: { ok: true } | { ok: false; error: string }) => {
      if (!r.ok) this.step((t) => this.observe({ kind: 'portError', at: t, port, error: r.error }));
    };
    switch (a.kind) {
      case 'sendAdvert':
        for (const dst of a.destinations) {
          const payload = this.ports.codec.encode(a.advert, a.src, dst, inst.spec);
          this.ports.link.send({ ifname: a.ifname, src: a.src, dst, ttl: a.ttl, payload });
        }
        return;
      case 'addVips':
        this.ports.addresses.add(a.ifname, a.vips, a.accept, report('addresses'));
        return;
      case 'removeVips':
        this.ports.addresses.remove(a.ifname, a.vips, report('addresses'));
        return;
      case 'sendGratuitous':
        this.ports.announcer.announce(a.ifname, a.vips);
        return;
      case 'stateChanged':
        this.observe({ kind: 'stateChanged', at: now, instance: inst.name, from: a.from, to: a.to, cause: a.cause });
        return;
      case 'advertIgnored':
        this.observe({ kind: 'advertIgnored', at: now, instance: inst.name, reason: a.reason, src: a.src, priority: a.priority });
        return;
      case 'priorityChanged':
        this.observe({ kind: 'priorityChanged', at: now, instance: inst.name, from: a.from, to: a.to });
        return;
      case 'notify':
        this.ports.notifier.notify({ instance: a.instance, event: a.event, state: inst.state, priority: a.priority });
        return;
    }
  }

  private nextDeadline(): Instant | undefined {
    let min = this.scheduler.nextDeadline();
    for (const inst of this.instances) {
      const at = inst.nextDeadline();
      if (at !== undefined && (min === undefined || at < min)) min = at;
    }
    return min;
  }

  private rearm(): void {
    const at = this.nextDeadline();
    this.armedAt = at;
    this.ports.clock.wakeAt(at, () => this.step((now) => this.wake(now)));
  }
}

/** What must not change for an instance to keep its state across a reload. */
function sameIdentity(a: VrrpInstanceSpec, b: VrrpInstanceSpec): boolean {
  return a.vrid === b.vrid && a.ifname === b.ifname && a.family === b.family && a.version === b.version;
}
