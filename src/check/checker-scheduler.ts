// The checker scheduler: keepalived's healthchecker process as a sans-IO core.
//
// Theory of operation. Each checker owns one timer in a shared heap. When it fires the scheduler
// queues StartProbe (a ProbeSpec as data); the driver runs it on a ProbeRunner and feeds the
// outcome back with handleProbeResult. The outcome moves the checker (check_tcp.c tcp_epilog,
// check_http.c, check_misc.c, check_dns.c dns_final share the rule):
//   success                 -> retry count reset; up if it was down; next probe after delay_loop
//   failure, retries left   -> retry count + 1; next probe after delay_before_retry
//   failure, none left      -> down if it was up; retry count reset; next after delay_loop
// TCP_CHECK and SMTP_CHECK spend their retries even while down; the others only while up or
// not yet run, so a down checker just probes every delay_loop (retry-epilog.ts).
// First probe: bootstrap delay + uniform random [0, warmup] (check_api.c register_checkers_thread:
// BOOTSTRAP_DELAY + warmup * rand() / RAND_MAX), drawn from the seeded Prng passed in.
// alpha: the checker starts down and needs a success to go up (check_data.c: alpha marks every
// checker that hasn't run as failed). Real-server / quorum aggregation is health-book.ts.
// HTTP_GET/SSL_GET walk their url list one url per delay_loop, and need a clean pass to come
// back after a failure (http-epilog.ts, check_http.c epilog).
// MISC_CHECK misc_dynamic and FILE_CHECK add a per-checker weight contribution.
// reload(now, input) keeps the state, timers and probes of every checker whose spec is
// unchanged (keepalived check_daemon.c reload: migrate_checkers), starts new ones as at start
// (alpha applies) and cancels removed ones; only real servers that changed are reported.
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
import { HealthBook } from './health-book.ts';
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

type TimerValue = { readonly kind: 'launch' | 'watchdog'; readonly checker: CheckerState; readonly gen: number };

export interface SchedulerInput {
  readonly virtualServers: readonly VirtualServerSpec[];
  readonly realServers: readonly RealServerSpec[];
  readonly checkers: readonly CheckerSpec[];
}

export class CheckerScheduler {
  private readonly actions: CheckAction[] = [];
  /** Next action pollAction hands out: a queue head instead of shift(), which is O(n) per call
   * and made starting 20,000 checkers quadratic (715 ms of 20,000+ shifts). */
  private actionHead = 0;
  private readonly timers = new TimerHeap<TimerValue>();
  private checkers = new Map<CheckerId, CheckerState>();
  private book: HealthBook;
  private readonly probes = new Map<ProbeId, CheckerState>();
  private running = false;

  /** Unknown real/virtual server references are our caller's bug: asserted, not diagnosed. */
  constructor(input: SchedulerInput, private readonly prng: Prng) {
    this.book = new HealthBook(this.actions, input.virtualServers, input.realServers);
    for (const spec of input.checkers) this.addChecker(this.checkers, this.book, spec);
  }

  /** Schedules the first probes and reports the initial state of every real server and quorum. */
  start(now: Instant): void {
    this.running = true;
    for (const c of this.checkers.values()) this.scheduleFirst(now, c);
    this.book.reportInitial(now);
  }

