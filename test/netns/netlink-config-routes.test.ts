// static_routes / static_rules through OUR path (config model -> route/rule-from-config ->
// rtnetlink over our socket) against keepalived 2.2.7 itself: the same keepalived.conf is
// loaded by keepalived in one namespace and by us in another, identically wired, and the two
// kernels' route and rule tables must print the same with `ip -j -d`. Root only.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { Netns, destroyAll } from '../support/netns.ts';
import { buildText } from '../unit/config/build-text.ts';
import { NetlinkSocket } from '../../src/os/netlink-socket.ts';
import { NETLINK_ROUTE, ifNameToIndex } from '../../src/os/native-socket.ts';
import { encodeRouteRequest } from '../../src/netlink/rtnl-route.ts';
import { encodeRuleRequest } from '../../src/netlink/rtnl-rule.ts';
import { routeSpecFromConfig } from '../../src/netlink/route-from-config.ts';
import { ruleSpecFromConfig } from '../../src/netlink/rule-from-config.ts';

after(destroyAll);

const CONF = `global_defs {
  router_id kts_test
}
static_routes {
  10.20.0.0/16 via 10.1.2.1 dev kv0 metric 77 table 1000
  10.30.0.0/24 dev kv0 src 10.1.2.3 mtu 1400 advmss 1300
  blackhole 192.0.2.0/24 table 100
  unreachable 198.51.100.0/24 table 100
  10.40.0.0/24 table 6909 nexthop via 10.1.2.1 dev kv0 weight 1 nexthop via 10.1.2.2 dev kv0 weight 2
  10.50.0.0/24 via 10.1.2.1 dev kv0 table 6909 tos 0x04 initcwnd 10 hoplimit 100 window 105
  default via 10.1.2.254 table 300
  2001:db8:77::/48 via 2001:db8::1 dev kv0 table 200
  2001:db8:78::/48 dev kv0 metric 5 mtu 1300 pref high
  10.60.0.0/24 via 10.9.9.9 dev kv0 onlink
}
static_rules {
  from 10.1.0.0/16 table 100 preference 1000
  to 10.7.7.7/32 fwmark 5/0xff table 70000 preference 1001 not
  from 10.8.0.0/24 to 10.9.0.0/26 iif kv0 oif kv1 tos 0x10 preference 1002 table main
  to 2001:db8::/32 from 2001:db8:1::/48 table 6908 uidrange 10000-19999 preference 2000
  from 10.11.0.0/16 ipproto udp sport 10-20 dport 20-30 table 5 preference 1003
  from 10.12.0.0/16 preference 1004 goto 1005
  from 10.13.0.0/16 blackhole preference 1005
  from 10.14.0.0/16 suppress_prefixlength 0 table main preference 1006
}
`;

function wire(tag: string): Netns {
  const ns = Netns.create(tag);
  ns.ip('link', 'add', 'kv0', 'type', 'veth', 'peer', 'name', 'kv1');
  ns.ip('link', 'set', 'kv0', 'up');
  ns.ip('link', 'set', 'kv1', 'up');
  ns.ip('addr', 'add', '10.1.2.3/24', 'dev', 'kv0');
  ns.ip('addr', 'add', '2001:db8::5/64', 'dev', 'kv0', 'nodad');
  return ns;
}

/** Everything `ip -j` says about routes and rules, in a stable order. */
function tables(ns: Netns): string[] {
  const all = [
    ...(ns.ipJson('-4', '-d', 'route', 'show', 'table', 'all') as unknown[]),
    ...(ns.ipJson('-6', '-d', 'route', 'show', 'table', 'all') as unknown[]),
    ...(ns.ipJson('-4', 'rule', 'show') as unknown[]).map((r) => ({ rule4: r })),
    ...(ns.ipJson('-6', 'rule', 'show') as unknown[]).map((r) => ({ rule6: r })),
  ];
  return all.map((x) => JSON.stringify(x)).sort();
}

test('static_routes and static_rules install exactly what keepalived 2.2.7 installs', async (t) => {
  if (!need(t, isRoot() && hasCommand('keepalived'), 'root and keepalived')) return;
  const dir = mkdtempSync(join(tmpdir(), 'kts-routes-'));
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, CONF);
  const theirs = wire('kaRoutes');
  const ours = wire('ktsRoutes');
  const ka = theirs.spawn('keepalived', ['-n', '-l', '-D', '-f', conf, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')]);
  try {
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`keepalived did not start: ${log}`)), 10000);
      const onData = (d: Buffer) => { log += d.toString(); if (log.includes('Startup complete')) { clearTimeout(timer); resolve(); } };
      ka.stdout!.on('data', onData);
      ka.stderr!.on('data', onData);
    });
    const expected = tables(theirs);

    const built = buildText(CONF);
    assert.equal(built.config.static_routes.length, 10);
    assert.equal(built.config.static_rules.length, 8);
    const nl = ours.run(() => NetlinkSocket.open(NETLINK_ROUTE));
    const names = { ifindex: (n: string) => ours.run(() => ifNameToIndex(n)) };
    try {
      for (const r of built.config.static_routes) {
        const c = routeSpecFromConfig(r, names);
        assert.ok(c.ok, JSON.stringify(c));
        assert.deepEqual(c.ignored, [], `route ${r.to}`);
        const res = await nl.request((seq) => encodeRouteRequest('add', c.spec, seq));
        assert.ok(res.ok, `route ${r.to}: ${JSON.stringify(res)}`);
      }
      for (const r of built.config.static_rules) {
        const c = ruleSpecFromConfig(r, names);
        assert.ok(c.ok, JSON.stringify(c));
        assert.deepEqual(c.ignored, []);
        const res = await nl.request((seq) => encodeRuleRequest('add', c.spec, seq));
        assert.ok(res.ok, `rule ${r.preference}: ${JSON.stringify(res)}`);
      }
      const got = tables(ours);
      assert.deepEqual(got.filter((x) => !expected.includes(x)), [], 'routes/rules only we installed');
      assert.deepEqual(expected.filter((x) => !got.includes(x)), [], 'routes/rules only keepalived installed');
    } finally {
      nl.close();
    }
  } finally {
    ka.kill('SIGTERM');
    await new Promise((r) => { if (ka.exitCode !== null) r(null); else { const tm = setTimeout(r, 5000); ka.on('exit', () => { clearTimeout(tm); r(null); }); } });
    theirs.destroy();
    ours.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
