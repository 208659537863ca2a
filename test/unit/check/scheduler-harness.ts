// A virtual-clock driver for CheckerScheduler tests: probes are answered by a function of
// (time, probe) after a chosen latency, every action is logged with the time it was polled.
import { Prng } from '../../../src/base/prng.ts';
import { US_PER_S, type Instant } from '../../../src/base/time.ts';
import type {
  CheckAction, CheckerSpec, ProbeOutcome, ProbeSpec, RealServerSpec, VirtualServerSpec,
} from '../../../src/check/checker-spec.ts';
import { CheckerScheduler } from '../../../src/check/checker-scheduler.ts';

export const S = US_PER_S;

export interface Logged { readonly at: Instant; readonly action: CheckAction }

/** undefined = the probe never answers. */
export type Responder = (now: Instant, spec: ProbeSpec, checker: string) => { latencyUs: number; outcome: ProbeOutcome } | undefined;

export class Harness {
  readonly log: Logged[] = [];
  readonly sched: CheckerScheduler;
  now: Instant = 0;
  private pending: { at: Instant; id: string; outcome: ProbeOutcome }[] = [];

  constructor(
    vs: VirtualServerSpec[], rs: RealServerSpec[], checkers: CheckerSpec[],
    public respond: Responder, seed = 1,
  ) {
    this.sched = new CheckerScheduler({ virtualServers: vs, realServers: rs, checkers }, new Prng(seed));
    this.sched.start(0);
    this.drain();
  }

  /** Reloads at the current time and carries the resulting actions like any others. */
  reload(vs: VirtualServerSpec[], rs: RealServerSpec[], checkers: CheckerSpec[]): void {
    this.sched.reload(this.now, { virtualServers: vs, realServers: rs, checkers });
    this.drain();
  }

  private drain(): void {
    for (let a = this.sched.pollAction(); a; a = this.sched.pollAction()) {
      this.log.push({ at: this.now, action: a });
      if (a.type === 'StartProbe') {
        const r = this.respond(this.now, a.spec, a.checker);
        if (r) this.pending.push({ at: this.now + r.latencyUs, id: a.id, outcome: r.outcome });
      } else if (a.type === 'CancelProbe') {
        this.pending = this.pending.filter((p) => p.id !== a.id);
      }
    }
  }

  runUntil(end: Instant): void {
    for (;;) {
      const d = this.sched.nextDeadline();
      this.pending.sort((a, b) => a.at - b.at);
      const p = this.pending[0];
      const next = Math.min(d ?? Infinity, p?.at ?? Infinity);
      if (next > end) { this.now = end; return; }
      this.now = next;
      if (p && p.at === next) {
        this.pending.shift();
        this.sched.handleProbeResult(this.now, p.id, p.outcome);
      } else {
        this.sched.handleTimeout(this.now);
      }
      this.drain();
    }
  }

  of<T extends CheckAction['type']>(type: T): (Logged & { action: Extract<CheckAction, { type: T }> })[] {
    return this.log.filter((l) => l.action.type === type) as (Logged & { action: Extract<CheckAction, { type: T }> })[];
  }

  probeTimes(checker?: string): Instant[] {
    return this.of('StartProbe').filter((l) => checker === undefined || l.action.checker === checker).map((l) => l.at);
  }
}

export const vs1: VirtualServerSpec = { key: 'vs1', quorum: 1, hysteresis: 0, omega: false };

export function rs(key: string, extra: Partial<RealServerSpec> = {}): RealServerSpec {
  return { key, virtualServer: 'vs1', weight: 1, alpha: false, ...extra };
}

const connect = { host: '127.0.0.1', port: 80, timeoutUs: 5 * S };

export function tcp(id: string, realServer: string, extra: Partial<Record<string, unknown>> = {}): CheckerSpec {
  return {
    id, realServer, type: 'TCP_CHECK', probe: { kind: 'tcp', connect },
    delayLoopUs: 10 * S, retry: 1, delayBeforeRetryUs: 1 * S, warmupUs: 0, ...extra,
  } as CheckerSpec;
}

export const ok: ProbeOutcome = { kind: 'ok' };
export const fail: ProbeOutcome = { kind: 'failed', reason: 'connection refused' };
