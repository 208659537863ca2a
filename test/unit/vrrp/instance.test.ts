// VrrpInstance behaviour outside the table rows: what a BACKUP and a MASTER do with each kind of
// advert (RFC 5798 6.4.2 / 6.4.3; keepalived vrrp_state_backup / vrrp_state_master_rx), start-up
// timers, and the gratuitous ARP schedule (garp_master_delay / repeat / refresh / interval).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VrrpAction } from '../../../src/vrrp/actions.ts';
import { VrrpInstance } from '../../../src/vrrp/instance.ts';
import { DEFAULT_GARP } from '../../../src/vrrp/instance-spec.ts';
import { masterDownUs, skewUs } from '../../../src/vrrp/timing.ts';
import { advert, drain, instanceIn, ip, meta, spec } from './fixtures.ts';

const T = 20_000_000;
const adverts = (as: VrrpAction[]) => as.flatMap((a) => (a.kind === 'sendAdvert' ? [a] : []));

test('start-up timers: default, state MASTER, owner + state MASTER (vrrp_scheduler.c)', () => {
  const d = new VrrpInstance(spec());
  d.start(0);
  assert.equal(d.timerDeadline('down'), 3_609_375);
  const w = new VrrpInstance(spec({ wantMaster: true, priority: 150 }));
  w.start(0);
  assert.equal(w.timerDeadline('down'), 1_003_906);
  const o = new VrrpInstance(spec({ wantMaster: true, priority: 255 }));
  o.start(0);
  assert.equal(o.timerDeadline('down'), 1);
});

test('backup: priority 0 sets the down timer to skew; accepted adverts restart master-down', () => {
  const b = instanceIn('BACKUP');
  b.handleAdvert(T, advert({ priority: 0 }), meta());
  assert.equal(b.timerDeadline('down'), T + skewUs(2, 100, 1_000_000));
  b.handleAdvert(T, advert({ priority: 150 }), meta());
  assert.equal(b.timerDeadline('down'), T + masterDownUs(2, 100, 1_000_000));
  b.handleAdvert(T, advert({ priority: 100 }), meta('10.0.0.0'));
  assert.equal(b.timerDeadline('down'), T + masterDownUs(2, 100, 1_000_000), 'equal priority accepted whatever the address');
  assert.deepEqual(b.lastMaster, ip('10.0.0.0'));
});

test('backup: a lower priority is discarded (the timer keeps running) unless nopreempt', () => {
  const b = instanceIn('BACKUP');
  const before = b.timerDeadline('down');
  b.handleAdvert(T, advert({ priority: 50 }), meta());
  assert.equal(b.timerDeadline('down'), before);
  assert.equal(b.stats.lowerPriorityDiscarded, 1);
  assert.ok(drain(b).some((a) => a.kind === 'advertIgnored' && a.reason === 'lowerPriority' && a.priority === 50));
  const n = instanceIn('BACKUP', { nopreempt: true });
  n.handleAdvert(T, advert({ priority: 50 }), meta());
  assert.equal(n.timerDeadline('down'), T + masterDownUs(2, 100, 1_000_000));
});

test('backup: preempt_delay tolerates a lower master until the delay runs out, counted from start-up', () => {
  const b = instanceIn('BACKUP', { preemptDelayUs: 5_000_000 });
  b.handleAdvert(1_000_000, advert({ priority: 50 }), meta());
  assert.equal(b.timerDeadline('down'), 1_000_000 + masterDownUs(2, 100, 1_000_000));
  b.handleAdvert(5_000_000, advert({ priority: 50 }), meta());
  assert.equal(b.stats.lowerPriorityDiscarded, 1, 'at the delay it stops accepting');
});

test('v3 backup adopts the advertised interval, and resets it when it becomes master', () => {
  const b = instanceIn('BACKUP', { version: 3, advertIntervalCs: 100 });
  b.handleAdvert(T, advert({ version: 3, priority: 150, advertIntervalCs: 25 }), meta());
  assert.equal(b.masterAdvertIntervalUs, 250_000);
  assert.equal(b.timerDeadline('down'), T + 750_000 + skewUs(3, 100, 250_000));
  b.handleTimeout(b.timerDeadline('down')!);
  assert.equal(b.state, 'MASTER');
  assert.equal(b.masterAdvertIntervalUs, 1_000_000);
  assert.equal(b.timerDeadline('advert'), T + 750_000 + skewUs(3, 100, 250_000) + 1_000_000);
});

