import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, formatIp, parsePrefix, compareIp } from '../../../src/base/ip.ts';
import { internetChecksum } from '../../../src/base/checksum.ts';

test('IPv4 parse/format round trip and strictness', () => {
  assert.equal(formatIp(parseIp('10.99.0.200')!), '10.99.0.200');
  for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', '1.2.3.4.5', '', 'a.b.c.d']) assert.equal(parseIp(bad), undefined, bad);
});

test('IPv6 parse/format follows RFC 5952', () => {
  const cases: [string, string][] = [
    ['fe80:0:0:0:0:0:0:1', 'fe80::1'], ['::', '::'], ['::1', '::1'], ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'], ['FF02::12', 'ff02::12'],
  ];
  for (const [input, out] of cases) assert.equal(formatIp(parseIp(input)!), out, input);
  for (const bad of ['1::2::3', ':::', '12345::', 'g::1']) assert.equal(parseIp(bad), undefined, bad);
});

test('prefixes and ordering', () => {
  assert.deepEqual(parsePrefix('10.0.0.1/24')?.prefixLen, 24);
  assert.equal(parsePrefix('10.0.0.1/33'), undefined);
  assert.equal(parsePrefix('fe80::1')?.prefixLen, 128);
  assert.ok(compareIp(parseIp('10.0.0.12')!, parseIp('10.0.0.11')!) > 0);
});

test('RFC 1071 checksum of a known IPv4 header', () => {
  // Example header from RFC 1071 discussions: checksum field zeroed gives 0xb861.
  const hdr = Uint8Array.from([0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7]);
  assert.equal(internetChecksum(hdr), 0xb861);
});
