import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildText, instance, only } from './build-text.ts';

const VIP = '  virtual_ipaddress {\n    192.168.1.10/24\n  }';

test('vrrp_instance: keepalived defaults are filled', () => {
  const b = buildText(instance(VIP));
  assert.deepEqual(b.diagnostics, []);
  assert.equal(b.exit, 0);
  const i = b.config.vrrp_instances[0]!;
  assert.equal(i.name, 'VI_1');
  assert.equal(i.state, 'BACKUP');
  assert.equal(i.priority, 100);
  assert.equal(i.advert_int, 1);
  assert.equal(i.version, 2);
  assert.equal(i.family, 4);
  assert.equal(i.accept, true);
  assert.equal(i.nopreempt, false);
  assert.equal(i.preempt_delay, 0);
  assert.equal(i.garp_master_delay, 5);
  assert.equal(i.garp_master_repeat, 5);
  assert.equal(i.garp_lower_prio_repeat, 5);
  assert.equal(i.down_timer_adverts, 3);
  assert.equal(i.virtual_router_id, 51);
  assert.equal(i.interface, 'eth0');
});

test('vrrp_instance: state MASTER without priority is the address owner (255)', () => {
  const i = buildText(instance(`  state MASTER\n${VIP}`)).config.vrrp_instances[0]!;
  assert.equal(i.state, 'MASTER');
  assert.equal(i.priority, 255);
});

test('vrrp_instance: global_defs values are inherited, instance values win', () => {
  const b = buildText(`global_defs {\n vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 3\n vrrp_version 3\n}\n` +
    instance(`  garp_master_repeat 7\n${VIP}`));
  const i = b.config.vrrp_instances[0]!;
  assert.equal(i.garp_master_delay, 2);
  assert.equal(i.garp_master_repeat, 7);
  assert.equal(i.garp_lower_prio_repeat, 3, 'lower-prio repeat defaults to the GLOBAL master repeat (keepalived -d)');
  assert.equal(i.version, 3);
});

test('virtual_ipaddress: every address option is parsed and typed', () => {
  const b = buildText(instance(`  virtual_ipaddress {
    10.0.0.1/24 brd 10.0.0.255 dev eth1 scope link label eth1:vip no_track
    10.0.0.2 dev eth0 brd + home -nodad noprefixroute autojoin preferred_lft forever
    10.0.0.3/32 use_vmac vrrp.7 peer 10.0.0.9/32 mngtmpaddr
  }`));
  assert.deepEqual(b.diagnostics, []);
  const [a, c, d] = b.config.vrrp_instances[0]!.virtual_ipaddress;
  assert.deepEqual({ ...a, origin: undefined }, {
    address: '10.0.0.1', family: 4, prefix_len: 24, brd: '10.0.0.255', dev: 'eth1', scope: 'link', label: 'eth1:vip', no_track: true, origin: undefined,
  });
  assert.equal(c!.prefix_len, 32);
  assert.equal(c!.brd, '+');
  assert.equal(c!.home, true);
  assert.equal(c!.nodad, true);
  assert.equal(c!.noprefixroute, true);
  assert.equal(c!.autojoin, true);
  assert.equal(c!.preferred_lft, 'forever');
  assert.equal(c!.no_track, false);
  assert.equal(d!.use_vmac, 'vrrp.7');
  assert.equal(d!.peer, '10.0.0.9/32');
  assert.equal(d!.mngtmpaddr, true);
  assert.equal(a!.origin.line, 5);
});

test('virtual_ipaddress: an unknown option is an error naming it; a bad address drops the line', () => {
  const b = buildText(instance('  virtual_ipaddress {\n    10.0.0.1/24 dev eth0 frob\n    10.0.0.300\n  }'));
  assert.deepEqual([...b.codes].sort(), ['invalid-address', 'invalid-value']);
  assert.match(only(b, 'invalid-value').message, /'frob'/);
  assert.equal(b.config.vrrp_instances[0]!.virtual_ipaddress.length, 1);
});

