// LvsDirector: the LVS half's driver. Health checks in, IPVS table out.
//
// Theory of operation. Two sans-IO cores: the CheckerScheduler (src/check) decides when to probe
// and what the verdicts mean; IpvsSync (src/ipvs) keeps the kernel's IPVS table equal to a
// desired one. Between them sits desiredTable() (src/ipvs/desired-table.ts), a pure function of
// the configured virtual servers, every real server's health and weight, and the quorum memory
// it returned last time: it applies quorum/hysteresis, sorry_server, inhibit_on_failure and
// alpha/omega exactly as keepalived's ipwrapper.c does.
//
// Every entry point (the timer, a probe's completion, a netlink datagram, a receive overrun, a
// modprobe's exit, start, stop) is one step: read the clock once, give the input to a core, then
// pump: run the scheduler's actions (StartProbe/CancelProbe to the ProbeRunner, rs notifies to
// the notifier, HealthChanged/WeightChanged into the health map), and if any health or weight
// changed, compute the desired table NOW and hand it to IpvsSync, so a real server that goes
// down is out of the very next plan; then run IpvsSync's actions (sends to the netlink port,
// modprobe). Finally ONE timer is armed at the earliest deadline of both cores (DESIGN 3.6, 4).
// Completions that arrive while a step runs (a fake port may answer synchronously) are queued
// and run as their own steps, so no core is ever re-entered.
//
// Quorum is decided once, by desiredTable (the checker scheduler also tracks quorum, but without
// keepalived's start-up rules: quorum capped at the total weight, "Starting with quorum down"
// only with a sorry server); the scheduler's quorum notifies are therefore dropped here and the
// quorum_up/quorum_down scripts follow desiredTable's transitions.
//
// Stop: the scheduler shuts down (probes cancelled, omega rs_down notifies), desiredTable runs
// once with `stopping` (omega quorum_down), and unless the IPVS topology is to be kept
// (keepalived -I, --dont-release-ipvs) IpvsSync is given an empty table with every service we
// ever claimed still owned: it deletes exactly ours and nothing else. `stop(done)` calls back
// when the kernel has acknowledged (or IPVS is unavailable).
// lvs_flush / lvs_flush_on_stop are expressed as ownership: every service the kernel holds is
// claimed (after the first dump / at stop), so the planner removes what is not desired.
// lvs_timeouts: one SET_CONFIG once the family is known, answered outside IpvsSync.
// An unavailable IPVS (no family even after modprobe) is retried every `unavailableRetryUs`.

import type { Prng } from '../base/prng.ts';
import { US_PER_S, type DurationUs, type Instant } from '../base/time.ts';
import { CheckerScheduler } from '../check/checker-scheduler.ts';
import type { CheckAction } from '../check/checker-spec.ts';
import { desiredTable, type DesiredDiagnostic, type Health, type VirtualServerSpec, type VsQuorumState } from '../ipvs/desired-table.ts';
import { ipvsWire } from '../ipvs/ipvs-wire.ts';
import type { IpvsTimeouts } from '../ipvs/ipvs-messages.ts';
import { IpvsSync, type IpvsSyncAction, type IpvsSyncOptions, type IpvsWire, type WireMessage } from '../ipvs/ipvs-sync.ts';
import type { IpvsTable, ServiceEntry } from '../ipvs/model.ts';
import type { LvsSpec, LvsVirtualServer } from './lvs-spec-from-config.ts';
import type { LvsEvent, LvsPorts } from './lvs-ports.ts';

export interface LvsDirectorOptions {
  /** Seeds the checkers' warmup spread. */
  readonly prng: Prng;
  /** The bytes side; the real codec by default (tests may inject a fake kernel). */
  readonly wire?: IpvsWire;
  readonly sync?: IpvsSyncOptions;
  /** false = keepalived -I (--dont-release-ipvs): leave the table in place on stop. */
  readonly releaseOnStop?: boolean;
  /** lvs_flush: at start-up every service in the kernel is ours to remove (keepalived flushes the table). */
  readonly flushAtStart?: boolean;
  /** lvs_flush_on_stop (without VS): on stop every service in the kernel goes, not only ours. */
  readonly flushOnStop?: boolean;
  /** lvs_timeouts, set once the IPVS family is known (0 = leave unchanged). */
  readonly timeouts?: IpvsTimeouts;
  readonly unavailableRetryUs?: DurationUs;
}

