// rtnetlink codecs against the kernel and iproute2, in a fresh namespace: every change is
// made with OUR messages and checked with `ip -j`; every dump is decoded by OUR codec and
// compared field by field with `ip -j`'s view of the same kernel state. Root only.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot, need } from '../support/env.ts';
import { Netns, destroyAll } from '../support/netns.ts';
import { NetlinkSocket, type NetlinkResult } from '../../src/os/netlink-socket.ts';
import { NETLINK_ROUTE, ifNameToIndex } from '../../src/os/native-socket.ts';
import { formatIp, parseIp, type IpAddress } from '../../src/base/ip.ts';
import { formatMac } from '../../src/base/mac-address.ts';
import { IFA_F_NODAD, IFA_F_NOPREFIXROUTE, INFINITY_LIFE_TIME, decodeAddr, encodeAddrDump, encodeAddrRequest } from '../../src/netlink/rtnl-addr.ts';
import { MACVLAN_MODE_BRIDGE, MACVLAN_MODE_PRIVATE, decodeLink, encodeLinkDump, encodeLinkDelete, encodeMacvlanCreate, vrrpMac } from '../../src/netlink/rtnl-link.ts';
import { RTAX_MTU, RTN_BLACKHOLE, RTPROT_KEEPALIVED, decodeRoute, encodeRouteDump, encodeRouteRequest, routeMetrics } from '../../src/netlink/rtnl-route.ts';
import { decodeRule, encodeRuleDump, encodeRuleRequest } from '../../src/netlink/rtnl-rule.ts';
import { RT_SCOPE_HOST, RT_SCOPE_LINK } from '../../src/netlink/rtnl-types.ts';

after(destroyAll);

const ip = (s: string): IpAddress => parseIp(s) ?? assert.fail(s);
function ok(r: NetlinkResult, what: string): NetlinkResult & { ok: true } {
  if (!r.ok) assert.fail(`${what}: errno ${r.error.errno} ${r.error.message ?? ''}`);
  return r;
}

interface World { ns: Netns; nl: NetlinkSocket; idx: number }
async function withWorld(tag: string, fn: (w: World) => Promise<void>): Promise<void> {
  const ns = Netns.create(tag);
  ns.ip('link', 'add', 'kv0', 'type', 'veth', 'peer', 'name', 'kv1');
  ns.ip('link', 'set', 'kv0', 'up');
  ns.ip('link', 'set', 'kv1', 'up');
  const nl = ns.run(() => NetlinkSocket.open(NETLINK_ROUTE));
  const idx = ns.run(() => ifNameToIndex('kv0'));
  try {
    await fn({ ns, nl, idx });
  } finally {
    nl.close();
    ns.destroy();
  }
}

type IpAddrInfo = { family: string; local: string; prefixlen: number; broadcast?: string; scope: string; label?: string; nodad?: boolean; noprefixroute?: boolean; preferred_life_time: number; valid_life_time: number };
const SCOPE_NAME: Record<number, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host' };

