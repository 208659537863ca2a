import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lvsSpecFromConfig } from '../../../src/runtime/lvs-spec-from-config.ts';
import { buildText } from '../config/build-text.ts';

test('ha_suspend is said to be unsupported (logged at start), never silently ignored', () => {
  const vs = (extra: string) => `virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n${extra}  real_server 10.0.1.1 80 {\n    TCP_CHECK {\n      connect_timeout 3\n    }\n  }\n}\n`;
  const on = lvsSpecFromConfig(buildText(vs('  ha_suspend\n')).config).diagnostics;
  assert.equal(on.length, 1);
  assert.match(on[0]!.message, /ha_suspend is not supported yet/);
  assert.deepEqual(lvsSpecFromConfig(buildText(vs('')).config).diagnostics, []);
});
