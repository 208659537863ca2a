// runSupervisor: keepalived's process model -- a parent that supervises its worker.
//
// keepalived runs a parent that forks a VRRP child and a checker child, writes -p while the
// children write -r / -c, forwards the signals it is sent, respawns a child that dies (unless
// -R, --dont-respawn: then it stops) and, through PR_SET_PDEATHSIG, makes its children stop
// GRACEFULLY if it dies (SIGTERM: masters send priority 0 and remove their VIPs).
//
// DEPARTURE: keepalived-ts has ONE worker, running both halves (VRRP and the LVS checkers) in
// one process, on purpose: `keepalived-ts status`, the metrics and the dumps read both halves
// from one DaemonView (daemon-view.ts) without an IPC protocol between children. -P / -C still
// choose which halves the worker runs; -r and -c both name that one worker's pid.
//
// Theory of operation:
//  1. refuse to start when -p, -r or -c names a live process (keepalived_running checks all the
//     pid files before forking), else write -p (our pid);
//  2. start the worker: the same executable and arguments plus an environment marker (the
//     caller, cli/main.ts, builds the command), with an IPC channel as fd 3. Node has no
//     PR_SET_PDEATHSIG, but the channel is a socketpair: when we die, for any reason, the
//     kernel closes our end and the worker's 'disconnect' fires at once; it then stops as on
//     SIGTERM (main.ts turns it into runDaemon's stopSignal);
//  3. SIGHUP, SIGUSR1, SIGUSR2 are forwarded; SIGTERM / SIGINT are forwarded, the worker gets
//     STOP_TIMEOUT_MS to stop (then SIGKILL), -p is removed and we exit 0;
//  4. a worker that dies on its own: exit 0 that it announced over the channel -> we stop with 0
//     (it was told to stop; keepalived would respawn even then); exit 4 (configuration error, keepalived's
//     KEEPALIVED_EXIT_CONFIG) -> we stop with 4, respawning cannot help; anything else (a
//     signal, another status) -> logged in keepalived's words and respawned after
//     respawnDelayMs (supervisor-backoff.ts), or with -R we stop (exit 0, as keepalived 2.2.7
//     does: "VRRP child process(PID) died: Exiting", measured);
//  5. systemd (Type=notify): the worker sends READY=1 / RELOADING=1 / STOPPING=1 with
//     MAINPID=<its pid>. Passed straight to systemd, that MAINPID would make the WORKER the
//     unit's main process and a respawn would look like the service dying. So when
//     NOTIFY_SOCKET is set we bind a relay socket, give the worker ITS address as NOTIFY_SOCKET,
//     and forward every datagram with MAINPID rewritten to our pid (then NotifyAccess=main
//     would do as well as all).
//
// The Node-level signal API cannot catch real-time signals: SIGRTMIN+2 (36 with glibc,
// keepalived's JSON dump) and 63 (keepalived's STATS_CLEAR, --signum) are caught with the
// native watcher (src/os/signal-watch.ts) and forwarded like the others; their default action
// would end the supervisor.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createDaemonLogger, type DaemonLogger } from './daemon-log.ts';
import { livePidIn, removePidFile, writePidFile } from './pid-file.ts';
import { respawnDelayMs } from './supervisor-backoff.ts';
import { VERSION } from './version.ts';
import { AF_UNIX, NativeSocket, SOCK_DGRAM } from '../os/native-socket.ts';
import { SdNotify } from '../os/sd-notify.ts';
import { watchSignal, type SignalWatch } from '../os/signal-watch.ts';

export interface WorkerCommand {
  readonly file: string;
  readonly args: readonly string[];
  /** The worker's whole environment (with the caller's worker marker). */
  readonly env: NodeJS.ProcessEnv;
}

