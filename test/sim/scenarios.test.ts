// Failover scenarios on the simulator: the real Director and VrrpInstance code on virtual time,
// with exact microsecond expectations derived from keepalived's formulas (vrrp-notes.md: v2
// priority 100 fails over in 3609 ms on a crash and 609 ms on a priority-0 stop; v3 at 0.1 s in
// 361 / 61 ms). Invariants (VIPs iff MASTER, sync groups together, one master once stable) are
// checked after every event of every scenario.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from '../../src/sim/sim-cluster.ts';
import type { SimHost } from '../../src/sim/sim-host.ts';
import { masterDownUs, skewUs } from '../../src/vrrp/timing.ts';
import { addNode, entered, stateOf } from './build.ts';

function cluster(seed = 1): SimCluster {
  const c = new SimCluster(seed);
  c.setFaults({ delayUs: 0 });
  return c;
}

function noViolations(c: SimCluster): void {
  assert.deepEqual(c.violations, []);
  assert.ok(c.checksRun > 0);
}

/** Time of the last advert `h` put on the wire before `before`, from its sent counter trail. */
function firstGarpAfter(h: SimHost, t: number): number {
  return h.announcer.sent.find((s) => s.at >= t)!.at;
}

test('election at start-up: the higher priority wins after its own master-down interval', () => {
  const c = cluster();
  const a = addNode(c, 1, { priority: 150 });
  const b = addNode(c, 2, { priority: 100 });
  a.start(); b.start();
  c.world.runFor(10_000_000);
  assert.deepEqual(entered(a, 'MASTER'), [masterDownUs(2, 150, 1_000_000)]);
  assert.equal(entered(a, 'MASTER')[0], 3_414_062);
  assert.deepEqual(entered(b, 'MASTER'), []);
  assert.equal(stateOf(b), 'BACKUP');
  assert.equal(a.announcer.sent.filter((s) => s.at === 3_414_062).length, 5, 'garp_master_repeat 5');
  assert.equal(a.announcer.sent.filter((s) => s.at === 3_414_062 + 5_000_000).length, 5, 'garp_master_delay burst');
  assert.ok(a.addresses.held.size === 1 && b.addresses.held.size === 0);
  noViolations(c);
});

for (const v of [
  { version: 2 as const, cs: 100, crashGap: 3_609_375, stopGap: 609_375 },
  { version: 3 as const, cs: 10, crashGap: 360_937, stopGap: 60_937 },
]) {
  test(`v${v.version} advert ${v.cs} cs: crash gap ${v.crashGap} us, priority-0 gap ${v.stopGap} us`, () => {
    for (const mode of ['crash', 'stop'] as const) {
      const c = cluster();
      const a = addNode(c, 1, { priority: 150, version: v.version, advertIntervalCs: v.cs });
      const b = addNode(c, 2, { priority: 100, version: v.version, advertIntervalCs: v.cs });
      a.start(); b.start();
      c.world.runFor(10_000_000);
      assert.equal(stateOf(a), 'MASTER');
      // The master's adverts go out at whole intervals after it became master; pick the moment
      // right after one, so the last advert on the wire is that one.
      const becameMaster = entered(a, 'MASTER')[0]!;
      const k = Math.ceil((c.world.now - becameMaster) / (v.cs * 10_000));
      const lastAdvert = becameMaster + k * v.cs * 10_000;
      c.world.runUntil(lastAdvert);
      const tx = a.link.sent;
      if (mode === 'crash') c.crash('d1'); else c.stop('d1');
      if (mode === 'stop') assert.equal(a.link.sent, tx + 1, 'one priority-0 advert');
      c.world.runFor(10_000_000);
      const gap = firstGarpAfter(b, lastAdvert) - lastAdvert;
      assert.equal(gap, mode === 'crash' ? v.crashGap : v.stopGap);
      assert.equal(Math.floor(gap / 1000), Math.floor((mode === 'crash' ? v.crashGap : v.stopGap) / 1000));
      assert.equal(stateOf(b), 'MASTER');
      if (mode === 'stop') assert.equal(a.addresses.held.size, 0);
      noViolations(c);
    }
  });
}

test('preemption: a returning higher priority discards lower adverts, then takes over after master-down', () => {
  const c = cluster();
  const a = addNode(c, 1, { priority: 150 });
  const b = addNode(c, 2, { priority: 100 });
  b.start();
  c.world.runFor(10_000_000);
  assert.equal(stateOf(b), 'MASTER');
  a.start();
  const t0 = c.world.now;
  c.world.runFor(10_000_000);
  assert.deepEqual(entered(a, 'MASTER'), [t0 + masterDownUs(2, 150, 1_000_000)]);
  assert.ok(a.director.instances[0]!.stats.lowerPriorityDiscarded >= 3);
  assert.equal(stateOf(b), 'BACKUP');
  assert.equal(entered(b, 'BACKUP').at(-1), t0 + masterDownUs(2, 150, 1_000_000));
  noViolations(c);
});

