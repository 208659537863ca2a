// Reload as a diff (keepalived SIGHUP) on the simulator: unchanged instances keep their state
// without a flap, changed VIPs move alone, a removed master hands over with priority 0, a new
// instance starts in BACKUP, and script statuses survive. Invariants are checked after every event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DirectorSpec } from '../../src/runtime/director.ts';
import { SimCluster } from '../../src/sim/sim-cluster.ts';
import { skewUs } from '../../src/vrrp/timing.ts';
import { addNode, entered, inst, ip, script, stateOf } from './build.ts';

function pair() {
  const c = new SimCluster(1);
  c.setFaults({ delayUs: 0 });
  const a = addNode(c, 1, { priority: 150 });
  const b = addNode(c, 2, { priority: 100 });
  a.start(); b.start();
  c.world.runFor(10_000_000);
  assert.equal(stateOf(a), 'MASTER');
  return { c, a, b };
}

const changes = (h: { events: readonly { kind: string }[] }) => h.events.filter((e) => e.kind === 'stateChanged').length;

test('reloading the same configuration changes nothing on the wire or in the addresses', () => {
  const { c, a, b } = pair();
  const before = [changes(a), changes(b)];
  const sent = a.link.sent;
  a.reload({ ...a.spec });
  b.reload({ ...b.spec });
  c.world.runFor(10_000_000);
  assert.deepEqual([changes(a), changes(b)], before);
  assert.equal(stateOf(a), 'MASTER');
  assert.ok(a.link.sent - sent >= 9 && a.link.sent - sent <= 11, 'adverts kept their rhythm');
  assert.equal(a.director.instances[0]!.stats.priZeroSent, 0);
  assert.deepEqual(c.violations, []);
});

test('a master reloaded with one VIP swapped moves only that VIP', () => {
  const { c, a } = pair();
  const spec: DirectorSpec = { ...a.spec, instances: [inst(1, { priority: 150, vips: [{ addr: ip('10.0.0.151'), prefixLen: 24 }] })] };
  a.reload(spec);
  c.world.runFor(1_000_000);
  assert.equal(stateOf(a), 'MASTER');
  assert.deepEqual([...a.addresses.held], ['eth0/10.0.0.151/24']);
  assert.deepEqual(c.violations, []);
});

test('removing the master instance hands over with priority 0 (backup after skew)', () => {
  const { c, a, b } = pair();
  const t = c.world.now;
  a.reload({ ...a.spec, instances: [] });
  c.world.runFor(5_000_000);
  assert.equal(a.director.instances.length, 0);
  assert.equal(a.addresses.held.size, 0);
  assert.equal(entered(b, 'MASTER')[0]! - t, skewUs(2, 100, 1_000_000));
  assert.deepEqual(c.violations, []);
});

test('a backup reloaded above the master preempts it after master-down; a new instance starts in BACKUP', () => {
  const { c, a, b } = pair();
  const t = c.world.now;
  b.reload({ ...b.spec, instances: [inst(2, { priority: 200 }), inst(2, { name: 'VI_52', vrid: 52, priority: 100 })] });
  c.world.runFor(10_000_000);
  assert.equal(stateOf(b), 'MASTER');
  assert.equal(stateOf(a), 'BACKUP');
  assert.equal(stateOf(b, 'VI_52'), 'MASTER', 'alone on VRID 52');
  assert.deepEqual(entered(b, 'BACKUP', 'VI_52'), [t], 'the new instance started in BACKUP at the reload');
  assert.equal(entered(b, 'BACKUP', 'VI_51').length, 1, 'the kept instance did not restart');
  assert.deepEqual(c.violations, []);
});

test('script statuses survive a reload; a failing weight-0 script keeps the instance in FAULT', () => {
  const c = new SimCluster(1);
  const scripts = [script('chk', { rise: 3, fall: 3 })];
  const a = addNode(c, 1, { priority: 150, trackScripts: [{ name: 'chk', weight: 0, reverse: false }] }, { scripts });
  a.start();
  c.world.runFor(10_000_000);
  a.setScriptHealthy('chk', false);
  c.world.runFor(5_000_000);
  assert.equal(stateOf(a), 'FAULT');
  a.reload({ ...a.spec });
  c.world.runFor(500_000);
  assert.equal(stateOf(a), 'FAULT');
  a.setScriptHealthy('chk', true);
  c.world.runFor(2_100_000);
  assert.equal(stateOf(a), 'FAULT', 'rise 3 still counts from the carried status');
  c.world.runFor(10_000_000);
  assert.equal(stateOf(a), 'MASTER');
  assert.deepEqual(c.violations, []);
});

test('an identical reload of a FAULT instance with several trackers does not flap (seed 20000544)', () => {
  const c = new SimCluster(1);
  const scripts = [script('chk')];
  const a = addNode(c, 1, {
    priority: 150,
    trackScripts: [{ name: 'chk', weight: 0, reverse: false }],
    trackInterfaces: [{ ifname: 'eth1', weight: 25, reverse: false }],
  }, { scripts });
  a.start();
  a.setInterface('eth1', false);
  a.setScriptHealthy('chk', false);
  c.world.runFor(5_000_000);
  assert.equal(stateOf(a), 'FAULT');
  const n = changes(a);
  a.reload({ ...a.spec });
  c.world.runFor(5_000_000);
  assert.equal(changes(a), n);
  assert.equal(stateOf(a), 'FAULT');
});
