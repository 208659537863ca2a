// buildStatus against real directors driven by fakes: two VRRP directors on the simulator's
// segment (src/sim: virtual time, the real Director and VrrpInstance), and an LvsDirector with
// the IPVS engineer's fake kernel (test/unit/ipvs/fake-ipvs-wire.ts) and scripted probes. The
// EventHistory is fed by the directors' own events, as runDaemon feeds it. What is checked is
// what a user reads: state, effective priority and which tracker moved it by how much, the
// master as seen from the backup, VIPs held, the last transition and its cause, counters;
// real-server health, weights, kernel presence, reason and time of the last change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../../src/base/prng.ts';
import { US_PER_S, type Instant } from '../../../src/base/time.ts';
import type { ProbeOutcome, ProbeRunner, ProbeSpec } from '../../../src/check/checker-spec.ts';
import type { WireMessage } from '../../../src/ipvs/ipvs-sync.ts';
import type { DaemonView } from '../../../src/daemon/daemon-view.ts';
import { EventHistory } from '../../../src/daemon/event-history.ts';
import { buildStatus } from '../../../src/daemon/status-model.ts';
import { LvsDirector, type IpvsPort } from '../../../src/runtime/lvs-director.ts';
import { lvsSpecFromConfig } from '../../../src/runtime/lvs-spec-from-config.ts';
import type { Clock } from '../../../src/runtime/ports.ts';
import type { Director } from '../../../src/runtime/director.ts';
import { SimCluster } from '../../../src/sim/sim-cluster.ts';
import { addNode, addrOf, inst, script } from '../../sim/build.ts';
import { FakeIpvsKernel } from '../ipvs/fake-ipvs-wire.ts';
import { buildText } from '../config/build-text.ts';

function viewOf(history: EventHistory, vrrp: () => Director | undefined, lvs: () => LvsDirector | undefined = () => undefined): DaemonView {
  const config = buildText('').config;
  return { pid: 4242, version: 'test', configFile: '/etc/keepalived/keepalived.conf', startedAtMs: 0, config: () => config, vrrp, lvs, history };
}

/** Round-trips through JSON: the status must be plain data. */
const json = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

