// use_vmac on real sockets: the master holds the VIP on a macvlan vrrp.<VRID> with the virtual
// router MAC 00:00:5e:00:01:VRID, so ARP for the VIP is answered with that MAC and a failover
// moves the MAC (the bridge's forwarding entry), not what the client resolves the VIP to.
// Judged by nobody here: `ip -j -d link/addr` in each namespace, busybox arping, the
// bridge's `bridge fdb`, ping, and keepalived 2.2.7 itself as a peer with use_vmac.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { VIP4, VrrpLab, holds, instanceConf, waitFor } from '../support/lab.ts';

const labs: VrrpLab[] = [];
after(async () => { for (const l of labs) await l.destroy(); });

const VRID = 51;
const VMAC = '00:00:5e:00:01:33';
const GLOBAL = 'global_defs {\n    enable_script_security\n    script_user root\n}\n';
const conf = (priority: number, state: 'MASTER' | 'BACKUP' = 'BACKUP'): string =>
  GLOBAL + instanceConf({ priority, state, vrid: VRID, version: 3, advertInt: 0.1, extra: '    use_vmac' });

function lab(tag: string): VrrpLab {
  const l = new VrrpLab(tag);
  labs.push(l);
  return l;
}

type Addr = { ifname?: string; addr_info?: { local?: string }[] };
/** The device in node's namespace that holds the VIP, if any. */
function vipDev(l: VrrpLab, node: string): string | undefined {
  const j = l.node(node).ns.ipJson('addr', 'show') as Addr[];
  return j.find((d) => (d.addr_info ?? []).some((a) => a.local === VIP4))?.ifname;
}
function holders(l: VrrpLab): string[] {
  return [...l.nodes.keys()].filter((n) => vipDev(l, n) !== undefined);
}
type Link = { ifname?: string; address?: string; operstate?: string; inet6_addr_gen_mode?: string; linkinfo?: { info_kind?: string; info_data?: { mode?: string } } };
function vmacLink(l: VrrpLab, node: string): Link | undefined {
  const j = l.node(node).ns.ipJson('-d', 'link', 'show') as Link[];
  return j.find((x) => x.ifname === `vrrp.${VRID}`);
}
/** The bridge port (v0 = d1, v1 = d2) the switch forwards the virtual MAC to. */
function fdbPort(l: VrrpLab): string | undefined {
  const out = execFileSync('bridge', ['-n', l.sw.name, '-j', 'fdb', 'show', 'br', 'br0'], { encoding: 'utf8' });
  const j = JSON.parse(out || '[]') as { mac?: string; ifname?: string }[];
  return j.find((e) => e.mac === VMAC)?.ifname;
}

/**
 * The MACs that answer the client's ARP requests for the VIP (busybox arping, 2 requests).
 * Asked with ARP rather than read from the client's neighbour table: a master answering the
 * client's ping ARPs for the client from its base interface with the VIP as sender, which
 * rewrites the client's entry to the base MAC - keepalived 2.2.7 does exactly that too (seen in
 * a capture), so the table is not what use_vmac promises.
 */
function arpReplies(l: VrrpLab): string[] {
  let out = '';
  try {
    out = l.client.exec('busybox', 'arping', '-c', '2', '-w', '2', '-I', 'eth0', VIP4);
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? '');
  }
  const macs = [...out.matchAll(/reply from \S+ \[([0-9a-fA-F:]+)\]/g)].map((m) => m[1]!.toLowerCase());
  return [...new Set(macs)];
}

function ready(t: Parameters<typeof need>[0]): boolean {
  return need(t, isRoot(), 'root for network namespaces') && need(t, hasCommand('bridge') && hasCommand('busybox'), 'iproute2 bridge and busybox arping');
}

