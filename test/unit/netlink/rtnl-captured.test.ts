// Our rtnetlink decoders on bytes the kernel really sent (fixtures/rtnl-dumps.json, captured by
// capture-fixtures.ts through our own socket), compared field by field with what iproute2's
// `ip -j` printed for the same kernel state. Also: kernel attribute lists re-encode to the
// same bytes, and every decoder survives every truncation of every captured message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatIp } from '../../../src/base/ip.ts';
import { formatMac } from '../../../src/base/mac-address.ts';
import { decodeAttrs, encodeAttrs } from '../../../src/netlink/attributes.ts';
import type { NlMessage } from '../../../src/netlink/message.ts';
import { IFA_F_NODAD, decodeAddr } from '../../../src/netlink/rtnl-addr.ts';
import { IFF_UP, MACVLAN_MODE_PRIVATE, OPERSTATE_NAMES, decodeLink } from '../../../src/netlink/rtnl-link.ts';
import { ROUTE_TYPE_BY_NAME, RTAX_MTU, decodeRoute, routeMetrics } from '../../../src/netlink/rtnl-route.ts';
import { FIB_RULE_INVERT, decodeRule } from '../../../src/netlink/rtnl-rule.ts';

type Raw = { type: number; flags: number; payload: string };
const fx = JSON.parse(readFileSync(new URL('./fixtures/rtnl-dumps.json', import.meta.url), 'utf8'));
const msgs = (list: Raw[]): NlMessage[] => list.map((r) => ({ type: r.type, flags: r.flags, seq: 1, pid: 0, payload: Uint8Array.from(Buffer.from(r.payload, 'hex')) }));
const ok = <T>(d: { ok: true; value: T } | { ok: false; error: string }): T => (d.ok ? d.value : assert.fail(d.error));

const links = msgs(fx.link.kernel).map((m) => ok(decodeLink(m)));
const nameOf = (i: number | undefined) => links.find((l) => l.ifindex === i)?.name;
const TABLES: Record<string, number> = { main: 254, local: 255, default: 253 };
const PROTOS: Record<string, number> = { kernel: 2, boot: 3, static: 4, keepalived: 18 };
const SCOPES: Record<string, number> = { global: 0, site: 200, link: 253, host: 254 };

test('links: name, MAC, MTU, flags, operstate, macvlan kind/mode/lower as ip -j -d link', () => {
  type IpLink = { ifindex: number; ifname: string; address: string; mtu: number; flags: string[]; operstate: string; link?: string; linkinfo?: { info_kind: string; info_data?: { mode?: string } } };
  const ip = fx.link.ip as IpLink[];
  assert.equal(links.length, ip.length);
  for (const s of ip) {
    const o = links.find((l) => l.ifindex === s.ifindex) ?? assert.fail(s.ifname);
    assert.equal(o.name, s.ifname);
    assert.equal(formatMac(o.address!), s.address);
    assert.equal(o.mtu, s.mtu);
    assert.equal((o.flags & IFF_UP) !== 0, s.flags.includes('UP'), s.ifname);
    assert.equal(OPERSTATE_NAMES[o.operstate!], s.operstate);
    assert.equal(nameOf(o.link), s.link);
    assert.equal(o.kind, s.linkinfo?.info_kind);
  }
  const vmac = links.find((l) => l.name === 'vrrp.51')!;
  assert.deepEqual([vmac.kind, vmac.macvlanMode, formatMac(vmac.address!)], ['macvlan', MACVLAN_MODE_PRIVATE, '00:00:5e:00:01:33']);
});

test('addresses: local, prefix, scope, label, broadcast, nodad, lifetimes as ip -j addr', () => {
  type AddrInfo = { family: string; local: string; prefixlen: number; scope: string; label?: string; broadcast?: string; nodad?: boolean; preferred_life_time: number; valid_life_time: number };
  const ours = msgs(fx.addr.kernel).map((m) => ok(decodeAddr(m)));
  const shown = (fx.addr.ip as { ifindex: number; addr_info: AddrInfo[] }[]).flatMap((l) => l.addr_info.map((a) => ({ ...a, ifindex: l.ifindex })));
  assert.equal(ours.length, shown.length);
  for (const s of shown) {
    const o = ours.find((x) => x.ifindex === s.ifindex && formatIp(x.local!) === s.local) ?? assert.fail(s.local);
    assert.equal(o.family === 4 ? 'inet' : 'inet6', s.family);
    assert.equal(o.prefixLen, s.prefixlen);
    assert.equal(o.scope, SCOPES[s.scope]);
    assert.equal(o.label, s.label);
    assert.equal(o.broadcast && formatIp(o.broadcast), s.broadcast);
    assert.equal((o.flags & IFA_F_NODAD) !== 0, s.nodad === true);
    assert.equal(o.preferredLftS, s.preferred_life_time);
    assert.equal(o.validLftS, s.valid_life_time);
  }
});

