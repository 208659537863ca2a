// Seeded random runs of the LvsDirector on virtual time: random keepalived.conf LVS sections
// (NAT/DR, weights, quorum + hysteresis, sorry servers, inhibit_on_failure, alpha), reloaded
// (SIGHUP) with blocks dropped, added and re-weighted; real servers whose true health flips at
// random times; a kernel that refuses random requests and loses random replies (a receive
// overrun). Checked at every step of virtual time:
//  - once a real server's truth has been stable for delay_loop + retry x delay_before_retry
//    (+ a probe), the director's verdict equals it (keepalived's detection bound);
//  - whenever the director says it is in sync, the kernel's services that we own are exactly the
//    desired table, and the foreign service is untouched;
//  - at the end, with faults off, it converges; stop removes every owned service and only those.
// The seed is printed first; LVS_SIM_SEED=<seed> replays one run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/base/prng.ts';
import { parseIp } from '../../src/base/ip.ts';
import { US_PER_S, type Instant } from '../../src/base/time.ts';
import type { ProbeOutcome, ProbeRunner, ProbeSpec } from '../../src/check/checker-spec.ts';
import type { WireMessage } from '../../src/ipvs/ipvs-sync.ts';
import { destAttrsEqual, serviceAttrsEqual, serviceKeyId, type IpvsTable } from '../../src/ipvs/model.ts';
import { LvsDirector, type IpvsPort } from '../../src/runtime/lvs-director.ts';
import { lvsSpecFromConfig } from '../../src/runtime/lvs-spec-from-config.ts';
import type { Clock } from '../../src/runtime/ports.ts';
import { FakeIpvsKernel } from '../unit/ipvs/fake-ipvs-wire.ts';
import { buildText } from '../unit/config/build-text.ts';

/** A virtual clock with a queue of pending callbacks (probe completions arrive later). */
class World implements Clock {
  t: Instant = 0;
  private wake: { at: Instant; fn: () => void } | undefined;
  private readonly later: { at: Instant; fn: () => void }[] = [];
  now(): Instant { return this.t; }
  wakeAt(at: Instant | undefined, fn: () => void): void { this.wake = at === undefined ? undefined : { at, fn }; }
  schedule(at: Instant, fn: () => void): void { this.later.push({ at, fn }); this.later.sort((a, b) => a.at - b.at); }
  /** Runs the next event at or before `to`; false when there is none. */
  runOne(to: Instant): boolean {
    const l = this.later[0];
    const w = this.wake;
    const next = l && (!w || l.at <= w.at) ? 'later' : w ? 'wake' : undefined;
    if (next === 'later' && l!.at <= to) { this.later.shift(); this.t = Math.max(this.t, l!.at); l!.fn(); return true; }
    if (next === 'wake' && w!.at <= to) { this.wake = undefined; this.t = Math.max(this.t, w!.at); w!.fn(); return true; }
    return false;
  }
}

const CONNECT_TIMEOUT_S = 1;
const DELAY_LOOP_S = 1;
const RETRY = 1;
const DBR_S = 1;

/** Every real server address the generator uses (their truth is tracked whether configured or not). */
const POOL = [1, 2, 3].flatMap((a) => [1, 2, 3, 4, 5, 6].map((b) => `192.168.${a}.${b}`));

/** One virtual_server block; `v` numbers it (its VIP and port). */
function vsBlock(prng: Prng, v: number): string {
  const nRs = prng.int(1, 4);
  const lines = [`virtual_server 10.0.0.${v + 1} ${80 + v} {`, `  delay_loop ${DELAY_LOOP_S}`, `  lvs_sched ${prng.pick(['wrr', 'rr', 'wlc'])}`,
    `  lvs_method ${prng.pick(['NAT', 'DR'])}`, '  protocol TCP'];
  if (prng.chance(0.4)) lines.push(`  quorum ${prng.int(1, 6)}`, `  hysteresis ${prng.int(0, 2)}`);
  if (prng.chance(0.4)) lines.push(`  sorry_server 192.168.9.${v + 1} 8080`);
  if (prng.chance(0.3)) lines.push('  sorry_server_inhibit');
  if (prng.chance(0.4)) lines.push('  inhibit_on_failure');
  if (prng.chance(0.3)) lines.push('  alpha');
  for (let r = 0; r < nRs; r++) {
    const ip = prng.pick(POOL);
    if (lines.some((l) => l.includes(`real_server ${ip} `))) continue;
    lines.push(`  real_server ${ip} 8080 {`, `    weight ${prng.int(0, 4)}`, '    TCP_CHECK {', `      connect_timeout ${CONNECT_TIMEOUT_S}`,
      `      retry ${RETRY}`, `      delay_before_retry ${DBR_S}`, `      warmup ${prng.int(0, 2)}`, '    }', '  }');
  }
  lines.push('}');
  return lines.join('\n');
}

