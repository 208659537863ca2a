// collectMetrics against real runtime objects: two Directors on the simulator (real VrrpInstance
// code, real VRRP bytes on a simulated segment, virtual time) and an LvsDirector on a fake IPVS
// kernel, seen through a DaemonView as the daemon builds it. Every scrape is read back with the
// strict exposition parser, and values are checked against the instances' own counters and
// against the exporters' encodings (mehdy: state number INIT 0 BACKUP 1 MASTER 2 FAULT 3 per
// VIP; gen2brain: state as text in a label). The LVS rig is test/fixtures/metrics/lvs-rig.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { US_PER_S } from '../../../src/base/time.ts';
import type { DaemonView } from '../../../src/daemon/daemon-view.ts';
import { EventHistory } from '../../../src/daemon/event-history.ts';
import { VRRP_STATE_NUMBER, collectMetrics } from '../../../src/daemon/metrics-collect.ts';
import type { LvsDirector } from '../../../src/runtime/lvs-director.ts';
import type { Director } from '../../../src/runtime/director.ts';
import { SimCluster } from '../../../src/sim/sim-cluster.ts';
import type { SimHost } from '../../../src/sim/sim-host.ts';
import { addNode, inst, ip, script } from '../../sim/build.ts';
import { parseExposition, sampleOf, type ParsedFamily } from '../../fixtures/metrics/exposition-parser.ts';
import { lvsRig } from '../../fixtures/metrics/lvs-rig.ts';

const T0_MS = 1_763_700_000_000;

function viewOf(parts: { vrrp?: () => Director | undefined; lvs?: () => LvsDirector | undefined; history: EventHistory }): DaemonView {
  return {
    pid: 4242, version: '9.9.9-test', configFile: '/etc/keepalived/keepalived.conf', startedAtMs: T0_MS,
    config: () => { throw new Error('not used by the metrics'); },
    vrrp: parts.vrrp ?? (() => undefined), lvs: parts.lvs ?? (() => undefined), history: parts.history,
  };
}

function scrape(view: DaemonView): Map<string, ParsedFamily> {
  return parseExposition(collectMetrics(view).render());
}

/** A host whose director events also feed an EventHistory on the sim's clock. */
function observed(c: SimCluster, h: SimHost): DaemonView {
  const history = new EventHistory(() => T0_MS + Math.floor(c.world.now / 1000));
  const prev = h.onEvent;
  h.onEvent = (e) => { prev(e); history.onVrrp(e); };
  return viewOf({ vrrp: () => h.director, history });
}

const VI = { iname: 'VI_1', intf: 'eth0', vrid: '51' };

