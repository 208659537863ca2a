// The checker scheduler: keepalived's healthchecker process as a sans-IO core.
//
// Theory of operation. Each checker owns one timer in a shared heap. When it fires the scheduler
// queues StartProbe (a ProbeSpec as data); the driver runs it on a ProbeRunner and feeds the
// outcome back with handleProbeResult. The outcome moves the checker (check_tcp.c tcp_epilog,
// check_http.c, check_misc.c, check_dns.c dns_final share the rule):
//   success                 -> retry count reset; up if it was down; next probe after delay_loop
//   failure, retries left   -> retry count + 1; next probe after delay_before_retry
//   failure, none left      -> down if it was up; retry count reset; next after delay_loop
// TCP/UDP/PING spend their retries even while down (tcp_epilog); MISC/DNS/SMTP only while up or
// not yet run, so a down checker just probes every delay_loop (check_misc.c, check_dns.c).
// First probe: bootstrap delay + uniform random [0, warmup] (check_api.c register_checkers_thread:
// BOOTSTRAP_DELAY + warmup * rand() / RAND_MAX), drawn from the seeded Prng passed in.
// alpha: the checker starts down and needs a success to go up (check_data.c: alpha marks every
// checker that hasn't run as failed). A real server is up when all its checkers are up
// (rs->num_failed_checkers == 0); a real server without checkers is always up.
// HTTP_GET/SSL_GET walk their url list one url per delay_loop, and need a clean pass to come
// back after a failure (http-epilog.ts, check_http.c epilog).
// MISC_CHECK misc_dynamic and FILE_CHECK add a per-checker weight contribution; the real
// server's weight is its configured weight plus the contributions, never below 0.
// Quorum per virtual server (ipwrapper.c update_quorum_state): gained when the weight of live
// real servers reaches quorum + hysteresis, lost when it falls below quorum - hysteresis.
// A probe that never reports is cut off by a watchdog at its timeout + PROBE_GRACE_US.

import type { Prng } from '../base/prng.ts';
import { US_PER_S, type DurationUs, type Instant } from '../base/time.ts';
import type {
  CheckAction, CheckerId, CheckerSpec, ProbeId, ProbeOutcome, ProbeSpec, RealServerKey, RealServerSpec,
  VirtualServerKey, VirtualServerSpec,
} from './checker-spec.ts';
import { fileVerdict } from './file-verdict.ts';
import { httpEpilog } from './http-epilog.ts';
import { miscVerdict } from './misc-verdict.ts';
import { describeOutcome, probeTimeoutUs } from './probe-facts.ts';
import { retryEpilog, retryPolicyOf } from './retry-epilog.ts';
import { TimerHeap } from './timer-heap.ts';

/** check_api.c BOOTSTRAP_DELAY (TIMER_HZ): the first probe waits at least this long. */
export const BOOTSTRAP_DELAY_US: DurationUs = US_PER_S;
/** How long past its own timeout a probe may stay silent before the watchdog fails it. */
export const PROBE_GRACE_US: DurationUs = 2 * US_PER_S;

export interface CheckerStatus {
  readonly id: CheckerId;
  readonly up: boolean;
  readonly hasRun: boolean;
  readonly retryIt: number;
  readonly weightDelta: number;
  readonly lastReason: string;
}

export interface RealServerStatus {
  readonly key: RealServerKey;
  readonly up: boolean;
  readonly weight: number;
  /** Why the last up/down change happened (kept for display / dumps). */
  readonly reason: string;
  readonly changedAt: Instant;
  readonly checkers: readonly CheckerStatus[];
}

interface CheckerState {
  readonly spec: CheckerSpec;
  up: boolean;
  hasRun: boolean;
  retryIt: number;
  urlIndex: number;
  /** HTTP: a url failed and has not succeeded since (check_http.c failed_url). */
  failedUrl: boolean;
  weightDelta: number;
  lastExitCode: number | undefined;
  lastReason: string;
  /** Generation of the live timer; older heap entries are stale. */
  timerGen: number;
  seq: number;
  inFlight: ProbeId | undefined;
}

interface RealServerState {
  readonly spec: RealServerSpec;
  readonly checkers: CheckerState[];
  up: boolean;
  weight: number;
  reason: string;
  changedAt: Instant;
}

interface VirtualServerState {
  readonly spec: VirtualServerSpec;
  readonly realServers: RealServerState[];
  quorumUp: boolean;
}

type TimerValue = { readonly kind: 'launch' | 'watchdog'; readonly checker: CheckerState; readonly gen: number };

export interface SchedulerInput {
  readonly virtualServers: readonly VirtualServerSpec[];
  readonly realServers: readonly RealServerSpec[];
  readonly checkers: readonly CheckerSpec[];
}

