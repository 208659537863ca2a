// startLvs: the LVS half of keepalived-ts as a running service -- the configuration's virtual
// servers health-checked by the Linux probes and mirrored into the kernel's IPVS table.
//
// Composition only (decisions live in the cores): lvsSpecFromConfig -> LvsDirector with a
// MonotonicClock of its own (one timer for this half), the OsProbeRunner, the generic-netlink
// NetlinkIpvsPort and the script notifier; director events become keepalived-worded log lines.
// The VRRP half (run-daemon.ts) and the CLI compose it:
//     const lvs = startLvs(config, { log, releaseOnStop: !dontReleaseIpvs });
//     ...; lvs.reload(newConfig) on SIGHUP; await lvs.stop();
// stop(): probes cancelled, our services deleted from the kernel (kept with -I /
// --dont-release-ipvs), bounded by stopTimeoutMs WITHOUT PROGRESS: each window of removals the
// director sends re-arms the bound, so a big table (1000 x 20 takes seconds on a loaded machine)
// is removed whole, while a kernel that stops answering still cannot hold the stop -- keepalived's
// fixed child_wait_time (5 s) SIGKILLs its checker mid-cleanup and leaves most of such a table
// behind (bench/lvs-stop-restart.ts). Then every socket and timer is closed.
// A restart over a table that already matches issues no IPVS operation: IpvsSync dumps first and
// plans against what the kernel holds.
// The LVS half's wakes are coalesced on a LVS_WAKE_GRID_US grid (gridClock): each wake of Node's
// loop costs two epoll_wait calls and about six clock reads (libuv's idle-time metrics poll once
// with a zero timeout first), system calls that a user-mode-linux guest makes expensive; with
// checkers spread over delay_loop every probe had a wake of its own. On the grid, probes due in
// the same 20 ms start together: at 20 checks / delay_loop 1 on the host, 0.7 wakes per probe
// instead of 1 and 651 -> 382 ms CPU per 1000 probes; the cost is a start at most 20 ms late
// (the interval grows by ~1%, keepalived's delay_loop is whole seconds). Issue 4,
// bench/check-cost.ts and bench/lvs-check-cost.ts.
import { randomInt } from 'node:crypto';
import { formatIp } from '../base/ip.ts';
import { Prng } from '../base/prng.ts';
import type { ProbeRunner } from '../check/checker-spec.ts';
import type { KeepalivedConfig } from '../config/model.ts';
import { describeServiceKey } from '../ipvs/ipvs-codec.ts';
import type { IpvsTable } from '../ipvs/model.ts';
import { MonotonicClock } from '../os/clock.ts';
import { NetlinkIpvsPort } from '../os/ipvs-port.ts';
import { OsProbeRunner } from '../os/probes/os-probe-runner.ts';
import type { Instant } from '../base/time.ts';
import { LvsDirector, type IpvsPort, type LvsEvent } from '../runtime/lvs-director.ts';
import type { Clock } from '../runtime/ports.ts';
import { lvsSpecFromConfig } from '../runtime/lvs-spec-from-config.ts';
import type { DaemonLogger } from './daemon-log.ts';
import { ScriptLvsNotifier } from './lvs-notifier.ts';

export interface LvsStartOptions {
  readonly log: DaemonLogger;
  /** false = keepalived -I (--dont-release-ipvs). Default true. */
  readonly releaseOnStop?: boolean;
  /** Seed of the warmup spread; random (and logged) by default. */
  readonly seed?: number;
  /** How long stop() waits for the kernel to acknowledge removals it was sent (re-armed at every send). Default 5000 ms. */
  readonly stopTimeoutMs?: number;
  /** Every director event, for tests, benches and dumps. */
  readonly onEvent?: (e: LvsEvent) => void;
  /** Replacements for the Linux ports (tests). */
  readonly probes?: ProbeRunner;
  readonly ipvs?: IpvsPort & { close?(): void };
}

export interface LvsHandle {
  readonly director: LvsDirector;
  readonly seed: number;
  /** Resolves once the IPVS table has been made equal to the configuration the first time. */
  readonly firstSync: Promise<void>;
  /** SIGHUP: the new configuration's LVS half, applied as a diff (see LvsDirector.reload). */
  reload(config: KeepalivedConfig): void;
  stop(): Promise<void>;
}

/** The LVS half's wake grid (see the theory above). */
export const LVS_WAKE_GRID_US = 20_000;

/** `clock` whose wakes land on the next multiple of `gridUs` at or after the deadline asked for. */
export function gridClock(clock: Clock, gridUs: number): Clock {
  return {
    now: (): Instant => clock.now(),
    wakeAt: (at, onWake) => clock.wakeAt(at === undefined ? undefined : Math.ceil(at / gridUs) * gridUs, onWake),
  };
}

/** "[192.168.1.2]:tcp:8080" as keepalived prints a real server (FMT_RS). */
function rsText(checkKey: string): { rs: string; vs: string } {
  const [vs = checkKey, rs = checkKey] = checkKey.split(' -> ');
  return { rs, vs };
}

