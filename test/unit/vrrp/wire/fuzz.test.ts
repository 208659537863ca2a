// Properties of the advert codec under fast-check (seeded; the seed is printed on failure):
//  1. decodeAdvert never throws on random bytes or on mutated keepalived adverts, and answers
//     ok or one of the stable reasons;
//  2. whatever it accepts re-encodes to the same bytes (bar the v3 reserved bits it ignores and
//     the 0x0000/0xffff spelling of a zero checksum);
//  3. encode -> decode is the identity for arbitrary valid adverts, in every checksum variant.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import fc from 'fast-check';
import type { IpAddress } from '../../../../src/base/ip.ts';
import type { Advert } from '../../../../src/vrrp/wire/advert.ts';
import type { AdvertContext, OldUnicastChecksum } from '../../../../src/vrrp/wire/advert-context.ts';
import { decodeAdvert } from '../../../../src/vrrp/wire/decode-advert.ts';
import { encodeAdvert, sendChecksumKind } from '../../../../src/vrrp/wire/encode-advert.ts';
import { decodeEthernetFrame, ETHERTYPE_IPV4 } from '../../../../src/vrrp/wire/ethernet-frame.ts';
import { decodeIpv4Packet } from '../../../../src/vrrp/wire/ipv4-packet.ts';
import { decodeIpv6Packet } from '../../../../src/vrrp/wire/ipv6-packet.ts';
import { decodeIpv4Advert } from '../../../../src/vrrp/wire/decode-ipv4-advert.ts';
import { VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6 } from '../../../../src/vrrp/wire/vrrp-protocol.ts';
import { readPcap } from '../../../captures/pcap.ts';
import { need } from '../../../support/env.ts';

const REASONS = new Set(['truncated', 'bad-version', 'bad-type', 'bad-length', 'bad-auth-type', 'bad-checksum']);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((bytes): IpAddress => ({ family: 4, bytes }));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes): IpAddress => ({ family: 6, bytes }));
const oldUc = fc.constantFrom<OldUnicastChecksum | undefined>(undefined, 'auto', 'never', 'always');

function ctxArb(family: 4 | 6): fc.Arbitrary<AdvertContext> {
  const a = family === 4 ? ipv4 : ipv6;
  const group = family === 4 ? VRRP_MCAST_GROUP4 : VRRP_MCAST_GROUP6;
  return fc.record({
    src: a,
    dst: fc.oneof(fc.constant(group), a),
    v3ChecksumAsV2: fc.boolean(),
    oldUnicastChecksum: oldUc,
  });
}
const anyCtx = fc.oneof(ctxArb(4), ctxArb(6));

/** Real adverts from the captures (IP payloads with their IP addresses), when present. */
function captureAdverts(): { payload: Uint8Array; src: IpAddress; dst: IpAddress }[] {
  const dir = resolve(dirname(new URL(import.meta.url).pathname), '../../../../../shared/captures');
  if (!existsSync(dir)) return [];
  const out: { payload: Uint8Array; src: IpAddress; dst: IpAddress }[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.pcap'))) {
    for (const fr of readPcap(new Uint8Array(readFileSync(join(dir, f))), { salvage: true }).frames) {
      const eth = decodeEthernetFrame(fr.data);
      if (!eth || eth.etherType !== ETHERTYPE_IPV4) continue;
      const ip = decodeIpv4Packet(eth.payload);
      if (ip.ok && ip.header.protocol === 112) out.push({ payload: Uint8Array.from(ip.payload), src: ip.header.src, dst: ip.header.dst });
    }
  }
  return out;
}

/** decode must answer; if it accepts, encode gives the bytes back. */
function checkDecode(bytes: Uint8Array, ctx: AdvertContext): void {
  const r = decodeAdvert(bytes, ctx);
  if (!r.ok) {
    assert.ok(REASONS.has(r.reason), r.reason);
    assert.equal(typeof r.detail, 'string');
    return;
  }
  const sendCtx: AdvertContext = { ...ctx, oldUnicastChecksum: r.checksumKind === 'pseudo-header-mcast-group' ? 'always' : 'never' };
  assert.equal(sendChecksumKind(r.advert, sendCtx), r.checksumKind);
  const again = encodeAdvert(r.advert, sendCtx);
  const expected = Uint8Array.from(bytes);
  if (r.advert.version === 3) expected[4]! &= 0x0f;
  if (r.advert.version === 3 && (bytes[4]! & 0xf0) !== 0) {
    // The reserved bits take part in the checksum; with them cleared it is a different sum.
    expected[6] = again[6]!; expected[7] = again[7]!;
  }
  const field = (expected[6]! << 8) | expected[7]!;
  const got = (again[6]! << 8) | again[7]!;
  if (field !== got) {
    assert.ok((field === 0 && got === 0xffff) || (field === 0xffff && got === 0), `checksum ${field} vs ${got}`);
    expected[6] = again[6]!; expected[7] = again[7]!;
  }
  assert.deepEqual(again, expected);
}

test('decodeAdvert on random bytes: never throws, always ok or a stable reason', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), anyCtx, (bytes, ctx) => { checkDecode(bytes, ctx); }), { numRuns: RUNS });
});

