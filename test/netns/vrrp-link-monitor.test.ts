// LinkMonitor (interface up/down for VRRP tracking) against the kernel: a monitor with the
// smallest receive buffer is flooded with link changes until the kernel drops notifications
// (ENOBUFS); it must re-dump and end up agreeing with `ip -j link` on every interface.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLinkSetUp } from '../../src/netlink/rtnl-link.ts';
import { LinkMonitor } from '../../src/os/link-monitor.ts';
import { NETLINK_ROUTE, ifNameToIndex } from '../../src/os/native-socket.ts';
import { NetlinkSocket } from '../../src/os/netlink-socket.ts';
import { isRoot, need } from '../support/env.ts';
import { Netns } from '../support/netns.ts';

test('an overrun link monitor re-dumps and agrees with ip link on every interface', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  const ns = Netns.create('lmon');
  const N = 24;
  try {
    for (let i = 0; i < N; i++) ns.ip('link', 'add', `ka${i}`, 'type', 'veth', 'peer', 'name', `kb${i}`);
    for (let i = 0; i < N; i++) ns.ip('link', 'set', `kb${i}`, 'up');
    const reported = new Map<string, boolean>();
    const warnings: string[] = [];
    const { mon, req, idx } = ns.run(() => ({
      mon: new LinkMonitor((name, up) => reported.set(name, up), { warn: (m) => warnings.push(m) }, 1),
      req: NetlinkSocket.open(NETLINK_ROUTE),
      idx: Array.from({ length: N }, (_, i) => ifNameToIndex(`ka${i}`)),
    }));
    try {
      await ns.run(() => mon.start());
      assert.equal(mon.isUp('ka0'), false, 'down at start');
      // Many flips in flight at once; the last one for each interface: even up, odd down.
      const ops: Promise<unknown>[] = [];
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < N; i++) {
          const up = round === 5 ? i % 2 === 0 : round % 2 === 0;
          ops.push(req.request((seq) => encodeLinkSetUp(seq, idx[i]!, up)));
        }
      }
      await Promise.all(ops);
      const links = ns.ipJson('link', 'show') as { ifname: string; flags: string[] }[];
      const truth = new Map(links.filter((l) => l.ifname.startsWith('ka')).map((l) => [l.ifname, l.flags.includes('UP') && l.flags.includes('LOWER_UP')]));
      const agree = (): boolean => [...truth].every(([name, up]) => mon.isUp(name) === up && reported.get(name) === up);
      for (let i = 0; i < 200 && !agree(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(mon.redumps >= 1, `expected at least one overrun re-dump (warnings: ${warnings.length})`);
      for (const [name, up] of truth) {
        assert.equal(mon.isUp(name), up, `${name} held state`);
        assert.equal(reported.get(name), up, `${name} last reported state`);
      }
      assert.equal(truth.get('ka0'), true);
      assert.equal(truth.get('ka1'), false);
    } finally {
      mon.close();
      req.close();
    }
  } finally {
    ns.destroy();
  }
});
