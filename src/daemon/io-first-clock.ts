// IoFirstClock: a Clock that lets pending socket input in before a timer's callback runs.
//
// Why: Node's event loop runs expired timers BEFORE it polls for I/O. When the daemon is stalled
// (a GC pause, a busy CPU: bench/vrrp-soak.ts at advert_int 0.01 with stress-ng) for longer than
// Master_Down_Interval (3 x 10 ms + skew), the master's adverts that reached our socket during
// the stall wait in the kernel while the backup's master-down timer fires first - a spurious
// takeover, although every advert arrived in time (RFC 5798 section 6.4.2: any advert from the
// master resets the timer). Deferring the callback with setImmediate puts one poll phase between
// the timer and the core: the queued adverts are read and reset the timer first, and the timer
// callback then finds nothing due. Cost: the callback runs a few microseconds later, in the same
// loop iteration.
//
// A deferred callback is dropped if wakeAt was called again meanwhile (the driver re-arms its one
// timer after every input, so the newer arming is the one that counts).

import type { Instant } from '../base/time.ts';
import type { Clock } from '../runtime/ports.ts';

export class IoFirstClock implements Clock {
  private generation = 0;
  private immediate: NodeJS.Immediate | undefined;

  constructor(private readonly inner: Clock) {}

  now(): Instant {
    return this.inner.now();
  }

  wakeAt(at: Instant | undefined, onWake: () => void): void {
    const gen = ++this.generation;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.inner.wakeAt(at, () => {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        if (gen === this.generation) onWake();
      });
    });
  }

  cancel(): void {
    this.generation++;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.inner.wakeAt(undefined, () => undefined);
  }
}
