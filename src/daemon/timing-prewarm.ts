// timingPrewarm: runs one takeover through a throwaway Director at start-up, on fake ports, so
// that a backup's FIRST real takeover - in production usually the only one that matters - runs
// compiled code instead of compiling it (issue 3).
//
// Why: V8 compiles a function's bytecode the first time it is called. A backup that has only
// ever received adverts has never run the takeover path (transition table, VIP add, advert
// encoding, GARP actions, the VRRP log's wording); measured with KEEPALIVED_TS_TIMING=1 the first
// takeover of a daemon took 1-1.5 ms longer from decision to first GARP than the later ones
// (bench/failover-vs-keepalived.ts, run #1 of each case).
//
// Theory of operation: for each (version, family) the configuration uses, a copy of one real
// instance spec - without trackers, scripts or sync group, with a clock the function moves by
// hand - is started, brought to MASTER by its timers (master-down), sent back to BACKUP by a
// higher-priority advert encoded and decoded by the real codec, and stopped. Everything runs
// synchronously against fake ports: no packet, netlink request, timer, script or log line leaves
// (the VRRP log is exercised on a silent logger). The code objects it compiles are the ones the
// real director then runs. Costs about a millisecond once at start.

import { pino } from 'pino';
import type { Instant } from '../base/time.ts';
import { Director } from '../runtime/director.ts';
import type { AdvertCodec, DirectorPorts } from '../runtime/ports.ts';
import type { VrrpInstanceSpec } from '../vrrp/instance-spec.ts';
import { VrrpLog } from './vrrp-log.ts';
import { releaseStartupGarbage } from './load-config.ts';

/** How many hand-moved clock steps a takeover may take before giving up (start, down timer, GARP rounds). */
const MAX_STEPS = 50;

export interface PrewarmResult {
  /** Takeovers run (one per version and family in use). */
  readonly takeovers: number;
  /** Per run, the states it went through, e.g. "v3/4 BACKUP MASTER BACKUP INIT". */
  readonly paths: readonly string[];
  /** The takeovers' time, without the garbage collection that follows them. */
  readonly elapsedUs: number;
}

export function timingPrewarm(specs: readonly VrrpInstanceSpec[], codec: AdvertCodec): PrewarmResult {
  const t0 = process.hrtime.bigint();
  const seen = new Set<string>();
  let takeovers = 0;
  const paths: string[] = [];
  for (const real of specs) {
    const key = `${real.version}/${real.family}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const states: string[] = [];
    try {
      if (prewarmOne(real, codec, states)) takeovers++;
    } catch (e) {
      // Only ever an optimisation: a failure here must not stop the daemon (the real instance
      // meets the same code later and reports there).
      states.push(`failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    paths.push(`v${key} ${states.join(' ')}`);
  }
  // The last step before the director starts: the start-up's garbage (plan, socket set-up, this
  // throwaway director) is collected now rather than in a pause between adverts (load-config.ts).
  const elapsedUs = Number((process.hrtime.bigint() - t0) / 1000n);
  releaseStartupGarbage();
  return { takeovers, paths, elapsedUs };
}

function prewarmOne(real: VrrpInstanceSpec, codec: AdvertCodec, states: string[]): boolean {
  const spec: VrrpInstanceSpec = {
    ...real, name: `${real.name}-prewarm`, wantMaster: false, nopreempt: false, preemptDelayUs: 0,
    trackInterfaces: [], trackScripts: [], trackFiles: [],
  };
  let now: Instant = 0;
  let due: Instant | undefined;
  let onWake: (() => void) | undefined;
  let receive: ((payload: Uint8Array, meta: Parameters<Parameters<DirectorPorts['link']['onReceive']>[0]>[1]) => void) | undefined;
  const sent: Array<{ payload: Uint8Array; dst: VrrpInstanceSpec['primaryAddr'] }> = [];
  const vlog = new VrrpLog(pino({ level: 'silent' }));
  const ports: DirectorPorts = {
    clock: { now: () => now, wakeAt: (at, cb) => { due = at; onWake = cb; } },
    link: { send: (tx) => { sent.push({ payload: tx.payload, dst: tx.dst }); }, onReceive: (cb) => { receive = cb; }, ifnameOf: () => spec.ifname },
    codec,
    addresses: vlog.wrapAddresses({ add: (_i, _v, _a, done) => done({ ok: true }), remove: (_i, _v, done) => done({ ok: true }) }),
    announcer: vlog.wrapAnnouncer({ announce: () => {} }),
    scripts: { run: () => {}, kill: () => {} },
    notifier: vlog.wrapNotifier({ notify: () => {} }),
  };
  const d = new Director(ports, { instances: [spec], syncGroups: [], scripts: [] }, (e) => {
    if (e.kind === 'stateChanged') states.push(e.to);
    vlog.onEvent(e);
  });
  vlog.attach(d);
  const inst = (): string => d.instances[0]?.state ?? 'INIT';
  d.start();
  for (let i = 0; i < MAX_STEPS && inst() !== 'MASTER' && due !== undefined; i++) {
    now = Math.max(now, due);
    onWake?.();
  }
  if (inst() !== 'MASTER') {
    d.stop();
    return false;
  }
  // A higher-priority master (from a higher address too) sends it back to BACKUP, through the
  // real codec both ways, as a received advert would.
  const last = sent[sent.length - 1];
  const advert = last ? codec.decode(last.payload, { src: spec.primaryAddr, dst: last.dst, ttl: 255, ifindex: 0 }, spec) : undefined;
  if (last && advert?.ok && receive) {
    const peer = { ...spec.primaryAddr, bytes: Uint8Array.from(spec.primaryAddr.bytes, (b, j) => (j === spec.primaryAddr.bytes.length - 1 ? b ^ 1 : b)) };
    const dst = last.dst;
    const payload = codec.encode({ ...advert.advert, priority: 255 }, peer, dst, spec);
    now += 1000;
    receive(payload, { src: peer, dst, ttl: 255, ifindex: 0 });
  }
  d.stop();
  return true;
}
