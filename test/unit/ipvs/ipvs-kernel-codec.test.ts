import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessages } from '../../../src/netlink/message.ts';
import { encodeIpvsRequest, decodeIpvsMessage } from '../../../src/ipvs/ipvs-codec.ts';
import { decodeIpvsRequest, encodeIpvsReply } from '../../../src/ipvs/ipvs-kernel-codec.ts';
import { IpvsKernelModel } from '../../../src/ipvs/ipvs-kernel-model.ts';
import type { IpvsReply, IpvsRequest } from '../../../src/ipvs/ipvs-messages.ts';
import { IpvsSync } from '../../../src/ipvs/ipvs-sync.ts';
import { ipvsWire } from '../../../src/ipvs/ipvs-wire.ts';
import { destAttrsEqual, serviceAttrsEqual, serviceKeyId, type IpvsDest, type IpvsService, type IpvsTable } from '../../../src/ipvs/model.ts';
import { arbDestAttrs, arbServiceAttrs, arbTable, SERVICE_KEYS } from './arbitraries.ts';
import { DEST_DUMP_HEX, SERVICE_DUMP_HEX } from './kernel-captures.ts';

const one = (bytes: Uint8Array) => {
  const m = decodeMessages(bytes);
  assert.ok(m.ok && m.value.length === 1);
  return m.value[0]!;
};
const fam = (s: IpvsService) => (s.key.kind === 'addr' ? s.key.addr.family : s.key.family);
// Spread: fc.record builds null-prototype objects, which deepStrictEqual tells apart from ours.
const arbService = fc.tuple(fc.constantFrom(...SERVICE_KEYS), arbServiceAttrs).map(([key, attrs]): IpvsService => {
  const s: IpvsService = { key, attrs: { ...attrs } };
  return fam(s) === 6 ? { key, attrs: { ...attrs, netmask: 64 } } : s;
});
const arbDest = fc.tuple(fc.constantFrom(...['192.168.1.1', '192.168.1.2']), fc.integer({ min: 0, max: 65535 }), arbDestAttrs)
  .map(([a, port, attrs]): IpvsDest => ({ key: { addr: { family: 4, bytes: Uint8Array.from(a.split('.').map(Number)) }, port }, attrs: { ...attrs } }));

const arbRequest: fc.Arbitrary<IpvsRequest> = fc.oneof(
  arbService.map((service): IpvsRequest => ({ cmd: 'new-service', service })),
  arbService.map((service): IpvsRequest => ({ cmd: 'set-service', service })),
  arbService.map((s): IpvsRequest => ({ cmd: 'del-service', service: s.key })),
  arbService.map((s): IpvsRequest => ({ cmd: 'get-dest', service: s.key })),
  fc.tuple(arbService, arbDest).map(([s, dest]): IpvsRequest => ({ cmd: 'new-dest', service: s.key, dest })),
  fc.tuple(arbService, arbDest).map(([s, dest]): IpvsRequest => ({ cmd: 'set-dest', service: s.key, dest })),
  fc.tuple(arbService, arbDest).map(([s, d]): IpvsRequest => ({ cmd: 'del-dest', service: s.key, dest: d.key })),
  fc.constantFrom<IpvsRequest>({ cmd: 'get-service' }, { cmd: 'flush' }, { cmd: 'get-info' }, { cmd: 'get-config' }, { cmd: 'get-daemon' }, { cmd: 'zero' }, { cmd: 'del-daemon', state: 'backup' }),
  fc.record({ tcpS: fc.nat(), tcpFinS: fc.nat(), udpS: fc.nat() }).map((t): IpvsRequest => ({ cmd: 'set-config', timeouts: { ...t } })),
);

test('the codec is symmetric: the kernel side decodes every request we encode, unchanged', () => {
  fc.assert(fc.property(arbRequest, (req) => {
    const r = decodeIpvsRequest(one(encodeIpvsRequest(req, 28, 7)));
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.deepEqual(r.value, req);
  }), { numRuns: 500 });
});

