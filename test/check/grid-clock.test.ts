// The LVS half's wake grid (src/daemon/lvs-start.ts gridClock): a wake is never earlier than the
// deadline asked for (a core is never woken before its deadline), at most one grid step later,
// and always on the grid, so probes due close together share one wake of the event loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Instant } from '../../src/base/time.ts';
import { gridClock, LVS_WAKE_GRID_US } from '../../src/daemon/lvs-start.ts';
import type { Clock } from '../../src/runtime/ports.ts';

function recording(): { clock: Clock; asked: (Instant | undefined)[] } {
  const asked: (Instant | undefined)[] = [];
  return { asked, clock: { now: () => 7, wakeAt: (at) => { asked.push(at); } } };
}

test('gridClock: on the grid, never early, at most one step late; undefined cancels; now passes through', () => {
  const { clock, asked } = recording();
  const g = gridClock(clock, LVS_WAKE_GRID_US);
  assert.equal(g.now(), 7);
  g.wakeAt(undefined, () => undefined);
  g.wakeAt(LVS_WAKE_GRID_US * 3, () => undefined);
  g.wakeAt(LVS_WAKE_GRID_US * 3 + 1, () => undefined);
  assert.deepEqual(asked, [undefined, LVS_WAKE_GRID_US * 3, LVS_WAKE_GRID_US * 4]);
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 45 }), (at) => {
    g.wakeAt(at, () => undefined);
    const got = asked.at(-1)!;
    return got >= at && got - at < LVS_WAKE_GRID_US && got % LVS_WAKE_GRID_US === 0;
  }));
});

test('gridClock: deadlines inside one grid step share one wake time', () => {
  const { clock, asked } = recording();
  const g = gridClock(clock, 20_000);
  for (const at of [1_000_001, 1_005_000, 1_019_999, 1_020_000]) g.wakeAt(at, () => undefined);
  assert.deepEqual(asked, [1_020_000, 1_020_000, 1_020_000, 1_020_000]);
});