test('decodeAdvert on plausible headers (right version/type/length, random rest)', () => {
  const arb = fc.record({
    version: fc.constantFrom(2, 3),
    count: fc.nat({ max: 20 }),
    family: fc.constantFrom<4 | 6>(4, 6),
    fill: fc.uint8Array({ minLength: 8 + 20 * 16 + 8, maxLength: 8 + 20 * 16 + 8 }),
    slack: fc.integer({ min: -2, max: 2 }),
  }).chain((h) => fc.tuple(fc.constant(h), ctxArb(h.family)));
  fc.assert(fc.property(arb, ([h, ctx]) => {
    const len = Math.max(0, 8 + h.count * (h.family === 4 ? 4 : 16) + (h.version === 2 ? 8 : 0) + h.slack);
    const b = h.fill.slice(0, len);
    if (b.length > 0) b[0] = (h.version << 4) | 1;
    if (b.length > 3) b[3] = h.count;
    checkDecode(b, ctx);
  }), { numRuns: RUNS });
});

test('decodeAdvert on mutated keepalived adverts from the captures', (t) => {
  const real = captureAdverts();
  if (!need(t, real.length > 0, 'the keepalived captures in ../shared/captures')) return;
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('grow' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  );
  fc.assert(fc.property(fc.nat({ max: real.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), oldUc, fc.boolean(),
    (which, muts, old, asV2) => {
      const base = real[which]!;
      let b = Uint8Array.from(base.payload);
      for (const m of muts) {
        if (m.kind === 'flip' && b.length > 0) b[m.at % b.length]! ^= 1 << m.bit;
        else if (m.kind === 'set' && b.length > 0) b[m.at % b.length] = m.value;
        else if (m.kind === 'cut') b = b.slice(0, m.at % (b.length + 1));
        else if (m.kind === 'grow') { const n = new Uint8Array(b.length + m.extra.length); n.set(b); n.set(m.extra, b.length); b = n; }
      }
      checkDecode(b, { src: base.src, dst: base.dst, oldUnicastChecksum: old, v3ChecksumAsV2: asV2 });
    }), { numRuns: RUNS });
  // And unmutated, every one is accepted as it is.
  for (const r of real) assert.ok(decodeAdvert(r.payload, { src: r.src, dst: r.dst }).ok);
});

function advertArb(): fc.Arbitrary<{ advert: Advert; ctx: AdvertContext }> {
  return fc.constantFrom<[2 | 3, 4 | 6]>([2, 4], [3, 4], [3, 6]).chain(([version, family]) =>
    fc.record({
      advert: fc.record({
        version: fc.constant(version),
        family: fc.constant(family),
        vrid: fc.integer({ min: 0, max: 255 }),
        priority: fc.integer({ min: 0, max: 255 }),
        advertIntervalCs: version === 2 ? fc.integer({ min: 0, max: 255 }).map((s) => s * 100) : fc.integer({ min: 0, max: 4095 }),
        authType: version === 2 ? fc.constantFrom(0, 1, 2) : fc.constant(0),
        authData: version === 2 ? fc.uint8Array({ minLength: 8, maxLength: 8 }) : fc.constant(new Uint8Array(0)),
        addresses: fc.array(family === 4 ? ipv4 : ipv6, { maxLength: 40 }),
        checksum: fc.constant(0),
      }).map((a): Advert => {
        // The decoder keeps an all-zero auth field only for PASS (see Advert.authData).
        const authData = a.authType !== 1 && a.authData.every((x) => x === 0) ? new Uint8Array(0) : a.authData;
        return { ...a, authData };
      }),
      ctx: ctxArb(family),
    }));
}

test('encode -> decode is the identity for arbitrary valid adverts, in every checksum variant', () => {
  fc.assert(fc.property(advertArb(), ({ advert, ctx }) => {
    const bytes = encodeAdvert(advert, ctx);
    const r = decodeAdvert(bytes, ctx);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.checksumKind, sendChecksumKind(advert, ctx));
    assert.deepEqual({ ...r.advert, checksum: 0 }, advert);
    assert.equal(r.advert.checksum, (bytes[6]! << 8) | bytes[7]!);
    assert.deepEqual(encodeAdvert(r.advert, ctx), bytes);
  }), { numRuns: RUNS });
});

test('decodeIpv4Advert / decodeIpv4Packet / decodeIpv6Packet never throw on random datagrams (some behind a valid IPv4 header)', () => {
  const ipReasons = new Set([...REASONS, 'bad-ip-version', 'bad-length', 'bad-ip-checksum', 'unsupported-ah', 'not-vrrp']);
  const datagram = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    // A valid-looking IPv4 header in front of random bytes, so the advert decoder is reached.
    fc.tuple(fc.uint8Array({ maxLength: 80 }), fc.constantFrom(112, 51, 17)).map(([payload, proto]) => {
      const b = new Uint8Array(20 + payload.length);
      b[0] = 0x45; b[2] = b.length >> 8; b[3] = b.length & 0xff; b[8] = 255; b[9] = proto;
      b.set([10, 0, 0, 1], 12); b.set([224, 0, 0, 18], 16);
      let sum = 0;
      for (let i = 0; i < 20; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      const c = ~sum & 0xffff; b[10] = c >> 8; b[11] = c & 0xff;
      b.set(payload, 20);
      return b;
    }),
  );
  fc.assert(fc.property(datagram, fc.nat(), (b, n) => {
    const r = decodeIpv4Advert(b, n);
    if (!r.ok) assert.ok(ipReasons.has(r.reason), r.reason);
    decodeIpv4Packet(b);
    decodeIpv6Packet(b);
    decodeEthernetFrame(b);
  }), { numRuns: RUNS });
});