test('VRRP: a failing track_script lowers the priority, the status says which and by how much; the backup names the master', () => {
  const c = new SimCluster(5);
  c.setFaults({ delayUs: 0 });
  const a = addNode(c, 1, {
    priority: 150,
    trackScripts: [{ name: 'chk_db', weight: -60, reverse: false }],
    trackInterfaces: [{ ifname: 'eth1', weight: -20, reverse: false }],
  }, { scripts: [script('chk_db')] });
  const b = addNode(c, 2, { priority: 100 });
  const histA = new EventHistory(() => c.world.now / 1000);
  const histB = new EventHistory(() => c.world.now / 1000);
  a.onEvent = histA.onVrrp;
  b.onEvent = histB.onVrrp;
  a.start(); b.start();
  c.world.runFor(10 * US_PER_S);

  let s = json(buildStatus(viewOf(histA, () => a.director), { nowMs: c.world.now / 1000 }));
  assert.equal(s.format, 1);
  let vi = s.vrrp!.instances[0]!;
  assert.equal(vi.state, 'MASTER');
  assert.equal(vi.effectivePriority, 150);
  assert.equal(vi.configuredPriority, 150);
  assert.deepEqual(vi.master, { address: '10.0.0.1', self: true });
  assert.equal(vi.vipsHeld, true);
  assert.deepEqual(vi.vips, [{ address: '10.0.0.151/24', interface: 'eth0', excluded: false }]);
  assert.equal(vi.lastTransition?.to, 'MASTER');
  assert.equal(vi.lastTransition?.cause, 'master-down timer expired');
  assert.ok(vi.adverts.sent > 0);

  // The script fails: 150 - 60 = 90 < 100, so b takes over (preempt).
  const failAt = c.world.now;
  a.setScriptHealthy('chk_db', false);
  c.world.runFor(10 * US_PER_S);
  s = json(buildStatus(viewOf(histA, () => a.director), { nowMs: c.world.now / 1000 }));
  vi = s.vrrp!.instances[0]!;
  assert.equal(vi.state, 'BACKUP');
  assert.equal(vi.effectivePriority, 90);
  assert.equal(vi.explained, true);
  const chk = vi.trackers.find((t) => t.kind === 'track_script')!;
  assert.deepEqual({ name: chk.name, state: chk.state, weight: chk.weight, delta: chk.delta }, { name: 'chk_db', state: 'failed', weight: -60, delta: -60 });
  assert.equal(vi.trackers.find((t) => t.kind === 'track_interface')!.delta, 0, 'eth1 is up: its negative weight does not apply');
  assert.deepEqual(vi.master, { address: '10.0.0.2', self: false }, 'the backup sees b as master');
  assert.equal(vi.vipsHeld, false);
  assert.equal(vi.lastTransition?.from, 'MASTER');
  assert.equal(vi.lastTransition?.to, 'BACKUP');
  assert.match(vi.lastTransition!.cause, /higher priority advert from 10\.0\.0\.2 \(priority 100, ours 90\)/);
  assert.ok(vi.lastTransition!.atMs > failAt / 1000);
  assert.equal(vi.transitions, 3, 'BACKUP (start), MASTER, BACKUP');
  assert.ok(vi.adverts.received > 0);
  const sc = s.vrrp!.scripts[0]!;
  assert.deepEqual({ name: sc.name, status: sc.status, users: sc.users }, { name: 'chk_db', status: 'failed', users: [{ instance: 'VI_51', weight: -60 }] });
  assert.ok(sc.changedAtMs !== null && sc.changedAtMs >= failAt / 1000);

  // A tracked interface going down adds its own -20: 70, and the status says so.
  a.setInterface('eth1', false);
  c.world.runFor(US_PER_S);
  vi = json(buildStatus(viewOf(histA, () => a.director))).vrrp!.instances[0]!;
  assert.equal(vi.effectivePriority, 70);
  const eth1 = vi.trackers.find((t) => t.kind === 'track_interface')!;
  assert.deepEqual({ state: eth1.state, delta: eth1.delta }, { state: 'down', delta: -20 });
  assert.equal(vi.explained, true);
  assert.equal(vi.unclampedPriority, 70);

  const sb = json(buildStatus(viewOf(histB, () => b.director))).vrrp!.instances[0]!;
  assert.equal(sb.state, 'MASTER');
  assert.deepEqual(sb.master, { address: '10.0.0.2', self: true });
  assert.equal(sb.vipsHeld, true);
  assert.deepEqual(sb.trackers, []);
  assert.equal(json(buildStatus(viewOf(histB, () => b.director))).lvs, null);
});

test('VRRP: a weight-0 script puts the instance in FAULT and the status gives the reason', () => {
  const c = new SimCluster(9);
  const a = addNode(c, 1, { priority: 150, trackScripts: [{ name: 'chk', weight: 0, reverse: false }] }, { scripts: [script('chk')] });
  const h = new EventHistory(() => c.world.now / 1000);
  a.onEvent = h.onVrrp;
  a.start();
  c.world.runFor(5 * US_PER_S);
  a.setScriptHealthy('chk', false);
  c.world.runFor(3 * US_PER_S);
  const vi = buildStatus(viewOf(h, () => a.director)).vrrp!.instances[0]!;
  assert.equal(vi.state, 'FAULT');
  assert.deepEqual(vi.faultReasons, ['track_script chk failed']);
  assert.equal(vi.trackers[0]!.faults, true);
  assert.equal(vi.master, null);
  assert.equal(vi.vipsHeld, false);
});

// ---- LVS -----------------------------------------------------------------------------------

class VClock implements Clock {
  t: Instant = 0;
  private wake: { at: Instant; fn: () => void } | undefined;
  now(): Instant { return this.t; }
  wakeAt(at: Instant | undefined, fn: () => void): void { this.wake = at === undefined ? undefined : { at, fn }; }
  advance(to: Instant): void {
    for (let i = 0; i < 100_000; i++) {
      const w = this.wake;
      if (!w || w.at > to) break;
      this.t = Math.max(this.t, w.at);
      this.wake = undefined;
      w.fn();
    }
    this.t = to;
  }
}

class FakeProbes implements ProbeRunner {
  readonly alive = new Map<string, boolean>();
  start(_id: string, spec: ProbeSpec, done: (o: ProbeOutcome) => void): void {
    const host = 'connect' in spec ? spec.connect.host : '';
    done(this.alive.get(host) ?? true ? { kind: 'ok' } : { kind: 'failed', reason: 'connection refused' });
  }
  cancel(): void {}
}

