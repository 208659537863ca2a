import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseIp, formatIp } from '../../../src/base/ip.ts';
import { decodeMessages } from '../../../src/netlink/message.ts';
import { decodeGenl } from '../../../src/netlink/genl.ts';
import { decodeAttrs, findAttr } from '../../../src/netlink/attributes.ts';
import { decodeIpvsMessage, encodeIpvsRequest, formatIpvsVersion } from '../../../src/ipvs/ipvs-codec.ts';
import type { IpvsReply, IpvsRequest } from '../../../src/ipvs/ipvs-messages.ts';
import { CmdAttr, DestAttr, IpvsCmd, SvcAttr } from '../../../src/ipvs/numbers.ts';
import type { IpvsDest, IpvsService } from '../../../src/ipvs/model.ts';
import { ipvsWire } from '../../../src/ipvs/ipvs-wire.ts';
import { arbDestAttrs, arbServiceAttrs, SERVICE_KEYS } from './arbitraries.ts';
import { DEST_DUMP_HEX, SERVICE_DUMP_HEX } from './kernel-captures.ts';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const ip = (s: string) => parseIp(s)!;

function decodeOne(bytes: Uint8Array): IpvsReply {
  const msgs = decodeMessages(bytes);
  assert.ok(msgs.ok);
  assert.equal(msgs.value.length, 1);
  const r = decodeIpvsMessage(msgs.value[0]!);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

/** The nested attribute list of one first-level attribute of an encoded request. */
function nested(bytes: Uint8Array, type: number) {
  const m = decodeMessages(bytes);
  assert.ok(m.ok);
  const g = decodeGenl(m.value[0]!);
  assert.ok(g.ok);
  const a = findAttr(g.value.attrs, type)!;
  const n = decodeAttrs(a.data);
  assert.ok(n.ok);
  return { genl: g.value, attrs: n.value };
}

test('decodes a service dump as the kernel sends it', () => {
  const msgs = decodeMessages(hex(SERVICE_DUMP_HEX));
  assert.ok(msgs.ok);
  assert.equal(msgs.value.length, 2);
  const [a, b] = msgs.value.map((m) => decodeIpvsMessage(m));
  assert.ok(a?.ok && a.value.kind === 'service');
  const s = a.value.service;
  assert.equal(s.key.kind === 'addr' && `${s.key.protocol} ${formatIp(s.key.addr)} ${s.key.port}`, 'tcp 10.0.0.1 80');
  assert.deepEqual(s.attrs, { scheduler: 'wrr', flags: 1, timeoutS: 300, netmask: 0xffffff00, peName: '' });
  assert.ok(b?.ok && b.value.kind === 'service');
  assert.deepEqual(b.value.service.key, { kind: 'fwmark', fwmark: 7, family: 6 });
  // HASHED (0x2) is in the kernel's flags (0x1b) but not in the model.
  assert.deepEqual(b.value.service.attrs, { scheduler: 'sh', flags: 0x19, timeoutS: 60, netmask: 64, peName: '' });
  assert.equal(b.value.stats?.conns, 0n);
});

test('decodes a dest dump as the kernel sends it (ports big-endian, weight > 65535, tunnel fields)', () => {
  const msgs = decodeMessages(hex(DEST_DUMP_HEX));
  assert.ok(msgs.ok);
  const dests = msgs.value.map((m) => decodeIpvsMessage(m)).map((r) => (assert.ok(r.ok && r.value.kind === 'dest'), r.value.dest));
  const byAddr = new Map(dests.map((d) => [`${formatIp(d.key.addr)}:${d.key.port}`, d.attrs]));
  assert.deepEqual(byAddr.get('192.168.1.1:8080'), { fwd: 'nat', weight: 70000, uThreshold: 5, lThreshold: 2, tunType: 'ipip', tunPort: 0, tunFlags: 0 });
  assert.deepEqual(byAddr.get('2001:db8::5:80'), { fwd: 'tun', weight: 3, uThreshold: 0, lThreshold: 0, tunType: 'gue', tunPort: 6080, tunFlags: 1 });
});

test('byte-order traps: port and tun port big-endian, netmask v4 as mask bytes, v6 as host prefix, flags host order', () => {
  const key = { kind: 'addr' as const, protocol: 'tcp' as const, addr: ip('10.1.2.3'), port: 80 };
  const svc: IpvsService = { key, attrs: { scheduler: 'rr', flags: 0x11, timeoutS: 7, netmask: 0xffffff00, peName: 'sip' } };
  const { genl, attrs } = nested(encodeIpvsRequest({ cmd: 'new-service', service: svc }, 28, 5), CmdAttr.SERVICE);
  assert.equal(genl.cmd, IpvsCmd.NEW_SERVICE);
  assert.equal(genl.version, 1);
  assert.deepEqual([...findAttr(attrs, SvcAttr.PORT)!.data], [0x00, 0x50]);
  assert.deepEqual([...findAttr(attrs, SvcAttr.NETMASK)!.data], [0xff, 0xff, 0xff, 0x00]);
  assert.deepEqual([...findAttr(attrs, SvcAttr.FLAGS)!.data], [0x11, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual([...findAttr(attrs, SvcAttr.AF)!.data], [2, 0]);
  assert.deepEqual([...findAttr(attrs, SvcAttr.PROTOCOL)!.data], [6, 0]);
  assert.deepEqual([...findAttr(attrs, SvcAttr.ADDR)!.data], [10, 1, 2, 3]);
  assert.equal(new TextDecoder().decode(findAttr(attrs, SvcAttr.PE_NAME)!.data), 'sip\0');
  const v6: IpvsService = { key: { kind: 'fwmark', fwmark: 0x01020304, family: 6 }, attrs: { scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 64, peName: '' } };
  const n6 = nested(encodeIpvsRequest({ cmd: 'set-service', service: v6 }, 28, 6), CmdAttr.SERVICE).attrs;
  assert.deepEqual([...findAttr(n6, SvcAttr.NETMASK)!.data], [64, 0, 0, 0]);
  assert.deepEqual([...findAttr(n6, SvcAttr.FWMARK)!.data], [4, 3, 2, 1]);
  const dest: IpvsDest = { key: { addr: ip('192.168.0.9'), port: 8080 }, attrs: { fwd: 'tun', weight: 2, uThreshold: 0, lThreshold: 0, tunType: 'gue', tunPort: 6080, tunFlags: 2 } };
  const d = nested(encodeIpvsRequest({ cmd: 'new-dest', service: key, dest }, 28, 7), CmdAttr.DEST).attrs;
  assert.deepEqual([...findAttr(d, DestAttr.PORT)!.data], [0x1f, 0x90]);
  assert.deepEqual([...findAttr(d, DestAttr.TUN_PORT)!.data], [0x17, 0xc0]);
  assert.deepEqual([...findAttr(d, DestAttr.TUN_FLAGS)!.data], [2, 0]);
  assert.deepEqual([...findAttr(d, DestAttr.FWD_METHOD)!.data], [2, 0, 0, 0]);
});

const arbService = fc.tuple(fc.constantFrom(...SERVICE_KEYS), arbServiceAttrs).map(([key, attrs]): IpvsService => ({
  key, attrs: { ...attrs, netmask: (key.kind === 'addr' ? key.addr.family : key.family) === 6 ? 64 : attrs.netmask },
}));
const arbDest = fc.tuple(fc.constantFrom(ip('192.168.1.1'), ip('2001:db8::7')), fc.integer({ min: 0, max: 65535 }), arbDestAttrs)
  .map(([addr, port, a]): IpvsDest => ({ key: { addr, port }, attrs: a.fwd === 'tun' ? { ...a, tunPort: a.tunType === 'gue' ? a.tunPort : 0, tunFlags: a.tunType === 'ipip' ? 0 : a.tunFlags } : { ...a, tunType: 'ipip', tunPort: 0, tunFlags: 0 } }));

test('round trip: a NEW_SERVICE / NEW_DEST request decodes back to the same model (the kernel replies with those commands)', () => {
  fc.assert(fc.property(arbService, (s) => {
    const r = decodeOne(encodeIpvsRequest({ cmd: 'new-service', service: s }, 28, 1));
    assert.ok(r.kind === 'service');
    assert.deepEqual(r.service, s);
  }));
  fc.assert(fc.property(arbService, arbDest, (s, d) => {
    const r = decodeOne(encodeIpvsRequest({ cmd: 'new-dest', service: s.key, dest: d }, 28, 1));
    assert.ok(r.kind === 'dest');
    assert.deepEqual(r.dest, d);
  }));
});

test('unknown attributes survive decode and re-encode', () => {
  const msgs = decodeMessages(hex(SERVICE_DUMP_HEX));
  assert.ok(msgs.ok);
  // Append an attribute type 99 to the nested service of the first message.
  const key = SERVICE_KEYS[0]!;
  const s: IpvsService = { key, attrs: { scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 0xffffffff, peName: '' }, unknown: [{ type: 99, payload: Uint8Array.of(1, 2, 3) }] };
  const r = decodeOne(encodeIpvsRequest({ cmd: 'new-service', service: s }, 28, 1));
  assert.ok(r.kind === 'service');
  assert.deepEqual(r.service.unknown, [{ type: 99, payload: Uint8Array.of(1, 2, 3) }]);
  const again = decodeOne(encodeIpvsRequest({ cmd: 'new-service', service: r.service }, 28, 1));
  assert.deepEqual(again, r);
});

test('every command encodes with the right cmd number, flags and body', () => {
  const key = SERVICE_KEYS[0]!;
  const cases: [IpvsRequest, number, 'dump' | 'ack'][] = [
    [{ cmd: 'get-service' }, IpvsCmd.GET_SERVICE, 'dump'],
    [{ cmd: 'get-service', service: key }, IpvsCmd.GET_SERVICE, 'ack'],
    [{ cmd: 'del-service', service: key }, IpvsCmd.DEL_SERVICE, 'ack'],
    [{ cmd: 'get-dest', service: key }, IpvsCmd.GET_DEST, 'dump'],
    [{ cmd: 'del-dest', service: key, dest: { addr: ip('1.2.3.4'), port: 1 } }, IpvsCmd.DEL_DEST, 'ack'],
    [{ cmd: 'new-daemon', daemon: { state: 'master', mcastIfn: 'lo', syncId: 5, mcastGroup: ip('224.0.0.81'), mcastPort: 8848, mcastTtl: 1, syncMaxLen: 1472 } }, IpvsCmd.NEW_DAEMON, 'ack'],
    [{ cmd: 'del-daemon', state: 'backup' }, IpvsCmd.DEL_DAEMON, 'ack'],
    [{ cmd: 'get-daemon' }, IpvsCmd.GET_DAEMON, 'dump'],
    [{ cmd: 'set-config', timeouts: { tcpS: 900, tcpFinS: 120, udpS: 300 } }, IpvsCmd.SET_CONFIG, 'ack'],
    [{ cmd: 'get-config' }, IpvsCmd.GET_CONFIG, 'ack'],
    [{ cmd: 'get-info' }, IpvsCmd.GET_INFO, 'ack'],
    [{ cmd: 'zero' }, IpvsCmd.ZERO, 'ack'],
    [{ cmd: 'zero', service: key }, IpvsCmd.ZERO, 'ack'],
    [{ cmd: 'flush' }, IpvsCmd.FLUSH, 'ack'],
  ];
  for (const [req, cmd, kind] of cases) {
    const m = decodeMessages(encodeIpvsRequest(req, 28, 9));
    assert.ok(m.ok);
    const msg = m.value[0]!;
    assert.equal(msg.type, 28);
    assert.equal(msg.flags & 0x300 ? 'dump' : 'ack', kind, req.cmd);
    const g = decodeGenl(msg);
    assert.ok(g.ok);
    assert.equal(g.value.cmd, cmd, req.cmd);
  }
  // A daemon request decodes back (the kernel's GET_DAEMON reply uses NEW_DAEMON + DAEMON attrs).
  const d = decodeOne(encodeIpvsRequest(cases[5]![0], 28, 1));
  assert.ok(d.kind === 'daemon');
  assert.equal(d.daemons[0]?.mcastIfn, 'lo');
  assert.equal(formatIp(d.daemons[0]!.mcastGroup!), '224.0.0.81');
  assert.equal(formatIpvsVersion(0x010201), '1.2.1');
});

test('garbage never throws: truncated or mangled replies decode to failures', () => {
  const full = hex(DEST_DUMP_HEX);
  fc.assert(fc.property(fc.integer({ min: 0, max: full.length }), fc.uint8Array({ maxLength: 64 }), (cut, noise) => {
    const b = new Uint8Array([...full.subarray(0, cut), ...noise]);
    ipvsWire.decode(b); // must not throw
  }));
  const w = ipvsWire.decode(hex('1400000002000000010000000000000000000000'));
  assert.deepEqual(w, [{ seq: 1, kind: 'ack' }]);
});