export interface SupervisorOptions {
  readonly worker: WorkerCommand;
  /** -p: ours. */
  readonly pidFile?: string;
  /** -r / -c: the worker's; checked before we start, cleaned up after a worker is killed. */
  readonly vrrpPidFile?: string;
  readonly checkersPidFile?: string;
  /** -R */
  readonly dontRespawn: boolean;
  /** -C without -P: the worker is what keepalived calls its Healthcheck child. */
  readonly checkOnly: boolean;
  readonly vrrpOnly: boolean;
  readonly logConsole: boolean;
  readonly logDetail: boolean;
  readonly errorOut?: { write(s: string): unknown };
  /** How long a stopping worker may take before SIGKILL (default STOP_TIMEOUT_MS). */
  readonly stopTimeoutMs?: number;
  /** Aborting stops like SIGTERM (tests, in-process use). */
  readonly stopSignal?: AbortSignal;
  /** Where -l log lines go (default stderr). */
  readonly sink?: { write(s: string): unknown };
}

const EXIT_OK = 0;
const EXIT_FATAL = 1;
/** keepalived's KEEPALIVED_EXIT_CONFIG: the worker's "configuration errors - not starting". */
const EXIT_CONFIG = 4;
/**
 * A backstop only: the worker bounds its own waits (netlink ACKs for the VIPs, the IPVS removal
 * while it makes progress), and removing a 21,000-entry table took 0.4-1.8 s in the IPVS guest
 * (bench/lvs-stop-restart.ts); a loaded machine may need longer, and a SIGKILL mid-removal
 * would leave entries behind as keepalived's child_wait_time does. Below systemd's default
 * TimeoutStopSec (90 s).
 */
const STOP_TIMEOUT_MS = 60_000;

/** Signals passed on to the worker; SIGTERM and SIGINT also stop us. */
const FORWARDED = ['SIGHUP', 'SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGUSR2'] as const;
type Forwarded = (typeof FORWARDED)[number];
/** Real-time signals keepalived acts on (--signum): 36 = SIGRTMIN+2, the JSON dump; 63 = STATS_CLEAR. */
const RT_FORWARDED = [36, 63] as const;

/** strsignal(3) for the signals a worker is likely to die of (keepalived prints it in brackets). */
const SIGNAL_TEXT: Readonly<Record<string, string>> = {
  SIGHUP: 'Hangup', SIGINT: 'Interrupt', SIGQUIT: 'Quit', SIGILL: 'Illegal instruction', SIGTRAP: 'Trace/breakpoint trap',
  SIGABRT: 'Aborted', SIGBUS: 'Bus error', SIGFPE: 'Floating point exception', SIGKILL: 'Killed',
  SIGUSR1: 'User defined signal 1', SIGSEGV: 'Segmentation fault', SIGUSR2: 'User defined signal 2',
  SIGPIPE: 'Broken pipe', SIGALRM: 'Alarm clock', SIGTERM: 'Terminated', SIGXCPU: 'CPU time limit exceeded',
};
const SIGNAL_NUMBER: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGXCPU: 24,
};

interface WorkerExit {
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: string;
  /** The status the worker said it was leaving with (WorkerExitMessage), if it said so. */
  readonly announced?: number;
}

/**
 * What the worker sends over the channel just before it exits on purpose. Needed because Node
 * reports a child killed by a signal it cannot name (SIGRTMIN+n) as exit code 0, signal null:
 * an exit 0 the worker did not announce is a death, and is respawned.
 */
export interface WorkerExitMessage {
  readonly kind: 'exit';
  readonly code: number;
}

function isExitMessage(m: unknown): m is WorkerExitMessage {
  return typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === 'exit' && typeof (m as { code?: unknown }).code === 'number';
}

/** How keepalived reports a dead child (core/process.c report_child_status). */
export function describeExit(e: WorkerExit): string {
  const who = `pid ${e.pid ?? '?'}`;
  if (e.spawnError !== undefined) return `${who} could not be started: ${e.spawnError}`;
  if (e.signal !== null) {
    const text = SIGNAL_TEXT[e.signal];
    return `${who} exited due to signal ${SIGNAL_NUMBER[e.signal] ?? e.signal}${text ? ` (${text})` : ''}`;
  }
  if (e.code === 0 && e.announced === undefined) return `${who} exited without saying why (status 0: a signal Node cannot name?)`;
  return `${who} exited with status ${e.code ?? '?'}`;
}

