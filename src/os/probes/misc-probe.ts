// MISC_CHECK on Linux (keepalived check_misc.c): run misc_path as its own process group
// (argv as keepalived split it, no shell), optionally as `user [group]`, and report how it
// exited. At misc_timeout the probe reports a timeout and sends SIGTERM to the group; a group
// still alive KILL_GRACE_MS later gets SIGKILL (keepalived: SIGTERM, then SIGKILL).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ProbeSpec, ScriptSpec } from '../../check/checker-spec.ts';
import { type Cancel, type ProbeImpl, errorReason, msFromUs } from './probe-impl.ts';

export type MiscSpec = Extract<ProbeSpec, { kind: 'misc' }>;

export const KILL_GRACE_MS = 2000;

/** uid/gid for `user [group]` from /etc/passwd and /etc/group (numeric ids accepted). */
export function resolveUser(script: ScriptSpec): { uid?: number; gid?: number } | { error: string } {
  if (script.user === undefined) return {};
  const table = (file: string) => {
    try {
      return readFileSync(file, 'utf8').split('\n').map((l) => l.split(':'));
    } catch {
      return [];
    }
  };
  let uid: number | undefined;
  let gid: number | undefined;
  if (/^\d+$/.test(script.user)) uid = Number(script.user);
  else {
    const row = table('/etc/passwd').find((r) => r[0] === script.user);
    if (!row) return { error: `unknown user ${script.user}` };
    uid = Number(row[2]);
    gid = Number(row[3]);
  }
  if (script.group !== undefined) {
    if (/^\d+$/.test(script.group)) gid = Number(script.group);
    else {
      const row = table('/etc/group').find((r) => r[0] === script.group);
      if (!row) return { error: `unknown group ${script.group}` };
      gid = Number(row[2]);
    }
  }
  return { ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}) };
}

export const miscProbe: ProbeImpl<MiscSpec> = (spec, done): Cancel => {
  const [file, ...args] = spec.script.argv;
  const ids = resolveUser(spec.script);
  if (file === undefined || 'error' in ids) {
    done({ kind: 'failed', reason: file === undefined ? 'empty misc_path' : (ids as { error: string }).error });
    return () => undefined;
  }
  let finished = false;
  let exited = false;
  let killTimer: NodeJS.Timeout | undefined;
  const finish = (o: Parameters<typeof done>[0]) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    done(o);
  };
  const child = spawn(file, args, { stdio: 'ignore', detached: true, ...ids });
  const killGroup = (signal: NodeJS.Signals) => {
    if (exited || child.pid === undefined) return;
    try { process.kill(-child.pid, signal); } catch { /* already gone */ }
  };
  const terminate = () => {
    killGroup('SIGTERM');
    killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  const timer = setTimeout(() => {
    finish({ kind: 'timeout', reason: `script timed out after ${spec.timeoutUs / 1000} ms` });
    terminate();
  }, msFromUs(spec.timeoutUs));
  child.once('error', (e) => {
    exited = true;
    finish({ kind: 'failed', reason: `cannot run ${file}: ${errorReason(e)}` });
  });
  child.once('exit', (code, signal) => {
    exited = true;
    clearTimeout(killTimer);
    // The script is gone; anything it left in its group goes too (keepalived kills the group).
    if (child.pid !== undefined) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* none left */ } }
    finish({ kind: 'exit', code, signal });
  });
  return () => {
    finished = true;
    clearTimeout(timer);
    terminate();
  };
};