test('replies the kernel side encodes decode back unchanged, kernel-captured ones included', () => {
  fc.assert(fc.property(arbService, arbDest, fc.nat(), (service, dest, n) => {
    const stats = { conns: BigInt(n), inPkts: 1n, outPkts: 2n, inBytes: 2n ** 40n, outBytes: 4n, cps: 5n, inPps: 6n, outPps: 7n, inBps: 8n, outBps: 9n };
    const replies: IpvsReply[] = [
      { kind: 'service', service, stats },
      { kind: 'dest', dest, activeConns: n, inactConns: 2, persistConns: 3, stats },
      { kind: 'config', timeouts: { tcpS: n, tcpFinS: 1, udpS: 2 } },
      { kind: 'info', version: 0x010201, connTabSize: n },
    ];
    for (const x of replies) {
      const r = decodeIpvsMessage(one(encodeIpvsReply(x, 28, 1)));
      assert.ok(r.ok);
      assert.deepEqual(r.value, x);
    }
  }));
  for (const hex of [SERVICE_DUMP_HEX, DEST_DUMP_HEX]) {
    const msgs = decodeMessages(Uint8Array.from(Buffer.from(hex, 'hex')));
    assert.ok(msgs.ok);
    for (const m of msgs.value) {
      const a = decodeIpvsMessage(m);
      assert.ok(a.ok);
      const b = decodeIpvsMessage(one(encodeIpvsReply(a.value, 28, m.seq)));
      assert.ok(b.ok);
      assert.deepEqual(b.value, a.value);
    }
  }
});

test('a request the kernel would refuse decodes to a failure (NEW_SERVICE without its full entry)', () => {
  const bytes = encodeIpvsRequest({ cmd: 'del-service', service: SERVICE_KEYS[0]! }, 28, 1);
  bytes[20] = 1; // genl cmd DEL_SERVICE -> NEW_SERVICE: the identity alone is not a full entry
  assert.equal(decodeIpvsRequest(one(bytes)).ok, false);
});

function drive(sync: IpvsSync, k: IpvsKernelModel): void {
  for (let guard = 0; guard < 100_000; guard++) {
    const a = sync.pollAction();
    if (!a) return;
    if (a.kind === 'send') for (const d of k.handle(a.bytes)) sync.handleReply(0, d);
    if (a.kind === 'modprobe') { k.familyPresent = true; sync.handleModprobeDone(0, true); }
  }
  throw new Error('did not settle');
}

test('IpvsSync over real bytes against IpvsKernelModel converges and leaves foreign services alone', () => {
  fc.assert(fc.property(arbTable, arbTable, (start, desired) => {
    const k = new IpvsKernelModel({ dumpBytes: 600 });
    for (const [id, e] of start) k.table.set(id, { service: e.service, dests: new Map(e.dests) });
    const sync = new IpvsSync(ipvsWire, { windowMessages: 7, maxSendBytes: 500 });
    sync.handle(0, desired);
    drive(sync, k);
    assert.equal(sync.phaseName, 'idle');
    for (const id of SERVICE_KEYS.map(serviceKeyId)) {
      const want = desired.has(id) ? desired.get(id) : start.get(id);
      const got = k.table.get(id);
      assert.equal(!!got, !!want, id);
      if (!got || !want) continue;
      assert.ok(serviceAttrsEqual(got.service.attrs, want.service.attrs));
      assert.equal(got.dests.size, want.dests.size);
      for (const [did, d] of want.dests) assert.ok(destAttrsEqual(got.dests.get(did)!.attrs, d.attrs), did);
    }
  }), { numRuns: 200 });
  // The family missing at first: one modprobe ip_vs, then the table.
  const k = new IpvsKernelModel();
  k.familyPresent = false;
  const sync = new IpvsSync(ipvsWire);
  const t: IpvsTable = new Map([[serviceKeyId(SERVICE_KEYS[0]!), { service: { key: SERVICE_KEYS[0]!, attrs: { scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 0xffffffff, peName: '' } }, dests: new Map() }]]);
  sync.handle(0, t);
  drive(sync, k);
  assert.equal(k.table.size, 1);
});