test('addresses: add/del with label, scope, brd, nodad; our dump decodes what ip -j shows', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  await withWorld('addr', async ({ ns, nl, idx }) => {
    const adds = [
      { ifindex: idx, local: ip('10.1.2.3'), prefixLen: 24, broadcast: ip('10.1.2.255'), label: 'kv0:vip' },
      { ifindex: idx, local: ip('10.9.9.9'), prefixLen: 32, scope: RT_SCOPE_HOST },
      { ifindex: idx, local: ip('2001:db8::5'), prefixLen: 64, flags: IFA_F_NODAD },
      { ifindex: idx, local: ip('2001:db8:1::7'), prefixLen: 128, flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE, preferredLftS: 0 },
      { ifindex: idx, local: ip('fe80::1234'), prefixLen: 64, scope: RT_SCOPE_LINK, flags: IFA_F_NODAD },
    ];
    for (const a of adds) ok(await nl.request((seq) => encodeAddrRequest('add', a, { seq })), `add ${formatIp(a.local)}`);
    const again = await nl.request((seq) => encodeAddrRequest('add', adds[0]!, { seq }));
    assert.equal(again.ok, false);
    if (!again.ok) assert.equal(again.error.errno, 17 /* EEXIST */);

    const shown = (ns.ipJson('addr', 'show', 'dev', 'kv0') as { addr_info: IpAddrInfo[] }[])[0]!.addr_info;
    const find = (s: string) => shown.find((x) => x.local === s) ?? assert.fail(`${s} not in ip -j: ${JSON.stringify(shown)}`);
    assert.deepEqual([find('10.1.2.3').label, find('10.1.2.3').broadcast, find('10.1.2.3').scope], ['kv0:vip', '10.1.2.255', 'global']);
    assert.equal(find('10.9.9.9').scope, 'host');
    assert.equal(find('2001:db8::5').nodad, true);
    assert.equal(find('2001:db8:1::7').noprefixroute, true);
    assert.equal(find('2001:db8:1::7').preferred_life_time, 0);
    assert.equal(find('fe80::1234').scope, 'link');

    // Our dump, decoded, against everything ip -j says about the device.
    const dump = ok(await nl.request((seq) => encodeAddrDump(seq)), 'dump');
    const ours = dump.replies.map((m) => decodeAddr(m)).filter((d) => d.ok && d.value.ifindex === idx).map((d) => (d.ok ? d.value : assert.fail()));
    assert.equal(ours.length, shown.length);
    for (const s of shown) {
      const o = ours.find((x) => x.local && formatIp(x.local) === s.local) ?? assert.fail(`dump lacks ${s.local}`);
      assert.equal(o.family === 4 ? 'inet' : 'inet6', s.family);
      assert.equal(o.prefixLen, s.prefixlen);
      assert.equal(SCOPE_NAME[o.scope], s.scope);
      assert.equal(o.label, s.label);
      assert.equal(o.broadcast && formatIp(o.broadcast), s.broadcast);
      assert.equal((o.flags & IFA_F_NODAD) !== 0, s.nodad === true, `nodad ${s.local}`);
      const life = (v: number | undefined) => (v === INFINITY_LIFE_TIME ? 4294967295 : v);
      assert.equal(life(o.preferredLftS), s.preferred_life_time);
    }

    for (const a of adds) ok(await nl.request((seq) => encodeAddrRequest('del', a, { seq })), `del ${formatIp(a.local)}`);
    const left = (ns.ipJson('addr', 'show', 'dev', 'kv0') as { addr_info: IpAddrInfo[] }[])[0]!.addr_info.map((x) => x.local);
    for (const a of adds) assert.ok(!left.includes(formatIp(a.local)), `${formatIp(a.local)} still present`);
  });
});

type IpRoute = { dst: string; gateway?: string; dev?: string; protocol?: string; scope?: string; metric?: number; type?: string; prefsrc?: string; metrics?: { mtu?: number }[] };

