import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildText, only } from './build-text.ts';

test('global_defs: defaults as keepalived fills them', () => {
  const g = buildText('').config.global_defs;
  assert.equal(g.vrrp_version, 2);
  assert.equal(g.vrrp_mcast_group4, '224.0.0.18');
  assert.equal(g.vrrp_mcast_group6, 'ff02::12');
  assert.equal(g.vrrp_garp_master_delay, 5);
  assert.equal(g.vrrp_garp_master_repeat, 5);
  assert.equal(g.vrrp_garp_master_refresh, 0);
  assert.equal(g.vrrp_down_timer_adverts, 3);
  assert.equal(g.smtp_connect_timeout, 30);
  assert.equal(g.enable_script_security, false);
  assert.equal(g.default_interface, 'eth0');
  assert.equal(g.vmac_prefix, 'vrrp');
});

test('global_defs: values are typed (numbers, seconds, booleans, addresses, lists)', () => {
  const b = buildText(`global_defs {
  router_id LVS_1
  notification_email {
    admin@example.com
    "Ops Team <ops@example.com>"
  }
  notification_email_from ka@example.com
  smtp_server 192.168.200.1 2525
  smtp_connect_timeout 12.5
  vrrp_garp_interval 0.001
  vrrp_mcast_group6 FF02:0:0::12
  vrrp_strict
  vrrp_skip_check_adv_addr off
  vrrp_garp_extra_if all 60
  lvs_sync_daemon eth1 VI_1 id 7 maxlen 1400 port 8850 ttl 2 group 224.0.0.82
  lvs_timeouts tcp 900 tcpfin 120 udp 300
  lvs_flush_on_stop VS
  script_user nobody:nogroup
  enable_script_security
  vrrp_cpu_affinity 0 2
  umask 0027
  dynamic_interfaces allow_if_changes
}`);
  // The only diagnostic: lvs_sync_daemon names VI_1, which this file does not define.
  assert.deepEqual(b.codes, ['unknown-reference']);
  const g = b.config.global_defs;
  assert.equal(g.router_id, 'LVS_1');
  assert.deepEqual(g.notification_email, ['admin@example.com', 'Ops Team <ops@example.com>']);
  assert.deepEqual(g.smtp_server, { host: '192.168.200.1', port: 2525 });
  assert.equal(g.smtp_connect_timeout, 12.5);
  assert.equal(g.vrrp_garp_interval, 0.001);
  assert.equal(g.vrrp_mcast_group6, 'ff02::12');
  assert.equal(g.vrrp_strict, true);
  assert.equal(g.vrrp_skip_check_adv_addr, false);
  assert.deepEqual(g.vrrp_garp_extra_if, { all: true, interval: 60 });
  assert.deepEqual(g.lvs_sync_daemon, { interface: 'eth1', inst: 'VI_1', id: 7, maxlen: 1400, port: 8850, ttl: 2, group: '224.0.0.82' });
  assert.deepEqual(g.lvs_timeouts, { tcp: 900, tcpfin: 120, udp: 300 });
  assert.equal(g.lvs_flush_on_stop, 'VS');
  assert.deepEqual(g.script_user, { user: 'nobody', group: 'nogroup' });
  assert.equal(g.enable_script_security, true);
  assert.deepEqual(g.vrrp_cpu_affinity, [0, 2]);
  assert.equal(g.umask, 0o027);
  assert.equal(g.dynamic_interfaces, 'allow_if_changes');
});

test('global_defs: range and syntax errors keep the default', () => {
  const b = buildText('global_defs {\n  vrrp_version 4\n  vrrp_down_timer_adverts 0\n  vrrp_strict maybe\n  vrrp_mcast_group4 ff02::12\n  vrrp_garp_master_delay 1.1234567\n}');
  assert.deepEqual(b.codes, ['out-of-range', 'out-of-range', 'invalid-bool', 'address-family', 'invalid-number']);
  const g = b.config.global_defs;
  assert.equal(g.vrrp_version, 2);
  assert.equal(g.vrrp_down_timer_adverts, 3);
  assert.equal(g.vrrp_strict, false);
  assert.equal(g.vrrp_mcast_group4, '224.0.0.18');
  assert.equal(g.vrrp_garp_master_delay, 5);
});

test('global_defs: keywords of optional keepalived builds are not-supported warnings, not unknown', () => {
  const b = buildText('global_defs {\n  enable_snmp_vrrp\n  enable_dbus\n  nftables keepalived\n  vrrp_iptables\n  bfd_priority -5\n  json_version 2\n  snmp_socket udp:1.2.3.4:705\n}');
  assert.deepEqual(b.codes, Array(7).fill('not-supported'));
  assert.ok(b.diagnostics.every((d) => d.severity === 'warning'));
  assert.match(only(buildText('global_defs {\n enable_dbus\n}'), 'not-supported').message, /dbus/);
  assert.equal(b.exit, 0);
});

test('global_defs: deprecated aliases still work, with a pointer to the new name', () => {
  const b = buildText('global_defs {\n  lvs_flush_onstop\n  lvs_process_name lvs\n  vrrp_rlimit_rtime 5000\n}');
  const d = only(b, 'deprecated');
  assert.equal(d.hint, "use 'lvs_flush_on_stop'");
  assert.equal(b.config.global_defs.lvs_flush_on_stop, true);
  assert.equal(b.config.global_defs.checker_process_name, 'lvs');
  assert.equal(b.config.global_defs.vrrp_rlimit_rttime, 5000);
});

test("global_defs: a typo gets \"did you mean\" from global_defs' own keywords", () => {
  const d = only(buildText('global_defs {\n  enable_script_securty\n}'), 'unknown-keyword');
  assert.equal(d.hint, "did you mean 'enable_script_security'?");
  const b = buildText('global_defs {\n  router-id x\n}');
  assert.equal(only(b, 'unknown-keyword').hint, "did you mean 'router_id'?");
});

test('global_defs: startup/shutdown scripts are split and count for script security', () => {
  const b = buildText('global_defs {\n  startup_script "/usr/local/bin/up.sh now" root\n  startup_script_timeout 20\n}');
  assert.deepEqual(b.config.global_defs.startup_script, { command: '/usr/local/bin/up.sh now', argv: ['/usr/local/bin/up.sh', 'now'], user: 'root' });
  assert.equal(b.config.global_defs.startup_script_timeout, 20);
  assert.equal(only(b, 'script-security').line, 2);
  assert.equal(b.exit, 6);
});