test('IPv6 instance: canonical addresses, version 3 forced, /128 VIPs deprecated (preferred_lft 0)', () => {
  const b = buildText(instance('  version 2\n  virtual_ipaddress {\n    2001:DB8:0:0::10/128\n    fe80::1/64\n  }'));
  const i = b.config.vrrp_instances[0]!;
  assert.equal(i.family, 6);
  assert.equal(i.version, 3);
  assert.equal(i.virtual_ipaddress[0]!.address, '2001:db8::10');
  assert.equal(i.virtual_ipaddress[0]!.preferred_lft, 0);
  assert.equal(i.virtual_ipaddress[1]!.preferred_lft, undefined);
  // keepalived 2.2.7 switches to v3 silently (exit 0): a warning that is not a config error.
  assert.equal(only(b, 'version-forced').line, 4);
  assert.equal(b.exit, 0);
});

test('a VIP of the other family is rejected (keepalived: must match the instance)', () => {
  const b = buildText(instance('  virtual_ipaddress {\n    10.0.0.1\n    2001:db8::1\n  }'));
  const d = only(b, 'address-family');
  assert.equal(d.line, 6);
  assert.deepEqual(b.config.vrrp_instances[0]!.virtual_ipaddress.map((v) => v.address), ['10.0.0.1']);
});

test('unicast_src_ip of the other family than the VIPs is an error keepalived misses', () => {
  const b = buildText(instance(`  unicast_src_ip 2001:db8::1\n${VIP}`));
  assert.equal(only(b, 'address-family').line, 4);
});

test('priority outside 1..255 becomes 100 with a warning, and -t exits 5 as keepalived does', () => {
  const b = buildText(instance(`  priority 300\n${VIP}`));
  const d = only(b, 'value-fixed');
  assert.equal(d.severity, 'warning');
  assert.deepEqual([d.line, d.col], [4, 12]);
  assert.equal(b.config.vrrp_instances[0]!.priority, 100);
  assert.equal(b.exit, 5);
});

test('VRRPv2 advert_int must be whole seconds: 0.5 is rounded to 1, 2.6 to 3', () => {
  for (const [w, want] of [['0.5', 1], ['2.6', 3], ['3', 3]] as const) {
    const b = buildText(instance(`  advert_int ${w}\n${VIP}`));
    assert.equal(b.config.vrrp_instances[0]!.advert_int, want, w);
    assert.equal(b.codes.includes('value-fixed'), w !== '3', w);
  }
});

test('VRRPv3 advert_int keeps centiseconds, rounds finer values, caps at 40.95', () => {
  const v3 = (w: string) => buildText(instance(`  version 3\n  advert_int ${w}\n${VIP}`));
  assert.equal(v3('0.25').config.vrrp_instances[0]!.advert_int, 0.25);
  assert.deepEqual(v3('0.25').codes, []);
  assert.equal(v3('0.125').config.vrrp_instances[0]!.advert_int, 0.13);
  assert.equal(v3('50').config.vrrp_instances[0]!.advert_int, 40.95);
});

test('virtual_router_id outside 1..255 is an error and the instance is dropped', () => {
  const b = buildText('vrrp_instance X {\n interface eth0\n virtual_router_id 256\n virtual_ipaddress {\n 10.1.1.1\n }\n}\n');
  assert.deepEqual(b.codes, ['out-of-range', 'missing-vrid']);
  assert.equal(b.config.vrrp_instances.length, 0);
});

test('authentication: auth_pass longer than 8 characters is cut to 8', () => {
  const b = buildText(instance(`  authentication {\n    auth_type PASS\n    auth_pass 123456789\n  }\n${VIP}`));
  assert.deepEqual(b.config.vrrp_instances[0]!.authentication, { auth_type: 'PASS', auth_pass: '12345678' });
  assert.equal(only(b, 'value-fixed').line, 6);
});

test("authentication: 'auth_pass abc!def' was cut by the comment character - hint", () => {
  const b = buildText(instance(`  authentication {\n    auth_type PASS\n    auth_pass abc!def\n  }\n${VIP}`));
  const d = only(b, 'comment-cut');
  assert.deepEqual([d.line, d.col], [6, 18]);
  assert.match(d.hint ?? '', /"abc!def"/);
  assert.equal(b.config.vrrp_instances[0]!.authentication!.auth_pass, 'abc');
});

test('authentication is ignored with a warning in VRRPv3', () => {
  const b = buildText(instance(`  version 3\n  authentication {\n    auth_type AH\n    auth_pass x\n  }\n${VIP}`));
  assert.equal(b.config.vrrp_instances[0]!.authentication, undefined);
  assert.match(only(b, 'value-fixed').message, /VRRPv3 has no authentication/);
});