export type { IpvsPort, LvsEvent, LvsNotifier, LvsNotifyEvent, LvsPorts } from './lvs-ports.ts';

/** The sequence number of our one request outside IpvsSync's (which counts up from 1). */
const TIMEOUTS_SEQ = 0xfffffff0;

interface RsState { health: Health; weight: number; readonly vs: string }

export class LvsDirector {
  readonly scheduler: CheckerScheduler;
  readonly sync: IpvsSync;
  private readonly inbox: Array<(now: Instant) => void> = [];
  private busy = false;
  private readonly rs = new Map<string, RsState>();
  private readonly quorumState = new Map<string, VsQuorumState>();
  private desired: IpvsTable = new Map();
  /** Each virtual server's share of the desired table, recomputed only when one of its servers changed. */
  private readonly vsTables = new Map<string, ReadonlyMap<string, ServiceEntry>>();
  private vsById: ReadonlyMap<string, LvsVirtualServer>;
  private specNow: LvsSpec;
  private readonly wire: IpvsWire;
  private readonly timeouts: IpvsTimeouts | undefined;
  private readonly owned = new Set<string>();
  private readonly dirtyVs = new Set<string>();
  private sharedServiceKeys = false;
  private dirty = false;
  private started = false;
  private stopping: { done: () => void } | undefined;
  private stopped = false;
  private retryAt: Instant | undefined;
  private readonly releaseOnStop: boolean;
  private readonly flushOnStop: boolean;
  private flushPending: boolean;
  private readonly unavailableRetryUs: DurationUs;
  /** Test hook: the last deadline handed to the clock. */
  armedAt: Instant | undefined;
  /** The deadline of the wake the clock holds now (undefined once it fired or none is set). */
  private pendingAt: Instant | undefined;

  constructor(
    private readonly ports: LvsPorts,
    spec: LvsSpec,
    opts: LvsDirectorOptions,
    private readonly observe: (e: LvsEvent) => void = () => {},
  ) {
    this.specNow = spec;
    this.scheduler = new CheckerScheduler(spec.checks, opts.prng);
    this.wire = opts.wire ?? ipvsWire;
    this.sync = new IpvsSync(this.wire, opts.sync);
    this.timeouts = opts.timeouts;
    this.releaseOnStop = opts.releaseOnStop ?? true;
    this.flushOnStop = opts.flushOnStop ?? false;
    this.flushPending = opts.flushAtStart ?? false;
    this.unavailableRetryUs = opts.unavailableRetryUs ?? 30 * US_PER_S;
    for (const vs of spec.virtualServers) {
      for (const r of vs.realServers) this.rs.set(r.checkKey, { health: 'unknown', weight: r.weight, vs: vs.id });
    }
    this.vsById = new Map(spec.virtualServers.map((v) => [v.id, v]));
    ports.ipvs.onMessages((msgs) => this.step((now) => {
      for (const m of msgs) {
        if (m.seq === TIMEOUTS_SEQ) this.timeoutsReply(now, m);
        else this.sync.handleWireMessage(now, m);
      }
    }));
    ports.ipvs.onOverrun(() => this.step((now) => this.sync.handleOverrun(now)));
  }

  get spec(): LvsSpec { return this.specNow; }
  /** The table last handed to IpvsSync. */
  get desiredTable(): IpvsTable { return this.desired; }
  /** The kernel's table as IpvsSync last dumped and acknowledged it. */
  get observedTable(): IpvsTable { return this.sync.observedTable; }
  /** True when the kernel has acknowledged the current desired table. */
  get inSync(): boolean { return this.sync.phaseName === 'idle'; }
  health(realServer: string): Health | undefined { return this.rs.get(realServer)?.health; }

