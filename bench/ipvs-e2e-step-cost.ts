// bench/ipvs-e2e-step-cost: what one real server's change costs the LVS driver in CPU, as the
// table grows -- verdict in, netlink bytes out -- without a kernel: the IPVS port answers every
// request at once at the WireMessage level (family, DONE for dumps, ACK for the rest), so the
// real codec, IpvsSync, desiredTable, planner and LvsDirector all run, and nothing else does.
//
//   node --import tsx bench/ipvs-e2e-step-cost.ts            (N = 100, 1000, 5000 services)
//   SIZES=20000 node --import tsx bench/ipvs-e2e-step-cost.ts
//
// Each flip toggles the one real server of VS 10.0.1.100:80; the other N virtual servers have
// one steady real server each. Reported: milliseconds of the step that turns the verdict into
// the IPVS send (median / max over the flips), and bytes sent per change.
import { parseIp } from '../src/base/ip.ts';
import { Prng } from '../src/base/prng.ts';
import { US_PER_S, type Instant } from '../src/base/time.ts';
import type { ProbeOutcome, ProbeSpec } from '../src/check/checker-spec.ts';
import type { SchedulerInput } from '../src/check/checker-scheduler.ts';
import type { WireMessage } from '../src/ipvs/ipvs-sync.ts';
import { GENL_ID_CTRL } from '../src/netlink/genl.ts';
import { decodeMessages, NLM_F_DUMP } from '../src/netlink/message.ts';
import { LvsDirector } from '../src/runtime/lvs-director.ts';
import type { LvsSpec, LvsVirtualServer } from '../src/runtime/lvs-spec-from-config.ts';

const SIZES = (process.env.SIZES ?? '100,1000,5000').split(',').map(Number);
const FLIPS = Number(process.env.FLIPS ?? 40);

function spec(n: number): LvsSpec {
  const checks: { virtualServers: SchedulerInput['virtualServers'][number][]; realServers: SchedulerInput['realServers'][number][]; checkers: SchedulerInput['checkers'][number][] } =
    { virtualServers: [], realServers: [], checkers: [] };
  const vss: LvsVirtualServer[] = [];
  const add = (id: string, vip: string, port: number, rip: string, delayLoopS: number) => {
    const rsKey = `${id} -> ${rip}:80`;
    checks.virtualServers.push({ key: id, quorum: 1, hysteresis: 0, omega: false });
    checks.realServers.push({ key: rsKey, virtualServer: id, weight: 1, alpha: false });
    checks.checkers.push({
      id: `${rsKey} TCP_CHECK#0`, realServer: rsKey, type: 'TCP_CHECK', delayLoopUs: delayLoopS * US_PER_S, retry: 0,
      delayBeforeRetryUs: US_PER_S, warmupUs: 0, probe: { kind: 'tcp', connect: { host: rip, port: 80, timeoutUs: US_PER_S } },
    });
    vss.push({
      id, target: { kind: 'addr', addr: parseIp(vip)!, port }, protocol: 'tcp', scheduler: 'wrr', lvsMethod: { fwd: 'nat' },
      realServers: [{ checkKey: rsKey, addr: parseIp(rip)!, port: 80, weight: 1, configuredWeight: 1 }],
    });
  };
  add('TCP 10.0.1.100:80', '10.0.1.100', 80, '10.0.2.11', 1);
  for (let i = 0; i < n; i++) add(`TCP filler ${i}`, `10.${3 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, 1000, '10.0.2.12', 3600);
  return { checks, groups: [], virtualServers: vss };
}

function run(n: number): string {
  let t: Instant = 0;
  let wake: { at: Instant; fn: () => void } | undefined;
  let alive = true;
  let onMsgs: (m: readonly WireMessage[]) => void = () => {};
  let sentBytes = 0;
  const director = new LvsDirector({
    clock: { now: () => t, wakeAt: (at, fn) => { wake = at === undefined ? undefined : { at, fn }; } },
    probes: {
      start: (_id: string, s: ProbeSpec, done: (o: ProbeOutcome) => void) =>
        done('connect' in s && s.connect.host === '10.0.2.11' && !alive ? { kind: 'failed', reason: 'refused' } : { kind: 'ok' }),
      cancel() {},
    },
    ipvs: {
      send(bytes) {
        sentBytes += bytes.length;
        const msgs = decodeMessages(bytes);
        if (!msgs.ok) throw new Error(msgs.error);
        onMsgs(msgs.value.map((m): WireMessage => m.type === GENL_ID_CTRL ? { seq: m.seq, kind: 'family', familyId: 42 }
          : (m.flags & NLM_F_DUMP) === NLM_F_DUMP ? { seq: m.seq, kind: 'done' } : { seq: m.seq, kind: 'ack' }));
      },
      onMessages(cb) { onMsgs = cb; },
      onOverrun() {},
      modprobe(_m, done) { done(true); },
    },
    notifier: { notify() {} },
  }, spec(n), { prng: new Prng(1) });
  const t0 = performance.now();
  director.start();
  const startMs = performance.now() - t0;
  const steps: number[] = [];
  const bytes: number[] = [];
  for (let k = 0; k < FLIPS; k++) {
    alive = !alive;
    for (let guard = 0; guard < 100 && wake; guard++) {
      const w = wake;
      wake = undefined;
      t = w.at;
      const before = sentBytes;
      const s0 = performance.now();
      w.fn();
      const dt = performance.now() - s0;
      if (sentBytes > before) { steps.push(dt); bytes.push(sentBytes - before); break; }
    }
  }
  steps.sort((a, b) => a - b);
  return `N=${String(n).padStart(6)}: start-up ${startMs.toFixed(0)} ms; per change: median ${steps[steps.length >> 1]!.toFixed(2)} ms, max ${steps.at(-1)!.toFixed(2)} ms, ${bytes[0]} bytes sent (${steps.length} changes)`;
}

for (const n of SIZES) console.log(run(n));