test('routes: every route of both families matches ip -j -d route show table all', () => {
  type IpRoute = { type: string; dst: string; gateway?: string; dev?: string; table?: string; protocol: string; scope: string; metric?: number; prefsrc?: string; metrics?: { mtu?: number }[]; nexthops?: { gateway: string; dev: string; weight: number }[] };
  const ours = msgs(fx.route.kernel).map((m) => ok(decodeRoute(m)));
  const shown = [...(fx.route.ip4 as IpRoute[]), ...(fx.route.ip6 as IpRoute[])];
  assert.equal(ours.length, shown.length);
  const key = (fam: 4 | 6, dst: string, table: number, type: number, dev: string | undefined) => `${fam}|${dst}|${table}|${type}|${dev}`;
  const mine = new Map(ours.map((o) => {
    const full = o.family === 4 ? 32 : 128;
    const dst = o.dstLen === 0 ? 'default' : o.dstLen === full ? formatIp(o.dst) : `${formatIp(o.dst)}/${o.dstLen}`;
    return [key(o.family, dst, o.table, o.type, nameOf(o.oif)), o];
  }));
  assert.equal(mine.size, ours.length, 'route keys are unique');
  for (const s of shown) {
    const fam = (s.dst.includes(':') || s.gateway?.includes(':') ? 6 : 4) as 4 | 6;
    const o = mine.get(key(fam, s.dst, TABLES[s.table ?? 'main'] ?? Number(s.table), ROUTE_TYPE_BY_NAME[s.type]!, s.dev)) ?? assert.fail(`no decoded route for ${JSON.stringify(s)}`);
    assert.equal(o.protocol, PROTOS[s.protocol], s.dst);
    assert.equal(o.scope, SCOPES[s.scope], s.dst);
    assert.equal(o.gateway && formatIp(o.gateway), s.gateway);
    assert.equal(o.metric, s.metric);
    assert.equal(o.prefsrc && formatIp(o.prefsrc), s.prefsrc);
    assert.equal(routeMetrics(o)[RTAX_MTU], s.metrics?.[0]?.mtu);
    assert.deepEqual(o.nexthops?.map((n) => [formatIp(n.gateway!), nameOf(n.ifindex), n.weight]), s.nexthops?.map((n) => [n.gateway, n.dev, n.weight]));
  }
});

test('rules: priority, selectors, fwmark/mask, not, table as ip -j rule', () => {
  type IpRule = { priority: number; src: string; srclen?: number; dst?: string; dstlen?: number; table: string; fwmark?: string; fwmask?: string; iif?: string; not?: null };
  const ours = msgs(fx.rule.kernel).map((m) => ok(decodeRule(m)));
  const shown = [...(fx.rule.ip4 as IpRule[]).map((r) => ({ ...r, fam: 4 })), ...(fx.rule.ip6 as IpRule[]).map((r) => ({ ...r, fam: 6 }))];
  assert.equal(ours.length, shown.length);
  for (const s of shown) {
    const o = ours.find((x) => x.family === s.fam && (x.priority ?? 0) === s.priority) ?? assert.fail(JSON.stringify(s));
    assert.equal(o.table, TABLES[s.table] ?? Number(s.table));
    assert.equal(o.src ? formatIp(o.src) : 'all', s.src);
    if (s.srclen !== undefined) assert.equal(o.srcLen, s.srclen);
    assert.equal(o.dst && formatIp(o.dst), s.dst);
    if (s.dstlen !== undefined) assert.equal(o.dstLen, s.dstlen);
    assert.equal(o.fwmark === undefined ? undefined : `0x${o.fwmark.toString(16)}`, s.fwmark);
    if (s.fwmask !== undefined) assert.equal(`0x${o.fwmask!.toString(16)}`, s.fwmask);
    assert.equal(o.iifName, s.iif);
    assert.equal((o.flags & FIB_RULE_INVERT) !== 0, 'not' in s);
  }
});

test('kernel attribute lists re-encode byte for byte; truncations never throw', () => {
  const all = [fx.addr, fx.link, fx.route, fx.rule].flatMap((f) => msgs(f.kernel));
  const fixedLen: Record<number, number> = { 16: 16, 20: 8, 24: 12, 32: 12 };
  for (const m of all) {
    const start = fixedLen[m.type] ?? assert.fail(`type ${m.type}`);
    const attrs = ok(decodeAttrs(m.payload, start));
    const again = encodeAttrs(attrs);
    assert.deepEqual(Buffer.from(again).toString('hex'), Buffer.from(m.payload.subarray(start)).toString('hex'));
    for (let cut = 0; cut < m.payload.length; cut += 3) {
      const t = { ...m, payload: m.payload.subarray(0, cut) };
      decodeAddr(t);
      decodeLink(t);
      decodeRoute(t);
      decodeRule(t);
    }
  }
});
