// Pid files (-p / -r), as keepalived's pidfile.c: refuse to start when the file names a live
// process ("daemon is already running"), otherwise write our pid, and remove the file on exit
// only if it still holds our pid (a second instance must not delete the first one's file).

import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type PidFileResult = { ok: true } | { ok: false; error: string };

/**
 * The pid a pid file names, if that process is a running daemon: kill(0) says it exists (EPERM =
 * exists, not ours); /proc then rules out a zombie (a worker killed a moment ago, not yet reaped
 * where no init reaps it) and a pid reused by another program since (keepalived-ts, or keepalived
 * itself sharing the path, must be on its command line). Without /proc, kill(0) is trusted.
 */
export function livePidIn(path: string | undefined, self = process.pid): number | undefined {
  if (path === undefined) return undefined;
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === self) return undefined;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return undefined;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!argv.some((a) => /keepalived|[\\/]cli[\\/]main\.ts$/.test(a))) return undefined;
  } catch {
    // no /proc: trust kill(0)
  }
  return pid;
}

export function writePidFile(path: string, pid = process.pid): PidFileResult {
  const old = livePidIn(path, pid);
  if (old !== undefined) return { ok: false, error: `daemon is already running (pid ${old} in ${path})` };
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${pid}\n`);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: `cannot write pid file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
}

export function removePidFile(path: string, pid = process.pid): void {
  try {
    if (Number.parseInt(readFileSync(path, 'utf8').trim(), 10) === pid) unlinkSync(path);
  } catch {
    // gone already
  }
}
