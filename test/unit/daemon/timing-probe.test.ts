// TimingProbe (KEEPALIVED_TS_TIMING=1): the stamps of one takeover, driven through the wrapped
// ports by hand with a clock whose time the test sets, so every field of the logged line is a
// known difference; the line parses back (the bench reads it); the wrappers pass every call and
// result through unchanged; off unless asked for; the report is never written inside the step.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instant } from '../../../src/base/time.ts';
import { TimingProbe, parseTimingLine } from '../../../src/daemon/timing-probe.ts';
import type { AddressPort, AdvertTx, Announcer, Clock, PortResult, VrrpLink } from '../../../src/runtime/ports.ts';
import type { RxMeta } from '../../../src/vrrp/wire/advert.ts';
import { parseIp } from '../../../src/base/ip.ts';

test('timing probe: off unless KEEPALIVED_TS_TIMING=1', () => {
  const log = { info: () => {} };
  assert.equal(TimingProbe.fromEnv(log, {}), undefined);
  assert.equal(TimingProbe.fromEnv(log, { KEEPALIVED_TS_TIMING: '0' }), undefined);
  assert.ok(TimingProbe.fromEnv(log, { KEEPALIVED_TS_TIMING: '1' }));
});

test('timing probe: one takeover, every stamp a known difference, reported after the ACK and outside the step', async () => {
  let t: Instant = 0;
  let wake: (() => void) | undefined;
  let armedAt: Instant | undefined;
  let rx: ((p: Uint8Array, m: RxMeta) => void) | undefined;
  let ack: ((r: PortResult) => void) | undefined;
  const calls: string[] = [];
  const clock: Clock = { now: () => t, wakeAt: (at, cb) => { armedAt = at; wake = cb; } };
  const link: VrrpLink = {
    send: (tx: AdvertTx) => { calls.push(`send ${tx.ifname}`); t += 40; },
    onReceive: (cb) => { rx = cb; },
    ifnameOf: (i) => (i === 2 ? 'eth0' : undefined),
  };
  const addresses: AddressPort = {
    add: (ifname, vips, accept, done) => { calls.push(`add ${ifname} ${vips.length} ${accept}`); t += 100; ack = done; },
    remove: (ifname, _vips, done) => { calls.push(`remove ${ifname}`); done({ ok: true }); },
  };
  const announcer: Announcer = { announce: (ifname) => { calls.push(`garp ${ifname}`); t += 10; } };
  const lines: string[] = [];
  const probe = new TimingProbe({ info: (m) => lines.push(m) });
  const p = probe.wrapPorts({ clock, link, addresses, announcer });

  // The master's last advert (priority 150, byte 2) is read at t=1000; the core arms master-down.
  const got: number[] = [];
  p.link.onReceive((payload) => got.push(payload[2]!));
  t = 1000;
  rx!(Uint8Array.of(0x31, 51, 150, 0), { src: parseIp('10.0.0.1')!, dst: parseIp('224.0.0.18')!, ttl: 255, ifindex: 2 });
  assert.deepEqual(got, [150], 'received packets pass through');
  assert.equal(p.link.ifnameOf(2), 'eth0');
  const deadline = 1000 + 3_609_375;
  p.clock.wakeAt(deadline, () => {
    // The director's step: read the clock, the transition, then the ports in the core's order.
    t += 5;
    const at = p.clock.now();
    probe.onEvent({ kind: 'stateChanged', at, instance: 'VI_1', from: 'BACKUP', to: 'MASTER', cause: 'master-down timer "expired"' });
    t += 20;
    p.addresses.add('eth0', [], false, () => calls.push('acked'));
    p.link.send({ ifname: 'eth0', src: parseIp('10.0.0.2')!, dst: parseIp('224.0.0.18')!, ttl: 255, payload: new Uint8Array(8) });
    for (let i = 0; i < 5; i++) p.announcer.announce('eth0', []);
  });
  assert.equal(armedAt, deadline);
  t = deadline + 80; // the clock calls back 80 us late
  wake!();
  assert.deepEqual(calls, ['add eth0 0 false', 'send eth0', 'garp eth0', 'garp eth0', 'garp eth0', 'garp eth0', 'garp eth0']);
  assert.deepEqual(lines, [], 'nothing is logged inside the step');
  t += 300;
  ack!({ ok: true });
  assert.deepEqual(calls.slice(-1), ['acked'], 'the ACK passes through');
  await new Promise((r) => setImmediate(r));
  assert.equal(lines.length, 1);
  const f = parseTimingLine(lines[0]!);
  assert.ok(f, lines[0]);
  assert.equal(f.instance, 'VI_1');
  assert.equal(f.cause, "master-down timer 'expired'");
  assert.ok(Math.abs(f.epochMs - Date.now()) < 5000);
  // fired at deadline+80, step +85; add called +105, returns +205; advert +245; first GARP +255; ACK +595.
  assert.deepEqual(f.fields, {
    last_rx_prio: 150, rx_to_deadline_us: 3_609_375, late_us: 80, fire_to_step_us: 5,
    step_to_vip_call_us: 20, step_to_vip_add_us: 120, step_to_advert_us: 160, step_to_garp_us: 170,
    step_to_vip_ack_us: 510, decision_to_garp_us: 255, garps: 5,
  });
  // Removal is not stamped, only passed through.
  p.addresses.remove('eth0', [], () => calls.push('removed'));
  assert.equal(calls.at(-1), 'removed');
});

test('timing probe: a takeover that is not a timer wake (no deadline) leaves the timer fields out', () => {
  const line = TimingProbe.format({
    instance: 'VI_2', cause: 'sync group', epochMs: 1.5, step: 100, wake: undefined,
    lastRx: undefined, lastRxPrio: undefined, vipAdd: 130, garp: 150, garps: 1,
  });
  const f = parseTimingLine(line);
  assert.ok(f);
  assert.deepEqual(f.fields, { step_to_vip_add_us: 30, step_to_garp_us: 50, garps: 1 });
  assert.equal(parseTimingLine('(VI_1) Entering MASTER STATE'), undefined);
});
