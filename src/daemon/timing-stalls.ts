// TimingStalls: what made a timer callback late (KEEPALIVED_TS_TIMING=1), for the soak bench
// (bench/vrrp-soak.ts: VRRPv3 at advert_int 0.01 under stress-ng, where a master whose advert
// timer runs 25 ms late loses its role).
//
// Theory of operation: TimingProbe reports every wake of the VRRP clock with its deadline and
// the time the callback ran. A callback more than STALL_US late is a stall, logged with the two
// usual suspects measured over the same span:
//  - run_delay_us: how long the main thread sat runnable on a run queue without a CPU since the
//    previous wake (the kernel's sched_info, /proc/thread-self/schedstat field 2, read after each
//    wake's callback so the read never delays one). A stall whose run_delay is about its lateness
//    is the scheduler's doing (CPU starvation: fix with vrrp_priority / vrrp_rt_priority);
//  - gc_ms: V8 pauses (perf_hooks 'gc' entries) that overlap the stall;
//  what is left (neither) is our own synchronous work or the kernel's.
// Each stall is one line: "timing: stall late_us=.. run_delay_us=.. gc_ms=.. epoch_ms=..".

import { readFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import type { Instant } from '../base/time.ts';

export interface StallLog {
  info(msg: string): void;
}

/** A callback this late (us) is reported. 10 ms = one advert interval at the shortest advert_int. */
export const STALL_US = 10_000;

/** The main thread's cumulative run-queue wait (ns), undefined without schedstats. */
function runDelayNs(): number | undefined {
  try {
    const f = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    const v = Number(f[1]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export class TimingStalls {
  private lastRunDelayNs = runDelayNs();
  /** Recent GC pauses: [start, end] in performance.now() milliseconds. */
  private readonly gcs: Array<[number, number]> = [];
  private readonly observer: PerformanceObserver;
  stalls = 0;

  constructor(private readonly log: StallLog, private readonly readRunDelayNs: () => number | undefined = runDelayNs) {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gcs.push([e.startTime, e.startTime + e.duration]);
      if (this.gcs.length > 256) this.gcs.splice(0, this.gcs.length - 256);
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Called by the probe after each wake's callback returned (deadline and firing in clock us). */
  afterWake(deadline: Instant, fired: Instant): void {
    const rd = this.readRunDelayNs();
    const late = fired - deadline;
    if (late > STALL_US) {
      this.stalls++;
      const nowMs = performance.now();
      const fromMs = nowMs - late / 1000 - 1;
      let gcMs = 0;
      for (const [s, e] of this.gcs) if (e > fromMs && s < nowMs) gcMs += Math.min(e, nowMs) - Math.max(s, fromMs);
      const runDelay = rd !== undefined && this.lastRunDelayNs !== undefined ? Math.round((rd - this.lastRunDelayNs) / 1000) : -1;
      const epochMs = performance.timeOrigin + nowMs - late / 1000;
      // Written from a later turn: never inside the step that is already late.
      setImmediate(() => this.log.info(`timing: stall late_us=${late} run_delay_us=${runDelay} gc_ms=${gcMs.toFixed(2)} epoch_ms=${epochMs.toFixed(3)}`));
    }
    this.lastRunDelayNs = rd;
  }

  stop(): void {
    this.observer.disconnect();
  }
}

/** Parses a stall line (the soak bench reads the daemon's log). */
export function parseStallLine(line: string): { lateUs: number; runDelayUs: number; gcMs: number; epochMs: number } | undefined {
  const m = /timing: stall late_us=(\d+) run_delay_us=(-?\d+) gc_ms=([\d.]+) epoch_ms=([\d.]+)/.exec(line);
  return m ? { lateUs: Number(m[1]), runDelayUs: Number(m[2]), gcMs: Number(m[3]), epochMs: Number(m[4]) } : undefined;
}
