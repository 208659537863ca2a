// Re-creates fixtures/rtnl-dumps.json: the raw bytes the kernel sent to OUR netlink socket for
// address, link, route and rule dumps of a namespace with known state, stored beside what
// `ip -j` printed for the same state, so rtnl-captured.test.ts can check our decoders offline
// against iproute2's reading of the very same kernel. Run as root:
//   node --import tsx test/unit/netlink/capture-fixtures.ts
import { writeFileSync } from 'node:fs';
import { Netns } from '../../support/netns.ts';
import { NetlinkSocket } from '../../../src/os/netlink-socket.ts';
import { NETLINK_ROUTE } from '../../../src/os/native-socket.ts';
import type { NlMessage } from '../../../src/netlink/message.ts';
import { encodeAddrDump } from '../../../src/netlink/rtnl-addr.ts';
import { encodeLinkDump } from '../../../src/netlink/rtnl-link.ts';
import { encodeRouteDump } from '../../../src/netlink/rtnl-route.ts';
import { encodeRuleDump } from '../../../src/netlink/rtnl-rule.ts';

const ns = Netns.create('capture');
try {
  ns.exec('sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0');
  ns.ip('link', 'add', 'kv0', 'type', 'veth', 'peer', 'name', 'kv1');
  ns.ip('link', 'set', 'kv0', 'up');
  ns.ip('link', 'set', 'kv1', 'up');
  ns.ip('link', 'add', 'vrrp.51', 'link', 'kv0', 'address', '00:00:5e:00:01:33', 'type', 'macvlan', 'mode', 'private');
  ns.ip('addr', 'add', '10.1.2.3/24', 'brd', '+', 'label', 'kv0:vip', 'dev', 'kv0');
  ns.ip('addr', 'add', '10.1.2.4/24', 'dev', 'kv0');
  ns.ip('addr', 'add', '10.9.9.9/32', 'scope', 'host', 'dev', 'kv0');
  ns.ip('addr', 'add', '2001:db8::5/64', 'dev', 'kv0', 'nodad');
  ns.ip('addr', 'add', '2001:db8:1::7/128', 'dev', 'kv0', 'nodad', 'preferred_lft', '0');
  ns.ip('route', 'add', '10.20.0.0/16', 'via', '10.1.2.1', 'metric', '77', 'table', '1000', 'proto', 'keepalived');
  ns.ip('route', 'add', '10.30.0.0/24', 'dev', 'kv0', 'src', '10.1.2.3', 'mtu', '1400');
  ns.ip('route', 'add', 'blackhole', '192.0.2.0/24', 'table', '100');
  ns.ip('route', 'add', '10.40.0.0/24', 'nexthop', 'via', '10.1.2.1', 'weight', '2', 'nexthop', 'via', '10.1.2.2', 'weight', '1');
  ns.ip('-6', 'route', 'add', '2001:db8:77::/48', 'via', '2001:db8::1', 'dev', 'kv0', 'table', '200');
  ns.ip('rule', 'add', 'prio', '1000', 'from', '10.1.0.0/16', 'table', '100');
  ns.ip('rule', 'add', 'prio', '1001', 'not', 'to', '10.7.7.7', 'fwmark', '5/0xff', 'table', '70000');
  ns.ip('-6', 'rule', 'add', 'prio', '2000', 'to', '2001:db8::/32', 'iif', 'kv0', 'table', '300');

  const nl = ns.run(() => NetlinkSocket.open(NETLINK_ROUTE));
  const hex = (ms: readonly NlMessage[]) => ms.map((m) => ({ type: m.type, flags: m.flags, payload: Buffer.from(m.payload).toString('hex') }));
  const dump = async (build: (seq: number) => Uint8Array) => {
    const r = await nl.request(build);
    if (!r.ok) throw new Error(`dump failed: ${r.error.errno}`);
    return hex(r.replies);
  };
  const fixture = {
    note: 'Captured by test/unit/netlink/capture-fixtures.ts (kernel ' + ns.exec('uname', '-r').trim() + '); ip -j output of the same state alongside.',
    addr: { kernel: await dump((s) => encodeAddrDump(s)), ip: ns.ipJson('addr', 'show') },
    link: { kernel: await dump((s) => encodeLinkDump(s)), ip: ns.ipJson('-d', 'link', 'show') },
    route: {
      kernel: [...(await dump((s) => encodeRouteDump(s, 4))), ...(await dump((s) => encodeRouteDump(s, 6)))],
      ip4: ns.ipJson('-4', '-d', 'route', 'show', 'table', 'all'),
      ip6: ns.ipJson('-6', '-d', 'route', 'show', 'table', 'all'),
    },
    rule: {
      kernel: [...(await dump((s) => encodeRuleDump(s, 4))), ...(await dump((s) => encodeRuleDump(s, 6)))],
      ip4: ns.ipJson('-4', 'rule', 'show'),
      ip6: ns.ipJson('-6', 'rule', 'show'),
    },
  };
  nl.close();
  writeFileSync(new URL('./fixtures/rtnl-dumps.json', import.meta.url), JSON.stringify(fixture, null, 1) + '\n');
  console.log('wrote fixtures/rtnl-dumps.json');
} finally {
  ns.destroy();
}