export class CheckerScheduler {
  private readonly actions: CheckAction[] = [];
  private readonly timers = new TimerHeap<TimerValue>();
  private readonly checkers = new Map<CheckerId, CheckerState>();
  private readonly realServers = new Map<RealServerKey, RealServerState>();
  private readonly virtualServers = new Map<VirtualServerKey, VirtualServerState>();
  private readonly probes = new Map<ProbeId, CheckerState>();
  private running = false;

  /** Unknown real/virtual server references are our caller's bug: asserted, not diagnosed. */
  constructor(input: SchedulerInput, private readonly prng: Prng) {
    for (const vs of input.virtualServers) this.virtualServers.set(vs.key, { spec: vs, realServers: [], quorumUp: false });
    for (const rs of input.realServers) {
      const vs = this.virtualServers.get(rs.virtualServer);
      if (!vs) throw new Error(`real server ${rs.key}: unknown virtual server ${rs.virtualServer}`);
      const state: RealServerState = { spec: rs, checkers: [], up: true, weight: rs.weight, reason: 'initial', changedAt: 0 };
      this.realServers.set(rs.key, state);
      vs.realServers.push(state);
    }
    for (const spec of input.checkers) {
      const rs = this.realServers.get(spec.realServer);
      if (!rs) throw new Error(`checker ${spec.id}: unknown real server ${spec.realServer}`);
      if (this.checkers.has(spec.id)) throw new Error(`duplicate checker id ${spec.id}`);
      // FILE_CHECK clears alpha: its state is known as soon as the file is read (check_file.c).
      const alpha = spec.type !== 'FILE_CHECK' && (spec.alpha ?? rs.spec.alpha);
      const state: CheckerState = {
        spec, up: !alpha, hasRun: false, retryIt: 0, urlIndex: 0, failedUrl: false, weightDelta: 0, lastExitCode: undefined,
        lastReason: alpha ? 'alpha: waiting for a first success' : 'not run yet', timerGen: 0, seq: 0, inFlight: undefined,
      };
      this.checkers.set(spec.id, state);
      // BFD is not supported: its checker never runs and does not hold its real server down.
      if (spec.type !== 'BFD_CHECK') rs.checkers.push(state);
    }
  }

  /** Schedules the first probes and reports the initial state of every real server and quorum. */
  start(now: Instant): void {
    this.running = true;
    for (const c of this.checkers.values()) {
      const spec = c.spec;
      if (spec.type === 'BFD_CHECK') {
        this.actions.push({ type: 'Unsupported', checker: spec.id, reason: `BFD_CHECK ${spec.bfdName}: BFD is not supported` });
        continue;
      }
      const warmupUs = spec.type === 'FILE_CHECK' ? 0 : Math.floor(spec.warmupUs * this.prng.next());
      const delay = spec.type === 'FILE_CHECK' ? 0 : BOOTSTRAP_DELAY_US + warmupUs;
      this.arm(c, now + delay);
    }
    for (const rs of this.realServers.values()) {
      rs.up = rs.checkers.every((c) => c.up);
      rs.reason = rs.up ? 'initial' : 'initial: alpha, waiting for checkers';
      rs.changedAt = now;
      this.actions.push({ type: 'HealthChanged', realServer: rs.spec.key, up: rs.up, reason: rs.reason });
    }
    for (const vs of this.virtualServers.values()) {
      const sum = this.liveWeight(vs);
      vs.quorumUp = sum >= vs.spec.quorum;
      this.actions.push({ type: 'QuorumChanged', virtualServer: vs.spec.key, up: vs.quorumUp, weightSum: sum });
    }
  }

  /** Stops probing; with omega runs the down notifiers of what is still up (check_daemon.c). */
  shutdown(_now: Instant): void {
    this.running = false;
    for (const [id, c] of this.probes) {
      c.inFlight = undefined;
      this.actions.push({ type: 'CancelProbe', id });
    }
    this.probes.clear();
    this.timers.clear();
    for (const vs of this.virtualServers.values()) {
      if (!vs.spec.omega) continue;
      for (const rs of vs.realServers) {
        if (rs.up && rs.spec.notifyDown) {
          this.actions.push({ type: 'Notify', script: rs.spec.notifyDown, event: 'rs_down', subject: rs.spec.key });
        }
      }
      if (vs.quorumUp && vs.spec.quorumDown) {
        this.actions.push({ type: 'Notify', script: vs.spec.quorumDown, event: 'quorum_down', subject: vs.spec.key });
      }
    }
  }

  nextDeadline(): Instant | undefined {
    // Drop stale heads so the driver is not woken for nothing.
    for (;;) {
      const head = this.timers.peek();
      if (!head) return undefined;
      if (this.isLive(head.value)) return head.at;
      this.timers.pop();
    }
  }

