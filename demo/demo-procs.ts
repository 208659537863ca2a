// DemoProcs: every process the demo starts, each inside one namespace (`ip netns exec` execs, so
// the pid we get is the program's own), ended by its own pid and nothing else. A daemon also
// writes keepalived's pid files (-p, -r, -c): if the -r file names another pid than the one we
// spawned, the daemon runs a supervising parent over a worker, and crash() kills it the way
// ../shared/reference/vrrp-notes.md says a crash must be made (a SIGKILLed parent alone lets
// the worker send priority 0, which is a clean stop, not a crash): SIGSTOP the parent, SIGKILL
// the worker, SIGKILL the parent.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startTime } from './proc-tree.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const v = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

export class Proc {
  readonly pid: number;
  readonly exited: Promise<number | string | null>;
  private done = false;
  private readonly lines: string[] = [];
  readonly waiters = new Set<(line: string) => void>();

  constructor(readonly name: string, readonly child: ChildProcess, onLine?: (line: string, proc: Proc) => void) {
    if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
    this.pid = child.pid;
    this.exited = new Promise((r) => child.on('exit', (code, sig) => { this.done = true; r(code ?? sig); }));
    for (const s of [child.stdout, child.stderr]) {
      if (!s) continue;
      createInterface({ input: s }).on('line', (l) => {
        this.lines.push(l);
        if (this.lines.length > 400) this.lines.shift();
        onLine?.(l, this);
        for (const w of this.waiters) w(l);
      });
    }
  }

  isDone(): boolean {
    return this.done;
  }

  tail(n = 20): string[] {
    return this.lines.slice(-n);
  }

  /** Sends sig and waits (bounded) for the exit; SIGKILL after timeoutMs. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<void> {
    if (this.done) return;
    try { process.kill(this.pid, sig); } catch { return; }
    const t = setTimeout(() => { try { process.kill(this.pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    await this.exited;
    clearTimeout(t);
  }
}

export class Daemon extends Proc {
  constructor(name: string, child: ChildProcess, readonly pidFiles: { main: string; vrrp: string; checkers: string }, onLine?: (l: string, p: Proc) => void) {
    super(name, child, onLine);
  }

  /** Each worker pid with its start time, from when it was first seen alive. */
  private readonly known = new Map<number, string>();

  /**
   * The live processes the daemon says it runs as (its pid files), other than the one we spawned.
   * Paired with their start times: a pid file outlives its process, and its pid may be reused.
   */
  workers(): number[] {
    const pids = [readPid(this.pidFiles.vrrp), readPid(this.pidFiles.checkers)].filter((p): p is number => p !== undefined && p !== this.pid);
    for (const p of pids) {
      const since = startTime(p);
      if (!this.known.has(p) && since !== undefined) this.known.set(p, since);
    }
    return [...this.known].filter(([p, since]) => startTime(p) === since).map(([p]) => p);
  }

  /**
   * A crash, not a stop: no priority-0 advert, nothing cleaned up. The signals are sent before
   * this returns (so the caller's clock starts at the crash); `gone` resolves once every process is dead.
   */
  crash(): { how: string; gone: Promise<void> } {
    const workers = this.workers();
    if (workers.length === 0) {
      process.kill(this.pid, 'SIGKILL');
      return { how: `SIGKILL pid ${this.pid}`, gone: this.exited.then(() => undefined) };
    }
    process.kill(this.pid, 'SIGSTOP');
    for (const w of workers) { try { process.kill(w, 'SIGKILL'); } catch { /* gone */ } }
    process.kill(this.pid, 'SIGKILL');
    return {
      how: `SIGSTOP supervisor ${this.pid}, SIGKILL worker ${workers.join(',')}, SIGKILL supervisor`,
      gone: this.exited.then(() => waitGone(workers, 5000)),
    };
  }

  /** Stop, then make sure no worker named in the pid files outlives it. */
  override async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<void> {
    const workers = this.workers();
    await super.stop(sig, timeoutMs);
    const left = workers.filter((w) => this.workers().includes(w));
    for (const w of left) { try { process.kill(w, 'SIGKILL'); } catch { /* gone */ } }
    await waitGone(left, 2000);
  }
}

async function waitGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < end) await sleep(20);
}

/** A long-running program inside namespace ns. */
export function spawnIn(ns: string, argv: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
}

/** Resolves with the first line that satisfies pred; rejects on exit or after timeoutMs. */
export function waitLine(p: Proc, pred: (l: string) => boolean, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const found = p.tail(400).find(pred);
    if (found !== undefined) { resolve(found); return; }
    const end = (): void => { clearTimeout(timer); p.waiters.delete(w); };
    const w = (l: string): void => { if (pred(l)) { end(); resolve(l); } };
    const timer = setTimeout(() => { end(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)); }, timeoutMs);
    p.waiters.add(w);
    void p.exited.then((c) => { end(); reject(new Error(`${what}: ${p.name} exited (${String(c)})`)); });
  });
}

/** Polls cond every stepMs until it holds (returns ms waited) or throws after timeoutMs. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string, stepMs = 50): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (cond()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

export { sleep };
