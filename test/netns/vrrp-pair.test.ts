// Two keepalived-ts directors on a bridge, on real sockets (root, network namespaces): who holds
// the VIP is read from `ip -j addr` in each namespace, reachability from a client's ping, and
// the adverts are judged by tshark from a tcpdump capture of the bridge. Nobody here wrote
// ip, ping, tcpdump or tshark. Timers are short (VRRPv3 at 0.1 s) to keep the suite quick;
// bounds are generous multiples of the RFC intervals, never absolute timings.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { tsharkFields } from '../captures/tshark.ts';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { VIP4, VrrpLab, holds, instanceConf, waitFor } from '../support/lab.ts';

const labs: VrrpLab[] = [];
after(async () => { for (const l of labs) await l.destroy(); });

function ready(t: Parameters<typeof need>[0]): boolean {
  return need(t, isRoot(), 'root for network namespaces') && need(t, hasCommand('tcpdump') && hasCommand('tshark'), 'tcpdump and tshark');
}

function lab(tag: string): VrrpLab {
  const l = new VrrpLab(tag);
  labs.push(l);
  return l;
}

const GLOBAL = 'global_defs {\n    enable_script_security\n    script_user root\n}\n';
const v3 = (priority: number, extra: Partial<Parameters<typeof instanceConf>[0]> = {}): string =>
  GLOBAL + instanceConf({ priority, version: 3, advertInt: 0.1, ...extra });

test('v3 0.1 s: election, VIP only on the master, client reaches it; crash -> takeover; preempt back; SIGTERM -> priority 0', async (t) => {
  if (!ready(t)) return;
  const l = lab('pair');
  const d1conf = v3(150, { state: 'MASTER' });
  l.startTs('d2', v3(100));
  let d1 = l.startTs('d1', d1conf);
  await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 alone to hold the VIP');
  await holds(() => l.soleHolder() === 'd1', 500, 'd1 as the only holder');
  assert.ok(l.ping(), 'client pings the VIP');
  assert.equal(l.clientNeighbourMac(), l.node('d1').mac);
  const pcap = await l.captureStart();

  // A crash: no priority 0, the VIP stays in d1's dead namespace, d2 takes over on its timer.
  await d1.crash();
  await waitFor(() => l.hasAddr('d2'), 3000, 'd2 to take the VIP after the crash');
  assert.ok(l.ping(), 'client pings the VIP on d2');
  assert.equal(l.clientNeighbourMac(), l.node('d2').mac, 'the GARP moved the client to d2');

  // Restart: the leftover VIP is removed at start-up, then d1 preempts (higher priority).
  d1 = l.startTs('d1', d1conf);
  await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 to preempt back');
  await waitFor(() => /\(VI_1\) Entering MASTER STATE/.test(d1.log()), 3000, 'd1 to log its MASTER state');

  // Graceful stop: priority 0, VIP removed, d2 takes over after skew time only.
  await holds(() => l.soleHolder() === 'd1', 1000, 'd1 as master');
  await d1.stop('SIGTERM');
  await waitFor(() => l.soleHolder() === 'd2', 3000, 'd2 to take over after SIGTERM');
  assert.equal(d1.child.exitCode, 0, d1.log());
  await waitFor(() => /\(VI_1\) sent 0 priority/.test(d1.log()), 3000, 'd1 to log its priority-0 advert');
  await l.captureStop();

  const rows = tsharkFields(pcap, ['frame.time_epoch', 'eth.src', 'ip.src', 'ip.dst', 'ip.dsfield', 'ip.ttl', 'ip.id', 'vrrp.version', 'vrrp.prio', 'vrrp.checksum.status', 'arp.isgratuitous'], [], 'vrrp or arp').rows;
  const d1ads = rows.filter((r) => r['vrrp.version'] && r['ip.src'] === l.node('d1').ip4);
  assert.ok(d1ads.length > 10, `d1 adverts captured: ${d1ads.length} of ${rows.length}: ${JSON.stringify(rows.slice(0, 3))}`);
  for (const r of d1ads) {
    assert.equal(r['vrrp.version'], '3');
    assert.equal(r['vrrp.checksum.status'], '1', 'tshark: checksum good');
    assert.equal(r['ip.ttl'], '255');
    assert.equal(r['ip.dsfield'], '0xc0');
    assert.equal(r['ip.dst'], '224.0.0.18');
  }
  // IP id +1 per packet within one process run (the last run is the tail of the list).
  const ids = d1ads.slice(-5).map((r) => Number.parseInt(r['ip.id']!, 16));
  for (let i = 1; i < ids.length; i++) assert.equal(ids[i], (ids[i - 1]! + 1) & 0xffff);
  const zero = [...d1ads].reverse().find((r) => r['vrrp.prio'] === '0');
  assert.ok(zero, 'a priority-0 advert on SIGTERM');
  const garp = rows.find((r) => r['arp.isgratuitous'] === '1' && r['eth.src'] === l.node('d2').mac && Number(r['frame.time_epoch']) > Number(zero['frame.time_epoch']));
  assert.ok(garp, 'd2 announced the VIP after the priority-0 advert');
  const gapMs = (Number(garp['frame.time_epoch']) - Number(zero['frame.time_epoch'])) * 1000;
  // RFC 5798 6.4.2: priority 0 -> Skew_Time (61 ms at p=100, 0.1 s), far below Master_Down (361 ms).
  assert.ok(gapMs < 300, `priority 0 -> takeover gap ${gapMs.toFixed(1)} ms should be about skew time`);
});

