// TimingProbe: where the time goes between a backup's decision to become master and its first
// gratuitous ARP, measured inside the daemon (bench/failover-vs-keepalived.ts collects it).
//
// Theory of operation: with KEEPALIVED_TS_TIMING=1 in the environment the daemon wraps its VRRP
// ports (clock, link, address port, announcer) with thin pass-through wrappers that take a
// monotonic stamp (the Clock's own microseconds) around each call, and watches the director's
// events. A transition to MASTER opens an episode; the step that made it (always synchronous,
// DESIGN section 4) then calls the ports in the core's order - RTM_NEWADDR for the VIPs, the
// advert, the gratuitous ARPs (RFC 5798 section 6.4.2; keepalived vrrp_state_become_master sends
// the advert, adds the VIPs, then the GARPs, none of them waiting for the netlink ACK) - and each
// first call is stamped after it returns (the sendmsg has been done). The ACK of the address add
// comes back later through the netlink socket. One line per episode is logged once the ACK is in
// (or after REPORT_AFTER_MS), from a later event-loop turn, so the report never delays a send:
//   "timing: (VI_1) MASTER epoch_ms=.. cause=.. last_rx_prio=150 rx_to_deadline_us=3609377
//    late_us=84 fire_to_step_us=31 step_to_vip_add_us=95 step_to_advert_us=140 step_to_garp_us=180
//    step_to_vip_ack_us=210 decision_to_garp_us=295 garps=5"
// "decision" is the deadline of the timer that fired (master-down, or the skew timer a
// priority-0 advert arms: RFC 5798 section 6.4.2); late_us is how long after it the clock called
// back; last_rx is the last VRRP packet read before (the master's last advert, or its priority-0
// advert). epoch_ms is the wall clock at the decision (sub-millisecond), to find the episode in a
// capture. Several instances becoming master in one step (a sync group) share the step's stamps.
// Late wakes (stalls) and their causes are reported too (timing-stalls.ts).
// Off by default: nothing is wrapped unless asked for.

import { performance } from 'node:perf_hooks';
import type { Instant } from '../base/time.ts';
import type { DirectorEvent } from '../runtime/director.ts';
import type { AddressPort, Announcer, Clock, VrrpLink } from '../runtime/ports.ts';
import { TimingStalls } from './timing-stalls.ts';

export interface TimingLog {
  info(msg: string): void;
}

/** How long an episode waits for its netlink ACK before it is reported without one. */
const REPORT_AFTER_MS = 1000;

/** The ports the probe stamps. */
export interface ProbedPorts {
  readonly clock: Clock;
  readonly link: VrrpLink;
  readonly addresses: AddressPort;
  readonly announcer: Announcer;
}

interface Wake {
  readonly deadline: Instant;
  readonly fired: Instant;
}

interface Episode {
  readonly instance: string;
  readonly cause: string;
  readonly epochMs: number;
  readonly step: Instant;
  readonly wake: Wake | undefined;
  readonly lastRx: Instant | undefined;
  readonly lastRxPrio: number | undefined;
  /** The address port called (the JS before the netlink request) and returned (its sendmsg done). */
  vipCall?: Instant;
  vipAdd?: Instant;
  vipAck?: Instant;
  advert?: Instant;
  garp?: Instant;
  garps: number;
  reported: boolean;
}

/** The figures of one episode (exported for tests and the bench's parser). */
export interface TimingFigures {
  readonly instance: string;
  readonly epochMs: number;
  readonly cause: string;
  readonly fields: Readonly<Record<string, number>>;
}

/** Parses one "timing:" log line back into figures (the bench reads the daemon's log). */
export function parseTimingLine(line: string): TimingFigures | undefined {
  const m = /timing: \((\S+)\) MASTER epoch_ms=([\d.]+) cause="([^"]*)"(.*)$/.exec(line);
  if (!m) return undefined;
  const fields: Record<string, number> = {};
  for (const f of m[4]!.matchAll(/(\w+)=(-?[\d.]+)/g)) fields[f[1]!] = Number(f[2]);
  return { instance: m[1]!, epochMs: Number(m[2]), cause: m[3]!, fields };
}

export class TimingProbe {
  private wake: Wake | undefined;
  private lastRx: Instant | undefined;
  private lastRxPrio: number | undefined;
  private open: Episode[] = [];

  /** A probe when KEEPALIVED_TS_TIMING=1; undefined otherwise. */
  static fromEnv(log: TimingLog, env: NodeJS.ProcessEnv = process.env): TimingProbe | undefined {
    return env.KEEPALIVED_TS_TIMING === '1' ? new TimingProbe(log, new TimingStalls(log)) : undefined;
  }

  /** stalls: late wakes and what caused them (timing-stalls.ts). */
  constructor(private readonly log: TimingLog, private readonly stalls?: TimingStalls) {}

