// A binary min-heap of timer entries keyed by Instant, for tens of thousands of checkers.
// Entries are never removed in place: a cancelled or rescheduled timer is left in the heap and
// recognised as stale by its owner (a generation number), so every operation is O(log n).

import type { Instant } from '../base/time.ts';

export interface TimerEntry<T> {
  readonly at: Instant;
  readonly seq: number;
  readonly value: T;
}

export class TimerHeap<T> {
  private readonly items: TimerEntry<T>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.items.length;
  }

  push(at: Instant, value: T): void {
    // seq breaks ties in insertion order, so equal deadlines fire first-scheduled first.
    const entry = { at, seq: this.nextSeq++, value };
    const a = this.items;
    a.push(entry);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  peek(): TimerEntry<T> | undefined {
    return this.items[0];
  }

  pop(): TimerEntry<T> | undefined {
    const a = this.items;
    const top = a[0];
    if (top === undefined) return undefined;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

function less<T>(x: TimerEntry<T>, y: TimerEntry<T>): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}
