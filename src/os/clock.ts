// MonotonicClock: the Clock port on Linux (DESIGN section 4): CLOCK_MONOTONIC in microseconds
// and exactly ONE pending timer, replaced by every wakeAt call.
//
// Why monotonic: VRRP timers are intervals (Master_Down_Interval, Advertisement_Interval), and a
// wall-clock step (NTP, an operator's `date -s`) must never fire or stall them; keepalived uses
// CLOCK_MONOTONIC for the same reason (lib/timer.c). setTimeout has millisecond resolution, so
// the delay is rounded UP, and a timer that libuv fires a little early is re-armed for the rest:
// cores are never woken before their deadline, and at most about 1 ms after it, which is what
// keepalived's own select loop does too.

import type { Instant } from '../base/time.ts';
import type { Clock } from '../runtime/ports.ts';

const NS_PER_US = 1000n;

export class MonotonicClock implements Clock {
  private timer: NodeJS.Timeout | undefined;
  private readonly origin = process.hrtime.bigint();
  /** How many times a timer fired (for tests and stats). */
  wakeCount = 0;

  /** Microseconds since this clock was made (small numbers keep arithmetic exact). */
  now(): Instant {
    return Number((process.hrtime.bigint() - this.origin) / NS_PER_US);
  }

  wakeAt(at: Instant | undefined, onWake: () => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (at === undefined) return;
    this.arm(at, onWake);
  }

  private arm(at: Instant, onWake: () => void): void {
    const delayMs = Math.max(0, Math.ceil((at - this.now()) / 1000));
    this.timer = setTimeout(() => {
      // libuv measures timers from its cached loop time, which can lag the real clock by a
      // millisecond: a timer may fire that much early. Never wake a core before its deadline.
      if (this.now() < at) {
        this.arm(at, onWake);
        return;
      }
      this.timer = undefined;
      this.wakeCount++;
      onWake();
    }, delayMs);
  }

  /** Drops the pending timer (daemon shutdown). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
