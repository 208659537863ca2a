// MonotonicClock, both modes: never early (the cores' deadlines are lower bounds), one timer (a
// new wakeAt replaces the old, undefined cancels), never a synchronous callback (the driver
// re-arms from inside its step), and the precise mode really finishes by sleeping (Atomics.wait)
// rather than by a late setTimeout. How late each mode is, is a machine's figure: the bench
// (bench/failover-vs-keepalived.ts, KEEPALIVED_TS_TIMING=1) reports it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MonotonicClock, PRECISE_WINDOW_US } from '../../../src/os/clock.ts';

function wakeOnce(c: MonotonicClock, delayUs: number): Promise<{ early: number; sync: boolean }> {
  return new Promise((resolve) => {
    const at = c.now() + delayUs;
    let returned = false;
    c.wakeAt(at, () => resolve({ early: Math.max(0, at - c.now()), sync: !returned }));
    returned = true;
  });
}

for (const precise of [false, true]) {
  const mode = precise ? 'precise' : 'coarse';

  test(`clock (${mode}): never early, never synchronous, for deadlines past, near and far`, async () => {
    const c = new MonotonicClock({ precise });
    for (const delayUs of [-500, 0, 300, 1_500, PRECISE_WINDOW_US + 700, 7_300, 12_000]) {
      const r = await wakeOnce(c, delayUs);
      assert.equal(r.sync, false, `${delayUs} us: called back synchronously`);
      assert.equal(r.early, 0, `${delayUs} us: woke ${r.early} us early`);
    }
    assert.equal(c.wakeCount, 7);
    assert.equal(c.stats.wakes, 7);
    if (precise) assert.ok(c.stats.blockedUs > 0, 'the precise mode sleeps the last stretch');
    else assert.equal(c.stats.blockedUs, 0, 'the coarse mode never blocks');
  });

  test(`clock (${mode}): one timer - a new wakeAt replaces the old, undefined and cancel() disarm`, async () => {
    const c = new MonotonicClock({ precise });
    const fired: string[] = [];
    const t0 = c.now();
    c.wakeAt(t0 + 20_000, () => fired.push('first'));
    c.wakeAt(t0 + 30_000, () => fired.push(`second ${c.now() >= t0 + 30_000}`));
    for (let i = 0; i < 200 && fired.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
    await new Promise((res) => setTimeout(res, 30));
    assert.deepEqual(fired, ['second true']);
    c.wakeAt(c.now() + 10_000, () => fired.push('replaced by undefined'));
    c.wakeAt(undefined, () => fired.push('never'));
    c.wakeAt(c.now() + 500, () => fired.push('cancelled (near: immediate path)'));
    c.cancel();
    c.wakeAt(c.now() + 10_000, () => fired.push('cancelled (far: timeout path)'));
    c.cancel();
    await new Promise((res) => setTimeout(res, 40));
    assert.deepEqual(fired, ['second true']);
  });
}

test('clock: microseconds from its own origin, monotonic', () => {
  const c = new MonotonicClock();
  const a = c.now();
  const b = c.now();
  assert.ok(Number.isInteger(a) && a >= 0 && b >= a);
});
