// keepalived-ts and Debian's keepalived 2.2.7 as one VRRP pair (root, network namespaces), in
// both roles: VRRPv2 with PASS authentication at 1 s, VRRPv3 multicast at 0.1 s and VRRPv3
// unicast at 0.1 s. They must agree on one master (read from `ip -j addr` in each namespace and
// from keepalived's own log), fail over both ways (a real keepalived crash is SIGSTOP parent,
// SIGKILL VRRP child, SIGKILL parent: vrrp-notes.md), and tshark must decode keepalived-ts's
// adverts from a capture of the bridge with good checksums. keepalived runs only inside the
// lab's namespaces and is ended by its own pids.

import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { tsharkFields } from '../captures/tshark.ts';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { VrrpLab, holds, instanceConf, waitFor } from '../support/lab.ts';

const labs: VrrpLab[] = [];
after(async () => { for (const l of labs) await l.destroy(); });

function ready(t: TestContext): boolean {
  return need(t, isRoot(), 'root for network namespaces')
    && need(t, hasCommand('keepalived'), 'keepalived 2.2.7 (Debian package)')
    && need(t, hasCommand('tcpdump') && hasCommand('tshark'), 'tcpdump and tshark');
}

/** keepalived 2.2.7's line when a master yields; keepalived-ts must log the same. */
const SAME_WORDS = /\(VI_1\) Master received advert from 10\.99\.0\.11 with higher priority 150, ours 100/;

type Conf = (me: 'd1' | 'd2', priority: number, state: 'MASTER' | 'BACKUP') => string;

interface Mode {
  readonly name: string;
  readonly conf: (l: VrrpLab) => Conf;
  /** Generous bound for one failover (master-down is 3.6 s at 1 s, 0.36 s at 0.1 s). */
  readonly failoverMs: number;
  readonly version: '2' | '3';
  readonly unicast: boolean;
}

const MODES: readonly Mode[] = [
  {
    name: 'VRRPv2 PASS, advert_int 1',
    conf: () => (_me, priority, state) => instanceConf({ priority, state, version: 2, advertInt: 1, pass: 'secret12' }),
    failoverMs: 9000, version: '2', unicast: false,
  },
  {
    name: 'VRRPv3 multicast, advert_int 0.1',
    conf: () => (_me, priority, state) => instanceConf({ priority, state, version: 3, advertInt: 0.1 }),
    failoverMs: 3000, version: '3', unicast: false,
  },
  {
    name: 'VRRPv3 unicast, advert_int 0.1',
    conf: (l) => (me, priority, state) => instanceConf({
      priority, state, version: 3, advertInt: 0.1,
      unicastSrc: l.node(me).ip4, peers: [l.node(me === 'd1' ? 'd2' : 'd1').ip4],
    }),
    failoverMs: 3000, version: '3', unicast: true,
  },
];

function checkOurAdverts(l: VrrpLab, pcap: string, node: 'd1' | 'd2', m: Mode): void {
  const rows = tsharkFields(pcap, ['ip.src', 'ip.dst', 'ip.ttl', 'vrrp.version', 'vrrp.checksum.status', 'vrrp.auth_string'], [], 'vrrp').rows;
  const ours = rows.filter((r) => r['ip.src'] === l.node(node).ip4);
  assert.ok(ours.length >= 3, `keepalived-ts adverts captured: ${ours.length}`);
  for (const r of ours) {
    assert.equal(r['vrrp.version'], m.version);
    assert.equal(r['vrrp.checksum.status'], '1', 'tshark: checksum good');
    assert.equal(r['ip.ttl'], '255');
    assert.equal(r['ip.dst'], m.unicast ? l.node(node === 'd1' ? 'd2' : 'd1').ip4 : '224.0.0.18');
    if (m.version === '2') assert.equal(r['vrrp.auth_string'], 'secret12');
  }
}

