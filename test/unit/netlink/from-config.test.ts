// virtual_routes / virtual_rules lines (through the real config parser) -> route/rule specs:
// the failures and the `ignored` list (the kernel-level agreement with keepalived is in
// test/netns/netlink-config-routes.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildText } from '../config/build-text.ts';
import { parseCNumber, parseRealms, routeSpecFromConfig } from '../../../src/netlink/route-from-config.ts';
import { ruleSpecFromConfig } from '../../../src/netlink/rule-from-config.ts';
import { FR_ACT_GOTO, FR_ACT_PROHIBIT } from '../../../src/netlink/rtnl-rule.ts';
import { RTAX_MTU, RTNH_F_ONLINK } from '../../../src/netlink/rtnl-route.ts';

const names = { ifindex: (n: string) => ({ eth0: 2, eth1: 3 })[n], table: (n: string) => (n === 'small' ? 42 : undefined) };
const routes = (body: string) => buildText(`static_routes {\n${body}\n}\n`, { grammarErrorsOk: true }).config.static_routes;
const rules = (body: string) => buildText(`static_rules {\n${body}\n}\n`, { grammarErrorsOk: true }).config.static_rules;

test('C numbers and realms as iproute2 reads them', () => {
  assert.deepEqual(['10', '0x1f', '017', '0', 'x', '-1', '4294967296'].map(parseCNumber), [10, 31, 15, 0, undefined, undefined, undefined]);
  assert.equal(parseRealms('2/0x14', names), (2 << 16) | 20);
  assert.equal(parseRealms('7', names), 7);
  assert.equal(parseRealms('PQA/1', names), undefined);
});

test('routes: defaults, metrics, onlink, nexthops; what cannot be expressed is listed, bad values fail', () => {
  const [a, b, c, d] = routes(`10.0.0.0/8 via 192.168.1.1 dev eth0 mtu 1400 onlink rtt 102 table small
  2001:db8::/32 dev eth1 nexthop via 2001:db8::1 dev eth0 weight 3 onlink nexthop via 2001:db8::2
  10.1.0.0/16 dev nosuch
  10.2.0.0/16 table nosuch`);
  const ra = routeSpecFromConfig(a!, names);
  assert.ok(ra.ok);
  assert.deepEqual([ra.spec.oif, ra.spec.table, ra.spec.protocol, ra.spec.scope, ra.spec.metrics?.[RTAX_MTU], ra.spec.flags], [2, 42, 18, 0, 1400, RTNH_F_ONLINK]);
  assert.deepEqual(ra.ignored, ['rtt 102']);
  const rb = routeSpecFromConfig(b!, names);
  assert.ok(rb.ok);
  assert.deepEqual(rb.spec.nexthops?.map((n) => [n.ifindex, n.weight, n.flags]), [[2, 3, RTNH_F_ONLINK], [undefined, undefined, undefined]]);
  assert.deepEqual(routeSpecFromConfig(c!, names), { ok: false, error: "device 'nosuch' does not exist" });
  assert.deepEqual(routeSpecFromConfig(d!, names), { ok: false, error: "table 'nosuch' unknown" });
});

test('rules: selectors, actions, ranges; bad values fail', () => {
  const [a, b, c] = rules(`from 10.0.0.0/8 to 10.1.0.0/16 fwmark 0x10/0xff iif eth0 goto 200 preference 100
  to 2001:db8::/32 prohibit preference 5 uidrange 1000-2000 ipproto UDP dport 53
  from 10.0.0.0/8 sport 20-10 table 5`);
  const ra = ruleSpecFromConfig(a!, names);
  assert.ok(ra.ok);
  assert.deepEqual([ra.spec.family, ra.spec.srcLen, ra.spec.dstLen, ra.spec.fwmark, ra.spec.fwmask, ra.spec.iifName, ra.spec.action, ra.spec.gotoPriority, ra.spec.priority, ra.spec.protocol], [4, 8, 16, 16, 255, 'eth0', FR_ACT_GOTO, 200, 100, 18]);
  const rb = ruleSpecFromConfig(b!, names);
  assert.ok(rb.ok);
  assert.deepEqual([rb.spec.family, rb.spec.action, rb.spec.uidRange, rb.spec.ipProto, rb.spec.dport], [6, FR_ACT_PROHIBIT, [1000, 2000], 17, [53, 53]]);
  assert.deepEqual(ruleSpecFromConfig(c!, names), { ok: false, error: "sport '20-10' is not valid" });
});
