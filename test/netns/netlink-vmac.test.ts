// use_vmac through OUR messages against keepalived 2.2.7 itself: keepalived creates its VMACs
// (IPv4 VRID 51, IPv6 VRID 7) in one namespace, we create the same with encodeMacvlanCreate +
// encodeLinkSetAddrGenNone + up in another, and `ip -j -d link` must agree on every field
// that describes the interface. Root only.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { Netns, destroyAll } from '../support/netns.ts';
import { NetlinkSocket, type NetlinkResult } from '../../src/os/netlink-socket.ts';
import { NETLINK_ROUTE, ifNameToIndex } from '../../src/os/native-socket.ts';
import { encodeLinkSetAddrGenNone, encodeLinkSetUp, encodeMacvlanCreate, vrrpMac } from '../../src/netlink/rtnl-link.ts';

after(destroyAll);

const instance = (name: string, vrid: number, vip: string) => `vrrp_instance ${name} {
  interface kv0
  state BACKUP
  virtual_router_id ${vrid}
  priority 100
  advert_int 1
  use_vmac
  virtual_ipaddress {
    ${vip}
  }
}
`;
const CONF = `global_defs {\n  router_id kts_vmac\n}\n${instance('VI_4', 51, '10.1.2.100/24')}${instance('VI_6', 7, '2001:db8::100/64')}`;

function wire(tag: string): Netns {
  const ns = Netns.create(tag);
  ns.ip('link', 'add', 'kv0', 'type', 'veth', 'peer', 'name', 'kv1');
  ns.ip('link', 'set', 'kv0', 'up');
  ns.ip('link', 'set', 'kv1', 'up');
  ns.ip('addr', 'add', '10.1.2.3/24', 'dev', 'kv0');
  ns.ip('addr', 'add', '2001:db8::5/64', 'dev', 'kv0', 'nodad');
  return ns;
}

type IpLink = Record<string, unknown> & { linkinfo?: { info_kind?: string; info_data?: { mode?: string } } };
/** The fields that describe the interface itself (not counters, not its index). */
function describe(ns: Netns, name: string): unknown {
  const l = (ns.ipJson('-d', 'link', 'show', name) as IpLink[])[0]!;
  return {
    ifname: l.ifname, link: l.link, flags: l.flags, mtu: l.mtu, operstate: l.operstate, address: l.address,
    broadcast: l.broadcast, kind: l.linkinfo?.info_kind, mode: l.linkinfo?.info_data?.mode, addrgen: l.inet6_addr_gen_mode,
  };
}

test('VMACs we create match the ones keepalived 2.2.7 creates for use_vmac', async (t) => {
  if (!need(t, isRoot() && hasCommand('keepalived'), 'root and keepalived')) return;
  const dir = mkdtempSync(join(tmpdir(), 'kts-vmac-'));
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, CONF);
  const theirs = wire('kaVmac');
  const ours = wire('ktsVmac');
  const ka = theirs.spawn('keepalived', ['-n', '-l', '-D', '-f', conf, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')]);
  try {
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`keepalived did not create its VMACs: ${log}`)), 10000);
      const onData = (d: Buffer) => {
        log += d.toString();
        if ((log.match(/Success creating VMAC interface/g) ?? []).length === 2 && log.includes('Startup complete')) { clearTimeout(timer); resolve(); }
      };
      ka.stdout!.on('data', onData);
      ka.stderr!.on('data', onData);
    });

    const nl = ours.run(() => NetlinkSocket.open(NETLINK_ROUTE));
    const ok = (r: NetlinkResult, what: string) => assert.ok(r.ok, `${what}: ${JSON.stringify(r)}`);
    try {
      const base = ours.run(() => ifNameToIndex('kv0'));
      for (const [name, vrid, fam] of [['vrrp.51', 51, 4], ['vrrp.7', 7, 6]] as const) {
        ok(await nl.request((seq) => encodeMacvlanCreate(seq, { name, baseIfindex: base, mac: vrrpMac(vrid, fam) })), `create ${name}`);
        const idx = ours.run(() => ifNameToIndex(name));
        ok(await nl.request((seq) => encodeLinkSetAddrGenNone(seq, idx)), `addrgenmode ${name}`);
        ok(await nl.request((seq) => encodeLinkSetUp(seq, idx, true)), `up ${name}`);
      }
    } finally {
      nl.close();
    }
    for (const name of ['vrrp.51', 'vrrp.7']) {
      const expected = describe(theirs, name);
      assert.deepEqual(describe(ours, name), expected, name);
      assert.equal((expected as { addrgen: string }).addrgen, 'none');
    }
  } finally {
    ka.kill('SIGTERM');
    await new Promise((r) => { if (ka.exitCode !== null) r(null); else { const tm = setTimeout(r, 5000); ka.on('exit', () => { clearTimeout(tm); r(null); }); } });
    theirs.destroy();
    ours.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