test('nopreempt: a higher-priority backup never takes over a live master', () => {
  const c = cluster();
  const a = addNode(c, 1, { priority: 150, nopreempt: true });
  const b = addNode(c, 2, { priority: 100 });
  b.start();
  c.world.runFor(10_000_000);
  a.start();
  c.world.runFor(60_000_000);
  assert.equal(stateOf(a), 'BACKUP');
  assert.equal(stateOf(b), 'MASTER');
  c.crash('d2');
  c.world.runFor(10_000_000);
  assert.equal(stateOf(a), 'MASTER');
  noViolations(c);
});

test('preempt_delay: the higher priority tolerates the lower master until the delay expires', () => {
  const c = cluster();
  const a = addNode(c, 1, { priority: 150, preemptDelayUs: 5_000_000 });
  const b = addNode(c, 2, { priority: 100 });
  b.start();
  c.world.runFor(10_000_000);
  const t0 = c.world.now;
  a.start();
  c.world.runFor(20_000_000);
  const at = entered(a, 'MASTER')[0]! - t0;
  assert.ok(at > 5_000_000 && at <= 5_000_000 + masterDownUs(2, 150, 1_000_000), `took over at ${at}`);
  assert.equal(stateOf(b), 'BACKUP');
  noViolations(c);
});

test('track_script weight -60 swings the VIP to the backup and back (keepalived: about 3.2 s)', () => {
  const c = cluster();
  const scripts = [{ name: 'chk', command: 'chk', intervalUs: 1_000_000, timeoutUs: 1_000_000, rise: 2, fall: 2, initFail: false }];
  const a = addNode(c, 1, { priority: 150, trackScripts: [{ name: 'chk', weight: -60, reverse: false }] }, { scripts });
  const b = addNode(c, 2, { priority: 100 });
  a.start(); b.start();
  c.world.runFor(10_000_000);
  assert.equal(stateOf(a), 'MASTER');
  const tFail = c.world.now;
  a.setScriptHealthy('chk', false);
  c.world.runFor(2_500_000);
  assert.equal(a.director.instances[0]!.effectivePriority, 90, 'fall 2 -> lowered after two failures');
  assert.equal(stateOf(a), 'MASTER', 'a lowered master keeps advertising; it does not step down itself');
  c.world.runFor(10_000_000);
  assert.equal(stateOf(b), 'MASTER');
  assert.equal(stateOf(a), 'BACKUP');
  const took = entered(b, 'MASTER')[0]! - tFail;
  assert.ok(took > 2_000_000 && took < 2_000_000 + 1_000_000 + masterDownUs(2, 100, 1_000_000), `${took}`);
  assert.ok(b.addresses.held.size === 1 && a.addresses.held.size === 0);
  a.setScriptHealthy('chk', true);
  c.world.runFor(10_000_000);
  assert.equal(stateOf(a), 'MASTER');
  assert.equal(a.director.instances[0]!.effectivePriority, 150);
  noViolations(c);
});

test('v3 backup adopts the master interval and reverts to its own as master', () => {
  const c = cluster();
  const a = addNode(c, 1, { priority: 150, version: 3, advertIntervalCs: 50 });
  const b = addNode(c, 2, { priority: 100, version: 3, advertIntervalCs: 100 });
  a.start(); b.start();
  c.world.runFor(10_000_000);
  const bi = b.director.instances[0]!;
  assert.equal(bi.masterAdvertIntervalUs, 500_000);
  const becameMaster = entered(a, 'MASTER')[0]!;
  const last = becameMaster + Math.ceil((c.world.now - becameMaster) / 500_000) * 500_000;
  c.world.runUntil(last);
  c.crash('d1');
  c.world.runFor(10_000_000);
  // 3 * 0.5 s + (256-100) * 50 * 625 / 16 = 1500000 + 304687
  assert.equal(entered(b, 'MASTER')[0]! - last, 1_500_000 + skewUs(3, 100, 500_000));
  assert.equal(entered(b, 'MASTER')[0]! - last, 1_804_687);
  assert.equal(bi.masterAdvertIntervalUs, 1_000_000);
  noViolations(c);
});

test('start-up rules: owner with state MASTER after 1 us; state MASTER non-owner after adver_int + min skew', () => {
  const c = cluster();
  const a = addNode(c, 1, { priority: 255, wantMaster: true });
  const b = addNode(c, 2, { priority: 200, wantMaster: true, vrid: 52 });
  a.start(); b.start();
  c.world.runFor(5_000_000);
  assert.deepEqual(entered(a, 'MASTER'), [1]);
  assert.deepEqual(entered(b, 'MASTER'), [1_000_000 + 3_906]);
  noViolations(c);
});

