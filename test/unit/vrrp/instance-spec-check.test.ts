// The engine's guard on instance specs: limits from RFC 3768/5798 and keepalived's parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkInstanceSpec } from '../../../src/vrrp/instance-spec-check.ts';
import { ip, spec } from './fixtures.ts';

const codes = (over: Parameters<typeof spec>[0]) => checkInstanceSpec(spec(over)).map((p) => p.code);

test('a default spec is fine', () => {
  assert.deepEqual(codes({}), []);
  assert.deepEqual(codes({ version: 3, advertIntervalCs: 1 }), []);
  assert.deepEqual(codes({ version: 3, family: 6, primaryAddr: ip('fe80::1'), vips: [] }), []);
});

test('each limit', () => {
  assert.deepEqual(codes({ vrid: 0 }), ['vrid']);
  assert.deepEqual(codes({ priority: 256 }), ['priority']);
  assert.deepEqual(codes({ advertIntervalCs: 150 }), ['advertInterval']);
  assert.deepEqual(codes({ version: 3, advertIntervalCs: 4096 }), ['advertInterval']);
  assert.deepEqual(codes({ version: 2, family: 6, primaryAddr: ip('fe80::1') }), ['version']);
  assert.deepEqual(codes({ family: 6, version: 3, advertIntervalCs: 100 }), ['family']);
  assert.deepEqual(codes({ nopreempt: true, priority: 255 }), ['nopreempt']);
  assert.deepEqual(codes({ nopreempt: true, preemptDelayUs: 1 }), ['nopreempt']);
  assert.deepEqual(codes({ trackScripts: [{ name: 'x', weight: 254, reverse: false }] }), ['weight']);
  assert.deepEqual(codes({ unicastPeers: [ip('fe80::2')] }), ['unicastPeer']);
  assert.deepEqual(codes({ auth: { type: 'pass', password: new Uint8Array(0) } }), ['auth']);
});