test('nopreempt needs state BACKUP: cleared with a warning for state MASTER', () => {
  const b = buildText(instance(`  state MASTER\n  priority 150\n  nopreempt\n${VIP}`));
  assert.equal(b.config.vrrp_instances[0]!.nopreempt, false);
  assert.equal(only(b, 'value-fixed').line, 6);
  const ok = buildText(instance(`  priority 150\n  nopreempt\n  preempt_delay 2.5\n${VIP}`));
  assert.equal(ok.config.vrrp_instances[0]!.nopreempt, true);
  assert.equal(ok.config.vrrp_instances[0]!.preempt_delay, 0, 'preempt_delay is meaningless with nopreempt');
  assert.equal(buildText(instance(`  nopreempt\n  preempt\n${VIP}`)).config.vrrp_instances[0]!.nopreempt, false);
});

test('strict mode: authentication, preempt_delay and no VIPs are errors; unicast a warning', () => {
  const b = buildText(`global_defs {\n vrrp_strict\n}\n` + instance(`  preempt_delay 5
  unicast_peer {
    10.0.0.2
  }
  authentication {
    auth_type PASS
    auth_pass x
  }`));
  const msgs = b.diagnostics.filter((d) => d.code === 'strict-mode').map((d) => `${d.severity} ${d.message}`);
  assert.equal(msgs.length, 4, JSON.stringify(msgs));
  // unicast: man5 says not allowed, keepalived 2.2.7 accepts it (measured), so only a warning.
  assert.deepEqual(msgs.filter((m) => m.startsWith('warning')), ['warning (VI_1) unicast peers are not RFC-compliant in strict mode']);
  const i = b.config.vrrp_instances[0]!;
  assert.equal(i.strict_mode, true);
  assert.equal(i.authentication, undefined);
  assert.equal(i.preempt_delay, 0);
  assert.equal(i.accept, false, 'strict mode: no accept unless owner');
});

test('the same VRID twice on one interface is an error keepalived misses; other interface or family is fine', () => {
  const b = buildText(instance(VIP, 'A') + instance(VIP, 'B') +
    'vrrp_instance C {\n interface eth1\n virtual_router_id 51\n virtual_ipaddress {\n 10.9.9.9\n }\n}\n' +
    'vrrp_instance D {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n 2001:db8::9\n }\n}\n');
  const d = only(b, 'duplicate-vrid');
  assert.match(d.message, /\(B\) virtual_router_id 51 is already used on eth0 \(IPv4\) by A/);
  assert.equal(d.line, 8);
});

test("an unknown keyword is an error with position and \"did you mean 'priority'?\"", () => {
  const b = buildText(instance(`  priorty 150\n${VIP}`));
  const d = only(b, 'unknown-keyword');
  assert.deepEqual([d.severity, d.line, d.col], ['error', 4, 3]);
  assert.equal(d.hint, "did you mean 'priority'?");
  assert.equal(b.exit, 5);
});

test('an unknown keyword opening a block: the whole block is skipped, one diagnostic', () => {
  const b = buildText(instance(`  frobnicate {\n    priority 10\n    nonsense 1\n  }\n  priority 120\n${VIP}`));
  assert.deepEqual(b.codes, ['unknown-keyword']);
  assert.equal(b.config.vrrp_instances[0]!.priority, 120);
});

test('track_script naming no vrrp_script is an error with a suggestion', () => {
  const b = buildText('vrrp_script chk_haproxy {\n script "/usr/bin/true"\n}\n' + instance(`  track_script {\n    chk_haproxi weight 10\n    chk_haproxy\n  }\n${VIP}`));
  const d = only(b, 'unknown-reference');
  assert.equal(d.hint, "did you mean 'chk_haproxy'?");
  assert.equal(d.line, 8);
  assert.deepEqual(b.config.vrrp_instances[0]!.track_script.map((t) => t.name), ['chk_haproxy']);
});

test('track_interface / track_file / track_process lines: weight range and reverse', () => {
  const b = buildText('track_file tf {\n file /run/tf\n}\nvrrp_track_process tp {\n process haproxy\n}\n' + instance(`  track_interface {
    eth1 weight -20 reverse
    eth2
  }
  track_file {
    tf weight 254
  }
  track_process {
    tp weight -5
  }
${VIP}`));
  assert.deepEqual(b.codes, []);
  const i = b.config.vrrp_instances[0]!;
  assert.deepEqual(i.track_interface.map((t) => [t.name, t.weight, t.reverse]), [['eth1', -20, true], ['eth2', undefined, false]]);
  assert.equal(i.track_file[0]!.weight, 254);
  assert.equal(i.track_process[0]!.weight, -5);
  const bad = buildText(instance(`  track_interface {\n    eth1 weight 254\n  }\n${VIP}`));
  assert.deepEqual(bad.codes, ['out-of-range']);
});