test('partition and heal: both sides elect a master, the heal leaves the higher one within an interval', () => {
  const c = cluster();
  const a = addNode(c, 1, { priority: 150 });
  const b = addNode(c, 2, { priority: 100 });
  a.start(); b.start();
  c.world.runFor(10_000_000);
  c.partition([['d1'], ['d2']]);
  c.world.runFor(10_000_000);
  assert.equal(stateOf(a), 'MASTER');
  assert.equal(stateOf(b), 'MASTER');
  const tx = a.link.sent;
  c.heal();
  const tHeal = c.world.now;
  c.world.runFor(1_000_000);
  assert.equal(stateOf(b), 'BACKUP');
  assert.ok(entered(b, 'BACKUP').at(-1)! - tHeal <= 1_000_000);
  // a heard b's lower advert and re-advertised at once, beyond its periodic adverts
  assert.ok(a.notifier.log.some((n) => n.event === 'masterRxLowerPri'));
  assert.ok(a.link.sent - tx >= 2);
  c.world.runFor(10_000_000);
  noViolations(c);
});

test('equal priorities: the higher primary address wins', () => {
  const c = cluster();
  const a = addNode(c, 1, { priority: 100 });
  const b = addNode(c, 2, { priority: 100 });
  a.start(); b.start();
  c.world.runFor(10_000_000);
  assert.equal(stateOf(b), 'MASTER');
  assert.equal(stateOf(a), 'BACKUP');
  noViolations(c);
});

test('unicast peers: election over unicast, and check_unicast_src drops a stranger', () => {
  const c = cluster();
  const peers = (n: number) => [1, 2].filter((x) => x !== n).map((x) => ({ family: 4 as const, bytes: Uint8Array.of(10, 0, 0, x) }));
  const a = addNode(c, 1, { priority: 150, unicastPeers: peers(1), checkUnicastSrc: true });
  const b = addNode(c, 2, { priority: 100, unicastPeers: peers(2), checkUnicastSrc: true });
  const stranger = addNode(c, 3, { priority: 200, vrid: 51, unicastPeers: [{ family: 4, bytes: Uint8Array.of(10, 0, 0, 1) }] });
  a.start(); b.start();
  c.world.runFor(10_000_000);
  assert.equal(stateOf(a), 'MASTER');
  assert.equal(stateOf(b), 'BACKUP');
  stranger.start();
  c.world.runFor(10_000_000);
  assert.equal(stateOf(a), 'MASTER', 'adverts from a non-peer are dropped');
  assert.ok(a.director.instances[0]!.stats.rejected.unicastSource > 0);
  assert.equal(c.violations.filter((v) => !v.message.includes('masters')).length, 0);
});

test('sync group: a fault in one member faults all, and the peer takes both', () => {
  const build = (n: number, prio: number) => ({
    instances: [
      { ...baseInst(n, 51, prio), name: 'VI_1', trackInterfaces: [{ ifname: 'eth1', weight: 0, reverse: false }] },
      { ...baseInst(n, 52, prio), name: 'VI_2' },
    ],
    syncGroups: [{ name: 'G', members: ['VI_1', 'VI_2'] }],
    scripts: [],
  });
  const c2 = cluster();
  const a = c2.addHost({ name: 'd1', addr: { family: 4, bytes: Uint8Array.of(10, 0, 0, 1) }, spec: build(1, 150) });
  const b = c2.addHost({ name: 'd2', addr: { family: 4, bytes: Uint8Array.of(10, 0, 0, 2) }, spec: build(2, 100) });
  a.start(); b.start();
  c2.world.runFor(10_000_000);
  assert.equal(stateOf(a, 'VI_1'), 'MASTER');
  assert.equal(stateOf(a, 'VI_2'), 'MASTER');
  a.setInterface('eth1', false);
  c2.world.runFor(10_000_000);
  assert.equal(stateOf(a, 'VI_1'), 'FAULT');
  assert.equal(stateOf(a, 'VI_2'), 'FAULT');
  assert.equal(stateOf(b, 'VI_1'), 'MASTER');
  assert.equal(stateOf(b, 'VI_2'), 'MASTER');
  a.setInterface('eth1', true);
  c2.world.runFor(10_000_000);
  assert.equal(stateOf(a, 'VI_1'), 'MASTER');
  assert.equal(stateOf(a, 'VI_2'), 'MASTER');
  assert.equal(stateOf(b, 'VI_2'), 'BACKUP');
  noViolations(c2);
});

import { inst as baseInstOf } from './build.ts';
function baseInst(n: number, vrid: number, priority: number) {
  return baseInstOf(n, { vrid, priority });
}

test('a hung track_script is killed at its timeout and counts as failed', () => {
  const c = new SimCluster(1);
  const scripts = [{ name: 'chk', command: 'chk', intervalUs: 1_000_000, timeoutUs: 400_000, rise: 1, fall: 1, initFail: false }];
  const a = addNode(c, 1, { priority: 150, trackScripts: [{ name: 'chk', weight: 0, reverse: false }] }, { scripts });
  a.start();
  c.world.runFor(5_000_000);
  assert.equal(stateOf(a), 'MASTER');
  a.setScriptHanging('chk', true);
  c.world.runFor(1_500_000);
  assert.equal(stateOf(a), 'FAULT');
  assert.ok(a.scripts.kills >= 1);
  a.setScriptHanging('chk', false);
  c.world.runFor(10_000_000);
  assert.equal(stateOf(a), 'MASTER');
  assert.deepEqual(c.violations, []);
});
