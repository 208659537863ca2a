// LvsDirector on a virtual clock with fake ports: a probe runner whose answers the test sets per
// address, and the IPVS engineer's fake kernel (test/unit/ipvs/fake-ipvs-wire.ts: applies each
// request to a model table with the kernel's EEXIST/ESRCH answers). The configuration is real
// keepalived.conf text through the grammar and buildConfig, so the config -> spec mapping is
// exercised too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../../src/base/prng.ts';
import { formatIp } from '../../../src/base/ip.ts';
import { US_PER_S, type Instant } from '../../../src/base/time.ts';
import type { ProbeOutcome, ProbeRunner, ProbeSpec, ScriptSpec } from '../../../src/check/checker-spec.ts';
import type { IpvsRequest } from '../../../src/ipvs/ipvs-messages.ts';
import type { WireMessage } from '../../../src/ipvs/ipvs-sync.ts';
import type { IpvsTable } from '../../../src/ipvs/model.ts';
import { LvsDirector, type IpvsPort, type LvsEvent, type LvsNotifyEvent } from '../../../src/runtime/lvs-director.ts';
import { lvsSpecFromConfig } from '../../../src/runtime/lvs-spec-from-config.ts';
import type { Clock } from '../../../src/runtime/ports.ts';
import { FakeIpvsKernel } from '../ipvs/fake-ipvs-wire.ts';
import { buildText } from '../config/build-text.ts';

