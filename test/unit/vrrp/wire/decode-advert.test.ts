// One test per reason code, starting from a real keepalived advert (v2-basic.pcap frame 1,
// copied here so the test does not depend on the capture directory) and breaking one thing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, type IpAddress } from '../../../../src/base/ip.ts';
import { internetChecksum } from '../../../../src/base/checksum.ts';
import { decodeAdvert } from '../../../../src/vrrp/wire/decode-advert.ts';
import { encodeAdvert } from '../../../../src/vrrp/wire/encode-advert.ts';
import { decodeIpv4Packet, encodeIpv4Packet } from '../../../../src/vrrp/wire/ipv4-packet.ts';
import { decodeIpv6Packet, encodeIpv6Packet } from '../../../../src/vrrp/wire/ipv6-packet.ts';
import { passAuthData, verifyPassAuth } from '../../../../src/vrrp/wire/pass-auth.ts';
import { decodeIpv4Advert } from '../../../../src/vrrp/wire/decode-ipv4-advert.ts';
import { multicastMac, vrrpVirtualMac } from '../../../../src/vrrp/wire/vrrp-mac.ts';
import { formatMac } from '../../../../src/base/mac-address.ts';

const ip = (s: string): IpAddress => parseIp(s)!;
const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!, (b) => parseInt(b, 16));

// 10.99.0.11 -> 224.0.0.18, v2, vrid 51, prio 150, 1 address, PASS, 1 s, checksum 0xcf20, 10.99.0.200, "secret12".
const V2_IP = hex('45c0 0028 0001 0000 ff70 d024 0a63 000b e000 0012 2133 9601 0101 cf20 0a63 00c8 7365 6372 6574 3132');
const V2 = V2_IP.subarray(20);
const CTX = { src: ip('10.99.0.11'), dst: ip('224.0.0.18') };

function reason(bytes: Uint8Array, ctx = CTX): string {
  const r = decodeAdvert(bytes, ctx);
  return r.ok ? 'ok' : r.reason;
}

function withChecksum(bytes: Uint8Array): Uint8Array {
  const b = Uint8Array.from(bytes);
  b[6] = 0; b[7] = 0;
  const c = internetChecksum(b);
  b[6] = c >> 8; b[7] = c & 0xff;
  return b;
}

test('the reference advert decodes', () => {
  const r = decodeAdvert(V2, CTX);
  assert.ok(r.ok);
  assert.deepEqual(
    { ...r.advert, addresses: r.advert.addresses.map((a) => [...a.bytes]), authData: [...r.advert.authData] },
    { version: 2, family: 4, vrid: 51, priority: 150, advertIntervalCs: 100, authType: 1,
      authData: [...passAuthData('secret12')], addresses: [[10, 99, 0, 200]], checksum: 0xcf20 },
  );
});

test('truncated: shorter than the fixed part', () => {
  assert.equal(reason(V2.subarray(0, 0)), 'truncated');
  assert.equal(reason(V2.subarray(0, 7)), 'truncated');
  // v2 needs its 8 bytes of auth data even with no addresses.
  assert.equal(reason(withChecksum(hex('2133960001010000'))), 'truncated');
});

test('bad-version, bad-type', () => {
  const v = withChecksum(V2); v[0] = 0x11; assert.equal(reason(withChecksum(v)), 'bad-version');
  const w = Uint8Array.from(V2); w[0] = 0x41; assert.equal(reason(withChecksum(w)), 'bad-version');
  assert.equal(reason(V2, { src: ip('fe80::1'), dst: ip('ff02::12') }), 'bad-version', 'v2 over IPv6');
  const t = Uint8Array.from(V2); t[0] = 0x22; assert.equal(reason(withChecksum(t)), 'bad-type');
});