test('notify scripts are split as keepalived does: command line, then user and group', () => {
  const b = buildText(instance(`  notify_master "/etc/ka/notify.sh master 'two words'" nobody nogroup\n  notify_backup /etc/ka/b.sh root:adm\n${VIP}`));
  const i = b.config.vrrp_instances[0]!;
  assert.deepEqual(i.notify_master, { command: "/etc/ka/notify.sh master 'two words'", argv: ['/etc/ka/notify.sh', 'master', 'two words'], user: 'nobody', group: 'nogroup' });
  assert.deepEqual(i.notify_backup, { command: '/etc/ka/b.sh', argv: ['/etc/ka/b.sh'], user: 'root', group: 'adm' });
});

test('unicast, use_vmac, routes and rules', () => {
  const b = buildText(instance(`  unicast_src_ip 10.0.0.1
  unicast_peer {
    10.0.0.2 min_ttl 250 max_ttl 255
    10.0.0.3
  }
  use_vmac vrrp.51 02:00:5e:00:01:33
  vmac_xmit_base
  virtual_routes {
    10.1.0.0/16 via 10.0.0.254 dev eth0 metric 5 table 100
    default via 10.0.0.254 dev eth0
    blackhole 10.2.0.0/16 no_track
  }
  virtual_rules {
    from 10.0.0.0/8 table 100 preference 50
  }
${VIP}`));
  assert.deepEqual(b.codes, []);
  const i = b.config.vrrp_instances[0]!;
  assert.deepEqual(i.unicast_peer, [{ address: '10.0.0.2', min_ttl: 250, max_ttl: 255 }, { address: '10.0.0.3' }]);
  assert.deepEqual(i.use_vmac, { name: 'vrrp.51', mac: '02:00:5e:00:01:33' });
  const [r1, r2, r3] = i.virtual_routes;
  assert.deepEqual([r1!.to, r1!.via, r1!.dev, r1!.metric, r1!.table], ['10.1.0.0/16', '10.0.0.254', 'eth0', 5, '100']);
  assert.equal(r2!.to, 'default');
  assert.deepEqual([r3!.type, r3!.to], ['blackhole', '10.2.0.0/16']);
  assert.deepEqual([i.virtual_rules[0]!.from, i.virtual_rules[0]!.table, i.virtual_rules[0]!.preference], ['10.0.0.0/8', '100', 50]);
});

test('host facts: a missing interface is an error only when HostFacts are given', () => {
  const text = instance(VIP);
  assert.deepEqual(buildText(text).codes, []);
  const b = buildText(text, { host: { interfaceExists: (n) => n === 'lo' } });
  assert.equal(only(b, 'no-such-interface').line, 1);
  assert.deepEqual(buildText(text, { host: { interfaceExists: () => true } }).codes, []);
});

test('no virtual_ipaddress: keepalived 2.2.7 reports it; no_virtual_ipaddress silences it', () => {
  assert.deepEqual(buildText(instance('')).codes, ['no-vip']);
  assert.deepEqual(buildText(instance('  no_virtual_ipaddress')).codes, []);
});

test('deprecated and build-option keywords: warned, never unknown', () => {
  const b = buildText(instance(`  vmac_garp_intvl 30\n  track_bfd {\n    b1\n  }\n  native_ipv6\n  virtual_ipaddress {\n    fe80::5\n  }`));
  assert.deepEqual([...b.codes].sort(), ['deprecated', 'deprecated', 'not-supported']);
  assert.deepEqual(b.config.vrrp_instances[0]!.garp_extra_if, { all: false, interval: 30 });
  assert.equal(b.exit, 0);
});

test('a keyword of another block: the hint says where it belongs', () => {
  const b = buildText('virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  virtual_router_id 5\n  real_server 10.0.1.1 80 {\n  }\n}\n');
  assert.equal(only(b, 'unknown-keyword').hint, "'virtual_router_id' belongs in vrrp_instance, not in virtual_server");
});