  start(): void {
    this.step((now) => {
      this.started = true;
      this.scheduler.start(now);
      // Every virtual server once, even one without any real server: its services go in.
      for (const vs of this.specNow.virtualServers) this.dirtyVs.add(vs.id);
      this.dirty = true;
    });
  }

  /** Graceful stop; `done` runs once the kernel has our services removed (or kept, with -I). */
  stop(done: () => void): void {
    this.step((now) => {
      if (this.stopped || this.stopping) { done(); return; }
      this.stopping = { done };
      this.scheduler.shutdown(now);
      this.drainScheduler(now);
      const r = desiredTable({ groups: this.specNow.groups, virtualServers: this.specNow.virtualServers.map((v) => this.filled(v)), state: this.quorumState, stopping: true });
      this.runQuorumActions(now, r.actions);
      this.dirty = false;
      const phase = this.sync.phaseName;
      if (!this.releaseOnStop || !this.started || phase === 'new' || phase === 'unavailable') {
        this.finishStop(now);
        return;
      }
      this.desired = new Map();
      if (this.flushOnStop) for (const id of this.sync.observedTable.keys()) this.owned.add(id);
      this.sync.handle(now, this.desired, this.owned);
    });
  }

  /**
   * Reload (SIGHUP) as a diff, as keepalived's check_daemon.c reload: checkers whose spec is
   * unchanged keep their state and timers (CheckerScheduler.reload), real servers that stay keep
   * their verdict and weight, virtual servers that stay keep their quorum memory; services that
   * were ours and are no longer configured stay owned, so the planner deletes them.
   */
  reload(spec: LvsSpec): void {
    this.step((now) => {
      if (this.stopping || this.stopped) return;
      const old = new Map(this.rs);
      this.rs.clear();
      for (const vs of spec.virtualServers) {
        for (const r of vs.realServers) {
          const prev = old.get(r.checkKey);
          this.rs.set(r.checkKey, prev ? { health: prev.health, weight: prev.weight, vs: vs.id } : { health: 'unknown', weight: r.weight, vs: vs.id });
        }
      }
      this.specNow = spec;
      this.vsById = new Map(spec.virtualServers.map((v) => [v.id, v]));
      for (const id of [...this.quorumState.keys()]) if (!this.vsById.has(id)) this.quorumState.delete(id);
      // Any virtual server may have changed (scheduler, method, persistence...): recompute all once.
      this.vsTables.clear();
      for (const vs of spec.virtualServers) this.dirtyVs.add(vs.id);
      this.dirty = true;
      this.scheduler.reload(now, spec.checks);
    });
  }

  // ---------------------------------------------------------------------------------------------

  private step(fn: (now: Instant) => void): void {
    this.inbox.push(fn);
    if (this.busy) return;
    this.busy = true;
    try {
      for (let f = this.inbox.shift(); f; f = this.inbox.shift()) {
        const now = this.ports.clock.now();
        f(now);
        this.pump(now);
      }
    } finally {
      this.busy = false;
    }
    this.arm();
  }

  private timeout(now: Instant): void {
    this.scheduler.handleTimeout(now);
    const d = this.sync.nextDeadline();
    if (d !== undefined && d <= now) this.sync.handleTimeout(now);
    if (this.retryAt !== undefined && this.retryAt <= now) {
      this.retryAt = undefined;
      if (this.sync.phaseName === 'unavailable') this.sync.handleTimeout(now);
    }
  }