export async function runSupervisor(o: SupervisorOptions): Promise<number> {
  const errOut = o.errorOut ?? process.stderr;
  for (const p of [o.vrrpPidFile, o.checkersPidFile]) {
    const live = livePidIn(p);
    if (live !== undefined) {
      errOut.write(`keepalived-ts: daemon is already running (pid ${live} in ${p})\n`);
      return EXIT_FATAL;
    }
  }
  if (o.pidFile !== undefined) {
    const r = writePidFile(o.pidFile);
    if (!r.ok) {
      errOut.write(`keepalived-ts: ${r.error}\n`);
      return EXIT_FATAL;
    }
  }
  const log = createDaemonLogger(o);
  const sup = new Supervisor(o, log);
  try {
    return await sup.run();
  } finally {
    sup.close();
    if (o.pidFile !== undefined) removePidFile(o.pidFile);
  }
}

class Supervisor {
  private worker: ChildProcess | undefined;
  private stopping = false;
  private killTimer: NodeJS.Timeout | undefined;
  /** Ends a respawn wait early (stop requested). */
  private wake: (() => void) | undefined;
  private readonly handlers: Array<[Forwarded, () => void]>;
  private readonly relay: NotifyRelay | undefined;
  private readonly rtWatches: SignalWatch[] = [];
  /** keepalived's names for the child in its log lines. */
  private readonly childName: string;

