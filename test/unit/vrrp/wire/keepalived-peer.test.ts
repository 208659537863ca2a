// keepalived 2.2.7 and the Linux kernel as the receivers of our bytes. Two network namespaces
// joined by a veth pair: keepalived runs as BACKUP (priority 100) in B; from A we send whole
// Ethernet frames we built (Ethernet + IPv4/IPv6 header + advert, GARP, NA) on an AF_PACKET
// socket. An advert keepalived accepts (priority 200) keeps it in BACKUP; one it rejects is
// logged ("Invalid VRRPv3 checksum", "received an invalid passwd!") or, for IPv6 where the
// kernel checks the checksum (IPV6_CHECKSUM) and drops silently, lets it become MASTER.
// Every scenario has a negative control, so "nothing happened" cannot pass by accident.
// GARP and NA are judged by the kernel's neighbour tables in B (stale entries overridden).
//
// Root only; namespaces are named after our pid and removed in `after`, keepalived is ended by
// its own pid, every wait is bounded. Nothing is sent outside the two namespaces.

import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, type IpAddress } from '../../../../src/base/ip.ts';
import { parseMac, type MacAddress } from '../../../../src/base/mac-address.ts';
import type { Advert } from '../../../../src/vrrp/wire/advert.ts';
import type { AdvertContext } from '../../../../src/vrrp/wire/advert-context.ts';
import { encodeAdvert } from '../../../../src/vrrp/wire/encode-advert.ts';
import { encodeEthernetFrame, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../../../../src/vrrp/wire/ethernet-frame.ts';
import { encodeGratuitousArp } from '../../../../src/vrrp/wire/gratuitous-arp.ts';
import { encodeIpv4Packet } from '../../../../src/vrrp/wire/ipv4-packet.ts';
import { encodeIpv6Packet } from '../../../../src/vrrp/wire/ipv6-packet.ts';
import { passAuthData } from '../../../../src/vrrp/wire/pass-auth.ts';
import { encodeUnsolicitedNa } from '../../../../src/vrrp/wire/unsolicited-na.ts';
import { multicastMac } from '../../../../src/vrrp/wire/vrrp-mac.ts';
import { need } from '../../../support/env.ts';
import { NetnsPair, netnsUsable, type Keepalived } from './netns-pair.ts';

const ip = (s: string): IpAddress => parseIp(s)!;
const mac = (s: string): MacAddress => parseMac(s)!;
const MAC_A = mac('02:99:00:00:00:11');
const MAC_B = mac('02:99:00:00:00:12');
const A4 = ip('10.99.0.11');
const B4 = ip('10.99.0.12');
const A6 = ip('fe80::99:ff:fe00:11');
const GROUP4 = ip('224.0.0.18');
const GROUP6 = ip('ff02::12');

let pair: NetnsPair | undefined;
before(() => { if (netnsUsable) pair = new NetnsPair(); });
after(async () => { await pair?.dispose(); });

function canRun(t: TestContext): boolean {
  return need(t, pair !== undefined, 'root, keepalived, python3 and iproute2 (network namespaces)');
}

const BACKUP = '  state BACKUP\n  priority 100\n';
async function startBackup(p: NetnsPair, name: string, body: string): Promise<Keepalived> {
  return p.startKeepalived(name, BACKUP + body, /Entering BACKUP STATE/);
}

function advert4(version: 2 | 3, p: Partial<Advert> = {}): Advert {
  return { version, family: 4, vrid: 51, priority: 200, advertIntervalCs: version === 2 ? 100 : 10, authType: 0,
    authData: new Uint8Array(0), addresses: [ip('10.99.0.200')], checksum: 0, ...p };
}

let ipId = 0;
function frame4(a: Advert, ctx: AdvertContext, dstMac: MacAddress, corrupt = false): Uint8Array {
  const payload = encodeAdvert(a, ctx);
  if (corrupt) payload[7]! ^= 0x01;
  const pkt = encodeIpv4Packet({ src: ctx.src, dst: ctx.dst, id: ++ipId & 0xffff, payload });
  return encodeEthernetFrame({ dst: dstMac, src: MAC_A, etherType: ETHERTYPE_IPV4, payload: pkt });
}

test('keepalived 2.2.7 accepts our VRRPv2 PASS adverts, and rejects a wrong password and a bad checksum', async (t) => {
  const p = pair;
  if (!canRun(t) || !p) return;
  const k = await startBackup(p, 'v2', '  advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass secret12\n  }\n  virtual_ipaddress {\n    10.99.0.200/24\n  }');
  try {
    const ctx = { src: A4, dst: GROUP4 };
    const good = advert4(2, { authType: 1, authData: passAuthData('secret12') });
    // 4.5 s > master-down 3.6 s: without our adverts it would have become MASTER.
    p.sendFromA([frame4(good, ctx, multicastMac(GROUP4))], 0.5, 9);
    assert.doesNotMatch(k.log(), /Entering MASTER STATE|[Ii]nvalid|mismatch/, k.log());
    p.sendFromA([frame4({ ...good, authData: passAuthData('secret13') }, ctx, multicastMac(GROUP4))], 0, 1);
    assert.ok(await k.waitFor(/received an invalid passwd/, 2_000), k.log());
    p.sendFromA([frame4(good, ctx, multicastMac(GROUP4), true)], 0, 1);
    assert.ok(await k.waitFor(/Invalid VRRPv2 checksum/, 2_000), k.log());
  } finally {
    await k.stop();
  }
});

test('keepalived 2.2.7 accepts our VRRPv3 IPv4 multicast adverts (pseudo-header), rejects the v3_checksum_as_v2 form', async (t) => {
  const p = pair;
  if (!canRun(t) || !p) return;
  const k = await startBackup(p, 'v3mc', '  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    10.99.0.200/24\n  }');
  try {
    const ctx = { src: A4, dst: GROUP4 };
    p.sendFromA([frame4(advert4(3), ctx, multicastMac(GROUP4))], 0.05, 30); // 1.5 s >> 0.36 s master-down
    assert.doesNotMatch(k.log(), /Entering MASTER STATE|[Ii]nvalid/, k.log());
    p.sendFromA([frame4(advert4(3), { ...ctx, v3ChecksumAsV2: true }, multicastMac(GROUP4))], 0, 1);
    assert.ok(await k.waitFor(/Invalid VRRPv3 checksum/, 2_000), k.log());
  } finally {
    await k.stop();
  }
});

test('keepalived 2.2.7 unicast: accepts our v3 checksum with the peer in the pseudo-header, auto-detects the old one', async (t) => {
  const p = pair;
  if (!canRun(t) || !p) return;
  const k = await startBackup(p, 'v3uc',
    '  version 3\n  advert_int 0.1\n  unicast_src_ip 10.99.0.12\n  unicast_peer {\n    10.99.0.11\n  }\n  virtual_ipaddress {\n    10.99.0.200/24\n  }');
  try {
    const ctx = { src: A4, dst: B4 };
    p.sendFromA([frame4(advert4(3), ctx, MAC_B)], 0.05, 30);
    assert.doesNotMatch(k.log(), /Entering MASTER STATE|[Ii]nvalid|old version/, k.log());
    p.sendFromA([frame4(advert4(3), { ...ctx, oldUnicastChecksum: 'always' }, MAC_B)], 0, 1);
    assert.ok(await k.waitFor(/Setting unicast VRRPv3 checksum to old version/, 2_000), k.log());
  } finally {
    await k.stop();
  }
});

test('keepalived 2.2.7 over IPv6: the kernel passes our pseudo-header checksum, and drops a corrupted one', async (t) => {
  const p = pair;
  if (!canRun(t) || !p) return;
  const k = await startBackup(p, 'v3v6', '  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    2001:db8::200/64\n  }');
  try {
    const ctx = { src: A6, dst: GROUP6 };
    const a: Advert = { version: 3, family: 6, vrid: 51, priority: 200, advertIntervalCs: 10, authType: 0,
      authData: new Uint8Array(0), addresses: [ip('2001:db8::200')], checksum: 0 };
    const frame = (corrupt: boolean): Uint8Array => {
      const payload = encodeAdvert(a, ctx);
      if (corrupt) payload[7]! ^= 0x01;
      const pkt = encodeIpv6Packet({ src: ctx.src, dst: ctx.dst, payload });
      return encodeEthernetFrame({ dst: multicastMac(GROUP6), src: MAC_A, etherType: ETHERTYPE_IPV6, payload: pkt });
    };
    p.sendFromA([frame(false)], 0.05, 30);
    assert.doesNotMatch(k.log(), /Entering MASTER STATE|[Ii]nvalid/, k.log());
    // Corrupted: dropped before keepalived sees it, so its master-down timer runs out.
    p.sendFromA([frame(true)], 0.05, 20);
    assert.ok(await k.waitFor(/Entering MASTER STATE/, 2_000), k.log());
  } finally {
    await k.stop();
  }
});

test('the kernel takes our gratuitous ARP and unsolicited NA: stale neighbour entries now point at our MAC', async (t) => {
  const p = pair;
  if (!canRun(t) || !p) return;
  const inB = (args: string[]) => p.exec(p.b, args);
  inB(['ip', 'neigh', 'replace', '10.99.0.200', 'lladdr', '02:00:00:00:00:99', 'dev', 'vb', 'nud', 'stale']);
  inB(['ip', '-6', 'neigh', 'replace', '2001:db8::200', 'lladdr', '02:00:00:00:00:99', 'dev', 'vb', 'nud', 'stale']);
  p.sendFromA([encodeGratuitousArp(MAC_A, ip('10.99.0.200')), encodeUnsolicitedNa(MAC_A, ip('2001:db8::200'))], 0, 1);
  let v4 = '';
  let v6 = '';
  for (let i = 0; i < 40; i++) {
    v4 = inB(['ip', 'neigh', 'show', '10.99.0.200', 'dev', 'vb']);
    v6 = inB(['ip', '-6', 'neigh', 'show', '2001:db8::200', 'dev', 'vb']);
    if (v4.includes('02:99:00:00:00:11') && v6.includes('02:99:00:00:00:11')) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.match(v4, /lladdr 02:99:00:00:00:11/, `ARP entry: ${v4}`);
  assert.match(v6, /lladdr 02:99:00:00:00:11/, `NDP entry: ${v6}`);
  // Negative control: an NA whose checksum is off by one is dropped by the kernel.
  inB(['ip', '-6', 'neigh', 'replace', '2001:db8::201', 'lladdr', '02:00:00:00:00:99', 'dev', 'vb', 'nud', 'stale']);
  const bad = encodeUnsolicitedNa(MAC_A, ip('2001:db8::201'));
  bad[14 + 40 + 3]! ^= 0x01;
  p.sendFromA([bad], 0, 1);
  await new Promise((res) => setTimeout(res, 300));
  assert.match(inB(['ip', '-6', 'neigh', 'show', '2001:db8::201', 'dev', 'vb']), /lladdr 02:00:00:00:00:99/);
});