/** A reload's configuration: some blocks dropped, maybe one added, maybe one weight changed. */
function mutate(prng: Prng, blocks: readonly string[], nextV: () => number): string[] {
  let out = blocks.filter(() => !prng.chance(0.25));
  if (out.length === 0) out = [blocks[0]!];
  if (prng.chance(0.5)) out.push(vsBlock(prng, nextV()));
  if (prng.chance(0.5)) {
    const k = prng.int(0, out.length - 1);
    out[k] = out[k]!.replace(/weight \d/, `weight ${prng.int(0, 4)}`);
  }
  return out;
}

function ownedEqual(kernel: IpvsTable, desired: IpvsTable, owned: ReadonlySet<string>): string | undefined {
  for (const id of owned) {
    const k = kernel.get(id);
    const d = desired.get(id);
    if (!k || !d) { if (k !== d) return `${id}: kernel ${k ? 'has' : 'lacks'} it`; continue; }
    if (!serviceAttrsEqual(k.service.attrs, d.service.attrs)) return `${id}: service attrs`;
    if (k.dests.size !== d.dests.size) return `${id}: ${k.dests.size} dests in the kernel, ${d.dests.size} desired`;
    for (const [did, dd] of d.dests) {
      const kd = k.dests.get(did);
      if (!kd || !destAttrsEqual(kd.attrs, dd.attrs)) return `${id}: dest ${did}`;
    }
  }
  return undefined;
}