  constructor(private readonly o: SupervisorOptions, private readonly log: DaemonLogger) {
    this.childName = o.checkOnly && !o.vrrpOnly ? 'Healthcheck' : 'VRRP';
    // Installed before the first worker exists: a signal is never left to Node's default action.
    this.handlers = FORWARDED.map((s) => [s, () => this.onSignal(s)]);
    for (const [s, h] of this.handlers) process.on(s, h);
    for (const signum of RT_FORWARDED) {
      try {
        // ChildProcess.kill() rejects numbers Node cannot name; process.kill() takes them.
        this.rtWatches.push(watchSignal(signum, () => {
          const pid = this.worker?.pid;
          if (pid !== undefined) { try { process.kill(pid, signum); } catch { /* exiting */ } }
        }));
      } catch (e) {
        log.warn(`signal ${signum} will not be forwarded: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    o.stopSignal?.addEventListener('abort', this.onAbort);
    if (o.stopSignal?.aborted) this.onSignal('SIGTERM');
    const target = o.worker.env.NOTIFY_SOCKET;
    this.relay = target ? NotifyRelay.open(target, log) : undefined;
  }

  async run(): Promise<number> {
    this.log.info(`Starting keepalived-ts v${VERSION} (keepalived 2.2.7 compatible), supervisor pid ${process.pid}`);
    let delayMs: number | undefined;
    for (;;) {
      if (this.stopping) return this.stopped(EXIT_OK);
      const startedMs = Date.now();
      const exit = await this.runWorker();
      this.cleanWorkerPidFiles(exit.pid);
      if (this.stopping) return this.stopped(EXIT_OK);
      if (exit.spawnError === undefined && exit.signal === null && exit.code === 0 && exit.announced === 0) {
        this.log.info(`${this.childName} child process(${exit.pid}) exited normally: stopping`);
        return this.stopped(EXIT_OK);
      }
      if (exit.signal === null && exit.code === EXIT_CONFIG) {
        this.log.error(`pid ${exit.pid} exited with permanent error CONFIG. Terminating`);
        return this.stopped(EXIT_CONFIG);
      }
      this.log.error(describeExit(exit));
      if (this.o.dontRespawn) {
        this.log.error(`${this.childName} child process(${exit.pid ?? '?'}) died: Exiting`);
        return this.stopped(EXIT_OK);
      }
      this.log.error(`${this.childName} child process(${exit.pid ?? '?'}) died: Respawning`);
      delayMs = respawnDelayMs(delayMs, Date.now() - startedMs);
      this.log.info(`Restart of ${this.childName} process delayed ${delayMs / 1000} seconds to limit respawn rate`);
      await this.sleep(delayMs);
    }
  }

  private readonly onAbort = (): void => this.onSignal('SIGTERM');

  close(): void {
    for (const [s, h] of this.handlers) process.off(s, h);
    for (const w of this.rtWatches) w.close();
    this.o.stopSignal?.removeEventListener('abort', this.onAbort);
    clearTimeout(this.killTimer);
    this.relay?.close();
  }

  private stopped(code: number): number {
    this.log.info(`Stopped keepalived-ts v${VERSION}`);
    return code;
  }

  private runWorker(): Promise<WorkerExit> {
    const w = this.o.worker;
    const env = this.relay ? { ...w.env, NOTIFY_SOCKET: this.relay.address } : w.env;
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(w.file, [...w.args], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env });
      } catch (e) {
        resolve({ pid: undefined, code: null, signal: null, spawnError: e instanceof Error ? e.message : String(e) });
        return;
      }
      this.worker = child;
      let settled = false;
      const done = (e: WorkerExit): void => {
        if (settled) return;
        settled = true;
        this.worker = undefined;
        clearTimeout(this.killTimer);
        this.killTimer = undefined;
        resolve(e);
      };
      child.on('error', (err) => {
        // Spawn failures come here without an 'exit'; a failed kill() does too (ignored).
        if (child.pid === undefined) done({ pid: undefined, code: null, signal: null, spawnError: err.message });
      });
      let announced: number | undefined;
      child.on('message', (m: unknown) => { if (isExitMessage(m)) announced = m.code; });
      child.on('exit', (code, signal) => done({ pid: child.pid, code, signal, ...(announced !== undefined ? { announced } : {}) }));
      if (child.pid !== undefined) this.log.info(`Starting ${this.childName} child process, pid=${child.pid}`);
      // A stop requested while the worker was being started reaches it now.
      if (this.stopping) this.stopWorker('SIGTERM');
    });
  }

  private onSignal(sig: Forwarded): void {
    if (sig === 'SIGTERM' || sig === 'SIGINT') {
      if (!this.stopping) this.log.info(`Stopping (${sig})`);
      this.stopping = true;
      this.stopWorker(sig);
      this.wake?.();
      return;
    }
    // SIGHUP (reload), SIGUSR1/SIGUSR2 (dumps): the worker's business. With no worker (waiting
    // to respawn) there is nothing to reload: the next worker reads the file anyway.
    if (this.worker) this.worker.kill(sig);
  }

  private stopWorker(sig: 'SIGTERM' | 'SIGINT'): void {
    const w = this.worker;
    if (!w) return;
    w.kill(sig);
    if (this.killTimer !== undefined) return;
    const timeoutMs = this.o.stopTimeoutMs ?? STOP_TIMEOUT_MS;
    this.killTimer = setTimeout(() => {
      this.log.error(`${this.childName} child process(${w.pid}) did not stop within ${timeoutMs / 1000} s: killing it`);
      w.kill('SIGKILL');
    }, timeoutMs);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(finish, ms);
      function finish(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        finish();
      };
    });
  }

  /** A killed worker leaves its -r / -c behind; a file still naming it is removed. */
  private cleanWorkerPidFiles(pid: number | undefined): void {
    if (pid === undefined) return;
    for (const p of [this.o.vrrpPidFile, this.o.checkersPidFile]) if (p !== undefined) removePidFile(p, pid);
  }
}

/**
 * Point 5 above: the worker's NOTIFY_SOCKET is ours (abstract namespace, nothing to clean up);
 * each datagram goes on to systemd's socket with MAINPID=<our pid>.
 */
class NotifyRelay {
  private constructor(private readonly sock: NativeSocket, readonly address: string, private readonly out: SdNotify) {}

  static open(target: string, log: DaemonLogger): NotifyRelay | undefined {
    const address = `@keepalived-ts-notify-${process.pid}`;
    let sock: NativeSocket | undefined;
    try {
      sock = NativeSocket.open(AF_UNIX, SOCK_DGRAM, 0);
      sock.bind({ family: 'unix', path: address });
    } catch (e) {
      sock?.close();
      log.warn(`sd_notify relay: ${e instanceof Error ? e.message : String(e)} - the worker talks to systemd directly`);
      return undefined;
    }
    const relay = new NotifyRelay(sock, address, new SdNotify(target));
    sock.on('message', (m) => {
      const text = m.bytes.toString().replace(/^MAINPID=\d+$/m, `MAINPID=${process.pid}`);
      const err = relay.out.send(text);
      if (err) log.warn(`sd_notify failed: ${err}`);
    });
    sock.start();
    return relay;
  }

  close(): void {
    this.sock.close();
    this.out.close();
  }
}
