// Netlink monitor sockets against the kernel: link up/down/carrier notifications, and a
// receive-buffer overrun (ENOBUFS) that is reported as 'overrun' while the process and the
// socket carry on, after which a re-dump recovers the true state. Root only.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot, need } from '../support/env.ts';
import { Netns, destroyAll } from '../support/netns.ts';
import { NetlinkSocket } from '../../src/os/netlink-socket.ts';
import { NETLINK_ROUTE, ifNameToIndex } from '../../src/os/native-socket.ts';
import type { NlMessage } from '../../src/netlink/message.ts';
import { IFF_RUNNING, IFF_UP, type LinkMessage, decodeLink, encodeLinkSetUp, linkIsUp } from '../../src/netlink/rtnl-link.ts';
import { decodeAddr, encodeAddrDump, encodeAddrRequest } from '../../src/netlink/rtnl-addr.ts';
import { RTM_DELLINK, RTM_NEWADDR, RTM_NEWLINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_LINK } from '../../src/netlink/rtnl-types.ts';

after(destroyAll);

/** Resolves with the first notification that `match` accepts, or rejects after timeoutMs. */
function waitFor<T>(nl: NetlinkSocket, match: (m: NlMessage) => T | undefined, timeoutMs = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: NlMessage) => {
      const v = match(m);
      if (v === undefined) return;
      clearTimeout(timer);
      nl.off('notification', onMsg);
      resolve(v);
    };
    const timer = setTimeout(() => {
      nl.off('notification', onMsg);
      reject(new Error('no matching notification'));
    }, timeoutMs);
    nl.on('notification', onMsg);
  });
}

const linkEvent = (ifindex: number, pred: (l: LinkMessage) => boolean) => (m: NlMessage): LinkMessage | undefined => {
  const d = decodeLink(m);
  return d.ok && d.value.ifindex === ifindex && pred(d.value) ? d.value : undefined;
};

test('link notifications: admin down/up, carrier loss via the veth peer, deletion', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  const ns = Netns.create('linkev');
  try {
    ns.ip('link', 'add', 'kv0', 'type', 'veth', 'peer', 'name', 'kv1');
    ns.ip('link', 'set', 'kv0', 'up');
    ns.ip('link', 'set', 'kv1', 'up');
    const { mon, req, idx } = ns.run(() => ({
      mon: NetlinkSocket.open(NETLINK_ROUTE, { groups: [RTNLGRP_LINK] }),
      req: NetlinkSocket.open(NETLINK_ROUTE),
      idx: ifNameToIndex('kv0'),
    }));
    try {
      let ev = waitFor(mon, linkEvent(idx, (l) => (l.flags & IFF_UP) === 0));
      assert.ok((await req.request((seq) => encodeLinkSetUp(seq, idx, false))).ok);
      const down = await ev;
      assert.equal(down.type, RTM_NEWLINK);
      assert.equal(linkIsUp(down), false);
      assert.equal(down.operstate, 2 /* DOWN */);

      ev = waitFor(mon, linkEvent(idx, (l) => linkIsUp(l)));
      assert.ok((await req.request((seq) => encodeLinkSetUp(seq, idx, true))).ok);
      const up = await ev;
      assert.equal(up.operstate, 6 /* UP */);
      assert.equal(ns.ip('-j', 'link', 'show', 'kv0').includes('"operstate":"UP"'), true);

      // The peer going down takes our carrier: still IFF_UP, no IFF_RUNNING, LOWERLAYERDOWN.
      ev = waitFor(mon, linkEvent(idx, (l) => (l.flags & IFF_UP) !== 0 && (l.flags & IFF_RUNNING) === 0));
      ns.ip('link', 'set', 'kv1', 'down');
      const noCarrier = await ev;
      assert.deepEqual([noCarrier.operstate, noCarrier.carrier, linkIsUp(noCarrier)], [3, 0, false]);

      ev = waitFor(mon, linkEvent(idx, (l) => linkIsUp(l)));
      ns.ip('link', 'set', 'kv1', 'up');
      assert.equal((await ev).carrier, 1);

      ev = waitFor(mon, linkEvent(idx, (l) => l.type === RTM_DELLINK));
      ns.ip('link', 'del', 'kv0');
      assert.equal((await ev).name, 'kv0');
    } finally {
      mon.close();
      req.close();
    }
  } finally {
    ns.destroy();
  }
});

test('ENOBUFS on an overrun monitor is reported as overrun; the socket survives and a re-dump recovers', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  const ns = Netns.create('overrun');
  try {
    ns.ip('link', 'add', 'kv0', 'type', 'veth', 'peer', 'name', 'kv1');
    const { mon, req, idx } = ns.run(() => ({
      // The smallest buffer the kernel allows (SOCK_MIN_RCVBUF): a few notifications fill it.
      mon: NetlinkSocket.open(NETLINK_ROUTE, { groups: [RTNLGRP_IPV4_IFADDR], rcvbufBytes: 1 }),
      req: NetlinkSocket.open(NETLINK_ROUTE),
      idx: ifNameToIndex('kv0'),
    }));
    try {
      let overruns = 0;
      let seen = 0;
      mon.on('overrun', () => overruns++);
      mon.on('notification', (m) => { if (m.type === RTM_NEWADDR) seen++; });
      const N = 300;
      // All requests leave before the loop turns, so the monitor cannot drain in between.
      const results = await Promise.all(Array.from({ length: N }, (_, i) => req.request((seq) =>
        encodeAddrRequest('add', { ifindex: idx, local: { family: 4, bytes: Uint8Array.of(10, 50, i >> 8, i & 0xff) }, prefixLen: 32 }, { seq }))));
      const bad = results.filter((r) => !r.ok);
      assert.equal(bad.length, 0, JSON.stringify(bad.slice(0, 2)));
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(overruns >= 1, `expected an overrun, saw ${seen} notifications and ${overruns} overruns`);
      assert.ok(seen < N, `the monitor cannot have seen all ${N} notifications`);

      // What the owner does on 'overrun': dump again. The dump sees every address.
      const dump = await req.request((seq) => encodeAddrDump(seq, 4));
      assert.ok(dump.ok);
      const mine = dump.replies.map((m) => decodeAddr(m)).filter((d) => d.ok && d.value.ifindex === idx);
      assert.equal(mine.length, N);

      // The monitor still works after the overrun.
      const next = waitFor(mon, (m) => { const d = decodeAddr(m); return d.ok && d.value.local?.bytes[1] === 51 ? d.value : undefined; });
      assert.ok((await req.request((seq) => encodeAddrRequest('add', { ifindex: idx, local: { family: 4, bytes: Uint8Array.of(10, 51, 0, 1) }, prefixLen: 32 }, { seq }))).ok);
      await next;
    } finally {
      mon.close();
      req.close();
    }
  } finally {
    ns.destroy();
  }
});