test('bad-length: the count disagrees with the length', () => {
  const more = Uint8Array.from(V2); more[3] = 2; assert.equal(reason(withChecksum(more)), 'bad-length');
  const none = Uint8Array.from(V2); none[3] = 0; assert.equal(reason(withChecksum(none)), 'bad-length');
  const trailing = new Uint8Array(V2.length + 4); trailing.set(V2); assert.equal(reason(withChecksum(trailing)), 'bad-length');
  assert.equal(reason(V2.subarray(0, V2.length - 1)), 'bad-length');
});

test('bad-auth-type: v2 knows 0, 1 and 2 only', () => {
  for (const at of [0, 2]) { const b = Uint8Array.from(V2); b[4] = at; assert.equal(reason(withChecksum(b)), 'ok'); }
  const b = Uint8Array.from(V2); b[4] = 3; assert.equal(reason(withChecksum(b)), 'bad-auth-type');
});

test('bad-checksum: any single flipped bit', () => {
  for (let bit = 0; bit < V2.length * 8; bit++) {
    const b = Uint8Array.from(V2);
    b[bit >> 3]! ^= 1 << (bit & 7);
    assert.notEqual(reason(b), 'ok', `bit ${bit}`);
    if (bit >= 8 && !(bit >= 24 && bit < 40)) assert.equal(reason(b), 'bad-checksum', `bit ${bit}`);
  }
});

test('checksum 0xffff and 0x0000 both verify when the rest sums to 0xffff (keepalived: in_csum == 0)', () => {
  // v2, auth type 0, and the last auth word chosen so everything but the checksum sums to 0xffff.
  const b = Uint8Array.from(V2);
  b[4] = 0; b[6] = 0; b[7] = 0; b[14] = 0; b[15] = 0;
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const w = 0xffff - sum;
  b[14] = w >> 8; b[15] = w & 0xff;
  assert.equal(internetChecksum(b), 0, 'the computed checksum is 0x0000');
  assert.equal(reason(b), 'ok');
  b[6] = 0xff; b[7] = 0xff;
  assert.equal(reason(b), 'ok', '0xffff is negative zero');
  b[7] = 0xfe;
  assert.equal(reason(b), 'bad-checksum');
});

test('v3 reserved bits are ignored on receipt (RFC 5798 section 5.2.6)', () => {
  const ctx = { src: ip('10.0.0.1'), dst: ip('224.0.0.18'), v3ChecksumAsV2: true };
  const bytes = encodeAdvert({ version: 3, family: 4, vrid: 9, priority: 100, advertIntervalCs: 0xabc, authType: 0,
    authData: new Uint8Array(0), addresses: [], checksum: 0 }, ctx);
  const b = Uint8Array.from(bytes); b[4]! |= 0xf0;
  const r = decodeAdvert(withChecksum(b), ctx);
  assert.ok(r.ok);
  assert.equal(r.advert.advertIntervalCs, 0xabc);
});

test('PASS: compared over all 8 bytes', () => {
  const p = passAuthData('secret12');
  assert.ok(verifyPassAuth(p, passAuthData('secret12')));
  assert.ok(verifyPassAuth(passAuthData('secret123456'), p), 'cut to 8 like keepalived');
  assert.ok(!verifyPassAuth(passAuthData('secret1'), p));
  assert.ok(!verifyPassAuth(new Uint8Array(0), p));
  assert.ok(verifyPassAuth(new Uint8Array(0), new Uint8Array(8)), 'empty = all zero');
  assert.ok(!verifyPassAuth(new Uint8Array(9), new Uint8Array(8)), 'over-long never matches');
  assert.deepEqual([...passAuthData('ab')], [0x61, 0x62, 0, 0, 0, 0, 0, 0]);
});