function runSeed(seed: number): void {
  const prng = new Prng(seed);
  let v = 0;
  let blocks = Array.from({ length: prng.int(1, 4) }, () => vsBlock(prng, v++));
  const specOf = (bs: readonly string[]) => {
    const built = buildText(bs.join('\n'));
    assert.deepEqual(built.diagnostics.filter((d) => d.severity === 'error'), [], bs.join('\n'));
    return lvsSpecFromConfig(built.config).spec;
  };
  let spec = specOf(blocks);
  const servers = POOL;
  const world = new World();
  const truth = new Map(servers.map((s) => [s, true]));
  const changedAt = new Map(servers.map((s) => [s, 0]));
  const kernel = new FakeIpvsKernel();
  const foreignKey = { kind: 'addr' as const, protocol: 'udp' as const, addr: parseIp('10.9.9.9')!, port: 53 };
  kernel.table.set(serviceKeyId(foreignKey), {
    service: { key: foreignKey, attrs: { scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 0xffffffff, peName: '' } }, dests: new Map(),
  });
  let faults = true;
  kernel.refuse = (r) => (faults && r.cmd !== 'get-service' && r.cmd !== 'get-dest' && prng.chance(0.05) ? prng.pick([3, 17, 12]) : undefined);
  const cancelled = new Set<string>();
  const probes: ProbeRunner = {
    start(id: string, ps: ProbeSpec, done: (o: ProbeOutcome) => void): void {
      const host = 'connect' in ps ? ps.connect.host : '';
      // A dead server refuses at once or times out at connect_timeout.
      const ok = truth.get(host) ?? true;
      const delay = ok ? prng.int(1_000, 50_000) : prng.chance(0.5) ? 2_000 : CONNECT_TIMEOUT_S * US_PER_S;
      world.schedule(world.t + delay, () => { if (!cancelled.has(id)) done(ok ? { kind: 'ok' } : { kind: 'timeout' }); });
    },
    cancel(id: string): void { cancelled.add(id); },
  };
  let onMsgs: (m: readonly WireMessage[]) => void = () => {};
  let onOverrun: () => void = () => {};
  const port: IpvsPort = {
    send(bytes) {
      const reply = kernel.process(bytes);
      if (faults && prng.chance(0.03)) { world.schedule(world.t + 100, () => onOverrun()); return; }
      const msgs = kernel.decode(reply);
      world.schedule(world.t + prng.int(10, 500), () => onMsgs(msgs));
    },
    onMessages(cb) { onMsgs = cb; },
    onOverrun(cb) { onOverrun = cb; },
    modprobe(_m, done) { done(true); },
  };
  const director = new LvsDirector({ clock: world, probes, ipvs: port, notifier: { notify() {} } }, spec, { prng: new Prng(seed ^ 0x5a5a), wire: kernel });
  const foreignBefore = JSON.stringify([...kernel.table.get(serviceKeyId(foreignKey))!.dests.keys()]);
  director.start();
  const keysOf = (sp: typeof spec) => sp.virtualServers.flatMap((vs) => vs.realServers.map((r) => ({ key: r.checkKey, ip: r.checkKey.split(' -> ')[1]!.split(':')[0]! })));
  let checkKeys = keysOf(spec);
  /** When each checked real server appeared (start or the reload that added it). */
  const introducedAt = new Map(checkKeys.map((k) => [k.key, 0]));
  let reloads = 0;
  let nextReload = prng.int(20, 40) * US_PER_S;
  // Detection bound: first probe after at most delay_loop, retry x delay_before_retry, each probe up to connect_timeout.
  const boundUs = (DELAY_LOOP_S + RETRY * DBR_S + (RETRY + 1) * CONNECT_TIMEOUT_S + 1) * US_PER_S;
  const endUs = 120 * US_PER_S;
  const owned = new Set<string>();
  let nextFlip = prng.int(1, 10) * US_PER_S;
  const ctx = () => `seed ${seed} at ${world.t} us after ${reloads} reload(s)\n${blocks.join('\n')}`;
  for (let step = 0; ; step++) {
    assert.ok(step < 1_000_000, `the run did not finish, ${ctx()}`);
    if (world.t >= nextFlip && world.t < endUs - 40 * US_PER_S) {
      const s = prng.pick(servers);
      truth.set(s, !truth.get(s));
      changedAt.set(s, world.t);
      nextFlip = world.t + prng.int(1, 8) * US_PER_S;
    }
    if (world.t >= nextReload && world.t < endUs - 40 * US_PER_S) {
      blocks = mutate(prng, blocks, () => v++);
      spec = specOf(blocks);
      const before = new Set(checkKeys.map((k) => k.key));
      checkKeys = keysOf(spec);
      for (const k of checkKeys) if (!before.has(k.key)) introducedAt.set(k.key, world.t);
      director.reload(spec);
      reloads++;
      nextReload = world.t + prng.int(15, 30) * US_PER_S;
    }
    if (world.t >= endUs - 40 * US_PER_S) { faults = false; nextFlip = endUs; nextReload = endUs; }
    if (!world.runOne(Math.min(nextFlip, nextReload, endUs))) {
      if (world.t >= endUs) break;
      world.t = Math.min(nextFlip, nextReload, endUs);
    }
    for (const id of director.desiredTable.keys()) owned.add(id);
    for (const { key, ip } of checkKeys) {
      // A checker new in a reload first waits the bootstrap delay (1 s) plus its warmup (<= 2 s here).
      if (world.t - changedAt.get(ip)! > boundUs && world.t - introducedAt.get(key)! > boundUs + 3 * US_PER_S) {
        assert.equal(director.health(key), truth.get(ip) ? 'up' : 'down', `${key} verdict vs truth, ${ctx()}`);
      }
    }
    // The desired table follows the verdicts: a down server has no weight; an up one (in a VS
    // without a sorry server, where quorum cannot take it out) has its configured weight.
    for (const vs of spec.virtualServers) {
      const svc = director.desiredTable.get(`tcp:${vs.id.split(' ')[1]}`);
      for (const r of vs.realServers) {
        const port = vs.lvsMethod?.fwd === 'dr' ? Number(vs.id.split(':')[1]) : r.port;
        const d = svc?.dests.get(`${r.checkKey.split(' -> ')[1]!.split(':')[0]}:${port}`);
        const h = director.health(r.checkKey);
        if (h === 'down') assert.ok(!d || d.attrs.weight === 0, `${r.checkKey} is down but has weight, ${ctx()}`);
        if (h === 'up' && !vs.sorryServer) assert.equal(d?.attrs.weight, r.weight, `${r.checkKey} is up, ${ctx()}`);
      }
    }
    if (director.inSync) {
      const diff = ownedEqual(kernel.table, director.desiredTable, owned);
      assert.equal(diff, undefined, `kernel vs desired while in sync: ${diff}, ${ctx()}`);
    }
  }
  assert.ok(director.inSync, `converged once faults stopped, ${ctx()}`);
  let stopped = false;
  director.stop(() => { stopped = true; });
  for (let i = 0; i < 10_000 && !stopped; i++) if (!world.runOne(world.t + 60 * US_PER_S)) break;
  assert.ok(stopped, `stop completed, ${ctx()}`);
  assert.deepEqual([...kernel.table.keys()], [serviceKeyId(foreignKey)], `only the foreign service is left, ${ctx()}`);
  assert.equal(JSON.stringify([...kernel.table.get(serviceKeyId(foreignKey))!.dests.keys()]), foreignBefore);
}

test('random LVS runs: verdicts follow the truth within the bound, the kernel follows the verdicts, stop cleans up', () => {
  const fixed = process.env.LVS_SIM_SEED;
  const first = fixed ? Number(fixed) : (Date.now() % 1_000_000);
  const runs = fixed ? 1 : 40;
  process.stderr.write(`lvs-random: seeds ${first}..${first + runs - 1} (replay one: LVS_SIM_SEED=<seed> node --import tsx --test test/sim/lvs-random.test.ts)\n`);
  for (let i = 0; i < runs; i++) runSeed(first + i);
});