test('nopreempt: a higher-priority backup does not take over a live master', async (t) => {
  if (!ready(t)) return;
  const l = lab('nopre');
  const d2 = l.startTs('d2', v3(100));
  await waitFor(() => l.soleHolder() === 'd2', 30_000, 'd2 as master');
  const d1 = l.startTs('d1', v3(150, { extra: '    nopreempt' }));
  await waitFor(() => /Entering BACKUP STATE/.test(d1.log()), 30_000, 'd1 running');
  await holds(() => l.soleHolder() === 'd2', 1500, 'd2 stays master while d1 (150, nopreempt) listens');
  await d2.stop('SIGTERM');
  await waitFor(() => l.soleHolder() === 'd1', 3000, 'd1 to take over once d2 leaves');
});

test('track_script weight -60 moves the VIP and back', async (t) => {
  if (!ready(t)) return;
  const l = lab('track');
  const flag = `${l.dir}/fail`;
  const script = `vrrp_script chk {\n    script "/usr/bin/test ! -e ${flag}"\n    interval 1\n    weight -60\n    fall 1\n    rise 1\n}\n`;
  l.startTs('d2', v3(100));
  const d1 = l.startTs('d1', GLOBAL + script + instanceConf({ priority: 150, version: 3, advertInt: 0.1, state: 'MASTER', extra: '    track_script {\n        chk\n    }' }));
  await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 as master');
  l.file('fail', 'x');
  await waitFor(() => l.soleHolder() === 'd2', 6000, 'the VIP to move to d2 when chk fails');
  await waitFor(() => /VRRP_Script\(chk\) failed/.test(d1.log()) && /Changing effective priority from 150 to 90/.test(d1.log()), 3000, 'd1 to log the failure and its new priority');
  l.file('fail', '');
  const { rmSync } = await import('node:fs');
  rmSync(flag);
  await waitFor(() => l.soleHolder() === 'd1', 6000, 'the VIP to come back when chk succeeds');
});

test('interface down -> FAULT (VIP released, backup takes over); up -> back', async (t) => {
  if (!ready(t)) return;
  const l = lab('fault');
  l.startTs('d2', v3(100));
  const d1 = l.startTs('d1', v3(150, { state: 'MASTER' }));
  await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 as master');
  l.node('d1').ns.ip('link', 'set', 'eth0', 'down');
  await waitFor(() => /Entering FAULT STATE/.test(d1.log()), 3000, 'd1 in FAULT');
  await waitFor(() => l.hasAddr('d2') && !l.hasAddr('d1'), 3000, 'd2 to hold the VIP, d1 to have released it');
  l.node('d1').ns.ip('link', 'set', 'eth0', 'up');
  await waitFor(() => l.soleHolder() === 'd1', 6000, 'd1 back as master after link up');
});