test('use_vmac: VIP on vrrp.51 with the virtual MAC; failover moves the MAC; VMAC deleted on stop', async (t) => {
  if (!ready(t)) return;
  const l = lab('vmac');
  const d2 = l.startTs('d2', conf(100));
  const d1 = l.startTs('d1', conf(150, 'MASTER'));
  await waitFor(() => holders(l).join() === 'd1', 30_000, 'd1 alone to hold the VIP');
  assert.equal(vipDev(l, 'd1'), `vrrp.${VRID}`, 'the VIP lives on the VMAC');
  for (const n of ['d1', 'd2']) {
    const v = vmacLink(l, n);
    assert.ok(v, `${n} has vrrp.${VRID}`);
    assert.equal(v.address, VMAC);
    assert.equal(v.linkinfo?.info_kind, 'macvlan');
    assert.equal(v.inet6_addr_gen_mode, 'none');
  }
  await holds(() => holders(l).join() === 'd1', 500, 'd1 as the only holder');
  assert.deepEqual(arpReplies(l), [VMAC], 'ARP for the VIP is answered by the VMAC alone');
  assert.ok(l.ping(), 'client pings the VIP');
  assert.equal(fdbPort(l), 'v0', 'the switch forwards the virtual MAC to d1');

  await d1.stop('SIGTERM');
  assert.equal(d1.child.exitCode, 0, d1.log());
  await waitFor(() => holders(l).join() === 'd2', 3000, 'd2 to take the VIP');
  assert.equal(vmacLink(l, 'd1'), undefined, 'd1 deleted its VMAC on stop');
  assert.equal(vipDev(l, 'd2'), `vrrp.${VRID}`);
  await waitFor(() => fdbPort(l) === 'v1', 3000, 'the switch to learn the virtual MAC on d2\'s port (GARP from the VMAC)');
  assert.deepEqual(arpReplies(l), [VMAC], 'ARP for the VIP is answered by d2\'s VMAC alone');
  assert.ok(l.ping(), 'client pings the VIP on d2');
  await d2.stop('SIGTERM');
  assert.equal(vmacLink(l, 'd2'), undefined, 'd2 deleted its VMAC on stop');
});

test('use_vmac mixed with keepalived 2.2.7: one master, then the other after a failover', async (t) => {
  if (!ready(t) || !need(t, hasCommand('keepalived'), 'keepalived 2.2.7')) return;
  const l = lab('vmacka');
  const ka = l.startKeepalived('d1', conf(150, 'MASTER'));
  const ts = l.startTs('d2', conf(100));
  await waitFor(() => holders(l).join() === 'd1', 30_000, 'keepalived (150) alone to hold the VIP');
  await holds(() => holders(l).join() === 'd1', 1500, 'keepalived as the only master');
  await waitFor(() => /Entering BACKUP STATE/.test(ts.log()), 30_000, 'keepalived-ts (parent, then worker) to start in BACKUP');
  assert.doesNotMatch(ts.log(), /Entering MASTER STATE/);
  assert.deepEqual(arpReplies(l), [VMAC], 'keepalived answers ARP with the VMAC');
  assert.ok(l.ping(), 'client pings the VIP');

  await ka.stop('SIGTERM');
  await waitFor(() => holders(l).join() === 'd2', 5000, 'keepalived-ts to take over');
  assert.equal(vipDev(l, 'd2'), `vrrp.${VRID}`);
  await waitFor(() => fdbPort(l) === 'v1', 3000, 'the virtual MAC to move to keepalived-ts\'s port');
  assert.deepEqual(arpReplies(l), [VMAC], 'keepalived-ts answers ARP with the VMAC');
  assert.ok(l.ping(), 'client pings the VIP on keepalived-ts');

  // And the other way round: keepalived returns with the higher priority and preempts.
  const ka2 = l.startKeepalived('d1', conf(150, 'MASTER'));
  await waitFor(() => holders(l).join() === 'd1', 30_000, 'keepalived to preempt back');
  await holds(() => holders(l).join() === 'd1', 1000, 'keepalived as the only master');
  assert.match(ts.log(), /Entering BACKUP STATE[\s\S]*Entering MASTER STATE[\s\S]*Entering BACKUP STATE/);
  await waitFor(() => fdbPort(l) === 'v0', 3000, 'the virtual MAC back on keepalived\'s port');
  void ka2;
});
