import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildText, instance, only } from './build-text.ts';

const VIP = '  virtual_ipaddress {\n    10.0.0.10\n  }';

test('vrrp_script: defaults (interval 1, timeout = interval, rise/fall 1, weight 0)', () => {
  const b = buildText('global_defs {\n enable_script_security\n}\nvrrp_script chk {\n  script "/usr/bin/killall -0 haproxy"\n  interval 2\n}\n');
  assert.deepEqual(b.codes, []);
  const s = b.config.vrrp_scripts[0]!;
  assert.deepEqual(s.script!.argv, ['/usr/bin/killall', '-0', 'haproxy']);
  assert.deepEqual([s.interval, s.timeout, s.rise, s.fall, s.weight, s.weight_reverse, s.init_fail], [2, 2, 1, 1, 0, false, false]);
});

test('vrrp_script: every keyword', () => {
  const b = buildText('vrrp_script chk {\n  script /bin/true\n  interval 0.5\n  timeout 3\n  weight -60 reverse\n  rise 2\n  fall 3\n  user nobody nogroup\n  init_fail\n}\n');
  const s = b.config.vrrp_scripts[0]!;
  assert.deepEqual([s.interval, s.timeout, s.weight, s.weight_reverse, s.rise, s.fall, s.init_fail], [0.5, 3, -60, true, 2, 3, true]);
  assert.deepEqual(s.user, { user: 'nobody', group: 'nogroup' });
  const bad = buildText('vrrp_script chk {\n  script /bin/true\n  weight 254\n  rise 0\n}\n');
  assert.deepEqual(bad.codes, ['out-of-range', 'out-of-range']);
});

test('vrrp_script without script is dropped; a duplicate name is reported', () => {
  const b = buildText('vrrp_script a {\n  interval 1\n}\nvrrp_script b {\n script /bin/true\n}\nvrrp_script b {\n script /bin/false\n}\n');
  assert.deepEqual(b.codes, ['missing-value', 'duplicate']);
  assert.deepEqual(b.config.vrrp_scripts.map((s) => s.script!.command), ['/bin/true']);
});

test('script security: scripts without enable_script_security -> script-security (exit 6)', () => {
  const text = 'vrrp_script chk {\n script /bin/true\n}\n' + instance(`  track_script {\n    chk\n  }\n${VIP}`);
  const b = buildText(text);
  const d = only(b, 'script-security');
  assert.deepEqual([d.severity, d.line], ['warning', 2]);
  assert.equal(b.exit, 6);
  assert.equal(buildText('global_defs {\n enable_script_security\n}\n' + text).exit, 0);
  // keepalived only checks vrrp_scripts when some VRRP instance exists.
  assert.equal(buildText('vrrp_script chk {\n script /bin/true\n}\n').exit, 0);
});

test('script security: with HostFacts, a missing script is disabled (warning) and not counted', () => {
  const text = instance(`  notify_master /opt/none.sh\n${VIP}`);
  const b = buildText(text, { host: { interfaceExists: () => true, fileExecutable: () => false } });
  assert.deepEqual(b.codes, ['script-not-found']);
  assert.equal(b.exit, 0);
});

test('track_file (and deprecated vrrp_track_file), init_file', () => {
  const b = buildText('track_file tf {\n  file "/run/ka/tf"\n  weight -2 reverse\n  init_file 5 overwrite\n}\nvrrp_track_file old {\n  file /run/old\n}\n');
  assert.deepEqual(b.codes, ['deprecated']);
  const [tf, old] = b.config.track_files;
  assert.deepEqual([tf!.file, tf!.weight, tf!.weight_reverse, tf!.init_file], ['/run/ka/tf', -2, true, { value: 5, overwrite: true }]);
  assert.deepEqual([old!.name, old!.weight], ['old', 1]);
});

test('vrrp_track_process: every keyword, quorum_max below quorum is an error', () => {
  const b = buildText('vrrp_track_process tp {\n  process haproxy -f /etc/h.cfg\n  param_match initial\n  weight 10 reverse\n  quorum 2\n  quorum_max 4\n  delay 1.5\n  terminate_delay 2\n  fork_delay 0.5\n  full_command\n}\n');
  assert.deepEqual(b.codes, []);
  const p = b.config.vrrp_track_processes[0]!;
  assert.deepEqual(p.process, ['haproxy', '-f', '/etc/h.cfg']);
  assert.deepEqual([p.param_match, p.weight, p.weight_reverse, p.quorum, p.quorum_max, p.delay, p.terminate_delay, p.fork_delay, p.full_command],
    ['initial', 10, true, 2, 4, 1.5, 2, 0.5, true]);
  assert.deepEqual(buildText('vrrp_track_process tp {\n process x\n quorum 3\n quorum_max 2\n}\n').codes, ['invalid-value']);
});

test('vrrp_sync_group: members must exist, once; weights need sync_group_tracking_weight', () => {
  const insts = instance(VIP, 'A') + instance(VIP.replace('10.0.0.10', '10.0.0.11'), 'B').replace('virtual_router_id 51', 'virtual_router_id 52');
  const b = buildText(`${insts}vrrp_sync_group G1 {\n  group {\n    A\n    B\n    C\n  }\n  notify_master "/bin/echo m"\n}\nvrrp_sync_group G2 {\n  group {\n    A\n  }\n}\n`);
  const codes = b.diagnostics.map((d) => d.code);
  assert.deepEqual(codes.filter((c) => c !== 'script-security'), ['unknown-reference', 'duplicate', 'missing-value']);
  assert.deepEqual(b.config.vrrp_sync_groups.map((g) => [g.name, g.group]), [['G1', ['A', 'B']]]);
  const w = buildText('track_file f {\n file /x\n}\n' + instance(`  track_file {\n    f weight 5\n  }\n${VIP}`, 'A') + 'vrrp_sync_group G {\n group {\n  A\n }\n}\n');
  assert.deepEqual(w.codes, ['single-member-group', 'sync-group-weight']);
});