  handleTimeout(now: Instant): void {
    for (;;) {
      const head = this.timers.peek();
      if (!head || head.at > now) return;
      this.timers.pop();
      const t = head.value;
      if (!this.isLive(t)) continue;
      if (t.kind === 'launch') this.launch(now, t.checker);
      else {
        const id = t.checker.inFlight!;
        this.actions.push({ type: 'CancelProbe', id });
        this.handleProbeResult(now, id, { kind: 'timeout', reason: 'no result from the probe (watchdog)' });
      }
    }
  }

  /** A completion for a probe that was cancelled or superseded is ignored. */
  handleProbeResult(now: Instant, id: ProbeId, outcome: ProbeOutcome): void {
    const c = this.probes.get(id);
    if (!c || c.inFlight !== id) return;
    this.probes.delete(id);
    c.inFlight = undefined;
    if (!this.running) return;
    const spec = c.spec;
    switch (spec.type) {
      case 'FILE_CHECK': {
        if (outcome.kind === 'file' && outcome.value !== undefined) {
          const v = fileVerdict(outcome.value, spec.weight, spec.reverse);
          c.hasRun = true;
          this.setWeightDelta(c, v.up ? v.weightDelta : 0, v.reason);
          this.setCheckerUp(now, c, v.up, `FILE_CHECK ${spec.probe.path}: ${v.reason}`);
        }
        this.arm(c, now + spec.pollIntervalUs);
        return;
      }
      case 'MISC_CHECK': {
        let ok: boolean;
        let reason: string;
        if (outcome.kind === 'exit') {
          const v = miscVerdict(outcome.code, outcome.signal, spec.miscDynamic);
          ok = v.ok;
          reason = v.reason;
          // check_misc.c: the weight changes only when the exit status changes; status 0 brings
          // back the configured weight.
          if (ok && spec.miscDynamic && outcome.code !== c.lastExitCode) {
            const rs = this.realServers.get(spec.realServer)!;
            c.lastExitCode = outcome.code ?? undefined;
            this.setWeightDelta(c, (v.dynamicWeight ?? rs.spec.weight) - rs.spec.weight, `misc_dynamic: ${reason}`);
          }
        } else {
          ok = outcome.kind === 'ok';
          reason = describeOutcome(outcome);
        }
        this.afterAttempt(now, c, ok, `MISC_CHECK ${spec.probe.script.argv[0] ?? ''}: ${reason}`);
        return;
      }
      case 'HTTP_GET':
      case 'SSL_GET': {
        const url = spec.urls[c.urlIndex];
        const what = `${spec.type} ${url?.url.path ?? ''}: ${describeOutcome(outcome)}`;
        const retries = c.retryIt;
        const step = httpEpilog(c, outcome.kind === 'ok', {
          urlCount: spec.urls.length, retry: spec.retry, delayLoopUs: spec.delayLoopUs,
          delayBeforeRetryUs: spec.delayBeforeRetryUs, fastRecovery: spec.fastRecovery,
        });
        c.hasRun = step.next.hasRun;
        c.retryIt = step.next.retryIt;
        c.urlIndex = step.next.urlIndex;
        c.failedUrl = step.next.failedUrl;
        if (step.becomesUp === undefined) c.lastReason = what;
        else this.setCheckerUp(now, c, step.becomesUp, step.becomesUp || retries === 0 ? what : `${what} after ${retries} retries`);
        this.arm(c, now + step.delayUs);
        return;
      }
      case 'BFD_CHECK':
        return;
      default:
        this.afterAttempt(now, c, outcome.kind === 'ok', `${spec.type}: ${describeOutcome(outcome)}`);
    }
  }

  pollAction(): CheckAction | undefined {
    return this.actions.shift();
  }

  realServerStatus(key: RealServerKey): RealServerStatus | undefined {
    const rs = this.realServers.get(key);
    if (!rs) return undefined;
    return {
      key, up: rs.up, weight: rs.weight, reason: rs.reason, changedAt: rs.changedAt,
      checkers: rs.checkers.map((c) => ({
        id: c.spec.id, up: c.up, hasRun: c.hasRun, retryIt: c.retryIt, weightDelta: c.weightDelta, lastReason: c.lastReason,
      })),
    };
  }

  quorumUp(key: VirtualServerKey): boolean | undefined {
    return this.virtualServers.get(key)?.quorumUp;
  }

  // ---- internals