test('a MASTER and a BACKUP: states, counters and labels as the exporters publish them', () => {
  const c = new SimCluster(11);
  c.setFaults({ delayUs: 0 });
  const a = addNode(c, 1, {
    name: 'VI_1', priority: 150,
    excludedVips: [{ addr: ip('10.9.9.9'), prefixLen: 32, ifname: 'eth1' }],
  });
  const b = addNode(c, 2, { name: 'VI_1', priority: 100, trackScripts: [{ name: 'chk', weight: 10, reverse: false }] },
    { scripts: [script('chk')] });
  const va = observed(c, a);
  const vb = observed(c, b);
  a.start(); b.start();
  c.world.runFor(10 * US_PER_S);
  assert.equal(a.director.instances[0]!.state, 'MASTER');
  assert.equal(b.director.instances[0]!.state, 'BACKUP');

  const pa = scrape(va);
  const pb = scrape(vb);
  // mehdy/keepalived-exporter: one state series per VIP, ip_address "ADDR/PREFIX".
  assert.deepEqual(sampleOf(pa, 'keepalived_vrrp_state', {}).labels, { ...VI, ip_address: '10.0.0.151/24' });
  assert.equal(sampleOf(pa, 'keepalived_vrrp_state').value, 2);
  assert.equal(sampleOf(pb, 'keepalived_vrrp_state', { ...VI, ip_address: '10.0.0.151/24' }).value, 1);
  assert.deepEqual(sampleOf(pa, 'keepalived_vrrp_excluded_state').labels, { iname: 'VI_1', intf: 'eth1', vrid: '51', ip_address: '10.9.9.9/32' });
  assert.equal(sampleOf(pa, 'keepalived_vrrp_excluded_state').value, 2);
  assert.equal(pb.has('keepalived_vrrp_excluded_state'), false);
  assert.equal(sampleOf(pa, 'keepalived_up').value, 1);
  assert.deepEqual(sampleOf(pa, 'keepalived_up').labels, {});

  const ia = a.director.instances[0]!;
  const ib = b.director.instances[0]!;
  assert.ok(ia.stats.advertsSent >= 6, `master sent ${ia.stats.advertsSent}`);
  assert.equal(sampleOf(pa, 'keepalived_advertisements_sent_total', VI).value, ia.stats.advertsSent);
  assert.equal(sampleOf(pb, 'keepalived_advertisements_received_total', VI).value, ib.stats.advertsReceived);
  assert.ok(ib.stats.advertsReceived >= ia.stats.advertsSent - 1, 'the backup heard the master');
  assert.equal(sampleOf(pb, 'keepalived_advertisements_sent_total', VI).value, 0);
  assert.equal(sampleOf(pa, 'keepalived_become_master_total', VI).value, 1);
  assert.equal(sampleOf(pa, 'keepalived_release_master_total', VI).value, 0);
  assert.equal(sampleOf(pa, 'keepalived_gratuitous_arp_delay_total', VI).value, 5, 'garp_master_delay default 5 s');
  // gen2brain/keepalived_exporter: the state as text in a label.
  assert.equal(sampleOf(pa, 'keepalived_vrrp_advert_sent', { name: 'VI_1', intf: 'eth0', vrid: '51', state: 'MASTER' }).value, ia.stats.advertsSent);
  assert.equal(sampleOf(pb, 'keepalived_vrrp_advert_rcvd', { name: 'VI_1', intf: 'eth0', vrid: '51', state: 'BACKUP' }).value, ib.stats.advertsReceived);
  // Ours: priorities, transitions.
  assert.equal(sampleOf(pb, 'keepalived_ts_vrrp_priority', VI).value, 100);
  assert.equal(sampleOf(pb, 'keepalived_ts_vrrp_effective_priority', VI).value, 110, 'track_script weight +10 while OK');
  assert.equal(sampleOf(pb, 'keepalived_script_status', { name: 'chk' }).value, 1, 'GOOD = 1');
  assert.equal(pa.has('keepalived_script_status'), false, 'no vrrp_script on A');
  assert.equal(sampleOf(pa, 'keepalived_ts_vrrp_transitions_total', VI).value, 2, 'INIT -> BACKUP -> MASTER');
  const masterAtMs = T0_MS + Math.floor(a.events.find((e) => e.kind === 'stateChanged' && e.to === 'MASTER')!.at / 1000);
  assert.equal(sampleOf(pa, 'keepalived_ts_vrrp_last_transition_timestamp_seconds', VI).value, masterAtMs / 1000);
  assert.equal(sampleOf(pa, 'keepalived_ts_start_time_seconds').value, T0_MS / 1000);
  assert.deepEqual(sampleOf(pa, 'keepalived_ts_build_info').labels, { version: '9.9.9-test' });

  // Counters move between scrapes: 5 more seconds = 5 more adverts at advert_int 1.
  const sentBefore = sampleOf(pa, 'keepalived_advertisements_sent_total', VI).value;
  c.world.runFor(5 * US_PER_S);
  const pa2 = scrape(va);
  assert.equal(sampleOf(pa2, 'keepalived_advertisements_sent_total', VI).value - sentBefore, 5);

  // The script fails: GOOD -> BAD (0), the bonus goes.
  b.setScriptHealthy('chk', false);
  c.world.runFor(3 * US_PER_S);
  const pb2 = scrape(vb);
  assert.equal(sampleOf(pb2, 'keepalived_script_status', { name: 'chk' }).value, 0, 'BAD = 0');
  assert.equal(sampleOf(pb2, 'keepalived_ts_vrrp_effective_priority', VI).value, 100);

  // The master stops: priority 0 sent and received, the backup takes over (state 2, new label).
  a.stop();
  c.world.runFor(3 * US_PER_S);
  const pa3 = scrape(va);
  const pb3 = scrape(vb);
  assert.equal(sampleOf(pa3, 'keepalived_priority_zero_sent_total', VI).value, 1);
  assert.equal(sampleOf(pa3, 'keepalived_release_master_total', VI).value, 1);
  assert.equal(sampleOf(pb3, 'keepalived_priority_zero_received_total', VI).value, 1);
  assert.equal(sampleOf(pb3, 'keepalived_vrrp_state', VI).value, 2);
  assert.equal(sampleOf(pb3, 'keepalived_vrrp_pri_zero_rcvd', { state: 'MASTER' }).value, 1);
  assert.equal(sampleOf(pa3, 'keepalived_vrrp_state', VI).value, VRRP_STATE_NUMBER[a.director.instances[0]!.state]);
});

