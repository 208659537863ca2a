// Instance-level advert checks (keepalived vrrp_check_packet): each rejection reason is counted
// and the advert has no effect; nothing throws, whatever the advert holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkAdvert, constantTimeEqual, passAuthData } from '../../../src/vrrp/advert-check.ts';
import { VrrpInstance } from '../../../src/vrrp/instance.ts';
import { advert, drain, instanceIn, ip, meta, spec } from './fixtures.ts';

const enc = (s: string) => new TextEncoder().encode(s);

test('each rejection reason', () => {
  const s = spec();
  assert.equal(checkAdvert(s, advert(), meta()), undefined);
  assert.equal(checkAdvert(s, advert({ vrid: 52 }), meta()), 'vridMismatch');
  assert.equal(checkAdvert(s, advert(), meta('10.0.0.1')), 'ownAddress');
  assert.equal(checkAdvert(s, advert({ version: 3 }), meta()), 'versionMismatch');
  assert.equal(checkAdvert(s, advert({ family: 6 }), meta()), 'familyMismatch');
  assert.equal(checkAdvert(s, advert(), meta('10.0.0.2', { ttl: 254 })), 'ttl');
  assert.equal(checkAdvert(s, advert({ authType: 1 }), meta()), 'authTypeMismatch');
  assert.equal(checkAdvert(s, advert({ advertIntervalCs: 200 }), meta()), 'intervalMismatch');
  assert.equal(checkAdvert(s, advert(), meta('10.0.0.2', { dst: ip('10.0.0.1') })), 'destination');
  // v3: interval mismatch is only a warning in keepalived >= 2.3.3
  assert.equal(checkAdvert(spec({ version: 3 }), advert({ version: 3, advertIntervalCs: 7 }), meta()), undefined);
});

test('TTL is only enforced on multicast; unicast source checked against unicast_peer', () => {
  const s = spec({ unicastPeers: [ip('10.0.0.2')], checkUnicastSrc: true });
  const uni = (src: string, ttl = 64) => meta(src, { dst: ip('10.0.0.1'), ttl });
  assert.equal(checkAdvert(s, advert(), uni('10.0.0.2')), undefined);
  assert.equal(checkAdvert(s, advert(), uni('10.0.0.3')), 'unicastSource');
  assert.equal(checkAdvert(s, advert(), meta()), 'destination');
  assert.equal(checkAdvert({ ...s, checkUnicastSrc: false }, advert(), uni('10.0.0.3')), undefined);
});

test('PASS authentication: 8 bytes, zero padded, cut at 8, compared in full', () => {
  const s = spec({ auth: { type: 'pass', password: enc('secret') } });
  assert.equal(checkAdvert(s, advert({ authType: 1, authData: passAuthData(enc('secret')) }), meta()), undefined);
  assert.equal(checkAdvert(s, advert({ authType: 1, authData: passAuthData(enc('secreT')) }), meta()), 'authFailure');
  assert.equal(checkAdvert(s, advert({ authType: 0 }), meta()), 'authTypeMismatch');
  assert.deepEqual(passAuthData(enc('0123456789')), enc('01234567'));
  const long = spec({ auth: { type: 'pass', password: enc('0123456789') } });
  assert.equal(checkAdvert(long, advert({ authType: 1, authData: enc('01234567') }), meta()), undefined);
  assert.ok(constantTimeEqual(enc('ab'), enc('ab')));
  assert.ok(!constantTimeEqual(enc('ab'), enc('abc')));
  assert.equal(checkAdvert(spec({ auth: { type: 'ah', password: enc('x') } }), advert({ authType: 2 }), meta()), 'authFailure');
});

test('owner_ignore_adverts: an owner drops everything', () => {
  const s = spec({ priority: 255, ownerIgnoreAdverts: true });
  assert.equal(checkAdvert(s, advert({ priority: 255 }), meta()), 'ownerIgnore');
  assert.equal(checkAdvert({ ...s, ownerIgnoreAdverts: false }, advert(), meta()), undefined);
});

test('a rejected advert is counted and changes nothing', () => {
  const inst = instanceIn('MASTER');
  inst.handleAdvert(20_000_000, advert({ priority: 200, advertIntervalCs: 300 }), meta());
  inst.handleAdvert(20_000_000, advert({ priority: 200 }), meta('10.0.0.2', { ttl: 1 }));
  assert.equal(inst.state, 'MASTER');
  assert.equal(inst.stats.rejected.intervalMismatch, 1);
  assert.equal(inst.stats.rejected.ttl, 1);
  assert.equal(inst.stats.advertsReceived, 0);
  // Only the two observability actions: nothing sent, no state change.
  assert.deepEqual(drain(inst).map((a) => a.kind === 'advertIgnored' && a.reason), ['intervalMismatch', 'ttl']);
});

test('arbitrary adverts and metadata never throw, in any state', () => {
  const addr = fc.oneof(
    fc.uint8Array({ minLength: 4, maxLength: 4 }).map((bytes) => ({ family: 4 as const, bytes })),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => ({ family: 6 as const, bytes })),
  );
  fc.assert(fc.property(
    fc.record({
      version: fc.constantFrom(2 as const, 3 as const), family: fc.constantFrom(4 as const, 6 as const),
      vrid: fc.integer({ min: 0, max: 300 }), priority: fc.integer({ min: -5, max: 300 }),
      advertIntervalCs: fc.integer({ min: -1, max: 5000 }), authType: fc.integer({ min: 0, max: 255 }),
      authData: fc.uint8Array({ maxLength: 12 }), addresses: fc.array(addr, { maxLength: 4 }), checksum: fc.nat(),
    }),
    fc.record({ src: addr, dst: addr, ttl: fc.integer({ min: 0, max: 255 }), ifindex: fc.nat() }),
    fc.constantFrom('BACKUP' as const, 'MASTER' as const, 'FAULT' as const, 'INIT' as const),
    (a, m, state) => {
      const inst = state === 'INIT' ? new VrrpInstance(spec()) : instanceIn(state, { auth: { type: 'pass', password: enc('pw') } });
      inst.handleAdvert(5_000_000, { ...a, vrid: a.vrid % 2 === 0 ? 51 : a.vrid }, m);
      inst.handleTimeout(50_000_000);
      drain(inst);
    },
  ), { numRuns: 500 });
});