test('routes: add/del in main and numbered tables, blackhole, mtu; dump matches ip -j route', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  await withWorld('route', async ({ ns, nl, idx }) => {
    ns.ip('addr', 'add', '10.1.2.3/24', 'dev', 'kv0');
    ns.ip('addr', 'add', '2001:db8::5/64', 'dev', 'kv0', 'nodad');
    const routes = [
      { family: 4 as const, dst: ip('10.20.0.0'), dstLen: 16, gateway: ip('10.1.2.1'), oif: idx, metric: 77, table: 1000, protocol: RTPROT_KEEPALIVED },
      { family: 4 as const, dst: ip('10.30.0.0'), dstLen: 24, oif: idx, prefsrc: ip('10.1.2.3'), metrics: { [RTAX_MTU]: 1400 } },
      { family: 4 as const, dst: ip('192.0.2.0'), dstLen: 24, type: RTN_BLACKHOLE, table: 100 },
      { family: 6 as const, dst: ip('2001:db8:77::'), dstLen: 48, gateway: ip('2001:db8::1'), oif: idx, table: 200 },
    ];
    for (const r of routes) ok(await nl.request((seq) => encodeRouteRequest('add', r, seq)), `add ${formatIp(r.dst)}`);

    const t1000 = ns.ipJson('route', 'show', 'table', '1000') as IpRoute[];
    assert.deepEqual(t1000.map((r) => [r.dst, r.gateway, r.dev, r.metric, r.protocol]), [['10.20.0.0/16', '10.1.2.1', 'kv0', 77, 'keepalived']]);
    const main = (ns.ipJson('-d', 'route', 'show', 'table', 'main') as IpRoute[]).find((r) => r.dst === '10.30.0.0/24') ?? assert.fail();
    assert.deepEqual([main.dev, main.scope, main.prefsrc, main.protocol, main.metrics?.[0]?.mtu], ['kv0', 'link', '10.1.2.3', 'boot', 1400]);
    assert.deepEqual((ns.ipJson('route', 'show', 'table', '100') as IpRoute[]).map((r) => [r.type, r.dst]), [['blackhole', '192.0.2.0/24']]);
    assert.deepEqual((ns.ipJson('-6', 'route', 'show', 'table', '200') as IpRoute[]).map((r) => [r.dst, r.gateway, r.dev]), [['2001:db8:77::/48', '2001:db8::1', 'kv0']]);

    const dump = ok(await nl.request((seq) => encodeRouteDump(seq)), 'dump');
    const ours = dump.replies.map((m) => decodeRoute(m)).map((d) => (d.ok ? d.value : assert.fail(d.error)));
    const r1 = ours.find((r) => r.table === 1000) ?? assert.fail('table 1000 missing from our dump');
    assert.deepEqual([formatIp(r1.dst), r1.dstLen, r1.gateway && formatIp(r1.gateway), r1.oif, r1.metric, r1.protocol], ['10.20.0.0', 16, '10.1.2.1', idx, 77, RTPROT_KEEPALIVED]);
    const r2 = ours.find((r) => r.table === 254 && r.dst && formatIp(r.dst) === '10.30.0.0') ?? assert.fail();
    assert.deepEqual([r2.scope, routeMetrics(r2)[RTAX_MTU], r2.prefsrc && formatIp(r2.prefsrc)], [RT_SCOPE_LINK, 1400, '10.1.2.3']);
    assert.ok(ours.some((r) => r.table === 100 && r.type === RTN_BLACKHOLE));

    for (const r of routes) ok(await nl.request((seq) => encodeRouteRequest('del', r, seq)), `del ${formatIp(r.dst)}`);
    assert.deepEqual(ns.ipJson('route', 'show', 'table', '1000'), []);
    assert.deepEqual(ns.ipJson('route', 'show', 'table', '100'), []);
    assert.ok(!(ns.ipJson('route', 'show') as IpRoute[]).some((r) => r.dst === '10.30.0.0/24'));
    const gone = await nl.request((seq) => encodeRouteRequest('del', routes[0]!, seq));
    assert.equal(gone.ok, false);
    if (!gone.ok) assert.equal(gone.error.errno, 3 /* ESRCH */);
  });
});

type IpRule = { priority: number; src?: string; srclen?: number; dst?: string; dstlen?: number; table?: string; fwmark?: string; fwmask?: string; iif?: string; not?: null };

test('rules: add/del with from/to/fwmark/iif/not and big tables; dump matches ip -j rule', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  await withWorld('rule', async ({ ns, nl }) => {
    const rules = [
      { family: 4 as const, priority: 1000, src: ip('10.1.0.0'), srcLen: 16, table: 100 },
      { family: 4 as const, priority: 1001, dst: ip('10.7.7.7'), dstLen: 32, fwmark: 5, fwmask: 0xff, table: 70000, invert: true },
      { family: 6 as const, priority: 2000, dst: ip('2001:db8::'), dstLen: 32, iifName: 'kv0', table: 300 },
    ];
    for (const r of rules) ok(await nl.request((seq) => encodeRuleRequest('add', r, seq)), `add rule ${r.priority}`);
    const v4 = ns.ipJson('rule', 'show') as IpRule[];
    const p1000 = v4.find((r) => r.priority === 1000) ?? assert.fail(JSON.stringify(v4));
    assert.deepEqual([p1000.src, p1000.srclen, p1000.table], ['10.1.0.0', 16, '100']);
    const p1001 = v4.find((r) => r.priority === 1001) ?? assert.fail();
    // ip -j leaves out a full-length dstlen.
    assert.deepEqual([p1001.dst, p1001.dstlen, p1001.fwmark, p1001.fwmask, p1001.table, 'not' in p1001], ['10.7.7.7', undefined, '0x5', '0xff', '70000', true]);
    const p2000 = (ns.ipJson('-6', 'rule', 'show') as IpRule[]).find((r) => r.priority === 2000) ?? assert.fail();
    assert.deepEqual([p2000.dst, p2000.dstlen, p2000.iif, p2000.table], ['2001:db8::', 32, 'kv0', '300']);

    // AF_UNSPEC would also return the multicast-routing rule families (RTNL_FAMILY_IPMR 128).
    const d4 = ok(await nl.request((seq) => encodeRuleDump(seq, 4)), 'dump v4');
    const d6 = ok(await nl.request((seq) => encodeRuleDump(seq, 6)), 'dump v6');
    const ours = [...d4.replies, ...d6.replies].map((m) => decodeRule(m)).map((d) => (d.ok ? d.value : assert.fail(d.error)));
    // Every rule ip -j shows, in both families, is in our dump with the same priority and table.
    const all = [...v4, ...(ns.ipJson('-6', 'rule', 'show') as IpRule[])];
    assert.equal(ours.length, all.length);
    const named: Record<string, number> = { main: 254, local: 255, default: 253 };
    for (const s of all) {
      assert.ok(ours.some((o) => (o.priority ?? 0) === s.priority && o.table === (named[s.table ?? ''] ?? Number(s.table))), `rule ${JSON.stringify(s)}`);
    }
    const o1001 = ours.find((o) => o.priority === 1001) ?? assert.fail();
    assert.deepEqual([o1001.fwmark, o1001.fwmask, o1001.table, o1001.dst && formatIp(o1001.dst)], [5, 0xff, 70000, '10.7.7.7']);

    for (const r of rules) ok(await nl.request((seq) => encodeRuleRequest('del', r, seq)), `del rule ${r.priority}`);
    const after = [...(ns.ipJson('rule', 'show') as IpRule[]), ...(ns.ipJson('-6', 'rule', 'show') as IpRule[])].map((r) => r.priority);
    for (const r of rules) assert.ok(!after.includes(r.priority), `rule ${r.priority} still there`);
  });
});