  /** The same ports, stamped (the clock's microseconds throughout). */
  wrapPorts(p: ProbedPorts): ProbedPorts {
    const now = (): Instant => p.clock.now();
    return {
      clock: this.wrapClock(p.clock),
      link: this.wrapLink(p.link, now),
      addresses: this.wrapAddresses(p.addresses, now),
      announcer: this.wrapAnnouncer(p.announcer, now),
    };
  }

  /** The clock handed to the director: stamps each wake with its deadline and firing time. */
  wrapClock(inner: Clock): Clock {
    return {
      now: () => inner.now(),
      wakeAt: (at, onWake) => inner.wakeAt(at, at === undefined ? onWake : () => {
        const fired = inner.now();
        this.wake = { deadline: at, fired };
        try {
          onWake();
        } finally {
          this.wake = undefined;
        }
        this.stalls?.afterWake(at, fired);
      }),
    };
  }

  /** Stamps every received packet (priority = byte 2 of the VRRP header, v2 and v3) and the first advert of an episode. */
  wrapLink(inner: VrrpLink, now: () => Instant): VrrpLink {
    return {
      send: (tx) => {
        inner.send(tx);
        const e = this.open.find((x) => x.advert === undefined);
        if (e) e.advert = now();
      },
      onReceive: (cb) => inner.onReceive((payload, meta) => {
        this.lastRx = now();
        this.lastRxPrio = payload[2];
        cb(payload, meta);
      }),
      ifnameOf: (ifindex) => inner.ifnameOf(ifindex),
    };
  }

  wrapAddresses(inner: AddressPort, now: () => Instant): AddressPort {
    return {
      add: (ifname, vips, accept, done) => {
        const e = this.open.find((x) => x.vipAdd === undefined);
        if (e) e.vipCall = now();
        inner.add(ifname, vips, accept, (r) => {
          if (e && e.vipAck === undefined) {
            e.vipAck = now();
            this.reportSoon(e);
          }
          done(r);
        });
        if (e) e.vipAdd = now();
      },
      remove: (ifname, vips, done) => inner.remove(ifname, vips, done),
    };
  }

  wrapAnnouncer(inner: Announcer, now: () => Instant): Announcer {
    return {
      announce: (ifname, vips) => {
        inner.announce(ifname, vips);
        for (const e of this.open) {
          if (e.garp === undefined) e.garp = now();
          e.garps++;
        }
      },
    };
  }

  /** The director's observer (call it before anything that logs). */
  onEvent(e: DirectorEvent): void {
    if (e.kind !== 'stateChanged' || e.to !== 'MASTER') return;
    const ep: Episode = {
      instance: e.instance, cause: e.cause, step: e.at, wake: this.wake,
      epochMs: performance.timeOrigin + performance.now(),
      lastRx: this.lastRx, lastRxPrio: this.lastRxPrio, garps: 0, reported: false,
    };
    this.open.push(ep);
    setTimeout(() => this.report(ep), REPORT_AFTER_MS).unref();
  }

  private reportSoon(e: Episode): void {
    setImmediate(() => this.report(e));
  }

  private report(e: Episode): void {
    if (e.reported) return;
    e.reported = true;
    this.open = this.open.filter((x) => x !== e);
    this.log.info(TimingProbe.format(e));
  }

  /** One episode as a log line (static for tests). */
  static format(e: Omit<Episode, 'reported'>): string {
    const f: Array<[string, number | undefined]> = [];
    const since = (t: Instant | undefined, from: Instant | undefined): number | undefined =>
      t === undefined || from === undefined ? undefined : t - from;
    f.push(['last_rx_prio', e.lastRxPrio]);
    f.push(['rx_to_deadline_us', since(e.wake?.deadline, e.lastRx)]);
    f.push(['late_us', since(e.wake?.fired, e.wake?.deadline)]);
    f.push(['fire_to_step_us', since(e.step, e.wake?.fired)]);
    f.push(['step_to_vip_call_us', since(e.vipCall, e.step)]);
    f.push(['step_to_vip_add_us', since(e.vipAdd, e.step)]);
    f.push(['step_to_advert_us', since(e.advert, e.step)]);
    f.push(['step_to_garp_us', since(e.garp, e.step)]);
    f.push(['step_to_vip_ack_us', since(e.vipAck, e.step)]);
    f.push(['decision_to_garp_us', since(e.garp, e.wake?.deadline)]);
    f.push(['garps', e.garps]);
    const fields = f.filter((x): x is [string, number] => x[1] !== undefined).map(([k, v]) => `${k}=${v}`).join(' ');
    return `timing: (${e.instance}) MASTER epoch_ms=${e.epochMs.toFixed(3)} cause="${e.cause.replaceAll('"', "'")}" ${fields}`;
  }
}
