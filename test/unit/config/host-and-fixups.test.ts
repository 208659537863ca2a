// Rules found by comparing with keepalived 2.2.7 -t (test/corpus/keepalived-exit.test.ts runs
// keepalived itself; these pin our side without needing root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildText, instance, only } from './build-text.ts';

const VIP = '  virtual_ipaddress {\n    10.0.0.10/24\n  }';
const host = (ifs: string[], extra: object = {}) => ({ interfaceExists: (n: string) => ifs.includes(n), ...extra });

test('an instance needs an interface, and not lo', () => {
  assert.deepEqual(buildText(`vrrp_instance V {\n virtual_router_id 1\n${VIP}\n}\n`).codes, ['missing-interface']);
  assert.deepEqual(buildText(instance(VIP).replace('eth0', 'lo')).codes, ['loopback-interface']);
});

test('dynamic_interfaces: a missing interface is only a warning (keepalived waits for it)', () => {
  const text = instance(`${VIP.replace('10.0.0.10/24', '10.0.0.10/24 dev eth7')}`);
  const strict = buildText(text, { host: host([]) });
  assert.deepEqual(strict.codes, ['no-such-interface']);
  assert.equal(strict.exit, 5);
  const dyn = buildText(`global_defs {\n dynamic_interfaces\n}\n${text}`, { host: host([]) });
  assert.deepEqual(dyn.codes, ['no-such-interface', 'no-such-interface']);
  assert.ok(dyn.diagnostics.every((d) => d.severity === 'warning'));
  assert.equal(dyn.exit, 0);
  const vipDev = buildText(text, { host: host(['eth0']) });
  assert.match(only(vipDev, 'no-such-interface').message, /interface eth7 for address 10\.0\.0\.10\/24/);
});

test('a missing interface stops the instance, so its scripts are not security-checked (keepalived 5, not 6)', () => {
  const text = `vrrp_script s {\n script /bin/true\n}\n${instance(`  notify_master /bin/true\n  track_script {\n    s\n  }\n${VIP}`)}`;
  assert.equal(buildText(text, { host: host([], { fileExecutable: () => true }) }).exit, 5);
  assert.equal(buildText(text, { host: host(['eth0'], { fileExecutable: () => true }) }).exit, 6);
});

test('only scripts running as root violate script security', () => {
  const mk = (g: string, notify: string) => buildText(`global_defs {\n${g}\n}\n${instance(`  notify_master ${notify}\n${VIP}`)}`);
  assert.equal(mk('', '/bin/true').exit, 6);
  assert.equal(mk('', '/bin/true nobody').exit, 0);
  assert.equal(mk(' script_user nobody', '/bin/true').exit, 0);
  assert.equal(mk(' script_user nobody', '/bin/true root').exit, 6);
});

test('script_user must exist when HostFacts can tell', () => {
  const b = buildText('global_defs {\n script_user ghost\n}\n', { host: host([], { userExists: (u: string) => u === 'root' }) });
  assert.equal(only(b, 'no-such-user').line, 2);
});

test('fix-ups keepalived reports as config errors: routes without dev, rules without preference, unicast VMAC, own interface tracked, VMAC name reused', () => {
  const b = buildText(instance(`  virtual_routes {\n    10.5.0.0/16 via 10.0.0.254\n  }\n  virtual_rules {\n    from 10.0.0.0/8 table 5\n  }\n${VIP}`));
  assert.deepEqual(b.codes, ['value-fixed', 'value-fixed']);
  assert.equal(b.exit, 5);
  const u = buildText(instance(`  use_vmac\n  unicast_peer {\n  }\n  track_interface {\n    eth0\n  }\n${VIP}`));
  assert.deepEqual(u.codes, ['value-fixed', 'value-fixed']);
  assert.equal(u.config.vrrp_instances[0]!.vmac_xmit_base, true, 'an empty unicast_peer block still means unicast');
  assert.deepEqual(u.config.vrrp_instances[0]!.track_interface, []);
  const v = buildText(instance(`  use_vmac vrrp.1\n${VIP}`, 'A') + instance(`  use_vmac vrrp.1\n${VIP}`, 'B').replace('virtual_router_id 51', 'virtual_router_id 52'));
  assert.match(only(v, 'value-fixed').message, /\(B\) VRRP instance A is already using vrrp\.1/);
  assert.equal(v.config.vrrp_instances[1]!.use_vmac!.name, undefined);
});

test('DR real server on another port than the virtual server: port reset (DR cannot rewrite ports)', () => {
  const b = buildText('virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 10.0.1.1 8080 {\n }\n}\n');
  assert.match(only(b, 'value-fixed').message, /8080 differs .* DR cannot change ports - using 80/);
  assert.equal(b.config.virtual_servers[0]!.real_servers[0]!.port, 80);
  const nat = buildText('virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.1.1 8080 {\n }\n}\n');
  assert.deepEqual(nat.codes, []);
});