class FakeIpvsPort implements IpvsPort {
  private onMsgs: (m: readonly WireMessage[]) => void = () => {};
  constructor(readonly kernel: FakeIpvsKernel) {}
  send(bytes: Uint8Array): void { this.onMsgs(this.kernel.decode(this.kernel.process(bytes))); }
  onMessages(cb: (m: readonly WireMessage[]) => void): void { this.onMsgs = cb; }
  onOverrun(): void {}
  modprobe(_m: string, done: (ok: boolean) => void): void { this.kernel.familyPresent = true; done(true); }
}

const LVS_CONF = `
virtual_server 10.0.0.100 80 {
  delay_loop 1
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
${[1, 2, 3].map((i) => `  real_server 192.168.1.${i} 8080 {
    weight ${i}
    ${i === 3 ? 'inhibit_on_failure' : ''}
    TCP_CHECK {
      connect_timeout 1
      retry 1
      delay_before_retry 1
      warmup 0
    }
  }`).join('\n')}
}
virtual_server fwmark 7 {
  lvs_sched rr
  lvs_method DR
  real_server 192.168.2.1 80 {
    weight 5
  }
}
virtual_server_group WEB {
  10.0.0.50-51 8000
}
virtual_server group WEB {
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 192.168.3.1 9000 {
    weight 4
  }
}
`;

test('LVS: health, weights, kernel presence, the reason and time of the last change; the table rows say whose they are', () => {
  const built = buildText(LVS_CONF);
  assert.deepEqual(built.diagnostics.filter((d) => d.severity === 'error'), []);
  const { spec } = lvsSpecFromConfig(built.config);
  const clock = new VClock();
  const probes = new FakeProbes();
  const kernel = new FakeIpvsKernel();
  const history = new EventHistory(() => clock.t / 1000);
  const lvs = new LvsDirector({ clock, probes, ipvs: new FakeIpvsPort(kernel), notifier: { notify: () => {} } }, spec,
    { prng: new Prng(3), wire: kernel }, history.onLvs);
  lvs.start();
  clock.advance(3 * US_PER_S);
  probes.alive.set('192.168.1.2', false);
  probes.alive.set('192.168.1.3', false);
  clock.advance(8 * US_PER_S);

  const s = json(buildStatus(viewOf(history, () => undefined, () => lvs), { nowMs: clock.t / 1000, ipvsVersionLine: 'IP Virtual Server version 1.2.1 (size=4096)' }));
  assert.equal(s.vrrp, null);
  const l = s.lvs!;
  assert.equal(l.inSync, true);
  assert.equal(l.ipvsVersionLine, 'IP Virtual Server version 1.2.1 (size=4096)');
  const vs = l.virtualServers.find((v) => v.services.includes('tcp:10.0.0.100:80'))!;
  const rs = (addr: string) => vs.realServers.find((r) => r.address === addr)!;
  assert.deepEqual(
    { h: rs('192.168.1.1').health, k: rs('192.168.1.1').inKernel, kw: rs('192.168.1.1').kernelWeight, c: rs('192.168.1.1').configuredWeight, w: rs('192.168.1.1').currentWeight },
    { h: 'up', k: true, kw: 1, c: 1, w: 1 });
  const down = rs('192.168.1.2');
  assert.equal(down.health, 'down');
  assert.equal(down.inKernel, false);
  assert.equal(down.kernelWeight, null);
  assert.match(down.reason, /connection refused/);
  assert.ok(down.changedAtMs !== null && down.changedAtMs > 3000 && down.changedAtMs <= clock.t / 1000);
  const inhibited = rs('192.168.1.3');
  assert.deepEqual({ h: inhibited.health, k: inhibited.inKernel, kw: inhibited.kernelWeight }, { h: 'down', k: true, kw: 0 },
    'inhibit_on_failure keeps it in the kernel at weight 0');

  // The table is the kernel's: the down server is absent, the inhibited one at 0, each row annotated.
  const svc = l.table.find((t) => t.id === 'tcp:10.0.0.100:80')!;
  assert.deepEqual(svc.dests.map((d) => `${d.address}:${d.port} w${d.weight} ${d.health}`).sort(),
    ['192.168.1.1:8080 w1 up', '192.168.1.3:8080 w0 down']);
  assert.match(svc.dests.find((d) => d.address === '192.168.1.3')!.reason!, /connection refused/);
  // fwmark + DR: the destination port is 0 in the kernel, still tied to its real server (no checker: up).
  const fw = l.table.find((t) => t.fwmark === 7)!;
  assert.deepEqual(fw.dests.map((d) => [d.address, d.port, d.fwd, d.health]), [['192.168.2.1', 0, 'dr', 'up']]);
  const fwRs = l.virtualServers.find((v) => v.id === 'fwmark 7')!.realServers[0]!;
  assert.deepEqual({ h: fwRs.health, k: fwRs.inKernel, kw: fwRs.kernelWeight }, { h: 'up', k: true, kw: 5 });
  // A group: one kernel service per address, the real server in each (NAT keeps its own port).
  const grp = l.virtualServers.find((v) => v.id === 'group WEB')!;
  assert.deepEqual(grp.services, ['tcp:10.0.0.50:8000', 'tcp:10.0.0.51:8000']);
  assert.deepEqual({ k: grp.realServers[0]!.inKernel, kw: grp.realServers[0]!.kernelWeight }, { k: true, kw: 4 });
  for (const id of grp.services) {
    assert.deepEqual(l.table.find((t) => t.id === id)!.dests.map((d) => [d.address, d.port, d.health]), [['192.168.3.1', 9000, 'up']]);
  }
});

