// rtnetlink request encoders read back by our decoders (the kernel-facing checks are in
// test/netns/netlink-rtnl.test.ts): every field we write is a field we can read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { IpAddress } from '../../../src/base/ip.ts';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, decodeMessages, type NlMessage } from '../../../src/netlink/message.ts';
import { IFA_F_NODAD, IFA_F_NOPREFIXROUTE, decodeAddr, encodeAddrRequest } from '../../../src/netlink/rtnl-addr.ts';
import { IFF_UP, MACVLAN_MODE_BRIDGE, decodeLink, encodeLinkSetUp, encodeMacvlanCreate, vrrpMac } from '../../../src/netlink/rtnl-link.ts';
import { RTAX_MTU, decodeRoute, encodeRouteRequest, routeMetrics } from '../../../src/netlink/rtnl-route.ts';
import { FIB_RULE_INVERT, decodeRule, encodeRuleRequest } from '../../../src/netlink/rtnl-rule.ts';

const one = (b: Uint8Array): NlMessage => {
  const d = decodeMessages(b);
  assert.ok(d.ok && d.value.length === 1);
  return d.value[0]!;
};
const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((bytes): IpAddress => ({ family: 4, bytes }));
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes): IpAddress => ({ family: 6, bytes }));

test('address requests decode to what was asked (IPv4 label/brd, IPv6 32-bit flags)', () => {
  fc.assert(fc.property(fc.oneof(v4, v6), fc.integer({ min: 1, max: 1 << 20 }), fc.integer({ min: 0, max: 32 }), fc.boolean(), (local, ifindex, prefixLen, replace) => {
    const flags = local.family === 6 ? IFA_F_NODAD | IFA_F_NOPREFIXROUTE : 0;
    const spec = { ifindex, local, prefixLen, flags, scope: 253, ...(local.family === 4 ? { label: 'eth0:vip', broadcast: local } : {}) };
    const m = one(encodeAddrRequest('add', spec, { seq: 9, replace }));
    assert.equal(m.flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
    const d = decodeAddr(m);
    assert.ok(d.ok);
    assert.deepEqual([d.value.ifindex, d.value.prefixLen, d.value.flags, d.value.scope, d.value.label], [ifindex, prefixLen, flags, 253, spec.label]);
    assert.deepEqual(d.value.local?.bytes, local.bytes);
    assert.deepEqual(d.value.broadcast?.bytes, spec.broadcast?.bytes);
  }));
});

test('route requests: big tables in RTA_TABLE, metrics, multipath weights', () => {
  fc.assert(fc.property(v4, fc.integer({ min: 0, max: 32 }), fc.integer({ min: 1, max: 0xfffffff0 }), fc.integer({ min: 0, max: 1 << 20 }), (dst, dstLen, table, metric) => {
    const r = { family: 4 as const, dst, dstLen, table, metric, metrics: { [RTAX_MTU]: 1400 }, nexthops: [{ gateway: dst, ifindex: 3, weight: 2 }, { ifindex: 4, weight: 256 }] };
    const d = decodeRoute(one(encodeRouteRequest('add', r, 1)));
    assert.ok(d.ok);
    assert.deepEqual([d.value.table, d.value.metric, d.value.dstLen, routeMetrics(d.value)[RTAX_MTU]], [table, metric, dstLen, 1400]);
    if (dstLen > 0) assert.deepEqual(d.value.dst.bytes, dst.bytes);
    assert.deepEqual(d.value.nexthops?.map((n) => [n.ifindex, n.weight, n.gateway?.bytes]), [[3, 2, dst.bytes], [4, 256, undefined]]);
  }));
});

test('rule requests: selectors, mark/mask, invert, table', () => {
  fc.assert(fc.property(v6, fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 0xfffffff0 }), (src, srcLen, fwmark, table) => {
    const d = decodeRule(one(encodeRuleRequest('add', { family: 6, src, srcLen, fwmark, fwmask: 0xff, table, invert: true, priority: 7, iifName: 'eth1' }, 1)));
    assert.ok(d.ok);
    assert.deepEqual([d.value.srcLen, d.value.fwmark, d.value.fwmask, d.value.table, d.value.flags & FIB_RULE_INVERT, d.value.priority, d.value.iifName], [srcLen, fwmark, 0xff, table, FIB_RULE_INVERT, 7, 'eth1']);
    if (srcLen > 0) assert.deepEqual(d.value.src?.bytes, src.bytes);
  }));
});

test('macvlan VMAC and link up/down requests', () => {
  assert.deepEqual([...vrrpMac(51, 4)], [0, 0, 0x5e, 0, 1, 51]);
  assert.deepEqual([...vrrpMac(255, 6)], [0, 0, 0x5e, 0, 2, 255]);
  const m = one(encodeMacvlanCreate(3, { name: 'vrrp.51', baseIfindex: 2, mac: vrrpMac(51, 4), mode: MACVLAN_MODE_BRIDGE, up: true }));
  assert.equal(m.flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  const d = decodeLink(m);
  assert.ok(d.ok);
  assert.deepEqual([d.value.name, d.value.link, d.value.kind, d.value.macvlanMode, d.value.flags & IFF_UP, [...d.value.address!]], ['vrrp.51', 2, 'macvlan', MACVLAN_MODE_BRIDGE, IFF_UP, [0, 0, 0x5e, 0, 1, 51]]);
  const down = decodeLink(one(encodeLinkSetUp(4, 7, false)));
  assert.ok(down.ok);
  assert.deepEqual([down.value.ifindex, down.value.flags, down.value.change], [7, 0, IFF_UP]);
});
