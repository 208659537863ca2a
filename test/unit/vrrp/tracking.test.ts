// Effective priority and FAULT from trackers (keepalived vrrp_track.c: clamp 1..254, owner
// unchanged, weight 0 = FAULT, reverse, track_file value x weight with < -253 = FAULT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tracking } from '../../../src/vrrp/tracking.ts';
import { spec } from './fixtures.ts';

const scripts = (...ws: Array<[string, number, boolean?]>) => ws.map(([name, weight, reverse]) => ({ name, weight, reverse: reverse ?? false }));

test('script weights: +w while OK, -|w| while failed, weight 0 faults', () => {
  const t = new Tracking(spec({ priority: 100, trackScripts: scripts(['up', 20], ['down', -30], ['hard', 0]) }));
  assert.equal(t.effectivePriority(), 120);
  t.apply({ kind: 'script', name: 'up', ok: false });
  assert.equal(t.effectivePriority(), 100);
  t.apply({ kind: 'script', name: 'down', ok: false });
  assert.equal(t.effectivePriority(), 70);
  assert.ok(!t.isFault());
  t.apply({ kind: 'script', name: 'hard', ok: false });
  assert.deepEqual(t.faultReasons(), ['track_script hard failed']);
  assert.equal(t.apply({ kind: 'script', name: 'other', ok: false }), false);
});

test('clamped to 1..254; the owner (255) never moves', () => {
  const hi = new Tracking(spec({ priority: 250, trackScripts: scripts(['a', 100]) }));
  assert.equal(hi.effectivePriority(), 254);
  const lo = new Tracking(spec({ priority: 10, trackScripts: scripts(['a', -100]) }));
  lo.apply({ kind: 'script', name: 'a', ok: false });
  assert.equal(lo.effectivePriority(), 1);
  const owner = new Tracking(spec({ priority: 255, trackScripts: scripts(['a', -100]) }));
  owner.apply({ kind: 'script', name: 'a', ok: false });
  assert.equal(owner.effectivePriority(), 255);
});

test('reverse swaps OK and failed', () => {
  const t = new Tracking(spec({ priority: 100, trackScripts: scripts(['r', -50, true], ['z', 0, true]) }));
  // Scripts count as OK until a result arrives, so reversed ones start as failed.
  assert.equal(t.effectivePriority(), 50);
  assert.ok(t.isFault());
  t.apply({ kind: 'script', name: 'z', ok: false });
  t.apply({ kind: 'script', name: 'r', ok: false });
  assert.ok(!t.isFault());
  assert.equal(t.effectivePriority(), 100);
  t.apply({ kind: 'script', name: 'r', ok: true });
  assert.equal(t.effectivePriority(), 50);
});

test('track_interface and the own interface', () => {
  const t = new Tracking(spec({ priority: 100, trackInterfaces: [
    { ifname: 'eth1', weight: 0, reverse: false }, { ifname: 'eth2', weight: -40, reverse: false }, { ifname: 'eth3', weight: 10, reverse: false },
  ] }));
  assert.equal(t.effectivePriority(), 110);
  t.apply({ kind: 'interface', ifname: 'eth2', up: false });
  t.apply({ kind: 'interface', ifname: 'eth3', up: false });
  assert.equal(t.effectivePriority(), 60);
  t.apply({ kind: 'interface', ifname: 'eth1', up: false });
  assert.deepEqual(t.faultReasons(), ['tracked interface eth1 down']);
  const own = new Tracking(spec());
  own.apply({ kind: 'interface', ifname: 'eth0', up: false });
  assert.ok(own.isFault());
  const dont = new Tracking(spec({ dontTrackPrimary: true }));
  dont.apply({ kind: 'interface', ifname: 'eth0', up: false });
  assert.ok(!dont.isFault());
});

test('track_file: value x weight; weight 0 faults on non-zero; below -253 faults', () => {
  const t = new Tracking(spec({ priority: 100, trackFiles: [{ name: 'f', weight: -10, reverse: false }, { name: 'g', weight: 0, reverse: false }] }));
  t.apply({ kind: 'file', name: 'f', value: 3 });
  assert.equal(t.effectivePriority(), 70);
  t.apply({ kind: 'file', name: 'f', value: 26 });
  assert.ok(t.isFault());
  t.apply({ kind: 'file', name: 'f', value: -2 });
  assert.equal(t.effectivePriority(), 120);
  t.apply({ kind: 'file', name: 'g', value: 1 });
  assert.ok(t.isFault());
  t.apply({ kind: 'file', name: 'g', value: Number.NaN });
  assert.ok(!t.isFault());
});
