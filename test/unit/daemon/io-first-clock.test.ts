// IoFirstClock: a due timer's callback runs after one poll for I/O, so input that arrived while
// the process was stalled is handled first (the master's queued adverts reset a backup's
// master-down timer before it can fire: RFC 5798 section 6.4.2). Checked with a hand-driven inner
// clock (deferral, re-arming, cancel) and with Node's real event loop: a datagram that reaches a
// loopback UDP socket during a stall past the deadline is read before the callback - and, as the
// control that shows the test can fail, after it without IoFirstClock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Instant } from '../../../src/base/time.ts';
import { IoFirstClock } from '../../../src/daemon/io-first-clock.ts';
import { MonotonicClock } from '../../../src/os/clock.ts';
import type { Clock } from '../../../src/runtime/ports.ts';

/** An inner clock fired by hand: the pending (at, callback), and how often it was armed. */
class HandClock implements Clock {
  t: Instant = 1000;
  pending: { at: Instant; cb: () => void } | undefined;
  armed = 0;
  now(): Instant {
    return this.t;
  }
  wakeAt(at: Instant | undefined, cb: () => void): void {
    this.armed++;
    this.pending = at === undefined ? undefined : { at, cb };
  }
  fire(): void {
    const p = this.pending;
    this.pending = undefined;
    p?.cb();
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('io-first clock: the callback runs on a later turn, never inside the inner timer callback', async () => {
  const inner = new HandClock();
  const c = new IoFirstClock(inner);
  const seen: string[] = [];
  c.wakeAt(5000, () => seen.push('wake'));
  assert.equal(inner.pending?.at, 5000);
  assert.equal(c.now(), inner.t);
  inner.fire();
  assert.equal(seen.length, 0, 'deferred past the inner callback');
  await turn();
  await turn();
  assert.deepEqual(seen, ['wake']);
});

test('io-first clock: a re-arm or cancel between the inner firing and the deferred call drops the stale callback', async () => {
  const inner = new HandClock();
  const c = new IoFirstClock(inner);
  const seen: string[] = [];
  c.wakeAt(5000, () => seen.push('old'));
  inner.fire();
  c.wakeAt(9000, () => seen.push('new')); // e.g. an advert read in the poll phase re-armed the timer
  await turn();
  await turn();
  assert.equal(seen.length, 0, 'the stale callback is dropped, the new one not yet due');
  inner.fire();
  await turn();
  await turn();
  assert.deepEqual(seen, ['new']);

  c.wakeAt(12000, () => seen.push('cancelled'));
  inner.fire();
  c.cancel();
  assert.equal(inner.pending, undefined, 'cancel disarms the inner clock');
  await turn();
  await turn();
  c.wakeAt(undefined, () => seen.push('never'));
  assert.equal(inner.pending, undefined);
  await turn();
  assert.deepEqual(seen, ['new']);
});

/**
 * Arms `clock` 3 ms ahead, sends one datagram to a loopback socket, then stalls the event loop
 * for 30 ms (as a GC pause or a busy CPU does); returns which callback ran first afterwards.
 */
async function orderAfterStall(clock: Clock): Promise<string[]> {
  const rx = createSocket('udp4');
  const tx = createSocket('udp4');
  try {
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
    const port = rx.address().port;
    const order: string[] = [];
    const done = new Promise<void>((resolve) => {
      const maybeDone = (): void => { if (order.length === 2) resolve(); };
      rx.on('message', () => { order.push('datagram'); maybeDone(); });
      clock.wakeAt(clock.now() + 3000, () => { order.push('timer'); maybeDone(); });
    });
    await new Promise<void>((r) => tx.send('x', port, '127.0.0.1', () => r()));
    const until = Date.now() + 30;
    while (Date.now() < until) { /* the stall */ }
    const timeout = setTimeout(() => order.push('timeout'), 2000);
    await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
    clearTimeout(timeout);
    return order;
  } finally {
    rx.close();
    tx.close();
  }
}

test('io-first clock on the real event loop: input queued during a stall is read before the due timer fires', async () => {
  for (const precise of [false, true]) {
    const order = await orderAfterStall(new IoFirstClock(new MonotonicClock({ precise })));
    assert.deepEqual(order, ['datagram', 'timer'], `IoFirstClock over a ${precise ? 'precise' : 'coarse'} MonotonicClock`);
  }
  // The control: Node runs expired timers before it polls for I/O.
  for (const precise of [false, true]) {
    const order = await orderAfterStall(new MonotonicClock({ precise }));
    assert.deepEqual(order, ['timer', 'datagram'], `a bare ${precise ? 'precise' : 'coarse'} MonotonicClock`);
  }
});
