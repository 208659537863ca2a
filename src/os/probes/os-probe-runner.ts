// The Linux ProbeRunner: runs the scheduler's ProbeSpecs on real sockets and processes.
//
// Concurrency is bounded: at most `maxConcurrent` probes hold a socket or a child at once, the
// rest wait in FIFO order. Each probe holds about one file descriptor (a MISC child holds none
// in this process), so the bound must stay well under RLIMIT_NOFILE (`ulimit -n`, often 1024
// soft): by default a quarter of the soft limit read from /proc/self/limits, capped at 4096.
// With tens of thousands of checkers and warmup spreading them over delay_loop, few are ever in
// flight together; the queue absorbs bursts instead of failing with EMFILE. Raise the limit
// (systemd LimitNOFILE=) to raise the bound.
// PING_CHECK needs the native addon (build/Release/ktsnative.node); it is loaded on first use.
// A completion after cancel() is dropped; `done` is called at most once per start().

import { readFileSync } from 'node:fs';
import type { ProbeId, ProbeOutcome, ProbeRunner, ProbeSpec } from '../../check/checker-spec.ts';
import { fileProbe } from './file-probe.ts';
import { HttpClients, httpProbe } from './http-probe.ts';
import { miscProbe } from './misc-probe.ts';
import { pingProbe } from './ping-probe.ts';
import type { Cancel } from './probe-impl.ts';
import { smtpProbe } from './smtp-probe.ts';
import { tcpProbe } from './tcp-probe.ts';
import { dnsProbe, udpProbe } from './udp-probes.ts';

/** A PING_CHECK implementation, when one is plugged in (it needs a raw ICMP socket). */
export type PingProbe = (spec: Extract<ProbeSpec, { kind: 'ping' }>, done: (o: ProbeOutcome) => void) => Cancel;

export interface OsProbeRunnerOptions {
  readonly maxConcurrent?: number;
  /** Default: the raw-socket probe over the native addon (src/os/probes/ping-probe.ts). */
  readonly ping?: PingProbe;
}

/** RLIMIT_NOFILE soft limit from /proc/self/limits; undefined if unreadable or unlimited. */
export function nofileSoftLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const m = line && /^Max open files\s+(\d+)/.exec(line);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function defaultProbeConcurrency(): number {
  const soft = nofileSoftLimit() ?? 1024;
  return Math.max(16, Math.min(4096, Math.floor(soft / 4)));
}

interface Job {
  readonly id: ProbeId;
  readonly spec: ProbeSpec;
  readonly done: (o: ProbeOutcome) => void;
}

export class OsProbeRunner implements ProbeRunner {
  readonly maxConcurrent: number;
  private readonly queue: Job[] = [];
  private queueHead = 0;
  private readonly running = new Map<ProbeId, Cancel>();
  private readonly http = new HttpClients();
  private readonly ping: PingProbe | undefined;
  /** Highest number of probes in flight at once, for the bench and the dumps. */
  peakInFlight = 0;

  constructor(options: OsProbeRunnerOptions = {}) {
    this.maxConcurrent = options.maxConcurrent ?? defaultProbeConcurrency();
    this.ping = options.ping ?? pingProbe;
  }

  get inFlight(): number {
    return this.running.size;
  }

  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  start(id: ProbeId, spec: ProbeSpec, done: (o: ProbeOutcome) => void): void {
    this.queue.push({ id, spec, done });
    this.pump();
  }

  cancel(id: ProbeId): void {
    const cancel = this.running.get(id);
    if (cancel) {
      this.running.delete(id);
      cancel();
      this.pump();
      return;
    }
    for (let i = this.queueHead; i < this.queue.length; i++) {
      if (this.queue[i]!.id === id) {
        this.queue.splice(i, 1);
        return;
      }
    }
  }

  /** Cancels everything and closes the HTTP clients (daemon shutdown). */
  async close(): Promise<void> {
    for (const [, cancel] of this.running) cancel();
    this.running.clear();
    this.queue.length = 0;
    this.queueHead = 0;
    await this.http.close();
  }

  private pump(): void {
    while (this.running.size < this.maxConcurrent && this.queueHead < this.queue.length) {
      const job = this.queue[this.queueHead++]!;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      this.launch(job);
    }
  }

  private launch(job: Job): void {
    let settled = false;
    const done = (o: ProbeOutcome) => {
      if (settled || !this.running.has(job.id)) return;
      settled = true;
      this.running.delete(job.id);
      // Free the slot before reporting, so a probe started from `done` can run at once.
      this.pump();
      job.done(o);
    };
    // Registered before the probe starts: a probe may complete synchronously.
    this.running.set(job.id, () => { settled = true; });
    let cancel: Cancel;
    try {
      cancel = this.dispatch(job.spec, done);
    } catch (e) {
      // Our own bug in a probe must not take the daemon down: it becomes a failed probe.
      done({ kind: 'failed', reason: `probe crashed: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    if (this.running.has(job.id) && !settled) {
      this.running.set(job.id, () => { settled = true; cancel(); });
    }
    this.peakInFlight = Math.max(this.peakInFlight, this.running.size);
  }

  private dispatch(spec: ProbeSpec, done: (o: ProbeOutcome) => void): Cancel {
    switch (spec.kind) {
      case 'tcp': return tcpProbe(spec, done);
      case 'http': return httpProbe(this.http)(spec, done);
      case 'smtp': return smtpProbe(spec, done);
      case 'dns': return dnsProbe(spec, done);
      case 'udp': return udpProbe(spec, done);
      case 'misc': return miscProbe(spec, done);
      case 'file': return fileProbe(spec, done);
      case 'ping':
        if (this.ping) return this.ping(spec, done);
        done({ kind: 'failed', reason: 'PING_CHECK is not available (no ICMP socket implementation plugged in)' });
        return () => undefined;
    }
  }
}
