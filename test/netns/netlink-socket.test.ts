// NetlinkSocket against the kernel, inside a fresh namespace: generic-netlink family
// resolution compared with iproute2's `genl ctrl get`, kernel errors with extended-ack text,
// dumps ending in NLMSG_DONE. Root only.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { Netns, destroyAll } from '../support/netns.ts';
import { NetlinkSocket } from '../../src/os/netlink-socket.ts';
import { NETLINK_GENERIC, NETLINK_ROUTE } from '../../src/os/native-socket.ts';
import { decodeFamily, encodeGetFamily } from '../../src/netlink/genl.ts';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, encodeMessage } from '../../src/netlink/message.ts';

after(destroyAll);

test('CTRL_CMD_GETFAMILY resolves the ids and groups iproute2 genl reports', async (t) => {
  if (!need(t, isRoot() && hasCommand('genl'), 'root and iproute2 genl')) return;
  const ns = Netns.create('genl');
  const nl = ns.run(() => NetlinkSocket.open(NETLINK_GENERIC));
  try {
    // Every family the namespace offers, as listed by iproute2.
    const names = [...ns.exec('genl', 'ctrl', 'list').matchAll(/^Name: (\S+)/gm)].map((m) => m[1]!);
    assert.ok(names.includes('nlctrl'));
    for (const name of names) {
      const r = await nl.request((seq) => encodeGetFamily(name, seq));
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.replies.length, 1);
      const fam = decodeFamily(r.replies[0]!);
      assert.ok(fam.ok);
      const text = ns.exec('genl', 'ctrl', 'get', 'name', name);
      const id = /ID: (0x[0-9a-f]+)/.exec(text)?.[1];
      assert.equal(fam.value.name, name);
      assert.equal(fam.value.id, Number(id), text);
      const version = /Version: (0x[0-9a-f]+)/.exec(text)?.[1];
      assert.equal(fam.value.version, Number(version));
      for (const m of text.matchAll(/ID-(0x[0-9a-f]+)\s+name: (\S+)/g)) {
        assert.equal(fam.value.mcastGroups.get(m[2]!), Number(m[1]), `group ${m[2]}`);
      }
    }
    const missing = await nl.request((seq) => encodeGetFamily(`nosuch${process.pid}`, seq));
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.equal(missing.error.errno, 2 /* ENOENT */);
  } finally {
    nl.close();
    ns.destroy();
  }
});

test('a refused rtnetlink request settles with errno and the extended-ack text', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  const ns = Netns.create('extack');
  const nl = ns.run(() => NetlinkSocket.open(NETLINK_ROUTE));
  try {
    // RTM_NEWADDR for an interface index that does not exist.
    const fixed = Uint8Array.of(2, 24, 0, 0, 0x39, 0x30, 0, 0); // AF_INET /24, ifindex 12345
    const r = await nl.request((seq) => encodeMessage({ type: 20, flags: NLM_F_REQUEST | NLM_F_ACK | 0x400, seq, pid: 0 },
      (w) => w.bytes(2, Uint8Array.of(10, 9, 9, 9)), fixed));
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.errno, 19 /* ENODEV */);
      assert.match(r.error.message ?? '', /interface|device/i);
    }
    // A dump ends at NLMSG_DONE and returns lo.
    const d = await nl.request((seq) => encodeMessage({ type: 18, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, pid: 0 }, new Uint8Array(0), new Uint8Array(16)));
    assert.ok(d.ok);
    assert.equal(d.replies.length, 1);
    assert.equal(d.replies[0]!.type, 16 /* RTM_NEWLINK */);
  } finally {
    nl.close();
    ns.destroy();
  }
});
