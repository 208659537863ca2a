// SIGHUP with nothing changed must be invisible on the wire (issue 5, "reload never flaps"):
// two keepalived-ts directors at VRRPv3 0.1 s, the bridge captured by tcpdump and judged by
// tshark while both are reloaded several times. An unchanged instance keeps its state, its VIPs
// and its timers, so the capture holds no gratuitous ARP, no priority-0 advert and no advert from
// the backup, the master's adverts keep their cadence, and the logs show no transition.
// A changed backup priority (100 -> 110, still below the master) is reloaded the same way.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { tsharkFields } from '../captures/tshark.ts';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { VrrpLab, holds, instanceConf, waitFor } from '../support/lab.ts';

const labs: VrrpLab[] = [];
after(async () => { for (const l of labs) await l.destroy(); });

const GLOBAL = 'global_defs {\n    enable_script_security\n    script_user root\n}\n';
/** garp_master_delay 1: the second gratuitous-ARP burst after becoming master ends before the capture. */
const conf = (priority: number, state: 'MASTER' | 'BACKUP' = 'BACKUP'): string =>
  GLOBAL + instanceConf({ priority, state, version: 3, advertInt: 0.1, extra: '    garp_master_delay 1' });

const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'g')) ?? []).length;

test('SIGHUP with an unchanged file: no transition, no gratuitous ARP, no priority 0, adverts keep their cadence', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  if (!need(t, hasCommand('tcpdump') && hasCommand('tshark'), 'tcpdump and tshark')) return;
  const l = new VrrpLab('rlcap');
  labs.push(l);
  const d2 = l.startTs('d2', conf(100));
  const d1 = l.startTs('d1', conf(150, 'MASTER'));
  await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 alone to hold the VIP');
  await waitFor(() => /Entering BACKUP STATE/.test(d2.log()), 10_000, 'd2 in BACKUP');
  // Past the second GARP burst (garp_master_delay 1 s) so the capture sees only the reloads.
  await holds(() => l.soleHolder() === 'd1', 1500, 'd1 as the only holder');
  const transitionsBefore = [d1, d2].map((p) => count(p.log(), /Entering \w+ STATE/));
  const pcap = await l.captureStart('reload.pcap');
  await holds(() => l.soleHolder() === 'd1', 300, 'd1 before the reloads');
  const reloads = 3;
  for (let i = 0; i < reloads; i++) {
    d1.child.kill('SIGHUP');
    d2.child.kill('SIGHUP');
    await holds(() => l.soleHolder() === 'd1', 400, `d1 holding the VIP through reload ${i + 1}`);
  }
  // A changed backup priority that stays below the master's: reloaded, still no transition.
  l.file('d2-ts.conf', conf(110));
  d2.child.kill('SIGHUP');
  await holds(() => l.soleHolder() === 'd1', 600, 'd1 holding the VIP through the changed reload');
  await l.captureStop();

  for (const [p, n] of [[d1, reloads], [d2, reloads + 1]] as const) {
    await waitFor(() => count(p.log(), /Reload finished/) >= n, 5000, `${p.name} to finish ${n} reloads`);
  }
  assert.deepEqual([d1, d2].map((p) => count(p.log(), /Entering \w+ STATE/)), transitionsBefore, 'no transition logged by a reload');

  const rows = tsharkFields(pcap, ['frame.time_epoch', 'eth.src', 'ip.src', 'vrrp.prio', 'arp.isgratuitous', 'icmpv6.type'], [], 'vrrp or arp or icmpv6').rows;
  const ads = rows.filter((r) => r['vrrp.prio'] !== undefined && r['vrrp.prio'] !== '');
  const d1ads = ads.filter((r) => r['ip.src'] === l.node('d1').ip4);
  assert.ok(d1ads.length >= 20, `the master kept advertising: ${d1ads.length} adverts captured`);
  assert.deepEqual(ads.filter((r) => r['ip.src'] !== l.node('d1').ip4).map((r) => r['ip.src']), [], 'no advert from the backup');
  assert.deepEqual(ads.filter((r) => r['vrrp.prio'] !== '150').map((r) => r['vrrp.prio']), [], 'every advert at priority 150 (none at 0)');
  assert.deepEqual(rows.filter((r) => r['arp.isgratuitous'] === '1'), [], 'no gratuitous ARP');
  assert.deepEqual(rows.filter((r) => r['icmpv6.type'] === '136'), [], 'no unsolicited neighbour advertisement');
  // RFC 5798 6.4.3: the master sends every Advertisement_Interval; a reload that re-armed or
  // stalled the advert timer would show as a gap. Bound: below Master_Down_Interval (3 x 100 ms
  // + skew), the point at which the backup would have taken over -- a protocol bound, not a
  // performance figure.
  const times = d1ads.map((r) => Number(r['frame.time_epoch']));
  const worstGapMs = Math.max(...times.slice(1).map((x, i) => (x - times[i]!) * 1000));
  assert.ok(worstGapMs < 300, `worst gap between the master's adverts ${worstGapMs.toFixed(1)} ms`);
});