function tableSummary(t: IpvsTable): string {
  const parts: string[] = [];
  for (const e of t.values()) {
    const ds = [...e.dests.values()].map((d) => `${formatIp(d.key.addr)}:${d.key.port}/${d.attrs.weight}`);
    parts.push(`${describeServiceKey(e.service.key)} [${ds.join(' ')}]`);
  }
  return parts.join('; ');
}

/** Throws when the netlink socket cannot be opened; configuration problems are logged. */
export function startLvs(config: KeepalivedConfig, o: LvsStartOptions): LvsHandle {
  const log = o.log;
  const { spec, diagnostics } = lvsSpecFromConfig(config);
  for (const d of diagnostics) log.warn(`${d.subject}: ${d.message}`);
  const seed = o.seed ?? randomInt(0, 0x7fffffff);
  log.debug(`LVS: ${spec.virtualServers.length} virtual server(s), ${spec.checks.checkers.length} checker(s), warmup seed ${seed}`);
  const clock = new MonotonicClock();
  const osProbes = o.probes ? undefined : new OsProbeRunner();
  const probes = o.probes ?? osProbes!;
  const port = o.ipvs ?? new NetlinkIpvsPort();
  const defaultUser = config.global_defs.script_user?.user;
  const notifier = new ScriptLvsNotifier({ info: (m) => log.info(m), warn: (m) => log.warn(m) }, defaultUser);

  let resolveFirst: () => void = () => {};
  const firstSync = new Promise<void>((r) => { resolveFirst = r; });
  /** Set while stop() waits: a send of more removals is progress. */
  let stopProgress: (() => void) | undefined;
  const observe = (e: LvsEvent): void => {
    o.onEvent?.(e);
    if (e.kind === 'sent') stopProgress?.();
    switch (e.kind) {
      case 'health': {
        const { rs, vs } = rsText(e.realServer);
        if (e.reason.startsWith('initial')) break;
        log.info(e.up ? `${e.reason}; Adding service ${rs} to VS ${vs}` : `${e.reason}; Removing service ${rs} from VS ${vs}`);
        break;
      }
      case 'weight':
        log.info(`Changing weight of ${e.realServer} to ${e.weight} (${e.reason})`);
        break;
      case 'quorum':
        log.info(e.up ? `Gained quorum for VS ${e.virtualServer}` : `Lost quorum for VS ${e.virtualServer}`);
        break;
      case 'desired':
        // Formatting a big table is not free: only when debug lines are wanted.
        if (log.isLevelEnabled('debug')) log.debug(`IPVS desired: ${tableSummary(e.table)}`);
        break;
      case 'ipvs': {
        const ev = e.event;
        if (ev.type === 'synced') { resolveFirst(); log.debug(`IPVS in sync (${ev.ops} operation(s))`); }
        else if (ev.type === 'unavailable') log.error(`IPVS: ${ev.reason}`);
        else if (ev.type === 'op-failed') log.warn(`IPVS: ${ev.op.op} failed, errno ${ev.errno}; re-reading the kernel table`);
        else if (ev.type === 'resync') log.warn(`IPVS: re-reading the kernel table (${ev.reason})`);
        else log.debug(`IPVS: ${JSON.stringify(ev)}`);
        break;
      }
      case 'diagnostic':
        log.warn(`${e.subject}: ${e.message}`);
        break;
      default:
        break;
    }
  };
  const lt = config.global_defs.lvs_timeouts;
  const director = new LvsDirector(
    { clock: gridClock(clock, LVS_WAKE_GRID_US), probes, ipvs: port, notifier },
    spec,
    {
      prng: new Prng(seed), releaseOnStop: o.releaseOnStop ?? true,
      flushAtStart: config.global_defs.lvs_flush === true, flushOnStop: config.global_defs.lvs_flush_on_stop === true,
      ...(lt ? { timeouts: { tcpS: lt.tcp ?? 0, tcpFinS: lt.tcpfin ?? 0, udpS: lt.udp ?? 0 } } : {}),
    },
    observe,
  );
  director.start();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      const limitMs = o.stopTimeoutMs ?? 5000;
      const onTimeout = (): void => {
        log.warn(`LVS: the kernel did not acknowledge the IPVS removals within ${limitMs} ms`);
        finish();
      };
      let timer = setTimeout(onTimeout, limitMs);
      stopProgress = () => { clearTimeout(timer); timer = setTimeout(onTimeout, limitMs); };
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        stopProgress = undefined;
        clearTimeout(timer);
        clock.cancel();
        port.close?.();
        resolveFirst();
        void (osProbes?.close() ?? Promise.resolve()).then(() => resolve(), () => resolve());
      };
      director.stop(finish);
    });
    return stopping;
  };
  const reload = (next: KeepalivedConfig): void => {
    const r = lvsSpecFromConfig(next);
    for (const d of r.diagnostics) log.warn(`${d.subject}: ${d.message}`);
    log.info(`Reloading: ${r.spec.virtualServers.length} virtual server(s), ${r.spec.checks.checkers.length} checker(s)`);
    director.reload(r.spec);
  };
  return { director, seed, firstSync, reload, stop };
}
