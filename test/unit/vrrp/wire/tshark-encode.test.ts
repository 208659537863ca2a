// Adverts and announcement frames of our own making, written to a pcap file and judged by
// tshark: every field as we meant it, and its checksum verdict (vrrp.checksum.status /
// icmpv6.checksum.status / ip.checksum.status: 1 = Good, 0 = Bad, 2 = Unverified).
// Covers what the keepalived captures do not: VRRPv3 over IPv6, unicast v3, several addresses,
// extreme field values, v3_checksum_as_v2, the pre-1.3.6 unicast checksum, unsolicited NA.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatIp, parseIp, type IpAddress } from '../../../../src/base/ip.ts';
import { parseMac, type MacAddress } from '../../../../src/base/mac-address.ts';
import type { Advert } from '../../../../src/vrrp/wire/advert.ts';
import type { AdvertContext } from '../../../../src/vrrp/wire/advert-context.ts';
import { decodeAdvert } from '../../../../src/vrrp/wire/decode-advert.ts';
import { encodeAdvert } from '../../../../src/vrrp/wire/encode-advert.ts';
import { encodeEthernetFrame, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../../../../src/vrrp/wire/ethernet-frame.ts';
import { encodeGratuitousArp } from '../../../../src/vrrp/wire/gratuitous-arp.ts';
import { encodeIpv4Packet } from '../../../../src/vrrp/wire/ipv4-packet.ts';
import { encodeIpv6Packet } from '../../../../src/vrrp/wire/ipv6-packet.ts';
import { passAuthData } from '../../../../src/vrrp/wire/pass-auth.ts';
import { encodeUnsolicitedNa } from '../../../../src/vrrp/wire/unsolicited-na.ts';
import { writePcap } from '../../../captures/pcap.ts';
import { haveTshark, tsharkFields, type TsharkRow } from '../../../captures/tshark.ts';
import { need } from '../../../support/env.ts';

const ip = (s: string): IpAddress => parseIp(s)!;
const mac = (s: string): MacAddress => parseMac(s)!;
const OUR_MAC = mac('02:99:00:00:00:11');

interface Case {
  readonly name: string;
  readonly advert: Advert;
  readonly ctx: AdvertContext;
  /** tshark's verdict on the VRRP checksum with its default preferences. */
  readonly tsharkChecksum: '1' | '0';
  readonly ipId?: number;
}

function advert(p: Partial<Advert> & Pick<Advert, 'version' | 'family' | 'addresses'>): Advert {
  return { vrid: 51, priority: 100, advertIntervalCs: 100, authType: 0, authData: new Uint8Array(0), checksum: 0, ...p };
}

const CASES: Case[] = [
  { name: 'v2 PASS multicast', tsharkChecksum: '1', ipId: 7,
    advert: advert({ version: 2, family: 4, priority: 150, authType: 1, authData: passAuthData('secret12'), addresses: [ip('10.99.0.200')] }),
    ctx: { src: ip('10.99.0.11'), dst: ip('224.0.0.18') } },
  { name: 'v2 no auth, 3 VIPs, prio 255, 255 s', tsharkChecksum: '1', ipId: 0xffff,
    advert: advert({ version: 2, family: 4, vrid: 255, priority: 255, advertIntervalCs: 25500, addresses: [ip('192.0.2.1'), ip('192.0.2.2'), ip('198.51.100.77')] }),
    ctx: { src: ip('192.0.2.10'), dst: ip('224.0.0.18') } },
  { name: 'v2 priority 0, no VIPs', tsharkChecksum: '1',
    advert: advert({ version: 2, family: 4, vrid: 1, priority: 0, advertIntervalCs: 100, addresses: [] }),
    ctx: { src: ip('10.0.0.1'), dst: ip('224.0.0.18') } },
  { name: 'v3 IPv4 multicast', tsharkChecksum: '1',
    advert: advert({ version: 3, family: 4, priority: 150, advertIntervalCs: 10, addresses: [ip('10.99.0.200')] }),
    ctx: { src: ip('10.99.0.11'), dst: ip('224.0.0.18') } },
  { name: 'v3 IPv4 unicast (peer in the pseudo-header)', tsharkChecksum: '1',
    advert: advert({ version: 3, family: 4, advertIntervalCs: 4095, addresses: [ip('10.99.0.200'), ip('10.99.0.201')] }),
    ctx: { src: ip('10.99.0.11'), dst: ip('10.99.0.12') } },
  { name: 'v3 IPv4 v3_checksum_as_v2 (tshark default pref: bad)', tsharkChecksum: '0',
    advert: advert({ version: 3, family: 4, addresses: [ip('10.99.0.200')] }),
    ctx: { src: ip('10.99.0.11'), dst: ip('224.0.0.18'), v3ChecksumAsV2: true } },
  { name: 'v3 IPv4 unicast, old_unicast_checksum (group in pseudo-header: tshark says bad)', tsharkChecksum: '0',
    advert: advert({ version: 3, family: 4, addresses: [ip('10.99.0.200')] }),
    ctx: { src: ip('10.99.0.11'), dst: ip('10.99.0.12'), oldUnicastChecksum: 'always' } },
  { name: 'v3 IPv6 multicast from link-local', tsharkChecksum: '1',
    advert: advert({ version: 3, family: 6, priority: 200, advertIntervalCs: 100, addresses: [ip('fe80::200'), ip('2001:db8::200')] }),
    ctx: { src: ip('fe80::99:ff:fe00:11'), dst: ip('ff02::12') } },
  { name: 'v3 IPv6 unicast', tsharkChecksum: '1',
    advert: advert({ version: 3, family: 6, vrid: 7, priority: 1, advertIntervalCs: 1, addresses: [ip('2001:db8:1::1')] }),
    ctx: { src: ip('2001:db8::11'), dst: ip('2001:db8::12') } },
];

function frameFor(c: Case): Uint8Array {
  const payload = encodeAdvert(c.advert, c.ctx);
  if (c.advert.family === 4) {
    const pkt = encodeIpv4Packet({ src: c.ctx.src, dst: c.ctx.dst, id: c.ipId ?? 1, payload });
    return encodeEthernetFrame({ dst: mac('01:00:5e:00:00:12'), src: OUR_MAC, etherType: ETHERTYPE_IPV4, payload: pkt });
  }
  const pkt = encodeIpv6Packet({ src: c.ctx.src, dst: c.ctx.dst, payload });
  return encodeEthernetFrame({ dst: mac('33:33:00:00:00:12'), src: OUR_MAC, etherType: ETHERTYPE_IPV6, payload: pkt });
}

const FIELDS = [
  'ip.checksum.status', 'ip.ttl', 'ip.dsfield', 'ip.id', 'ipv6.hlim', 'vrrp.version', 'vrrp.type', 'vrrp.virt_rtr_id',
  'vrrp.prio', 'vrrp.addr_count', 'vrrp.auth_type', 'vrrp.adver_int', 'vrrp.short_adver_int', 'vrrp.checksum',
  'vrrp.checksum.status', 'vrrp.ip_addr', 'vrrp.ipv6_addr', 'vrrp.auth_string', '_ws.malformed', '_ws.expert',
  'arp.isgratuitous', 'arp.opcode', 'arp.src.hw_mac', 'arp.dst.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4', 'eth.dst',
  'ipv6.src', 'ipv6.dst', 'icmpv6.type', 'icmpv6.code', 'icmpv6.checksum.status', 'icmpv6.nd.na.flag.r',
  'icmpv6.nd.na.flag.s', 'icmpv6.nd.na.flag.o', 'icmpv6.nd.na.target_address', 'icmpv6.opt.type', 'icmpv6.opt.linkaddr',
];

function dissect(frames: Uint8Array[], prefs: string[] = []): TsharkRow[] {
  const dir = mkdtempSync(join(tmpdir(), `vrrp-wire-enc-${process.pid}-`));
  try {
    const path = join(dir, 'ours.pcap');
    writeFileSync(path, writePcap(frames.map((data, i) => ({ tsUs: 1_700_000_000_000_000 + i * 1000, data }))));
    const run = tsharkFields(path, FIELDS, ['ip.check_checksum:TRUE', ...prefs]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.rows.length, frames.length);
    return run.rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('tshark reads our adverts as we wrote them, with the checksum verdicts expected', (t) => {
  if (!need(t, haveTshark, 'tshark')) return;
  const rows = dissect(CASES.map(frameFor));
  CASES.forEach((c, i) => {
    const row = rows[i]!;
    const a = c.advert;
    const where = c.name;
    assert.equal(row['_ws.malformed'], '', `${where}: not malformed`);
    assert.equal(Number(row['vrrp.version']), a.version, where);
    assert.equal(row['vrrp.type'], '1', where);
    assert.equal(Number(row['vrrp.virt_rtr_id']), a.vrid, where);
    assert.equal(Number(row['vrrp.prio']), a.priority, where);
    assert.equal(Number(row['vrrp.addr_count']), a.addresses.length, where);
    const addrs = a.family === 4 ? row['vrrp.ip_addr'] : row['vrrp.ipv6_addr'];
    assert.equal(addrs, a.addresses.map(formatIp).join(','), where);
    if (a.version === 2) {
      assert.equal(Number(row['vrrp.adver_int']) * 100, a.advertIntervalCs, where);
      assert.equal(Number(row['vrrp.auth_type']), a.authType, where);
      if (a.authType === 1) assert.equal(row['vrrp.auth_string'], 'secret12', where);
    } else {
      assert.equal(Number(row['vrrp.short_adver_int']), a.advertIntervalCs, where);
    }
    assert.equal(row['vrrp.checksum.status'], c.tsharkChecksum, `${where}: checksum verdict`);
    if (a.family === 4) {
      assert.equal(row['ip.checksum.status'], '1', `${where}: IP header checksum`);
      assert.equal(row['ip.ttl'], '255', where);
      assert.equal(Number(row['ip.dsfield']), 0xc0, where);
      assert.equal(Number(row['ip.id']), c.ipId ?? 1, where);
    } else {
      assert.equal(row['ipv6.hlim'], '255', where);
    }
    // And our own decoder takes back what it wrote, naming the same checksum variant.
    const back = decodeAdvert(encodeAdvert(a, c.ctx), c.ctx);
    assert.ok(back.ok, where);
    assert.equal(back.advert.checksum, Number(row['vrrp.checksum']), where);
  });
});

test("tshark's v3_checksum_as_in_v2 preference flips the verdicts of the plain and pseudo-header variants", (t) => {
  if (!need(t, haveTshark, 'tshark')) return;
  const v4v3 = CASES.filter((c) => c.advert.version === 3 && c.advert.family === 4 && !c.ctx.oldUnicastChecksum);
  const rows = dissect(v4v3.map(frameFor), ['vrrp.v3_checksum_as_in_v2:TRUE']);
  v4v3.forEach((c, i) => {
    assert.equal(rows[i]!['vrrp.checksum.status'], c.ctx.v3ChecksumAsV2 ? '1' : '0', c.name);
  });
});

test('the pre-1.3.6 unicast checksum: auto-detected on receive unless "never"', () => {
  const c = CASES.find((x) => x.ctx.oldUnicastChecksum === 'always')!;
  const bytes = encodeAdvert(c.advert, c.ctx);
  const rx = { src: c.ctx.src, dst: c.ctx.dst };
  const auto = decodeAdvert(bytes, rx);
  assert.ok(auto.ok);
  assert.equal(auto.checksumKind, 'pseudo-header-mcast-group');
  const never = decodeAdvert(bytes, { ...rx, oldUnicastChecksum: 'never' });
  assert.deepEqual(never.ok ? 'ok' : never.reason, 'bad-checksum');
  const current = decodeAdvert(encodeAdvert(c.advert, rx), { ...rx, oldUnicastChecksum: 'always' });
  assert.deepEqual(current.ok ? 'ok' : current.reason, 'bad-checksum', "'always' expects the old variant only");
});

test('gratuitous ARP and unsolicited NA frames as tshark reads them', (t) => {
  if (!need(t, haveTshark, 'tshark')) return;
  const garp = encodeGratuitousArp(OUR_MAC, ip('10.99.0.200'));
  const na = encodeUnsolicitedNa(OUR_MAC, ip('2001:db8::200'));
  const naRouter = encodeUnsolicitedNa(OUR_MAC, ip('fe80::200'), { router: true });
  assert.equal(garp.length, 42);
  assert.equal(na.length, 86);
  const [g, n, r] = dissect([garp, na, naRouter]) as [TsharkRow, TsharkRow, TsharkRow];
  assert.equal(g['arp.isgratuitous'], '1');
  assert.equal(g['arp.opcode'], '1');
  assert.equal(g['eth.dst'], 'ff:ff:ff:ff:ff:ff');
  assert.equal(g['arp.src.hw_mac'], '02:99:00:00:00:11');
  assert.equal(g['arp.dst.hw_mac'], 'ff:ff:ff:ff:ff:ff');
  assert.equal(g['arp.src.proto_ipv4'], '10.99.0.200');
  assert.equal(g['arp.dst.proto_ipv4'], '10.99.0.200');
  for (const [row, target, router] of [[n, '2001:db8::200', '0'], [r, 'fe80::200', '1']] as const) {
    assert.equal(row['_ws.malformed'], '');
    assert.equal(row['eth.dst'], '33:33:00:00:00:01');
    assert.equal(row['ipv6.src'], target, 'sent from the VIP itself');
    assert.equal(row['ipv6.dst'], 'ff02::1');
    assert.equal(row['ipv6.hlim'], '255');
    assert.equal(row['icmpv6.type'], '136');
    assert.equal(row['icmpv6.code'], '0');
    assert.equal(row['icmpv6.checksum.status'], '1', 'ICMPv6 checksum good');
    assert.equal(row['icmpv6.nd.na.flag.o'], '1');
    assert.equal(row['icmpv6.nd.na.flag.s'], '0');
    assert.equal(row['icmpv6.nd.na.flag.r'], router);
    assert.equal(row['icmpv6.nd.na.target_address'], target);
    assert.equal(row['icmpv6.opt.type'], '2', 'target link-layer address option');
    assert.equal(row['icmpv6.opt.linkaddr'], '02:99:00:00:00:11');
  }
});
