// The simulator's universe: one virtual clock (microseconds), one seeded PRNG and one event
// queue ordered by (time, insertion order), so a seed replays the same run exactly.
// Nothing here touches real time; a run of simulated hours takes milliseconds.

import type { Instant } from '../base/time.ts';
import { Prng } from '../base/prng.ts';

export interface SimEvent {
  readonly at: Instant;
  readonly seq: number;
  readonly label: string;
  cancelled: boolean;
  readonly fn: () => void;
}

export class SimWorld {
  now: Instant = 0;
  readonly prng: Prng;
  private readonly heap: SimEvent[] = [];
  private seq = 0;
  eventsRun = 0;
  /** Called after every event (the invariant checks hang here). */
  afterEvent: (e: SimEvent) => void = () => {};

  constructor(readonly seed: number) {
    this.prng = new Prng(seed);
  }

  schedule(at: Instant, label: string, fn: () => void): SimEvent {
    const e: SimEvent = { at: Math.max(at, this.now), seq: this.seq++, label, cancelled: false, fn };
    this.push(e);
    return e;
  }

  after(delayUs: number, label: string, fn: () => void): SimEvent {
    return this.schedule(this.now + delayUs, label, fn);
  }

  /** Runs events in order up to and including time `until`; the clock ends at `until`. */
  runUntil(until: Instant): void {
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > until) break;
      this.pop();
      if (top.cancelled) continue;
      this.now = top.at;
      top.fn();
      this.eventsRun++;
      this.afterEvent(top);
    }
    this.now = Math.max(this.now, until);
  }

  runFor(durationUs: number): void {
    this.runUntil(this.now + durationUs);
  }

  pending(): number {
    return this.heap.filter((e) => !e.cancelled).length;
  }

  private less(a: SimEvent, b: SimEvent): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: SimEvent): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