test('IPv4 header: decode the capture, rebuild it, and reject what is wrong', () => {
  const r = decodeIpv4Packet(V2_IP);
  assert.ok(r.ok);
  assert.equal(r.header.ttl, 255);
  assert.equal(r.header.tos, 0xc0);
  assert.equal(r.header.id, 1);
  assert.equal(r.header.checksum, 0xd024);
  assert.deepEqual(encodeIpv4Packet({ src: r.header.src, dst: r.header.dst, id: 1, payload: r.payload }), V2_IP);
  const padded = new Uint8Array(V2_IP.length + 6); padded.set(V2_IP);
  const p = decodeIpv4Packet(padded);
  assert.ok(p.ok); assert.equal(p.payload.length, 20, 'Ethernet padding is not payload');
  const why = (b: Uint8Array) => { const x = decodeIpv4Packet(b); return x.ok ? 'ok' : x.reason; };
  assert.equal(why(V2_IP.subarray(0, 19)), 'truncated');
  assert.equal(why(V2_IP.subarray(0, 39)), 'truncated');
  const v6 = Uint8Array.from(V2_IP); v6[0] = 0x65; assert.equal(why(v6), 'bad-ip-version');
  const ihl = Uint8Array.from(V2_IP); ihl[0] = 0x44; assert.equal(why(ihl), 'bad-length');
  const sum = Uint8Array.from(V2_IP); sum[8] = 64; assert.equal(why(sum), 'bad-ip-checksum');
});

test('IPv6 header round trip', () => {
  const payload = Uint8Array.of(1, 2, 3);
  const bytes = encodeIpv6Packet({ src: ip('fe80::1'), dst: ip('ff02::12'), payload, trafficClass: 0xc0, flowLabel: 0xabcde });
  const r = decodeIpv6Packet(bytes);
  assert.ok(r.ok);
  assert.equal(r.header.trafficClass, 0xc0);
  assert.equal(r.header.flowLabel, 0xabcde);
  assert.equal(r.header.hopLimit, 255);
  assert.equal(r.header.nextHeader, 112);
  assert.deepEqual([...r.payload], [1, 2, 3]);
  const t = decodeIpv6Packet(bytes.subarray(0, 42));
  assert.equal(t.ok ? 'ok' : t.reason, 'truncated');
});

test('decodeIpv4Advert: IP-level reasons, then the advert\'s', () => {
  const why = (b: Uint8Array) => { const x = decodeIpv4Advert(b, 1); return x.ok ? 'ok' : x.reason; };
  assert.equal(why(V2_IP), 'ok');
  assert.equal(why(encodeIpv4Packet({ src: CTX.src, dst: CTX.dst, id: 1, payload: V2, protocol: 51 })), 'unsupported-ah');
  assert.equal(why(encodeIpv4Packet({ src: CTX.src, dst: CTX.dst, id: 1, payload: V2, protocol: 17 })), 'not-vrrp');
  assert.equal(why(V2_IP.subarray(0, 30)), 'truncated');
  const bad = Uint8Array.from(V2); bad[2] = 1;
  assert.equal(why(encodeIpv4Packet({ src: CTX.src, dst: CTX.dst, id: 1, payload: bad })), 'bad-checksum');
  const r = decodeIpv4Advert(encodeIpv4Packet({ src: CTX.src, dst: CTX.dst, id: 9, ttl: 64, payload: V2 }), 7);
  assert.ok(r.ok);
  assert.equal(r.meta.ttl, 64, 'TTL is reported, judged by the engine');
  assert.equal(r.meta.ifindex, 7);
});

test('virtual router and multicast MACs (RFC 5798 section 7.3, RFC 1112 section 6.4, RFC 2464 section 7)', () => {
  assert.equal(formatMac(vrrpVirtualMac(51, 4)), '00:00:5e:00:01:33');
  assert.equal(formatMac(vrrpVirtualMac(255, 6)), '00:00:5e:00:02:ff');
  assert.equal(formatMac(multicastMac(ip('224.0.0.18'))), '01:00:5e:00:00:12');
  assert.equal(formatMac(multicastMac(ip('239.129.2.3'))), '01:00:5e:01:02:03');
  assert.equal(formatMac(multicastMac(ip('ff02::12'))), '33:33:00:00:00:12');
});