  /** The single-probe checkers' retry rules: retry-epilog.ts. */
  private afterAttempt(now: Instant, c: CheckerState, ok: boolean, reason: string): void {
    const spec = c.spec;
    if (spec.type === 'FILE_CHECK' || spec.type === 'BFD_CHECK') return;
    const step = retryEpilog(c, ok, {
      retry: spec.retry, delayLoopUs: spec.delayLoopUs, delayBeforeRetryUs: spec.delayBeforeRetryUs, policy: retryPolicyOf(spec.type),
    });
    c.hasRun = step.next.hasRun;
    c.retryIt = step.next.retryIt;
    if (step.becomesUp !== undefined) {
      const spent = step.retriesSpent;
      this.setCheckerUp(now, c, step.becomesUp, !step.becomesUp && spent > 0 ? `${reason} after ${spent} retries` : reason);
    } else {
      c.lastReason = step.next.retryIt > 0 ? `${reason} (retry ${step.next.retryIt} of ${spec.retry})` : reason;
    }
    this.arm(c, now + step.delayUs);
  }

  private launch(now: Instant, c: CheckerState): void {
    if (c.inFlight !== undefined) return;
    const spec = c.spec;
    let probe: ProbeSpec;
    switch (spec.type) {
      case 'BFD_CHECK':
        return;
      case 'HTTP_GET':
      case 'SSL_GET': {
        const url = spec.urls[c.urlIndex];
        if (!url) {
          // No url block: keepalived refuses the checker at parse time; here it simply succeeds.
          this.afterAttempt(now, c, true, `${spec.type}: no url configured`);
          return;
        }
        probe = url;
        break;
      }
      case 'DNS_CHECK':
        probe = { ...spec.probe, queryId: this.prng.int(0, 0xffff) };
        break;
      default:
        probe = spec.probe;
    }
    c.seq++;
    const id: ProbeId = `${spec.id}@${c.seq}`;
    c.inFlight = id;
    this.probes.set(id, c);
    this.actions.push({ type: 'StartProbe', id, checker: spec.id, spec: probe });
    c.timerGen++;
    this.timers.push(now + probeTimeoutUs(probe) + PROBE_GRACE_US, { kind: 'watchdog', checker: c, gen: c.timerGen });
  }

  private arm(c: CheckerState, at: Instant): void {
    if (!this.running) return;
    c.timerGen++;
    this.timers.push(at, { kind: 'launch', checker: c, gen: c.timerGen });
  }

  private isLive(t: TimerValue): boolean {
    if (t.gen !== t.checker.timerGen) return false;
    return t.kind === 'launch' ? t.checker.inFlight === undefined : t.checker.inFlight !== undefined;
  }

  private setCheckerUp(now: Instant, c: CheckerState, up: boolean, reason: string): void {
    c.lastReason = reason;
    if (c.up === up) return;
    c.up = up;
    const rs = this.realServers.get(c.spec.realServer)!;
    const rsUp = rs.checkers.every((x) => x.up);
    if (rsUp === rs.up) return;
    rs.up = rsUp;
    rs.reason = reason;
    rs.changedAt = now;
    this.actions.push({ type: 'HealthChanged', realServer: rs.spec.key, up: rsUp, reason });
    const script = rsUp ? rs.spec.notifyUp : rs.spec.notifyDown;
    if (script) this.actions.push({ type: 'Notify', script, event: rsUp ? 'rs_up' : 'rs_down', subject: rs.spec.key });
    this.updateQuorum(rs.spec.virtualServer);
  }

  private setWeightDelta(c: CheckerState, delta: number, reason: string): void {
    if (c.weightDelta === delta) return;
    c.weightDelta = delta;
    const rs = this.realServers.get(c.spec.realServer)!;
    const weight = Math.max(0, rs.spec.weight + rs.checkers.reduce((s, x) => s + x.weightDelta, 0));
    if (weight === rs.weight) return;
    rs.weight = weight;
    this.actions.push({ type: 'WeightChanged', realServer: rs.spec.key, weight, reason });
    if (rs.up) this.updateQuorum(rs.spec.virtualServer);
  }

  private liveWeight(vs: VirtualServerState): number {
    return vs.realServers.reduce((s, rs) => s + (rs.up ? rs.weight : 0), 0);
  }

  private updateQuorum(key: VirtualServerKey): void {
    const vs = this.virtualServers.get(key)!;
    const sum = this.liveWeight(vs);
    const { quorum, hysteresis } = vs.spec;
    let next = vs.quorumUp;
    if (!vs.quorumUp && sum >= quorum + hysteresis) next = true;
    else if (vs.quorumUp && (sum === 0 || sum < quorum - hysteresis)) next = false;
    if (next === vs.quorumUp) return;
    vs.quorumUp = next;
    this.actions.push({ type: 'QuorumChanged', virtualServer: key, up: next, weightSum: sum });
    const script = next ? vs.spec.quorumUp : vs.spec.quorumDown;
    if (script) this.actions.push({ type: 'Notify', script, event: next ? 'quorum_up' : 'quorum_down', subject: key });
  }
}