  /** Applies a new configuration (SIGHUP), keeping what did not change (see the theory). */
  reload(now: Instant, input: SchedulerInput): void {
    const old = this.checkers;
    const book = new HealthBook(this.actions, input.virtualServers, input.realServers, this.book);
    const checkers = new Map<CheckerId, CheckerState>();
    const fresh: CheckerState[] = [];
    for (const spec of input.checkers) {
      const prev = old.get(spec.id);
      if (prev && sameSpec(prev.spec, spec)) {
        old.delete(spec.id);
        checkers.set(spec.id, prev);
        if (spec.type !== 'BFD_CHECK') book.attach(prev);
      } else {
        fresh.push(this.addChecker(checkers, book, spec));
      }
    }
    for (const gone of old.values()) {
      gone.timerGen++;
      if (gone.inFlight !== undefined) {
        this.probes.delete(gone.inFlight);
        this.actions.push({ type: 'CancelProbe', id: gone.inFlight });
        gone.inFlight = undefined;
      }
    }
    this.checkers = checkers;
    this.book = book;
    if (this.running) for (const c of fresh) this.scheduleFirst(now, c);
    book.reconcile(now);
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
    this.book.omegaNotifies();
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
            const rs = this.book.realServers.get(spec.realServer)!;
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
    if (this.actionHead >= this.actions.length) return undefined;
    const a = this.actions[this.actionHead++];
    // Drained: reset in place (the HealthBook pushes into this same array).
    if (this.actionHead === this.actions.length) {
      this.actions.length = 0;
      this.actionHead = 0;
    }
    return a;
  }

  realServerStatus(key: RealServerKey): RealServerStatus | undefined {
    const rs = this.book.realServers.get(key);
    if (!rs) return undefined;
    return {
      key, up: rs.up, weight: rs.weight, reason: rs.reason, changedAt: rs.changedAt,
      checkers: rs.checkers.map((h) => {
        const c = this.checkers.get(h.spec.id)!;
        return { id: c.spec.id, up: c.up, hasRun: c.hasRun, retryIt: c.retryIt, weightDelta: c.weightDelta, lastReason: c.lastReason };
      }),
    };
  }

  /** Every real server, in configuration order (for dumps: SIGUSR1 data file, JSON). */
  realServerStatuses(): RealServerStatus[] {
    return [...this.book.realServers.keys()].map((k) => this.realServerStatus(k)!);
  }

  quorumUp(key: VirtualServerKey): boolean | undefined {
    return this.book.virtualServers.get(key)?.quorumUp;
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
    this.book.setCheckerUp(now, c, up, reason);
  }

  private setWeightDelta(c: CheckerState, delta: number, reason: string): void {
    this.book.setWeightDelta(c, delta, reason);
  }

  private addChecker(into: Map<CheckerId, CheckerState>, book: HealthBook, spec: CheckerSpec): CheckerState {
    if (into.has(spec.id)) throw new Error(`duplicate checker id ${spec.id}`);
    const rs = book.realServers.get(spec.realServer);
    if (!rs) throw new Error(`checker ${spec.id}: unknown real server ${spec.realServer}`);
    // FILE_CHECK clears alpha: its state is known as soon as the file is read (check_file.c).
    const alpha = spec.type !== 'FILE_CHECK' && (spec.alpha ?? rs.spec.alpha);
    const state: CheckerState = {
      spec, up: !alpha, hasRun: false, retryIt: 0, urlIndex: 0, failedUrl: false, weightDelta: 0, lastExitCode: undefined,
      lastReason: alpha ? 'alpha: waiting for a first success' : 'not run yet', timerGen: 0, seq: 0, inFlight: undefined,
    };
    into.set(spec.id, state);
    // BFD is not supported: its checker never runs and does not hold its real server down.
    if (spec.type !== 'BFD_CHECK') book.attach(state);
    return state;
  }

  /** First probe: bootstrap delay + random warmup; FILE_CHECK reads at once; BFD never runs. */
  private scheduleFirst(now: Instant, c: CheckerState): void {
    const spec = c.spec;
    if (spec.type === 'BFD_CHECK') {
      this.actions.push({ type: 'Unsupported', checker: spec.id, reason: `BFD_CHECK ${spec.bfdName}: BFD is not supported` });
      return;
    }
    if (spec.type === 'FILE_CHECK') {
      this.arm(c, now);
      return;
    }
    this.arm(c, now + BOOTSTRAP_DELAY_US + Math.floor(spec.warmupUs * this.prng.next()));
  }
}

/** Deep equality of two checker specs (plain data; byte arrays compare by content). */
function sameSpec(a: CheckerSpec, b: CheckerSpec): boolean {
  const norm = (_k: string, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v);
  return JSON.stringify(a, norm) === JSON.stringify(b, norm);
}