  private arm(): void {
    if (this.stopped) { this.ports.clock.wakeAt(undefined, () => {}); this.armedAt = undefined; this.pendingAt = undefined; return; }
    let at: Instant | undefined;
    for (const d of [this.scheduler.nextDeadline(), this.sync.nextDeadline(), this.retryAt]) {
      if (d !== undefined && (at === undefined || d < at)) at = d;
    }
    this.armedAt = at;
    // Most steps are a probe's result, which leaves the earliest deadline where it was (another
    // checker's next probe): keep the pending wake instead of replacing it. Each replacement is a
    // clearTimeout + setTimeout and two clock reads, real system calls in a user-mode-linux guest
    // (bench/lvs-check-cost.ts).
    if (at !== undefined && at === this.pendingAt) return;
    this.pendingAt = at;
    this.ports.clock.wakeAt(at, () => {
      this.pendingAt = undefined;
      this.step((now) => this.timeout(now));
    });
  }

  private pump(now: Instant): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      this.drainScheduler(now);
      if (this.dirty && !this.stopping) {
        this.dirty = false;
        this.recompute(now);
      }
      let a: IpvsSyncAction | undefined;
      let any = false;
      while ((a = this.sync.pollAction())) { any = true; this.runSync(now, a); }
      if (!any && !this.dirty) return;
    }
    throw new Error('LvsDirector: pump did not settle');
  }

  private drainScheduler(now: Instant): void {
    let a: CheckAction | undefined;
    while ((a = this.scheduler.pollAction())) this.runCheck(now, a);
  }

  private runCheck(now: Instant, a: CheckAction): void {
    switch (a.type) {
      case 'StartProbe': {
        const id = a.id;
        this.ports.probes.start(id, a.spec, (outcome) => this.step((t) => this.scheduler.handleProbeResult(t, id, outcome)));
        return;
      }
      case 'CancelProbe':
        this.ports.probes.cancel(a.id);
        return;
      case 'HealthChanged': {
        const s = this.rs.get(a.realServer);
        if (!s) return;
        const health: Health = a.up ? 'up' : 'down';
        if (s.health !== health) { s.health = health; this.dirty = true; this.dirtyVs.add(s.vs); }
        this.observe({ kind: 'health', at: now, realServer: a.realServer, up: a.up, reason: a.reason });
        return;
      }
      case 'WeightChanged': {
        const s = this.rs.get(a.realServer);
        if (!s) return;
        if (s.weight !== a.weight) { s.weight = a.weight; this.dirty = true; this.dirtyVs.add(s.vs); }
        this.observe({ kind: 'weight', at: now, realServer: a.realServer, weight: a.weight, reason: a.reason });
        return;
      }
      case 'Notify':
        // Quorum scripts follow desiredTable's transitions (see the theory above).
        if (a.event === 'rs_up' || a.event === 'rs_down') this.ports.notifier.notify(a.event, a.subject, a.script);
        return;
      case 'QuorumChanged':
        return;
      case 'Unsupported':
        this.observe({ kind: 'diagnostic', at: now, subject: a.checker, message: a.reason });
        return;
    }
  }

  /** A virtual server's desired-table input with its servers' current health and weight. */
  private filled(vs: LvsVirtualServer): VirtualServerSpec {
    return {
      ...vs,
      realServers: vs.realServers.map((r) => {
        const st = this.rs.get(r.checkKey)!;
        return { ...r, health: st.health, weight: st.weight };
      }),
    };
  }

  /**
   * Recomputes the virtual servers whose servers changed -- desiredTable per virtual server, as
   * they share nothing but the group definitions -- and reassembles the table in config order
   * (so a later duplicate still wins, as in one desiredTable call).
   */
  private recompute(now: Instant): void {
    // Service keys depend on the configuration only, so after the first pass a changed virtual
    // server overwrites its own entries in place (same keys, same order) in a native copy.
    const patch = this.vsTables.size === this.vsById.size && !this.sharedServiceKeys;
    const table = patch ? new Map(this.desired) : new Map<string, ServiceEntry>();
    for (const id of this.dirtyVs) {
      const vs = this.vsById.get(id);
      if (!vs) continue;
      const prev = this.quorumState.get(id);
      const r = desiredTable({ groups: this.specNow.groups, virtualServers: [this.filled(vs)], state: prev ? new Map([[id, prev]]) : new Map() });
      const st = r.state.get(id);
      if (st) this.quorumState.set(id, st);
      if (!this.vsTables.has(id)) for (const d of r.diagnostics) this.diag(now, d);
      this.vsTables.set(id, r.table);
      if (patch) for (const [sid, e] of r.table) table.set(sid, e);
      this.runQuorumActions(now, r.actions);
    }
    this.dirtyVs.clear();
    if (!patch) {
      let entries = 0;
      for (const vs of this.specNow.virtualServers) {
        for (const [sid, e] of this.vsTables.get(vs.id) ?? []) { table.set(sid, e); entries++; }
      }
      // Two virtual servers claiming one kernel service (the later wins): keep reassembling.
      this.sharedServiceKeys = entries > table.size;
    }
    this.desired = table;
    for (const id of table.keys()) this.owned.add(id);
    this.observe({ kind: 'desired', at: now, table });
    // A fresh reading, not the step's: IpvsSync times its reply deadline from this moment, and
    // the step may have spent seconds before it (20,000 checkers starting on a slow machine) --
    // a stale `now` made the deadline expire before the kernel's reply was even read.
    this.sync.handle(this.ports.clock.now(), table, this.owned);
  }

  private runQuorumActions(now: Instant, actions: ReturnType<typeof desiredTable>['actions']): void {
    for (const q of actions) {
      const up = q.transition === 'up';
      this.observe({ kind: 'quorum', at: now, virtualServer: q.vs, up });
      const vs = this.vsById.get(q.vs);
      const script = up ? vs?.quorumUp : vs?.quorumDown;
      if (script) this.ports.notifier.notify(up ? 'quorum_up' : 'quorum_down', q.vs, script);
    }
  }

  private diag(now: Instant, d: DesiredDiagnostic): void {
    this.observe({ kind: 'diagnostic', at: now, subject: d.vs, message: d.message });
  }

  private runSync(now: Instant, a: IpvsSyncAction): void {
    switch (a.kind) {
      case 'send':
        this.observe({ kind: 'sent', at: now, messages: a.messages, bytes: a.bytes.length });
        this.ports.ipvs.send(a.bytes);
        return;
      case 'modprobe':
        this.ports.ipvs.modprobe(a.module, (ok) => this.step((t) => this.sync.handleModprobeDone(t, ok)));
        return;
      case 'event':
        this.observe({ kind: 'ipvs', at: now, event: a.event });
        if (a.event.type === 'unavailable') {
          if (this.stopping) this.finishStop(now);
          else this.retryAt = now + this.unavailableRetryUs;
        } else if (a.event.type === 'synced' && this.stopping && this.desired.size === 0) {
          this.finishStop(now);
        } else if (a.event.type === 'family-resolved' && this.timeouts) {
          // lvs_timeouts (keepalived ipvs_set_timeouts at start-up): one SET_CONFIG beside
          // IpvsSync's conversation, on a sequence number it never uses.
          this.ports.ipvs.send(this.wire.encodeRequest({ cmd: 'set-config', timeouts: this.timeouts }, a.event.familyId, TIMEOUTS_SEQ));
        } else if (a.event.type === 'dumped' && this.flushPending && !this.stopping) {
          // lvs_flush as ownership: claiming every service the first dump found makes the planner
          // delete the ones we do not want and keep (not recreate) the ones we do.
          this.flushPending = false;
          for (const id of this.sync.observedTable.keys()) this.owned.add(id);
          this.sync.handle(now, this.desired, this.owned);
        }
        return;
    }
  }

  private timeoutsReply(now: Instant, m: WireMessage): void {
    if (m.kind === 'ack') return;
    const why = m.kind === 'error' ? `errno ${m.errno}` : m.kind;
    this.observe({ kind: 'diagnostic', at: now, subject: 'lvs_timeouts', message: `the kernel refused the IPVS timeouts (${why})` });
  }

  private finishStop(now: Instant): void {
    if (this.stopped) return;
    this.stopped = true;
    const s = this.stopping;
    this.stopping = undefined;
    this.observe({ kind: 'stopped', at: now });
    s?.done();
  }
}