test('unicast peers (v3 0.1 s): election and crash takeover, adverts unicast', async (t) => {
  if (!ready(t)) return;
  const l = lab('uni');
  const conf = (me: string, peer: string, priority: number): string =>
    v3(priority, { unicastSrc: l.node(me).ip4, peers: [l.node(peer).ip4] });
  const pcap = await l.captureStart();
  l.startTs('d2', conf('d2', 'd1', 100));
  const d1 = l.startTs('d1', conf('d1', 'd2', 150));
  await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 as master');
  await holds(() => l.soleHolder() === 'd1', 1000, 'd1 as master');
  await d1.crash();
  await waitFor(() => l.hasAddr('d2'), 3000, 'd2 to take over');
  await l.captureStop();
  const rows = tsharkFields(pcap, ['ip.src', 'ip.dst', 'vrrp.checksum.status'], [], 'vrrp').rows;
  const fromD1 = rows.filter((r) => r['ip.src'] === l.node('d1').ip4);
  assert.ok(fromD1.length > 5, `d1 unicast adverts captured: ${fromD1.length}`);
  for (const r of fromD1) {
    assert.equal(r['ip.dst'], l.node('d2').ip4);
    assert.equal(r['vrrp.checksum.status'], '1');
  }
});

test('IPv6 VIP with VRRPv3: link-local adverts to ff02::12, NA moves the client', async (t) => {
  if (!ready(t)) return;
  const l = lab('v6');
  const VIP6 = 'fd00:99::200';
  l.client.ip('addr', 'add', 'fd00:99::100/64', 'dev', 'eth0');
  const conf = (p: number): string => v3(p, { vips: [`${VIP6}/64`] });
  const pcap = await l.captureStart();
  l.startTs('d2', conf(100));
  const d1 = l.startTs('d1', conf(150));
  await waitFor(() => l.soleHolder(VIP6) === 'd1', 30_000, 'd1 to hold the IPv6 VIP');
  await holds(() => l.soleHolder(VIP6) === 'd1', 1000, 'd1 holding the IPv6 VIP');
  assert.ok(l.ping(VIP6), 'client pings the IPv6 VIP');
  await d1.crash();
  await waitFor(() => l.hasAddr('d2', VIP6), 3000, 'd2 to take the IPv6 VIP');
  await waitFor(() => l.ping(VIP6) && l.clientNeighbourMac(VIP6) === l.node('d2').mac, 3000, 'client to reach d2');
  await l.captureStop();
  const rows = tsharkFields(pcap, ['ipv6.src', 'ipv6.dst', 'ipv6.hlim', 'vrrp.version', 'vrrp.checksum.status', 'icmpv6.type'], [], 'vrrp or icmpv6.type == 136').rows;
  const ads = rows.filter((r) => r['vrrp.version'] === '3');
  assert.ok(ads.length > 5, `v3 IPv6 adverts captured: ${ads.length}`);
  for (const r of ads) {
    assert.match(r['ipv6.src']!, /^fe80:/);
    assert.equal(r['ipv6.dst'], 'ff02::12');
    assert.equal(r['ipv6.hlim'], '255');
    assert.equal(r['vrrp.checksum.status'], '1');
  }
  assert.ok(rows.some((r) => r['icmpv6.type'] === '136'), 'unsolicited NA on the wire');
});

test('sync group: one member failing its track_script takes the whole group to the backup', async (t) => {
  if (!ready(t)) return;
  const l = lab('sync');
  const VIP_B = '10.99.0.201';
  const flag = `${l.dir}/fail`;
  const script = `vrrp_script chk {\n    script "/usr/bin/test ! -e ${flag}"\n    interval 1\n    fall 1\n    rise 1\n}\n`;
  const conf = (p: number, track: boolean): string => GLOBAL + script +
    'vrrp_sync_group G1 {\n    group {\n        VI_1\n        VI_2\n    }\n}\n' +
    instanceConf({ name: 'VI_1', vrid: 51, priority: p, version: 3, advertInt: 0.1 }) +
    instanceConf({ name: 'VI_2', vrid: 52, priority: p, version: 3, advertInt: 0.1, vips: [`${VIP_B}/24`], ...(track ? { extra: '    track_script {\n        chk\n    }' } : {}) });
  l.startTs('d2', conf(100, false));
  const d1 = l.startTs('d1', conf(150, true));
  await waitFor(() => l.soleHolder(VIP4) === 'd1' && l.soleHolder(VIP_B) === 'd1', 30_000, 'd1 master of both');
  l.file('fail', 'x');
  await waitFor(() => l.soleHolder(VIP4) === 'd2' && l.soleHolder(VIP_B) === 'd2', 6000, 'both VIPs to move to d2');
  await waitFor(() => /\(VI_1\) Entering FAULT STATE/.test(d1.log()) && /\(VI_2\) Entering FAULT STATE/.test(d1.log()), 3000, 'both members to log FAULT');
});

