// MonotonicClock: the Clock port on Linux (DESIGN section 4): CLOCK_MONOTONIC in microseconds
// and exactly ONE pending timer, replaced by every wakeAt call.
//
// Why monotonic: VRRP timers are intervals (Master_Down_Interval, Advertisement_Interval), and a
// wall-clock step (NTP, an operator's `date -s`) must never fire or stall them; keepalived uses
// CLOCK_MONOTONIC for the same reason (lib/timer.c). Cores are never woken before their deadline.
//
// Two ways to reach the deadline:
//  - coarse (default; the LVS half): setTimeout with the delay rounded UP, re-armed for the rest
//    when libuv fires early (its loop time lags the real clock). Wakes 0..~2 ms late: libuv
//    timers count whole milliseconds of a cached loop time, and a re-arm costs at least 1 ms.
//  - precise (the VRRP half: failover time is measured from the wire, keepalived's scheduler
//    wakes on a timerfd in microseconds): setTimeout lands up to PRECISE_WINDOW_US before the
//    deadline, and the rest is slept exactly: Atomics.wait (a futex wait with a sub-millisecond
//    timeout: no CPU) until SPIN_US before it, then a spin on the clock for the last few
//    microseconds (the futex overshoots by the kernel's timer slack, 50 us by default, plus the
//    wake-up). Measured lateness: tens of microseconds instead of up to 2 ms. Cost: the event
//    loop is blocked for up to PRECISE_WINDOW_US per wake; nothing is lost (sockets queue in the
//    kernel, and IoFirstClock reads them before the timer's callback runs), and at the
//    shortest advert_int (10 ms) it is at most a fifth of the time, asleep.
// A wakeAt never calls back synchronously (the driver re-arms from inside its step).

import type { Instant } from '../base/time.ts';
import type { Clock } from '../runtime/ports.ts';

const NS_PER_US = 1000n;
/** How far before the deadline the precise mode's setTimeout aims (covers libuv's ~2 ms of play). */
export const PRECISE_WINDOW_US = 2000;
/** The last stretch the precise mode spins instead of sleeping (futex overshoot is 50-100 us). */
export const SPIN_US = 120;

export interface ClockOptions {
  /** Wake within tens of microseconds after the deadline (see the theory above). */
  readonly precise?: boolean;
}

export interface ClockStats {
  /** Timers fired. */
  wakes: number;
  /** Microseconds slept or spun in the precise mode, in total and at most once. */
  blockedUs: number;
  maxBlockedUs: number;
  /** How late the callbacks ran after their deadlines: the worst and the sum (mean = sum / wakes). */
  maxLateUs: number;
  sumLateUs: number;
}

export class MonotonicClock implements Clock {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly origin = process.hrtime.bigint();
  private readonly precise: boolean;
  private readonly cell = new Int32Array(new SharedArrayBuffer(4));
  readonly stats: ClockStats = { wakes: 0, blockedUs: 0, maxBlockedUs: 0, maxLateUs: 0, sumLateUs: 0 };

  constructor(o: ClockOptions = {}) {
    this.precise = o.precise ?? false;
  }

  /** How many times a timer fired (for tests and stats). */
  get wakeCount(): number {
    return this.stats.wakes;
  }

  /** Microseconds since this clock was made (small numbers keep arithmetic exact). */
  now(): Instant {
    return Number((process.hrtime.bigint() - this.origin) / NS_PER_US);
  }

  wakeAt(at: Instant | undefined, onWake: () => void): void {
    this.cancel();
    if (at === undefined) return;
    this.schedule(at, onWake);
  }

  /** Drops the pending timer (daemon shutdown). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private schedule(at: Instant, onWake: () => void): void {
    const leftUs = at - this.now();
    if (!this.precise) {
      this.timer = setTimeout(() => this.coarse(at, onWake), Math.max(0, Math.ceil(leftUs / 1000)));
    } else if (leftUs > PRECISE_WINDOW_US) {
      this.timer = setTimeout(() => this.finish(at, onWake), Math.floor((leftUs - PRECISE_WINDOW_US) / 1000));
    } else {
      // Close (or past): finish on the next loop turn, after one poll for I/O.
      this.immediate = setImmediate(() => this.finish(at, onWake));
    }
  }

  private coarse(at: Instant, onWake: () => void): void {
    this.timer = undefined;
    // libuv measures timers from its cached loop time, which can lag the real clock by a
    // millisecond: a timer may fire that much early. Never wake a core before its deadline.
    if (this.now() < at) {
      this.schedule(at, onWake);
      return;
    }
    this.fire(at, onWake);
  }

  private finish(at: Instant, onWake: () => void): void {
    this.timer = undefined;
    this.immediate = undefined;
    const start = this.now();
    if (at - start > PRECISE_WINDOW_US) {
      this.schedule(at, onWake); // woke early by more than the window: one more setTimeout
      return;
    }
    for (let left = at - start; left > 0; left = at - this.now()) {
      if (left > SPIN_US) Atomics.wait(this.cell, 0, 0, (left - SPIN_US) / 1000);
    }
    const blocked = this.now() - start;
    this.stats.blockedUs += blocked;
    if (blocked > this.stats.maxBlockedUs) this.stats.maxBlockedUs = blocked;
    this.fire(at, onWake);
  }

  private fire(at: Instant, onWake: () => void): void {
    const late = this.now() - at;
    this.stats.wakes++;
    this.stats.sumLateUs += late;
    if (late > this.stats.maxLateUs) this.stats.maxLateUs = late;
    onWake();
  }
}
