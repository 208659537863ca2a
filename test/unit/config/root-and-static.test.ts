import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildText, only } from './build-text.ts';

test('top-level switches, static addresses / routes / rules, linkbeat, garp_group, delays, track_group', () => {
  const b = buildText(`net_namespace blue
instance ka1
use_pid_dir
child_wait_time 2.5
linkbeat_use_polling
static_ipaddress {
  10.9.0.1/24 dev eth1 scope global track_group TG
}
static_routes {
  src 10.9.0.1 10.10.0.0/16 via 10.9.0.254 dev eth1 mtu 1400
}
static_rules {
  from 10.9.0.0/24 lookup 200 priority 100
}
linkbeat_interfaces {
  eth1 MII
  eth2
}
garp_group {
  garp_interval 0.01
  gna_interval 0.02
  interfaces {
    eth1
    eth2
  }
}
interface_up_down_delays {
  eth1 2 0.5
  eth2 3
}
track_group TG {
  group {
    VI_1 VI_2
  }
}
SSL {
  password secret
  ca /etc/ssl/ca.pem
  certificate /etc/ssl/c.pem
  key /etc/ssl/k.pem
}
`);
  assert.deepEqual(b.codes, []);
  const c = b.config;
  assert.deepEqual([c.net_namespace, c.instance, c.use_pid_dir, c.child_wait_time, c.linkbeat_use_polling], ['blue', 'ka1', true, 2.5, true]);
  assert.deepEqual([c.static_ipaddress[0]!.address, c.static_ipaddress[0]!.prefix_len, c.static_ipaddress[0]!.track_group], ['10.9.0.1', 24, 'TG']);
  const r = c.static_routes[0]!;
  assert.deepEqual([r.src, r.to, r.via, r.dev, r.options.mtu], ['10.9.0.1', '10.10.0.0/16', '10.9.0.254', 'eth1', '1400']);
  assert.deepEqual([c.static_rules[0]!.from, c.static_rules[0]!.table, c.static_rules[0]!.preference], ['10.9.0.0/24', '200', 100]);
  assert.deepEqual(c.linkbeat_interfaces, [{ name: 'eth1', method: 'MII' }, { name: 'eth2' }]);
  assert.deepEqual([c.garp_groups[0]!.garp_interval, c.garp_groups[0]!.gna_interval, c.garp_groups[0]!.interfaces], [0.01, 0.02, ['eth1', 'eth2']]);
  assert.deepEqual(c.interface_up_down_delays, [{ interface: 'eth1', down_delay: 2, up_delay: 0.5 }, { interface: 'eth2', down_delay: 3, up_delay: 3 }]);
  assert.deepEqual(c.track_groups[0]!.group, ['VI_1', 'VI_2']);
  assert.deepEqual(c.ssl, { password: 'secret', ca: '/etc/ssl/ca.pem', certificate: '/etc/ssl/c.pem', key: '/etc/ssl/k.pem' });
});

test('static blocks: no_track belongs to VIPs, track_group to statics', () => {
  const b = buildText('static_ipaddress {\n 10.0.0.1 no_track\n}\n');
  assert.match(only(b, 'invalid-value').message, /no_track/);
});

test('top level: unknown block keyword is skipped whole, with a suggestion', () => {
  const b = buildText('vrrp_instanse VI_1 {\n  state MASTER\n  bogus 1\n}\nglobal_defs {\n router_id r1\n}\n');
  const d = only(b, 'unknown-keyword');
  assert.deepEqual([d.line, d.col, d.hint], [1, 1, "did you mean 'vrrp_instance'?"]);
  assert.equal(b.config.vrrp_instances.length, 0);
  assert.equal(b.config.global_defs.router_id, 'r1');
});

test('bfd_instance is a not-supported block (whole block ignored)', () => {
  const b = buildText('bfd_instance b1 {\n  neighbor_ip 10.0.0.2\n  frob\n}\n');
  assert.deepEqual(b.codes, ['not-supported']);
});

test('a keyword that takes no block given one: error, block ignored', () => {
  const b = buildText('global_defs {\n router_id x {\n  y\n }\n}\n');
  assert.deepEqual(b.codes, ['unexpected-block']);
  assert.equal(b.config.global_defs.router_id, 'x');
});

test('buildConfig never throws: an empty tree gives the defaults', () => {
  const b = buildText('');
  assert.deepEqual(b.diagnostics, []);
  assert.equal(b.config.vrrp_instances.length, 0);
  assert.equal(b.config.child_wait_time, 5);
});
