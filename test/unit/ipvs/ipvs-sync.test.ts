import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IpvsSync, type IpvsSyncAction, type IpvsSyncEvent } from '../../../src/ipvs/ipvs-sync.ts';
import { destAttrsEqual, serviceAttrsEqual, serviceKeyId, type IpvsTable } from '../../../src/ipvs/model.ts';
import { FakeIpvsKernel } from './fake-ipvs-wire.ts';
import { arbTable, SERVICE_KEYS } from './arbitraries.ts';

/** Runs the driver loop: every send goes to the kernel, every reply comes back, until quiet. */
function drive(sync: IpvsSync, kernel: FakeIpvsKernel, now = 0): { events: IpvsSyncEvent[]; sends: IpvsSyncAction[] } {
  const events: IpvsSyncEvent[] = [];
  const sends: IpvsSyncAction[] = [];
  for (let guard = 0; guard < 100_000; guard++) {
    const a = sync.pollAction();
    if (!a) return { events, sends };
    if (a.kind === 'event') events.push(a.event);
    else if (a.kind === 'send') { sends.push(a); sync.handleReply(now, kernel.process(a.bytes)); }
    else if (a.kind === 'modprobe') { kernel.familyPresent = true; sync.handleModprobeDone(now, true); }
  }
  throw new Error('driver loop did not settle');
}

function sameOn(ids: Iterable<string>, a: IpvsTable, b: IpvsTable): boolean {
  for (const id of ids) {
    const x = a.get(id); const y = b.get(id);
    if (!x || !y) { if (x !== y) return false; continue; }
    if (!serviceAttrsEqual(x.service.attrs, y.service.attrs) || x.dests.size !== y.dests.size) return false;
    for (const [did, d] of x.dests) { const o = y.dests.get(did); if (!o || !destAttrsEqual(d.attrs, o.attrs)) return false; }
  }
  return true;
}

test('converges any kernel table to the desired one on owned keys, leaving the rest alone', () => {
  fc.assert(fc.property(arbTable, arbTable, arbTable, fc.integer({ min: 1, max: 8 }), (start, d1, d2, window) => {
    const kernel = new FakeIpvsKernel();
    kernel.table = new Map(start);
    const before = new Map(start);
    const sync = new IpvsSync(kernel, { windowMessages: window, maxSendBytes: 12 });
    sync.handle(0, d1);
    drive(sync, kernel);
    assert.equal(sync.phaseName, 'idle');
    const owned1 = new Set(d1.keys());
    const others = SERVICE_KEYS.map(serviceKeyId).filter((id) => !owned1.has(id));
    assert.ok(sameOn(owned1, kernel.table, d1));
    assert.ok(sameOn(others, kernel.table, before));
    // A second desired table: the first one's keys stay owned (a reload removing services).
    sync.handle(1, d2, owned1);
    drive(sync, kernel);
    const owned2 = new Set([...owned1, ...d2.keys()]);
    for (const id of SERVICE_KEYS.map(serviceKeyId)) {
      assert.ok(sameOn([id], kernel.table, owned2.has(id) ? d2 : before), id);
    }
  }), { numRuns: 300 });
});

test('adopting a matching table sends nothing but the dumps', () => {
  fc.assert(fc.property(arbTable, (t) => {
    const kernel = new FakeIpvsKernel();
    kernel.table = new Map(t);
    const sync = new IpvsSync(kernel);
    sync.handle(0, t);
    const { events } = drive(sync, kernel);
    assert.ok(kernel.log.every((r) => r.cmd === 'get-service' || r.cmd === 'get-dest'));
    assert.deepEqual(events.at(-1), { type: 'synced', ops: 0 });
  }));
});

test('a refused op leads to a re-dump, then back-off; never a stale table', () => {
  fc.assert(fc.property(arbTable, arbTable, (start, desired) => {
    const kernel = new FakeIpvsKernel();
    kernel.table = new Map(start);
    // Someone else deletes everything after our dump: our plan's edits then fail with ESRCH.
    let sabotaged = false;
    kernel.refuse = (req) => {
      if (!sabotaged && req.cmd !== 'get-service' && req.cmd !== 'get-dest') { sabotaged = true; kernel.table.clear(); }
      return undefined;
    };
    const sync = new IpvsSync(kernel);
    sync.handle(0, desired);
    drive(sync, kernel);
    assert.equal(sync.phaseName, 'idle');
    assert.ok(sameOn(desired.keys(), kernel.table, desired));
  }));
  // A permanently refused op: re-dump once at once, then wait with growing delays.
  const kernel = new FakeIpvsKernel();
  kernel.refuse = (req) => (req.cmd === 'new-service' ? 2 : undefined);
  const sync = new IpvsSync(kernel, { retryDelayUs: 1000 });
  const desired = new Map([[serviceKeyId(SERVICE_KEYS[0]!), { service: { key: SERVICE_KEYS[0]!, attrs: { scheduler: 'nope', flags: 0, timeoutS: 0, netmask: 0xffffffff, peName: '' } }, dests: new Map() }]]);
  sync.handle(0, desired);
  const modprobes: string[] = [];
  const orig = sync.pollAction.bind(sync);
  sync.pollAction = () => { const a = orig(); if (a?.kind === 'modprobe') modprobes.push(a.module); return a; };
  const { events } = drive(sync, kernel);
  assert.deepEqual(events.filter((e) => e.type === 'resync').length, 2);
  assert.deepEqual(modprobes, ['ip_vs_nope']); // ENOENT on a service: its scheduler module, asked for once
  assert.equal(sync.nextDeadline(), 1000);
  sync.handleTimeout(1000);
  drive(sync, kernel, 1000);
  assert.equal(sync.nextDeadline(), 1000 + 2000);
  // A new desired table without the refused service ends the back-off at once.
  sync.handle(1500, new Map());
  drive(sync, kernel, 1500);
  assert.equal(sync.phaseName, 'idle');
  assert.equal(sync.nextDeadline(), undefined);
});