test('master: priority 0 -> advertise at once; lower -> re-advertise, GARP, notify', () => {
  const m = instanceIn('MASTER');
  m.handleAdvert(T, advert({ priority: 0 }), meta());
  let as = drain(m);
  assert.equal(adverts(as).length, 1);
  assert.equal(m.timerDeadline('advert'), T + 1_000_000);
  m.handleAdvert(T, advert({ priority: 50 }), meta());
  as = drain(m);
  assert.equal(adverts(as).length, 1);
  assert.equal(as.filter((a) => a.kind === 'sendGratuitous').length, DEFAULT_GARP.lowerPrioRepeat);
  assert.ok(as.some((a) => a.kind === 'notify' && a.event === 'masterRxLowerPri'));
  assert.equal(m.state, 'MASTER');
  const quiet = instanceIn('MASTER', { lowerPrioNoAdvert: true, strict: true });
  quiet.handleAdvert(T, advert({ priority: 50 }), meta());
  as = drain(quiet);
  assert.equal(adverts(as).length, 0);
  assert.equal(as.filter((a) => a.kind === 'sendGratuitous').length, 0, 'strict mode zeroes garp_lower_prio_repeat');
});

test('master: equal priority yields only to a higher primary address', () => {
  const m = instanceIn('MASTER', { primaryAddr: ip('10.0.0.5') });
  m.handleAdvert(T, advert({ priority: 100 }), meta('10.0.0.4'));
  assert.equal(m.state, 'MASTER');
  m.handleAdvert(T, advert({ priority: 100 }), meta('10.0.0.6'));
  assert.equal(m.state, 'BACKUP');
});

test('master: higher_prio_send_advert sends one advert before yielding', () => {
  const m = instanceIn('MASTER', { higherPrioSendAdvert: true });
  m.handleAdvert(T, advert({ priority: 200 }), meta());
  const as = drain(m);
  assert.equal(m.state, 'BACKUP');
  assert.equal(as[0]!.kind, 'sendAdvert');
  assert.ok(as.findIndex((a) => a.kind === 'removeVips') > 0);
});

test('master advertises every interval with its effective priority; unicast goes to each peer', () => {
  const m = instanceIn('MASTER', { unicastPeers: [ip('10.0.0.2'), ip('10.0.0.3')], trackScripts: [{ name: 's', weight: -30, reverse: false }] });
  const at = m.timerDeadline('advert')!;
  m.handleTrack(at - 1, { kind: 'script', name: 's', ok: false });
  m.handleTimeout(at);
  const a = adverts(drain(m));
  assert.equal(a.length, 1);
  assert.equal(a[0]!.advert.priority, 70);
  assert.deepEqual(a[0]!.destinations, [ip('10.0.0.2'), ip('10.0.0.3')]);
  assert.equal(m.state, 'MASTER', 'a lowered master does not step down by itself');
});

test('GARP schedule: repeat with vrrp_garp_interval spacing, second burst, refresh; min_garp', () => {
  const garp = { ...DEFAULT_GARP, intervalUs: 10_000, masterRepeat: 3, masterRefreshUs: 60_000_000, masterRefreshRepeat: 2 };
  const m = new VrrpInstance(spec({ garp }));
  m.start(0);
  const up = m.timerDeadline('down')!;
  m.handleTimeout(up);
  const count = () => drain(m).filter((a) => a.kind === 'sendGratuitous').length;
  assert.equal(count(), 1);
  m.handleTimeout(up + 10_000);
  assert.equal(count(), 1);
  m.handleTimeout(up + 20_000);
  assert.equal(count(), 1);
  m.handleTimeout(up + 30_000);
  assert.equal(count(), 0);
  assert.equal(m.timerDeadline('garpDelay'), up + 5_000_000);
  m.handleTimeout(up + 5_000_000);
  assert.equal(count(), 1);
  for (let t = up + 5_010_000; t <= up + 5_030_000; t += 10_000) m.handleTimeout(t);
  assert.equal(count(), 2);
  m.handleTimeout(up + 60_000_000);
  m.handleTimeout(up + 60_010_000);
  assert.equal(count(), 2, 'refresh: garp_master_refresh_repeat rounds');
  assert.equal(m.timerDeadline('garpRefresh'), up + 120_000_000);
  const min = new VrrpInstance(spec({ garp: { ...DEFAULT_GARP, minGarp: true } }));
  min.start(0);
  min.handleTimeout(min.timerDeadline('down')!);
  assert.equal(drain(min).filter((a) => a.kind === 'sendGratuitous').length, 1);
  assert.equal(min.timerDeadline('garpDelay'), undefined);
});

