// The simulator's own machinery: event order, replay from a seed, and the segment's faults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimWorld } from '../../src/sim/sim-world.ts';
import { L2Segment } from '../../src/sim/l2-segment.ts';
import { runRandomScenario } from '../../src/sim/random-scenario.ts';
import type { RxMeta } from '../../src/vrrp/wire/advert.ts';
import { ip } from './build.ts';

test('events run in time order, ties in insertion order; cancelled ones are skipped', () => {
  const w = new SimWorld(1);
  const seen: string[] = [];
  w.schedule(30, 'c', () => seen.push('c'));
  w.schedule(10, 'a', () => seen.push('a'));
  w.schedule(10, 'b', () => seen.push('b'));
  w.schedule(20, 'x', () => seen.push('x')).cancelled = true;
  w.schedule(20, 'd', () => { seen.push('d'); w.after(0, 'e', () => seen.push('e')); });
  w.runUntil(100);
  assert.deepEqual(seen, ['a', 'b', 'd', 'e', 'c']);
  assert.equal(w.now, 100);
});

test('a seed replays exactly', () => {
  for (const seed of [3, 17]) {
    const a = runRandomScenario(seed, { chaosUs: 30_000_000 });
    const b = runRandomScenario(seed, { chaosUs: 30_000_000 });
    assert.equal(a.eventsRun, b.eventsRun);
    assert.deepEqual(a.log, b.log);
    assert.equal(a.failovers, b.failovers);
  }
});

test('segment: multicast to all others, unicast to the owner, loss / duplication / partitions', () => {
  const w = new SimWorld(42);
  const seg = new L2Segment(w);
  const hosts = [1, 2, 3].map((n) => seg.attach(`h${n}`, [ip(`10.0.0.${n}`)]));
  const got = new Map<string, number>();
  hosts.forEach((h) => h.onReceive((_p: Uint8Array, _m: RxMeta) => got.set(h.name, (got.get(h.name) ?? 0) + 1)));
  const tx = (to: string) => hosts[0]!.send({ ifname: 'eth0', src: ip('10.0.0.1'), dst: ip(to), ttl: 255, payload: new Uint8Array(1) });
  tx('224.0.0.18');
  tx('10.0.0.3');
  w.runFor(1_000);
  assert.deepEqual([...got].sort(), [['h2', 1], ['h3', 2]]);
  got.clear();
  seg.faults = { loss: 0.5, duplication: 0, delayUs: 10, jitterUs: 0 };
  for (let i = 0; i < 1000; i++) tx('224.0.0.18');
  w.runFor(1_000);
  const h2 = got.get('h2')!;
  assert.ok(h2 > 400 && h2 < 600, `about half arrive: ${h2}`);
  got.clear();
  seg.faults = { loss: 0, duplication: 1, delayUs: 10, jitterUs: 0 };
  tx('224.0.0.18');
  w.runFor(1_000);
  assert.equal(got.get('h2'), 2);
  got.clear();
  seg.faults = { loss: 0, duplication: 0, delayUs: 10, jitterUs: 0 };
  hosts[2]!.partition = 1;
  tx('224.0.0.18');
  tx('224.0.0.18');
  hosts[1]!.partition = 1; // cut while the packets are in flight: lost
  w.runFor(1_000);
  assert.deepEqual([...got], []);
});