test('rejection counters map onto the exporters\' error counters and our per-reason one', () => {
  const c = new SimCluster(3);
  const a = addNode(c, 1, { name: 'VI_1' });
  const v = observed(c, a);
  const st = a.director.instances[0]!.stats;
  st.rejected.ttl = 3;
  st.rejected.intervalMismatch = 4;
  st.rejected.authTypeMismatch = 5;
  st.rejected.authFailure = 6;
  st.rejected.vridMismatch = 7;
  st.lowerPriorityDiscarded = 8;
  const p = scrape(v);
  const gen = { name: 'VI_1', intf: 'eth0', vrid: '51', state: 'INIT' };
  for (const [mehdy, gen2brain, n] of [
    ['keepalived_ip_ttl_errors_total', 'keepalived_vrrp_ip_ttl_err', 3],
    ['keepalived_advertisements_interval_errors_total', 'keepalived_vrrp_advert_interval_err', 4],
    ['keepalived_authentication_mismatch_total', 'keepalived_vrrp_authtype_mismatch', 5],
    ['keepalived_authentication_failure_total', 'keepalived_vrrp_auth_failure', 6],
  ] as const) {
    assert.equal(sampleOf(p, mehdy, VI).value, n, mehdy);
    assert.equal(sampleOf(p, gen2brain, gen).value, n, gen2brain);
  }
  assert.equal(sampleOf(p, 'keepalived_ts_vrrp_adverts_rejected_total', { ...VI, reason: 'ttl' }).value, 3);
  assert.equal(sampleOf(p, 'keepalived_ts_vrrp_adverts_rejected_total', { ...VI, reason: 'vrid_mismatch' }).value, 7);
  assert.equal(sampleOf(p, 'keepalived_ts_vrrp_adverts_rejected_total', { ...VI, reason: 'lower_priority' }).value, 8);
  assert.equal(sampleOf(p, 'keepalived_ts_vrrp_adverts_rejected_total', { ...VI, reason: 'own_address' }).value, 0);
  // Not started: INIT = 0, no transition yet.
  assert.equal(sampleOf(p, 'keepalived_vrrp_state', VI).value, 0);
  assert.equal(p.has('keepalived_ts_vrrp_last_transition_timestamp_seconds'), false);
});

test('an instance without VIPs still has its state series (ip_address=""), and undecodable packets are counted per reason', () => {
  const c = new SimCluster(5);
  c.setFaults({ delayUs: 0 });
  const a = addNode(c, 1, { name: 'NOVIP', vrid: 7, vips: [] });
  const v = observed(c, a);
  a.start();
  c.world.runFor(5 * US_PER_S);
  a.director.rxErrors.set('bad-checksum', 2);
  const p = scrape(v);
  assert.deepEqual(sampleOf(p, 'keepalived_vrrp_state').labels, { iname: 'NOVIP', intf: 'eth0', vrid: '7', ip_address: '' });
  assert.equal(sampleOf(p, 'keepalived_vrrp_state').value, 2);
  assert.equal(sampleOf(p, 'keepalived_ts_vrrp_packet_errors_total', { reason: 'bad-checksum' }).value, 2);
});

test('several instances and VIPs on other devices: one series each, labels kept apart', () => {
  const c = new SimCluster(9);
  const a = c.addHost({
    name: 'd1', addr: ip('10.0.0.1'),
    spec: {
      instances: [
        inst(1, { name: 'VI_A', vrid: 1, vips: [{ addr: ip('10.0.0.101'), prefixLen: 24 }, { addr: ip('192.0.2.1'), prefixLen: 32, ifname: 'lo' }] }),
        inst(1, { name: 'VI "B"\\', vrid: 2 }),
      ],
      syncGroups: [], scripts: [],
    },
  });
  const v = observed(c, a);
  const p = scrape(v);
  const states = p.get('keepalived_vrrp_state')!.samples.map((s) => `${s.labels.iname}|${s.labels.intf}|${s.labels.vrid}|${s.labels.ip_address}`);
  assert.deepEqual(states.sort(), ['VI "B"\\|eth0|2|10.0.0.102/24', 'VI_A|eth0|1|10.0.0.101/24', 'VI_A|lo|1|192.0.2.1/32']);
  assert.equal(p.get('keepalived_advertisements_sent_total')!.samples.length, 2);
});