test('nb_get_retry: deprecated, and keepalived counts that deprecation as a config error', () => {
  const b = buildText('virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.1.1 80 {\n  HTTP_GET {\n   url {\n    path /\n   }\n   nb_get_retry 3\n  }\n }\n}\n');
  const d = only(b, 'deprecated');
  assert.deepEqual([d.severity, d.hint], ['error', "use 'retry'"]);
  assert.equal(b.exit, 5);
});

test('NAT with forwarding off: one warning per family at the first NAT virtual server; DR and unknown hosts say nothing', () => {
  const rs = (ip: string) => `  real_server ${ip} 80 {\n    TCP_CHECK {\n      connect_timeout 3\n    }\n  }\n`;
  const vs = (ip: string, kind: string) => `virtual_server ${ip} 80 {\n  lb_algo rr\n  lb_kind ${kind}\n  protocol TCP\n${rs(ip.includes(':') ? 'fd00::2' : '10.0.0.2')}}\n`;
  const text = vs('192.0.2.1', 'NAT') + vs('192.0.2.2', 'NAT') + vs('2001:db8::1', 'NAT') + vs('192.0.2.3', 'DR');
  const off = buildText(text, { host: host([], { ipForwarding: () => false }) });
  const warned = off.diagnostics.filter((d) => d.code === 'ip-forward-off');
  assert.deepEqual(warned.map((d) => d.line), [1, 21], 'first IPv4 NAT server and the IPv6 one');
  assert.match(warned[1]!.message, /net\.ipv6\.conf\.all\.forwarding/);
  assert.equal(off.exit, 0, 'a warning, not an error: keepalived runs such a config');
  assert.equal(buildText(text, { host: host([], { ipForwarding: () => true }) }).codes.includes('ip-forward-off'), false);
  assert.equal(buildText(text, { host: host([], { ipForwarding: () => undefined }) }).codes.includes('ip-forward-off'), false);
  assert.equal(buildText(vs('192.0.2.3', 'DR'), { host: host([], { ipForwarding: () => false }) }).codes.includes('ip-forward-off'), false);
});

test('a VIP held statically by this host (the RealServer scripts\' lo setup) is warned, with the line and a way out', () => {
  const vs = 'virtual_server 10.0.0.100 80 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    TCP_CHECK {\n      connect_timeout 3\n    }\n  }\n}\n';
  const inst = 'vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n  virtual_ipaddress {\n    10.0.0.100/32\n    10.0.0.101/32 dev eth1\n  }\n}\n';
  const on = (table: Record<string, string[]>) => host(['eth0', 'eth1', 'lo'], { addressInterfaces: (a: string) => table[a] ?? [] });
  // On lo: both the virtual_server and the VRRP VIP line are flagged, once per address.
  const lo = buildText(inst + vs, { host: on({ '10.0.0.100': ['lo'] }) });
  const w = lo.diagnostics.filter((d) => d.code === 'vip-on-host');
  assert.equal(w.length, 1, JSON.stringify(w));
  assert.equal(w[0]!.line, 10, 'at the virtual_server line');
  assert.match(w[0]!.message, /already has 10\.0\.0\.100 on lo/);
  assert.match(w[0]!.hint ?? '', /ip addr del 10\.0\.0\.100\/32 dev lo/);
  assert.equal(lo.exit, 0, 'a warning: keepalived runs it');
  // Where VRRP puts it (a running MASTER, or the line's dev) it is not stray.
  assert.deepEqual(buildText(inst + vs, { host: on({ '10.0.0.100': ['eth0'], '10.0.0.101': ['eth1'] }) }).codes, []);
  // A VRRP VIP on another interface than its own is stray; a VS address on eth0 without VRRP is a single director's choice.
  const other = buildText(inst, { host: on({ '10.0.0.101': ['eth0'] }) });
  assert.deepEqual(other.diagnostics.filter((d) => d.code === 'vip-on-host').map((d) => d.line), [7]);
  assert.deepEqual(buildText(vs, { host: on({ '10.0.0.100': ['eth0'] }) }).codes, []);
  // No host facts (another machine, the corpus): nothing.
  assert.deepEqual(buildText(inst + vs).codes, []);
});

test('lvs_sync_daemon naming no vrrp_instance is warned at its line (keepalived only logs it when the daemon starts)', () => {
  const inst = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n  virtual_ipaddress {\n    10.0.0.100/32\n  }\n}\n';
  const bad = buildText(`global_defs {\n  lvs_sync_daemon eth0 VI_9\n}\n${inst}`);
  const w = bad.diagnostics.filter((d) => d.code === 'unknown-reference');
  assert.deepEqual(w.map((d) => [d.line, d.severity]), [[2, 'warning']]);
  assert.match(w[0]!.message, /no vrrp_instance VI_9/);
  assert.match(w[0]!.hint ?? '', /VI_1/);
  assert.equal(bad.exit, 0);
  assert.deepEqual(buildText(`global_defs {\n  lvs_sync_daemon eth0 VI_1\n}\n${inst}`).codes, []);
});
