// keepalived's integer timer formulas against the numbers in vrrp-notes.md (measured failover of
// keepalived 2.2.7 and include/vrrp.h): v2 p=100 skew 609375 us, master-down 3609375 us; v3 at
// 0.1 s: skew 60937 us (61 ms measured), master-down 360937 us (361 ms measured).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advertIntervalUs, masterDownUs, skewUs } from '../../../src/vrrp/timing.ts';

test('v2 skew and master-down for priority 100, advert_int 1 s', () => {
  assert.equal(skewUs(2, 100, 1_000_000), 609_375);
  assert.equal(masterDownUs(2, 100, 1_000_000), 3_609_375);
  // keepalived's measured gaps: crash 3609.6 ms min, priority-0 stop 609.6 ms min.
  assert.equal(Math.floor(masterDownUs(2, 100, 1_000_000) / 1000), 3609);
  assert.equal(Math.floor(skewUs(2, 100, 1_000_000) / 1000), 609);
});

test('v3 skew and master-down for priority 100, advert_int 0.1 s (10 cs)', () => {
  assert.equal(advertIntervalUs(10), 100_000);
  // (256-100) * 10 * 625 / 16 = 60937.5, truncated as C unsigned division does.
  assert.equal(skewUs(3, 100, 100_000), 60_937);
  assert.equal(masterDownUs(3, 100, 100_000), 360_937);
  assert.equal(Math.round(masterDownUs(3, 100, 100_000) / 1000), 361);
  assert.equal(Math.round(skewUs(3, 100, 100_000) / 1000), 61);
});

test('v2 skew ignores the interval; v3 scales with it (sub-centisecond part dropped)', () => {
  assert.equal(skewUs(2, 100, 5_000_000), 609_375);
  assert.equal(skewUs(3, 100, 1_000_000), 609_375);
  assert.equal(skewUs(3, 100, 100_009), 60_937);
  assert.equal(skewUs(2, 255, 1_000_000), 3_906); // TIMER_HZ/256
  assert.equal(skewUs(3, 1, 4_095 * 10_000), Math.floor((255 * 4095 * 625) / 16));
  assert.equal(masterDownUs(2, 100, 1_000_000, 5), 5_609_375);
});

test('skew decreases as priority rises (higher priority wins the race)', () => {
  for (let p = 1; p < 255; p++) {
    assert.ok(skewUs(2, p + 1, 1_000_000) <= skewUs(2, p, 1_000_000));
    assert.ok(skewUs(3, p + 1, 100_000) <= skewUs(3, p, 100_000));
  }
});
