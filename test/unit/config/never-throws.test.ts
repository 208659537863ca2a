// Untrusted input never throws: random configurations made of real keywords (any block, any
// order), random arguments and unbalanced braces go through parse + buildConfig; the result is
// always a model plus diagnostics, never an exception or an 'internal-error'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'keepalived-conf-parser';
import { allKeywordNames, buildConfig, configTestExitCode } from '../../../src/config/index.ts';

const KEYWORDS = [...allKeywordNames()];
const ARGS = ['1', '0', '-5', '300', '0.5', '1.2345678', 'on', 'off', 'x', '10.0.0.1', '10.0.0.1/24', '2001:db8::1/64', 'fe80::1',
  '"/bin/true a"', 'eth0', 'lo', 'MASTER', 'BACKUP', 'TCP', 'DR', 'weight', 'reverse', 'dev', 'brd', '+', 'fwmark', 'group',
  '"quoted word"', "'single'", '65536', '1-10', 'inet6', 'default', '{', '}'];

const line = fc.tuple(fc.constantFrom(...KEYWORDS), fc.array(fc.constantFrom(...ARGS), { maxLength: 4 }))
  .map(([k, a]) => `${k} ${a.join(' ')}`);
const lines = fc.array(fc.oneof(line, line, line, fc.constant('{'), fc.constant('}')), { maxLength: 12 }).map((ls) => ls.join('\n'));
// Real block headings, so random lines land inside the tables that read them.
const HEADS = ['global_defs', 'vrrp_instance V', 'vrrp_script S', 'vrrp_sync_group G', 'track_file T', 'vrrp_track_process P',
  'virtual_server 10.0.0.1 80', 'virtual_server fwmark 3', 'virtual_server_group VG', 'static_ipaddress', 'static_routes',
  'garp_group', 'linkbeat_interfaces', 'SSL', 'bfd_instance B'];
const INNER = ['virtual_ipaddress', 'unicast_peer', 'track_script', 'track_interface', 'authentication', 'virtual_routes',
  'real_server 10.0.1.1 80', 'HTTP_GET', 'TCP_CHECK', 'MISC_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'url', 'group', 'notification_email'];
const block = fc.tuple(fc.constantFrom(...HEADS), lines, fc.array(fc.tuple(fc.constantFrom(...INNER), lines,
  fc.array(fc.tuple(fc.constantFrom(...INNER), lines), { maxLength: 2 })), { maxLength: 3 }))
  .map(([h, body, subs]) => `${h} {\n${body}\n${subs.map(([sh, sb, subsubs]) => `${sh} {\n${sb}\n${subsubs.map(([x, y]) => `${x} {\n${y}\n}`).join('\n')}\n}`).join('\n')}\n}`);
const config = fc.array(fc.oneof(block, block, block, line, fc.constant('}')), { maxLength: 8 }).map((ls) => ls.join('\n'));

test('parse + buildConfig never throw and never report an internal error on random configurations', () => {
  const fs = { readFile: () => undefined, readDir: () => undefined, kind: () => undefined };
  const seen = new Set<string>();
  fc.assert(
    fc.property(config, (text) => {
      const parsed = parse(text, '/r.conf', { fs, configId: 'x' });
      const b = buildConfig(parsed.statements, { host: { interfaceExists: (n) => n === 'eth0', fileExecutable: () => true, userExists: () => true } });
      assert.ok(!b.diagnostics.some((d) => d.code === 'internal-error'), JSON.stringify(b.diagnostics.filter((d) => d.code === 'internal-error')));
      for (const d of b.diagnostics) assert.ok(d.line >= 1 && d.col >= 1 && d.file !== undefined, JSON.stringify(d));
      assert.ok([0, 4, 5, 6].includes(configTestExitCode([...parsed.diagnostics, ...b.diagnostics])));
      JSON.stringify(b.config);
      for (const d of b.diagnostics) seen.add(d.code);
    }),
    { numRuns: 400, seed: 20261121 },
  );
  // The generator reaches deep into the tables (not only unknown keywords at the top level).
  for (const code of ['invalid-number', 'invalid-address', 'missing-value', 'unknown-keyword', 'not-supported', 'value-fixed']) {
    assert.ok(seen.has(code), `random configs never produced '${code}' (seen: ${[...seen].join(', ')})`);
  }
});