for (const m of MODES) {
  test(`${m.name}: keepalived-ts master, keepalived backup; crash -> keepalived takes over; ours preempts back; SIGTERM -> priority 0`, async (t) => {
    if (!ready(t)) return;
    const l = new VrrpLab('kaA');
    labs.push(l);
    const conf = m.conf(l);
    const pcap = await l.captureStart();
    let ts = l.startTs('d1', conf('d1', 150, 'MASTER'));
    await waitFor(() => l.soleHolder() === 'd1', 30_000, 'keepalived-ts (d1) to be master');
    const ka = l.startKeepalived('d2', conf('d2', 100, 'BACKUP'));
    await waitFor(() => /\(VI_1\) Entering BACKUP STATE/.test(ka.log()), 10_000, 'keepalived in BACKUP');
    await holds(() => l.soleHolder() === 'd1', 1500, 'd1 as the agreed master');
    assert.doesNotMatch(ka.log(), /Entering MASTER STATE/, 'keepalived never thought itself master');

    await ts.crash();
    await waitFor(() => l.hasAddr('d2'), m.failoverMs, 'keepalived to take over after our crash');
    await waitFor(() => /\(VI_1\) Entering MASTER STATE/.test(ka.log()), 2000, 'keepalived to log MASTER');

    ts = l.startTs('d1', conf('d1', 150, 'MASTER'));
    await waitFor(() => l.soleHolder() === 'd1', 30_000, 'keepalived-ts to preempt back');
    await waitFor(() => /\(VI_1\) Entering BACKUP STATE/.test(ka.log().split('Entering MASTER STATE').slice(1).join('')), 3000, 'keepalived to go back to BACKUP');
    await waitFor(() => SAME_WORDS.test(ka.log()), 3000, 'keepalived to log its yield');
    await holds(() => l.soleHolder() === 'd1', 1000, 'd1 as master again');

    await ts.stop('SIGTERM');
    await waitFor(() => l.soleHolder() === 'd2', m.failoverMs, 'keepalived to take over after our SIGTERM');
    await l.captureStop();
    checkOurAdverts(l, pcap, 'd1', m);
    const zero = tsharkFields(pcap, ['ip.src', 'vrrp.prio'], [], 'vrrp.prio == 0').rows;
    assert.ok(zero.some((r) => r['ip.src'] === l.node('d1').ip4), 'our priority-0 advert on the wire');
    await ka.stop('SIGTERM');
  });

  test(`${m.name}: keepalived master, keepalived-ts backup; crash and SIGTERM of keepalived -> we take over; it preempts back`, async (t) => {
    if (!ready(t)) return;
    const l = new VrrpLab('kaB');
    labs.push(l);
    const conf = m.conf(l);
    const pcap = await l.captureStart();
    let ka = l.startKeepalived('d1', conf('d1', 150, 'MASTER'));
    await waitFor(() => l.soleHolder() === 'd1', 30_000, 'keepalived (d1) to be master');
    const ts = l.startTs('d2', conf('d2', 100, 'BACKUP'));
    await waitFor(() => /\(VI_1\) Entering BACKUP STATE/.test(ts.log()), 30_000, 'keepalived-ts in BACKUP');
    await holds(() => l.soleHolder() === 'd1', 1500, 'd1 as the agreed master');
    assert.doesNotMatch(ts.log(), /Entering MASTER STATE/, 'keepalived-ts never thought itself master');

    await ka.crash();
    await waitFor(() => l.hasAddr('d2'), m.failoverMs, 'keepalived-ts to take over after the crash');

    ka = l.startKeepalived('d1', conf('d1', 150, 'MASTER'));
    await waitFor(() => l.soleHolder() === 'd1', 30_000, 'keepalived to preempt back');
    // The line keepalived itself writes in the mirror scenario (first test), in our log.
    await waitFor(() => SAME_WORDS.test(ts.log()), 3000, "keepalived's wording for yielding to a higher priority");
    await holds(() => l.soleHolder() === 'd1', 1000, 'keepalived as master again');

    await ka.stop('SIGTERM');
    await waitFor(() => l.soleHolder() === 'd2', m.failoverMs, 'keepalived-ts to take over after keepalived stops');
    await l.captureStop();
    checkOurAdverts(l, pcap, 'd2', m);
  });
}

test('VRRPv3 IPv6 (ff02::12, link-local sources), advert_int 0.1: both roles with keepalived, crash each way', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('ka6');
  labs.push(l);
  const VIP6 = 'fd00:99::200';
  const conf = (priority: number, state: 'MASTER' | 'BACKUP'): string =>
    instanceConf({ priority, state, version: 3, advertInt: 0.1, vips: [`${VIP6}/64`] });
  const pcap = await l.captureStart();
  // keepalived-ts master, keepalived backup; then our crash.
  const ts = l.startTs('d1', conf(150, 'MASTER'));
  await waitFor(() => l.soleHolder(VIP6) === 'd1', 30_000, 'keepalived-ts to hold the IPv6 VIP');
  const ka = l.startKeepalived('d2', conf(100, 'BACKUP'));
  await waitFor(() => /\(VI_1\) Entering BACKUP STATE/.test(ka.log()), 10_000, 'keepalived in BACKUP');
  await holds(() => l.soleHolder(VIP6) === 'd1', 1500, 'd1 as the agreed IPv6 master');
  await ts.crash();
  await waitFor(() => l.hasAddr('d2', VIP6), 3000, 'keepalived to take the IPv6 VIP');
  // keepalived master (d2 now), keepalived-ts backup at 50 on d1; then keepalived crashes.
  const ts2 = l.startTs('d1', conf(50, 'BACKUP'));
  await waitFor(() => /\(VI_1\) Entering BACKUP STATE/.test(ts2.log()), 30_000, 'keepalived-ts in BACKUP');
  await holds(() => l.hasAddr('d2', VIP6) && !/Entering MASTER STATE/.test(ts2.log()), 1500, 'keepalived as the agreed master');
  await ka.crash();
  await waitFor(() => /\(VI_1\) Entering MASTER STATE/.test(ts2.log()) && l.hasAddr('d1', VIP6), 3000, 'keepalived-ts to take over');
  await l.captureStop();
  const rows = tsharkFields(pcap, ['eth.src', 'ipv6.src', 'ipv6.dst', 'ipv6.hlim', 'vrrp.version', 'vrrp.checksum.status'], [], 'vrrp').rows;
  const ours = rows.filter((r) => r['eth.src'] === l.node('d1').mac);
  assert.ok(ours.length >= 5, `our IPv6 adverts captured: ${ours.length}`);
  for (const r of ours) {
    assert.match(r['ipv6.src']!, /^fe80:/);
    assert.equal(r['ipv6.dst'], 'ff02::12');
    assert.equal(r['ipv6.hlim'], '255');
    assert.equal(r['vrrp.checksum.status'], '1');
  }

});

test('negative control: a wrong PASS password is refused by both sides (each becomes master, we log keepalived\'s words)', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('kaN');
  labs.push(l);
  const conf = (priority: number, pass: string): string => instanceConf({ priority, version: 2, advertInt: 1, pass });
  const ka = l.startKeepalived('d1', conf(150, 'secret12'));
  const ts = l.startTs('d2', conf(100, 'wrong123'));
  await waitFor(() => l.hasAddr('d1') && l.hasAddr('d2'), 30_000, 'both to hold the VIP (no shared password)');
  await waitFor(() => /\(VI_1\) received an invalid passwd!/.test(ts.log()), 5000, 'keepalived-ts to log the bad password');
  await waitFor(() => /invalid passwd/i.test(ka.log()), 5000, 'keepalived to refuse our adverts too');
});
