import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InFlight } from '../../../src/daemon/in-flight.ts';

test('InFlight: idle waits for every begun operation (each end counted once), or gives up at the timeout', async () => {
  const f = new InFlight();
  await f.idle(10); // nothing in flight: at once
  const a = f.begin();
  const b = f.begin();
  let idle = false;
  const waiting = f.idle(10_000).then(() => { idle = true; });
  a();
  a(); // a second call of the same end does not count twice
  await new Promise((r) => setImmediate(r));
  assert.equal(idle, false);
  assert.equal(f.pending, 1);
  b();
  await waiting;
  assert.equal(idle, true);
  const c = f.begin();
  const t0 = Date.now();
  await f.idle(20);
  assert.ok(Date.now() - t0 >= 15, 'bounded by the timeout');
  c();
});
