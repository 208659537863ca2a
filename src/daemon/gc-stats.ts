// GcStats: garbage-collection pauses of the daemon, for the soak bench (bench/vrrp-soak.ts) and
// anyone worried that a pause could outlast a 10 ms advert interval.
//
// Theory of operation: with KEEPALIVED_TS_GC_STATS=1 in the environment the daemon observes
// perf_hooks 'gc' entries (one per V8 collection, with its duration and kind) and logs one line
// every KEEPALIVED_TS_GC_STATS_INTERVAL seconds (default 60) and one at stop:
//   "GC stats: n=.. total_ms=.. max_ms=.. p99_ms=.. p999_ms=.. minor=.. major=.. incremental=.. weak=.."
// Off by default: the observer costs little, but nothing is measured that nobody asked for.

import { PerformanceObserver, constants } from 'node:perf_hooks';

export interface GcLog {
  info(msg: string): void;
}

const KIND: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak',
};

export class GcStats {
  private readonly durationsMs: number[] = [];
  private readonly byKind = new Map<string, number>();
  private readonly observer: PerformanceObserver;
  private readonly timer: NodeJS.Timeout | undefined;

  /** Starts observing when KEEPALIVED_TS_GC_STATS=1; undefined otherwise. */
  static fromEnv(log: GcLog, env: NodeJS.ProcessEnv = process.env): GcStats | undefined {
    if (env.KEEPALIVED_TS_GC_STATS !== '1') return undefined;
    const everyS = Number(env.KEEPALIVED_TS_GC_STATS_INTERVAL ?? '60');
    return new GcStats(log, Number.isFinite(everyS) && everyS > 0 ? everyS : 60);
  }

  private constructor(private readonly log: GcLog, everyS: number) {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.durationsMs.push(e.duration);
        const kind = KIND[(e.detail as { kind?: number } | undefined)?.kind ?? -1] ?? 'other';
        this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
    this.timer = setInterval(() => this.report(), everyS * 1000);
    this.timer.unref();
  }

  summary(): string {
    const d = [...this.durationsMs].sort((a, b) => a - b);
    const q = (p: number): number => d.length === 0 ? 0 : d[Math.min(d.length - 1, Math.floor(p * d.length))]!;
    const total = d.reduce((a, b) => a + b, 0);
    const kinds = ['minor', 'major', 'incremental', 'weak', 'other'].map((k) => `${k}=${this.byKind.get(k) ?? 0}`).join(' ');
    return `GC stats: n=${d.length} total_ms=${total.toFixed(1)} max_ms=${(d[d.length - 1] ?? 0).toFixed(2)} ` +
      `p99_ms=${q(0.99).toFixed(2)} p999_ms=${q(0.999).toFixed(2)} ${kinds}`;
  }

  report(): void {
    this.log.info(this.summary());
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.observer.disconnect();
    this.report();
  }
}