class VClock implements Clock {
  t: Instant = 0;
  private wake: { at: Instant; fn: () => void } | undefined;
  now(): Instant { return this.t; }
  wakeAt(at: Instant | undefined, fn: () => void): void { this.wake = at === undefined ? undefined : { at, fn }; }
  /** Runs every wake-up up to `to`, in order. */
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

/** Answers at once (a synchronous completion, which the director must queue) from `alive`. */
class FakeProbes implements ProbeRunner {
  readonly alive = new Map<string, boolean>();
  started = 0;
  start(_id: string, spec: ProbeSpec, done: (o: ProbeOutcome) => void): void {
    this.started++;
    const host = 'connect' in spec ? spec.connect.host : '';
    done(this.alive.get(host) ?? true ? { kind: 'ok' } : { kind: 'failed', reason: 'connection refused' });
  }
  cancel(): void {}
}

class FakeIpvsPort implements IpvsPort {
  private onMsgs: (m: readonly WireMessage[]) => void = () => {};
  constructor(readonly kernel: FakeIpvsKernel) {}
  send(bytes: Uint8Array): void {
    const reply = this.kernel.process(bytes);
    this.onMsgs(this.kernel.decode(reply));
  }
  onMessages(cb: (m: readonly WireMessage[]) => void): void { this.onMsgs = cb; }
  onOverrun(): void {}
  modprobe(_m: string, done: (ok: boolean) => void): void { this.kernel.familyPresent = true; done(true); }
}

function world(conf: string, opts: { releaseOnStop?: boolean; flushAtStart?: boolean; flushOnStop?: boolean; kernelTable?: IpvsTable } = {}) {
  const built = buildText(conf);
  assert.deepEqual(built.diagnostics.filter((d) => d.severity === 'error'), []);
  const { spec, diagnostics } = lvsSpecFromConfig(built.config);
  assert.deepEqual(diagnostics, []);
  const clock = new VClock();
  const probes = new FakeProbes();
  const kernel = new FakeIpvsKernel();
  if (opts.kernelTable) kernel.table = new Map(opts.kernelTable);
  const notes: { event: LvsNotifyEvent; subject: string; script: ScriptSpec }[] = [];
  const events: LvsEvent[] = [];
  const director = new LvsDirector(
    { clock, probes, ipvs: new FakeIpvsPort(kernel), notifier: { notify: (event, subject, script) => notes.push({ event, subject, script }) } },
    spec,
    { prng: new Prng(7), wire: kernel, ...opts },
    (e) => events.push(e),
  );
  return { clock, probes, kernel, director, notes, events };
}

/** "addr:port weight" per dest of the one service, sorted. */
function dests(t: IpvsTable): string[] {
  const out: string[] = [];
  for (const e of t.values()) for (const d of e.dests.values()) out.push(`${formatIp(d.key.addr)}:${d.key.port} w${d.attrs.weight}`);
  return out.sort();
}

const vs = (body: string, rsBody = '') => `
virtual_server 10.0.0.100 80 {
  delay_loop 1
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
${body}
${[1, 2, 3].map((i) => `  real_server 192.168.1.${i} 8080 {
    weight ${i}
    ${rsBody}
    TCP_CHECK {
      connect_timeout 1
      retry 1
      delay_before_retry 1
      warmup 0
    }
  }`).join('\n')}
}
`;

const opName = (r: IpvsRequest): string =>
  r.cmd === 'new-dest' || r.cmd === 'set-dest' || r.cmd === 'del-dest' ? `${r.cmd} ${formatIp('key' in r.dest ? r.dest.key.addr : r.dest.addr)} w${'attrs' in r.dest ? r.dest.attrs.weight : '-'}` : r.cmd;

test('start-up puts every real server in; a server going down is removed by the very next plan', () => {
  const w = world(vs(''));
  w.director.start();
  assert.deepEqual(dests(w.kernel.table), ['192.168.1.1:8080 w1', '192.168.1.2:8080 w2', '192.168.1.3:8080 w3']);
  assert.ok(w.director.inSync);
  // One timer, at the earliest checker deadline (bootstrap delay 1 s, warmup 0).
  assert.equal(w.director.armedAt, US_PER_S);
  w.clock.advance(3 * US_PER_S);
  const logBefore = w.kernel.log.length;
  w.probes.alive.set('192.168.1.2', false);
  // retry 1, delay_before_retry 1: down within delay_loop + retry x delay_before_retry.
  let downAt: Instant | undefined;
  let logAtDown = 0;
  const watch = (): void => {
    const e = w.events.find((x) => x.kind === 'health' && !x.up);
    if (e && downAt === undefined) { downAt = e.at; logAtDown = w.kernel.log.length; }
  };
  for (let t = 3 * US_PER_S; t <= 6 * US_PER_S && downAt === undefined; t += 100_000) { w.clock.advance(t); watch(); }
  assert.ok(downAt !== undefined, 'the real server went down');
  assert.ok(downAt - 3 * US_PER_S <= 2 * US_PER_S + 100_000, `down after ${downAt - 3 * US_PER_S} us`);
  // The first request after the verdict is the removal, already applied when the step ended.
  const after = w.kernel.log.slice(logBefore).map(opName);
  assert.deepEqual(after, ['del-dest 192.168.1.2 w-']);
  assert.equal(logAtDown, logBefore + 1);
  assert.deepEqual(dests(w.kernel.table), ['192.168.1.1:8080 w1', '192.168.1.3:8080 w3']);
  // Back up: added again at its weight.
  w.probes.alive.set('192.168.1.2', true);
  w.clock.advance(9 * US_PER_S);
  assert.deepEqual(dests(w.kernel.table), ['192.168.1.1:8080 w1', '192.168.1.2:8080 w2', '192.168.1.3:8080 w3']);
});

test('inhibit_on_failure: a failed server stays at weight 0, then gets its weight back', () => {
  const w = world(vs('  inhibit_on_failure'));
  w.director.start();
  w.clock.advance(2 * US_PER_S);
  w.probes.alive.set('192.168.1.3', false);
  w.clock.advance(6 * US_PER_S);
  assert.deepEqual(dests(w.kernel.table), ['192.168.1.1:8080 w1', '192.168.1.2:8080 w2', '192.168.1.3:8080 w0']);
  assert.ok(w.kernel.log.some((r) => opName(r) === 'set-dest 192.168.1.3 w0'));
  w.probes.alive.set('192.168.1.3', true);
  w.clock.advance(10 * US_PER_S);
  assert.deepEqual(dests(w.kernel.table), ['192.168.1.1:8080 w1', '192.168.1.2:8080 w2', '192.168.1.3:8080 w3']);
});

test('quorum loss switches to the sorry server and runs quorum_down; regaining it switches back', () => {
  const w = world(vs('  quorum 4\n  hysteresis 0\n  sorry_server 192.168.9.9 8080\n  quorum_up "/bin/true up"\n  quorum_down "/bin/true down"',
    'notify_down "/bin/true rsdown"'));
  w.director.start();
  assert.deepEqual(dests(w.kernel.table), ['192.168.1.1:8080 w1', '192.168.1.2:8080 w2', '192.168.1.3:8080 w3']);
  assert.deepEqual(w.notes.map((n) => n.event), ['quorum_up']); // keepalived: "Gained quorum" at start
  w.clock.advance(2 * US_PER_S);
  // 1+2+3 = 6; losing .3 leaves 3 < 4: quorum lost, every RS out, sorry server in.
  w.probes.alive.set('192.168.1.3', false);
  w.clock.advance(6 * US_PER_S);
  assert.deepEqual(dests(w.kernel.table), ['192.168.9.9:8080 w1']);
  assert.deepEqual(w.notes.map((n) => `${n.event} ${n.script.argv.join(' ')}`), [
    'quorum_up /bin/true up', 'rs_down /bin/true rsdown', 'quorum_down /bin/true down',
  ]);
  w.probes.alive.set('192.168.1.3', true);
  w.clock.advance(10 * US_PER_S);
  assert.deepEqual(dests(w.kernel.table), ['192.168.1.1:8080 w1', '192.168.1.2:8080 w2', '192.168.1.3:8080 w3']);
  assert.equal(w.notes.at(-1)?.event, 'quorum_up');
});

test('a netlink error makes IpvsSync re-dump before planning again', () => {
  const w = world(vs(''));
  w.director.start();
  w.clock.advance(2 * US_PER_S);
  // The kernel refuses the next DEL_DEST once (as if someone had removed it under us: ESRCH).
  let refused = 0;
  w.kernel.refuse = (r) => (r.cmd === 'del-dest' && refused++ === 0 ? 3 : undefined);
  const logBefore = w.kernel.log.length;
  w.probes.alive.set('192.168.1.1', false);
  w.clock.advance(6 * US_PER_S);
  const after = w.kernel.log.slice(logBefore).map(opName);
  assert.deepEqual(after.slice(0, 3), ['del-dest 192.168.1.1 w-', 'get-service', 'get-dest']);
  assert.ok(w.events.some((e) => e.kind === 'ipvs' && e.event.type === 'resync' && e.event.reason === 'error'));
  assert.deepEqual(dests(w.kernel.table), ['192.168.1.2:8080 w2', '192.168.1.3:8080 w3']);
  assert.ok(w.director.inSync);
});

test('stop removes what it owns and nothing else; with releaseOnStop=false it keeps the table', () => {
  for (const release of [true, false]) {
    const w = world(vs(''), { releaseOnStop: release });
    w.director.start();
    // Someone else's service, added behind our back.
    const [id, entry] = [...w.kernel.table][0]!;
    const otherKey = { ...entry.service.key, port: 81 } as typeof entry.service.key;
    w.kernel.table.set(id.replace(':80', ':81'), { service: { ...entry.service, key: otherKey }, dests: new Map() });
    let stopped = false;
    w.director.stop(() => { stopped = true; });
    assert.ok(stopped);
    assert.deepEqual([...w.kernel.table.keys()].sort(), release ? ['tcp:10.0.0.100:81'] : ['tcp:10.0.0.100:80', 'tcp:10.0.0.100:81']);
    assert.equal(w.director.armedAt, undefined);
  }
});

test('a restart on a matching kernel table issues no operation at all', () => {
  const first = world(vs(''));
  first.director.start();
  const second = world(vs(''), { kernelTable: first.kernel.table });
  second.director.start();
  assert.deepEqual(second.kernel.log.map((r) => r.cmd), ['get-service', 'get-dest']);
  assert.ok(second.director.inSync);
});

test('alpha: nothing goes in before a first success', () => {
  const w = world(vs('  alpha'));
  w.director.start();
  assert.deepEqual(dests(w.kernel.table), []);
  assert.equal(w.kernel.table.size, 1);
  w.clock.advance(1.5 * US_PER_S);
  assert.deepEqual(dests(w.kernel.table), ['192.168.1.1:8080 w1', '192.168.1.2:8080 w2', '192.168.1.3:8080 w3']);
});

test('lvs_flush claims every service at start (keeping matching ones); lvs_flush_on_stop removes every service at stop', () => {
  const first = world(vs(''));
  first.director.start();
  const [id, entry] = [...first.kernel.table][0]!;
  const foreign = { service: { ...entry.service, key: { ...entry.service.key, port: 81 } as typeof entry.service.key }, dests: new Map() };
  const withForeign = new Map(first.kernel.table).set(id.replace(':80', ':81'), foreign);
  const flushing = world(vs(''), { kernelTable: withForeign, flushAtStart: true });
  flushing.director.start();
  assert.deepEqual([...flushing.kernel.table.keys()], [id]);
  assert.ok(!flushing.kernel.log.some((r) => r.cmd === 'new-service' || r.cmd === 'new-dest'), 'the matching service is kept, not recreated');
  assert.ok(flushing.director.inSync);
  const onStop = world(vs(''), { kernelTable: withForeign, flushOnStop: true });
  onStop.director.start();
  assert.equal(onStop.kernel.table.size, 2);
  let stopped = false;
  onStop.director.stop(() => { stopped = true; });
  assert.ok(stopped);
  assert.equal(onStop.kernel.table.size, 0);
});

test('reload as a diff: a removed virtual server is deleted, a new one added, verdicts of staying servers carried', () => {
  const two = vs('') + `
virtual_server 10.0.0.200 80 {
  delay_loop 1
  lvs_sched rr
  protocol TCP
  real_server 192.168.2.1 80 {
    TCP_CHECK {
      connect_timeout 1
      warmup 0
    }
  }
}
`;
  const w = world(two);
  w.director.start();
  w.clock.advance(2 * US_PER_S);
  w.probes.alive.set('192.168.1.2', false);
  w.clock.advance(6 * US_PER_S);
  assert.deepEqual(dests(new Map([...w.kernel.table].filter(([id]) => id.includes('10.0.0.100')))), ['192.168.1.1:8080 w1', '192.168.1.3:8080 w3']);
  // New configuration: 10.0.0.200 gone, 10.0.0.100 now rr with weights changed on .3, 10.0.0.201 added.
  const next = vs('').replace('lvs_sched wrr', 'lvs_sched rr').replace('weight 3', 'weight 5') + `
virtual_server 10.0.0.201 80 {
  lvs_sched rr
  protocol TCP
  real_server 192.168.2.9 80 {
  }
}
`;
  const built = buildText(next);
  const { spec } = lvsSpecFromConfig(built.config);
  const logBefore = w.kernel.log.length;
  w.director.reload(spec);
  assert.deepEqual([...w.kernel.table.keys()].sort(), ['tcp:10.0.0.100:80', 'tcp:10.0.0.201:80']);
  assert.equal(w.kernel.table.get('tcp:10.0.0.100:80')!.service.attrs.scheduler, 'rr');
  // .2 is still down (its checker is unchanged, so its verdict is carried): not re-added.
  assert.deepEqual(dests(new Map([['x', w.kernel.table.get('tcp:10.0.0.100:80')!]])), ['192.168.1.1:8080 w1', '192.168.1.3:8080 w5']);
  const ops = w.kernel.log.slice(logBefore).map((r) => r.cmd).sort();
  assert.deepEqual(ops, ['del-service', 'new-dest', 'new-service', 'set-dest', 'set-service']);
  w.probes.alive.set('192.168.1.2', true);
  w.clock.advance(12 * US_PER_S);
  assert.deepEqual(dests(new Map([['x', w.kernel.table.get('tcp:10.0.0.100:80')!]])), ['192.168.1.1:8080 w1', '192.168.1.2:8080 w2', '192.168.1.3:8080 w5']);
});