test('a reload (SIGHUP) is seen at the next scrape: a new instance appears, a kept one keeps its counters', () => {
  const c = new SimCluster(13);
  c.setFaults({ delayUs: 0 });
  const a = addNode(c, 1, { name: 'VI_1', priority: 150 });
  const v = observed(c, a);
  a.start();
  c.world.runFor(6 * US_PER_S);
  const before = sampleOf(scrape(v), 'keepalived_advertisements_sent_total', VI).value;
  assert.ok(before > 0);
  a.reload({ ...a.spec, instances: [...a.spec.instances, inst(1, { name: 'VI_2', vrid: 52 })] });
  c.world.runFor(1 * US_PER_S);
  const p = scrape(v);
  assert.ok(sampleOf(p, 'keepalived_advertisements_sent_total', VI).value >= before, 'counters carried over the reload');
  assert.equal(sampleOf(p, 'keepalived_vrrp_state', { ...VI, ip_address: '10.0.0.151/24' }).value, 2);
  assert.equal(sampleOf(p, 'keepalived_vrrp_state', { iname: 'VI_2', intf: 'eth0', vrid: '52', ip_address: '10.0.0.152/24' }).value, 1, 'new: BACKUP');
});

// --- LVS ----------------------------------------------------------------------------------------

const LVS_CONF = `
virtual_server 10.0.0.100 80 {
  delay_loop 1
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
${[1, 2].map((i) => `  real_server 192.168.1.${i} 8080 {
    weight ${i + 1}
    TCP_CHECK {
      connect_timeout 1
      retry 1
      delay_before_retry 1
      warmup 0
    }
  }`).join('\n')}
}
`;

test('LVS: real server health, weights, the desired IPVS table and sync state', () => {
  let now = (): number => T0_MS;
  const history = new EventHistory(() => now());
  const { lvs, clock, probes } = lvsRig(LVS_CONF, history);
  now = () => T0_MS + Math.floor(clock.t / 1000);
  const view = viewOf({ lvs: () => lvs, history });
  lvs.start();
  const p0 = scrape(view);
  const rs1 = { virtual_server: 'TCP 10.0.0.100:80', real_server: '192.168.1.1:8080' };
  const rs2 = { virtual_server: 'TCP 10.0.0.100:80', real_server: '192.168.1.2:8080' };
  assert.equal(sampleOf(p0, 'keepalived_ts_lvs_real_server_weight', rs2).value, 3);
  assert.equal(sampleOf(p0, 'keepalived_ts_lvs_ipvs_in_sync').value, 1);
  assert.equal(sampleOf(p0, 'keepalived_ts_lvs_desired_dest_weight', { service: 'tcp:10.0.0.100:80', dest: '192.168.1.2:8080' }).value, 3);
  assert.equal(p0.has('keepalived_vrrp_state'), false, 'no VRRP half, no VRRP series');
  assert.equal(p0.has('keepalived_script_status'), false);

  clock.advance(3 * US_PER_S);
  probes.alive.set('192.168.1.2', false);
  clock.advance(8 * US_PER_S);
  const p1 = scrape(view);
  assert.equal(sampleOf(p1, 'keepalived_ts_lvs_real_server_up', rs1).value, 1);
  assert.equal(sampleOf(p1, 'keepalived_ts_lvs_real_server_up', rs2).value, 0);
  const down = history.health.get('TCP 10.0.0.100:80 -> 192.168.1.2:8080');
  assert.ok(down && !down.up);
  assert.equal(sampleOf(p1, 'keepalived_ts_lvs_real_server_last_change_timestamp_seconds', rs2).value, down.atMs / 1000);
  assert.equal(p1.get('keepalived_ts_lvs_desired_dest_weight')!.samples.length, 1, 'the down server left the desired table');
  assert.equal(sampleOf(p1, 'keepalived_ts_lvs_ipvs_in_sync').value, 1);
});

test('a daemon with neither half running exports only the process-level series', () => {
  const p = scrape(viewOf({ history: new EventHistory(() => T0_MS) }));
  assert.deepEqual([...p.keys()], ['keepalived_up', 'keepalived_ts_build_info', 'keepalived_ts_start_time_seconds']);
});
