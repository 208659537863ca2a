// ChildScriptRunner: the ScriptRunner port on Linux, for vrrp_script checks.
//
// Theory of operation: each run is one child process, exec'd directly from the argv keepalived's
// splitter produced (no shell, as keepalived 2.x notify.c), as the script's user/group
// (script_user, `user` in the block; keepalived_script or root by default), in its own process
// group so a timeout can end everything it started. The scheduler (src/vrrp/script-scheduler.ts)
// decides timeouts; kill() sends SIGTERM to the group and SIGKILL after a grace period, as
// keepalived's script timeout handling does (scheduler.c child_killed_thread).
// Outcomes: exit code or signal. A command that cannot be exec'd at all counts as exit 0, because
// keepalived's forked child exits 0 on an execve failure (issue #2126, see script-scheduler.ts);
// it is logged so the operator sees it.

import { spawn, type ChildProcess } from 'node:child_process';
import type { ScriptRunner } from '../runtime/ports.ts';
import type { ScriptOutcome, ScriptSpec } from '../vrrp/script-scheduler.ts';

/** How to exec one script. */
export interface ScriptExec {
  readonly argv: readonly string[];
  readonly uid?: number;
  readonly gid?: number;
}

export interface ScriptLog {
  warn(msg: string): void;
}

/** keepalived waits this long after SIGTERM before SIGKILL. */
export const KILL_GRACE_MS = 1000;

export class ChildScriptRunner implements ScriptRunner {
  private readonly children = new Map<number, ChildProcess>();

  constructor(
    private readonly execOf: (script: ScriptSpec) => ScriptExec,
    private readonly log: ScriptLog,
  ) {}

  run(runId: number, script: ScriptSpec, done: (outcome: ScriptOutcome) => void): void {
    const how = this.execOf(script);
    const [cmd, ...args] = how.argv;
    if (cmd === undefined) {
      queueMicrotask(() => done({ kind: 'exited', code: 0 }));
      return;
    }
    let settled = false;
    const settle = (o: ScriptOutcome): void => {
      if (settled) return;
      settled = true;
      this.children.delete(runId);
      done(o);
    };
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, {
        stdio: 'ignore',
        detached: true,
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
        ...(how.uid !== undefined ? { uid: how.uid } : {}),
        ...(how.gid !== undefined ? { gid: how.gid } : {}),
      });
    } catch (e) {
      this.log.warn(`script ${script.name}: cannot run ${cmd}: ${String(e)}`);
      queueMicrotask(() => settle({ kind: 'exited', code: 0 }));
      return;
    }
    this.children.set(runId, child);
    child.on('error', (e) => {
      this.log.warn(`script ${script.name}: cannot exec ${cmd}: ${(e as NodeJS.ErrnoException).code ?? e.message}`);
      settle({ kind: 'exited', code: 0 });
    });
    child.on('exit', (code, signal) => {
      settle(signal ? { kind: 'signaled', signal } : { kind: 'exited', code: code ?? 0 });
    });
  }

  kill(runId: number): void {
    const child = this.children.get(runId);
    this.children.delete(runId);
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const pid = child.pid;
    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-pid, sig);
      } catch {
        // already gone
      }
    };
    signalGroup('SIGTERM');
    const t = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) signalGroup('SIGKILL');
    }, KILL_GRACE_MS);
    t.unref();
    child.once('exit', () => clearTimeout(t));
  }

  /** Ends every running script (daemon shutdown). */
  killAll(): void {
    for (const id of [...this.children.keys()]) this.kill(id);
  }
}