test('VRRP: a sync group member in FAULT holds the other in FAULT; the status shows the group and who is faulty', () => {
  const c = new SimCluster(11);
  const h = c.addHost({
    name: 'd1', addr: addrOf(1),
    spec: {
      instances: [inst(1, { name: 'A', vrid: 1 }), inst(1, { name: 'B', vrid: 2, trackScripts: [{ name: 'chk', weight: 0, reverse: false }] })],
      syncGroups: [{ name: 'G', members: ['A', 'B'] }],
      scripts: [script('chk')],
    },
  });
  const hist = new EventHistory(() => c.world.now / 1000);
  h.onEvent = hist.onVrrp;
  h.start();
  c.world.runFor(5 * US_PER_S);
  assert.deepEqual(buildStatus(viewOf(hist, () => h.director)).vrrp!.syncGroups, [
    { name: 'G', state: 'MASTER', members: [{ name: 'A', state: 'MASTER' }, { name: 'B', state: 'MASTER' }] },
  ]);
  h.setScriptHealthy('chk', false);
  c.world.runFor(3 * US_PER_S);
  const s = buildStatus(viewOf(hist, () => h.director)).vrrp!;
  assert.equal(s.syncGroups[0]!.state, 'FAULT');
  const [a, b] = s.instances;
  assert.deepEqual([a!.state, a!.syncFault, a!.faultReasons], ['FAULT', true, []]);
  assert.deepEqual([b!.state, b!.syncFault, b!.faultReasons], ['FAULT', false, ['track_script chk failed']]);
  assert.match(a!.lastTransition!.cause, /sync group member in fault/);
});

test('VRRP: a track_file value times its weight, reversed, is the delta the status reports', () => {
  const c = new SimCluster(13);
  const a = addNode(c, 1, { priority: 100, trackFiles: [{ name: 'load', weight: 10, reverse: true }, { name: 'maint', weight: 0, reverse: false }] });
  const h = new EventHistory(() => c.world.now / 1000);
  a.onEvent = h.onVrrp;
  a.start();
  c.world.runFor(5 * US_PER_S);
  a.director.fileChanged('load', 3);
  c.world.runFor(US_PER_S);
  let vi = buildStatus(viewOf(h, () => a.director)).vrrp!.instances[0]!;
  assert.equal(vi.effectivePriority, 70);
  assert.deepEqual(vi.trackers.map((t) => [t.name, t.state, t.delta, t.faults]), [['load', '3', -30, false], ['maint', '0', 0, false]]);
  assert.equal(vi.explained, true);
  a.director.fileChanged('maint', 1);
  c.world.runFor(US_PER_S);
  vi = buildStatus(viewOf(h, () => a.director)).vrrp!.instances[0]!;
  assert.equal(vi.state, 'FAULT');
  assert.deepEqual(vi.faultReasons, ['track_file maint = 1']);
  assert.deepEqual(vi.trackers.map((t) => t.faults), [false, true]);
});
