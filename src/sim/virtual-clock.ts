// Clock port on the simulator's virtual time: one pending wake-up per director, replaced by each
// wakeAt call, exactly as the real clock port keeps one timer.

import type { Instant } from '../base/time.ts';
import type { Clock } from '../runtime/ports.ts';
import type { SimEvent, SimWorld } from './sim-world.ts';

export class VirtualClock implements Clock {
  private pending: SimEvent | undefined;
  wakeCount = 0;

  constructor(private readonly world: SimWorld, private readonly label: string) {}

  now(): Instant {
    return this.world.now;
  }

  wakeAt(at: Instant | undefined, onWake: () => void): void {
    if (this.pending) this.pending.cancelled = true;
    this.pending = undefined;
    if (at === undefined) return;
    this.pending = this.world.schedule(at, `${this.label} wake`, () => {
      this.pending = undefined;
      this.wakeCount++;
      onWake();
    });
  }

  /** A crashed director's timer dies with it. */
  cancel(): void {
    if (this.pending) this.pending.cancelled = true;
    this.pending = undefined;
  }
}
