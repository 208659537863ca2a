// The respawn schedule of the supervising parent (src/daemon/supervisor-backoff.ts): doubling
// from 1 s to a 30 s cap while workers keep dying young, back to 1 s after a worker that ran a
// minute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { respawnDelayMs } from '../../../src/daemon/supervisor-backoff.ts';

function schedule(uptimesMs: readonly number[]): number[] {
  const out: number[] = [];
  let d: number | undefined;
  for (const u of uptimesMs) {
    d = respawnDelayMs(d, u);
    out.push(d);
  }
  return out;
}

test('a worker that keeps dying at start: 1 s doubling to a 30 s cap', () => {
  assert.deepEqual(schedule([10, 10, 10, 10, 10, 10, 10, 10]), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test('a worker that ran 60 s or more was healthy: the schedule starts again at 1 s', () => {
  assert.deepEqual(schedule([10, 10, 10, 60_000, 10, 59_999, 10]), [1000, 2000, 4000, 1000, 2000, 4000, 8000]);
  assert.equal(respawnDelayMs(30_000, 60_000), 1000);
  assert.equal(respawnDelayMs(30_000, 59_999), 30_000);
});

test('the first death waits 1 s whatever the uptime', () => {
  assert.equal(respawnDelayMs(undefined, 0), 1000);
  assert.equal(respawnDelayMs(undefined, 3_600_000), 1000);
});