test('use_vmac: macvlan with the VRRP MAC, private and bridge modes, as ip -j -d link shows', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  await withWorld('vmac', async ({ ns, nl, idx }) => {
    ok(await nl.request((seq) => encodeMacvlanCreate(seq, { name: 'vrrp.51', baseIfindex: idx, mac: vrrpMac(51, 4), up: true })), 'create v4 vmac');
    ok(await nl.request((seq) => encodeMacvlanCreate(seq, { name: 'vrrp6.7', baseIfindex: idx, mac: vrrpMac(7, 6), mode: MACVLAN_MODE_BRIDGE })), 'create v6 vmac');
    const l = (ns.ipJson('-d', 'link', 'show', 'vrrp.51') as { address: string; link: string; flags: string[]; linkinfo: { info_kind: string; info_data: { mode: string } } }[])[0]!;
    assert.deepEqual([l.address, l.link, l.linkinfo.info_kind, l.linkinfo.info_data.mode, l.flags.includes('UP')], ['00:00:5e:00:01:33', 'kv0', 'macvlan', 'private', true]);
    const l6 = (ns.ipJson('-d', 'link', 'show', 'vrrp6.7') as { address: string; linkinfo: { info_data: { mode: string } } }[])[0]!;
    assert.deepEqual([l6.address, l6.linkinfo.info_data.mode], ['00:00:5e:00:02:07', 'bridge']);
    const dup = await nl.request((seq) => encodeMacvlanCreate(seq, { name: 'vrrp.51', baseIfindex: idx, mac: vrrpMac(51, 4) }));
    assert.equal(!dup.ok && dup.error.errno, 17 /* EEXIST */);

    // Our link dump decodes the same facts.
    const dump = ok(await nl.request((seq) => encodeLinkDump(seq)), 'link dump');
    const links = dump.replies.map((m) => decodeLink(m)).map((d) => (d.ok ? d.value : assert.fail(d.error)));
    const shown = ns.ipJson('-d', 'link', 'show') as { ifindex: number; ifname: string; address: string; mtu: number; operstate: string }[];
    assert.equal(links.length, shown.length);
    for (const s of shown) {
      const o = links.find((x) => x.ifindex === s.ifindex) ?? assert.fail(`missing ${s.ifname}`);
      assert.deepEqual([o.name, o.address && formatMac(o.address), o.mtu], [s.ifname, s.address, s.mtu]);
    }
    const v = links.find((x) => x.name === 'vrrp.51') ?? assert.fail();
    assert.deepEqual([v.kind, v.macvlanMode, v.link], ['macvlan', MACVLAN_MODE_PRIVATE, idx]);

    ok(await nl.request((seq) => encodeLinkDelete(seq, v.ifindex)), 'delete vmac');
    assert.throws(() => ns.ip('link', 'show', 'vrrp.51'));
  });
});
