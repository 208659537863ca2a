// timingPrewarm: one throwaway takeover per (version, family) in use - BACKUP, MASTER by its own
// master-down timer, BACKUP again on a higher-priority advert that went through the real codec,
// INIT at stop - with nothing leaving the process (no timer left armed: the test exits).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from '../../../src/base/ip.ts';
import { timingPrewarm } from '../../../src/daemon/timing-prewarm.ts';
import { wireAdvertCodec } from '../../../src/runtime/wire-advert-codec.ts';
import { defaultInstanceSpec } from '../../../src/vrrp/instance-spec.ts';

test('prewarm: a full takeover and step-down per version and family, through the real codec', () => {
  const v4 = parseIp('10.99.0.12')!;
  const v6 = parseIp('fe80::12')!;
  const specs = [
    defaultInstanceSpec({ name: 'A', vrid: 51, primaryAddr: v4, version: 2, auth: { type: 'pass', password: new TextEncoder().encode('secret12') }, vips: [{ addr: parseIp('10.99.0.200')!, prefixLen: 24 }] }),
    defaultInstanceSpec({ name: 'B', vrid: 52, primaryAddr: v4, version: 2, vips: [{ addr: parseIp('10.99.0.201')!, prefixLen: 24 }] }),
    defaultInstanceSpec({ name: 'C', vrid: 53, primaryAddr: v4, version: 3, advertIntervalCs: 1, vips: [{ addr: parseIp('10.99.0.202')!, prefixLen: 24 }] }),
    defaultInstanceSpec({ name: 'D', vrid: 54, primaryAddr: v6, version: 3, vips: [{ addr: parseIp('2001:db8::200')!, prefixLen: 64 }] }),
  ];
  const r = timingPrewarm(specs, wireAdvertCodec());
  assert.equal(r.takeovers, 3, 'v2/4 once (A and B share it), v3/4, v3/6');
  assert.deepEqual(r.paths, ['v2/4 BACKUP MASTER BACKUP INIT', 'v3/4 BACKUP MASTER BACKUP INIT', 'v3/6 BACKUP MASTER BACKUP INIT']);
  assert.ok(r.elapsedUs >= 0);
});

test('prewarm: no instance, no work', () => {
  assert.deepEqual(timingPrewarm([], wireAdvertCodec()).paths, []);
});

test('prewarm: a failure is reported in the path, never thrown (it is only an optimisation)', () => {
  const codec = { ...wireAdvertCodec(), encode: (): Uint8Array => { throw new Error('boom'); } };
  const r = timingPrewarm([defaultInstanceSpec({ vrid: 1, primaryAddr: parseIp('10.0.0.1')!, vips: [{ addr: parseIp('10.0.0.9')!, prefixLen: 24 }] })], codec);
  assert.equal(r.takeovers, 0);
  assert.match(r.paths[0]!, /^v2\/4 BACKUP MASTER failed: boom$/);
});
