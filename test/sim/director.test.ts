// The runtime Director against hand-made ports: exactly one timer at the earliest deadline,
// port completions that answer synchronously do not re-enter the cores, undecodable packets are
// counted per reason, and a stop sends priority 0 before removing the VIPs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instant } from '../../src/base/time.ts';
import { Director, type DirectorEvent } from '../../src/runtime/director.ts';
import type { AdvertTx, Clock, DirectorPorts, PortResult } from '../../src/runtime/ports.ts';
import { wireAdvertCodec } from '../../src/runtime/wire-advert-codec.ts';
import type { RxMeta } from '../../src/vrrp/wire/advert.ts';
import { inst, ip } from './build.ts';

class ManualClock implements Clock {
  t = 0;
  at: Instant | undefined;
  cb: (() => void) | undefined;
  arms = 0;
  now(): Instant { return this.t; }
  wakeAt(at: Instant | undefined, onWake: () => void): void { this.at = at; this.cb = onWake; this.arms++; }
  fire(): void { this.t = this.at!; this.cb!(); }
}

function rig(opts: { failAdd?: boolean } = {}) {
  const clock = new ManualClock();
  const sent: AdvertTx[] = [];
  const log: string[] = [];
  let rx: ((p: Uint8Array, m: RxMeta) => void) | undefined;
  const ports: DirectorPorts = {
    clock,
    link: { send: (tx) => { sent.push(tx); log.push(`send prio ${tx.payload[2]}`); }, onReceive: (cb) => { rx = cb; }, ifnameOf: () => 'eth0' },
    codec: wireAdvertCodec(),
    addresses: {
      add: (_i, _v, _a, done: (r: PortResult) => void) => { log.push('add'); done(opts.failAdd ? { ok: false, error: 'EEXIST' } : { ok: true }); },
      remove: (_i, _v, done: (r: PortResult) => void) => { log.push('remove'); done({ ok: true }); },
    },
    announcer: { announce: () => log.push('garp') },
    scripts: { run: (_id, _s, done) => done({ kind: 'exited', code: 0 }), kill: () => {} },
    notifier: { notify: (n) => log.push(`notify ${n.event}`) },
  };
  const events: DirectorEvent[] = [];
  const d = new Director(ports, {
    instances: [inst(1, { name: 'A', vrid: 1, priority: 150 }), inst(1, { name: 'B', vrid: 2, priority: 100, version: 3, advertIntervalCs: 10 })],
    syncGroups: [],
    scripts: [{ name: 's', command: 's', intervalUs: 2_000_000, timeoutUs: 1_000_000, rise: 1, fall: 1, initFail: false }],
  }, (e) => events.push(e));
  return { d, clock, sent, log, events, rx: (p: Uint8Array, m: RxMeta) => rx!(p, m) };
}

test('one timer, always at the earliest deadline of any core', () => {
  const { d, clock } = rig();
  d.start();
  // B (v3, 0.1 s, p100): 300000 + 60937; A (v2, p150): 3414062; the script: now.
  assert.equal(clock.at, 0);
  clock.fire(); // runs the script (answers synchronously)
  assert.equal(clock.at, 360_937);
  const earliest = () => Math.min(...d.instances.map((i) => i.nextDeadline() ?? Infinity), d.scripts.nextDeadline() ?? Infinity);
  for (let k = 0; k < 50; k++) {
    assert.equal(clock.at, earliest());
    clock.fire();
  }
  assert.equal(d.instance('A')!.state, 'MASTER');
  assert.equal(d.instance('B')!.state, 'MASTER');
});

test('synchronous port completions are queued, not re-entered; errors are reported', () => {
  const { d, clock, events } = rig({ failAdd: true });
  d.start();
  for (let k = 0; k < 10; k++) clock.fire();
  assert.ok(events.some((e) => e.kind === 'portError' && e.error === 'EEXIST'));
});

test('undecodable packets and unknown VRIDs are counted, never thrown', () => {
  const { d, rx, events } = rig();
  d.start();
  const meta: RxMeta = { src: ip('10.0.0.9'), dst: ip('224.0.0.18'), ttl: 255, ifindex: 1 };
  rx(new Uint8Array([0x21, 1]), meta);
  rx(new Uint8Array(40).fill(0xff), meta);
  const codec = wireAdvertCodec();
  rx(codec.encode({ version: 2, family: 4, vrid: 77, priority: 100, advertIntervalCs: 100, authType: 0, authData: new Uint8Array(0), addresses: [], checksum: 0 }, ip('10.0.0.9'), ip('224.0.0.18')), meta);
  assert.equal(d.rxErrors.get('truncated'), 1);
  assert.equal(d.rxErrors.get('bad-version'), 1);
  assert.ok(events.some((e) => e.kind === 'unknownVrid' && e.vrid === 77));
});

test('stop: masters send priority 0, then remove VIPs, then notify stop; the timer is cancelled', () => {
  const { d, clock, log } = rig();
  d.start();
  for (let k = 0; k < 60; k++) clock.fire();
  assert.equal(d.instance('A')!.state, 'MASTER');
  log.length = 0;
  d.stop();
  assert.deepEqual(log, ['send prio 0', 'remove', 'notify stop', 'send prio 0', 'remove', 'notify stop']);
  assert.equal(clock.at, undefined);
});