test('missing IPVS family: one modprobe, then unavailable if still missing', () => {
  const kernel = new FakeIpvsKernel();
  kernel.familyPresent = false;
  const sync = new IpvsSync(kernel);
  sync.handle(0, new Map());
  const a1 = sync.pollAction();
  assert.equal(a1?.kind, 'send');
  sync.handleReply(0, kernel.process((a1 as { bytes: Uint8Array }).bytes));
  assert.deepEqual(sync.pollAction(), { kind: 'modprobe', module: 'ip_vs' });
  sync.handleModprobeDone(0, true);
  const a2 = sync.pollAction() as { bytes: Uint8Array };
  sync.handleReply(0, kernel.process(a2.bytes));
  const ev = sync.pollAction();
  assert.equal(ev?.kind === 'event' && ev.event.type, 'unavailable');
  // After modprobe succeeded for real:
  const k2 = new FakeIpvsKernel();
  k2.familyPresent = false;
  const s2 = new IpvsSync(k2);
  s2.handle(0, new Map());
  const { events } = drive(s2, k2);
  assert.ok(events.some((e) => e.type === 'family-resolved'));
  assert.equal(s2.phaseName, 'idle');
});

test('overrun: re-dump and converge', () => {
  const kernel = new FakeIpvsKernel();
  const sync = new IpvsSync(kernel);
  const key = SERVICE_KEYS[0]!;
  const desired = new Map([[serviceKeyId(key), { service: { key, attrs: { scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 0xffffffff, peName: '' } }, dests: new Map() }]]);
  sync.handle(0, desired);
  // Resolve and dump, then lose the ACK of the add.
  for (let i = 0; i < 10; i++) {
    const a = sync.pollAction();
    if (!a || a.kind !== 'send') continue;
    const reply = kernel.process(a.bytes);
    if (kernel.log.some((r) => r.cmd === 'new-service')) break;
    sync.handleReply(0, reply);
  }
  assert.equal(sync.phaseName, 'applying');
  sync.handleOverrun(0);
  const { events } = drive(sync, kernel);
  assert.ok(events.some((e) => e.type === 'resync' && e.reason === 'overrun'));
  assert.equal(sync.phaseName, 'idle');
  assert.equal(kernel.log.filter((r) => r.cmd === 'new-service').length, 1);
});

test('a lost reply is noticed at nextDeadline and repaired by a re-dump', () => {
  const kernel = new FakeIpvsKernel();
  const sync = new IpvsSync(kernel, { replyTimeoutUs: 5000 });
  const key = SERVICE_KEYS[1]!;
  const desired = new Map([[serviceKeyId(key), { service: { key, attrs: { scheduler: 'wrr', flags: 0, timeoutS: 0, netmask: 0xffffffff, peName: '' } }, dests: new Map() }]]);
  sync.handle(0, desired);
  let dropped = false;
  for (let i = 0; i < 20; i++) {
    const a = sync.pollAction();
    if (!a) break;
    if (a.kind !== 'send') continue;
    const reply = kernel.process(a.bytes);
    if (!dropped && kernel.log.some((r) => r.cmd === 'new-service')) { dropped = true; continue; } // the ACK is lost
    sync.handleReply(0, reply);
  }
  assert.equal(sync.phaseName, 'applying');
  assert.equal(sync.nextDeadline(), 5000);
  sync.handleTimeout(4999);
  assert.equal(sync.pollAction(), undefined);
  sync.handleTimeout(5000);
  const { events } = drive(sync, kernel, 5000);
  assert.ok(events.some((e) => e.type === 'resync' && e.reason === 'timeout'));
  assert.equal(sync.phaseName, 'idle');
  assert.equal(sync.nextDeadline(), undefined);
  assert.equal(kernel.table.get(serviceKeyId(key))?.service.attrs.scheduler, 'wrr');
});

test('non-normalised desired tables still converge (no endless edits of tunnel fields)', () => {
  const kernel = new FakeIpvsKernel();
  const key = SERVICE_KEYS[0]!;
  const dest = { key: { addr: { family: 4 as const, bytes: Uint8Array.of(1, 2, 3, 4) }, port: 80 }, attrs: { fwd: 'nat' as const, weight: 1, uThreshold: 0, lThreshold: 0, tunType: 'gue' as const, tunPort: 9, tunFlags: 1 } };
  const desired = new Map([[serviceKeyId(key), { service: { key, attrs: { scheduler: 'rr', flags: 0x2, timeoutS: 0, netmask: 0xffffffff, peName: '' } }, dests: new Map([['1.2.3.4:80', dest]]) }]]);
  // A kernel that normalises like the real one: tunnel fields are not sent for NAT dests.
  const sync = new IpvsSync(kernel);
  sync.handle(0, desired);
  drive(sync, kernel);
  sync.handle(1, desired);
  const { events } = drive(sync, kernel, 1);
  assert.deepEqual(events.at(-1), { type: 'synced', ops: 0 });
});