test('accept mode travels with AddVips; strict non-owner asks for no_accept, owner always accepts', () => {
  const vipsAccept = (over: Parameters<typeof instanceIn>[1]) => {
    const i = new VrrpInstance(spec(over));
    i.start(0);
    i.handleTimeout(i.timerDeadline('down')!);
    const add = drain(i).find((a) => a.kind === 'addVips');
    return add && add.kind === 'addVips' ? add.accept : undefined;
  };
  assert.equal(vipsAccept({}), true);
  assert.equal(vipsAccept({ strict: true }), false);
  assert.equal(vipsAccept({ strict: true, priority: 255 }), true);
});

test('MASTER -> FAULT on own interface down: priority 0, then VIPs removed; back to BACKUP on up', () => {
  const m = instanceIn('MASTER');
  m.handleTrack(T, { kind: 'interface', ifname: 'eth0', up: false });
  const as = drain(m);
  assert.deepEqual(as.map((a) => a.kind), ['stateChanged', 'sendAdvert', 'removeVips', 'notify']);
  assert.equal(adverts(as)[0]!.advert.priority, 0);
  assert.equal(m.nextDeadline(), undefined);
  m.handleAdvert(T, advert({ priority: 1 }), meta());
  assert.equal(m.stats.advertsReceived, 0, 'FAULT ignores adverts');
  m.handleTrack(T + 1, { kind: 'interface', ifname: 'eth0', up: true });
  assert.equal(m.state, 'BACKUP');
  assert.equal(m.timerDeadline('down'), T + 1 + masterDownUs(2, 100, 1_000_000));
});

test('excluded VIPs are held with the VIPs but not advertised; unicast_ttl and mcast_dst_ip', () => {
  const m = instanceIn('BACKUP', {
    excludedVips: [{ addr: ip('192.168.9.9'), prefixLen: 32 }], unicastTtl: 64,
    unicastPeers: [ip('10.0.0.2')],
  });
  m.handleTimeout(m.timerDeadline('down')!);
  const as = drain(m);
  const add = as.find((a) => a.kind === 'addVips');
  assert.equal(add && add.kind === 'addVips' ? add.vips.length : 0, 2);
  const adv = adverts(as)[0]!;
  assert.deepEqual(adv.advert.addresses, [ip('10.0.0.100')]);
  assert.equal(adv.ttl, 64);
  const g = instanceIn('MASTER', { mcastGroup: ip('224.0.0.99') });
  g.handleTimeout(g.timerDeadline('advert')!);
  const ga = adverts(drain(g))[0]!;
  assert.deepEqual(ga.destinations, [ip('224.0.0.99')]);
  assert.equal(ga.ttl, 255);
});

test('notify_priority_changes: a Notify on every effective priority change', () => {
  const b = instanceIn('BACKUP', { notifyPriorityChanges: true, trackScripts: [{ name: 's', weight: 20, reverse: false }] });
  b.handleTrack(T, { kind: 'script', name: 's', ok: false });
  b.handleTrack(T, { kind: 'script', name: 's', ok: false });
  const all = drain(b);
  assert.deepEqual(all.filter((a) => a.kind === 'priorityChanged').map((a) => a.kind === 'priorityChanged' && [a.from, a.to]), [[120, 100]]);
  const n = all.filter((a) => a.kind === 'notify');
  assert.deepEqual(n.map((a) => a.kind === 'notify' && [a.event, a.priority]), [['priorityChanged', 100]]);
});
