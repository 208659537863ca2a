// Pid files (-p / -r), as keepalived's pidfile.c: refuse to start when the file names a live
// process ("daemon is already running"), otherwise write our pid, and remove the file on exit
// only if it still holds our pid (a second instance must not delete the first one's file).

import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type PidFileResult = { ok: true } | { ok: false; error: string };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writePidFile(path: string, pid = process.pid): PidFileResult {
  try {
    const old = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    if (Number.isInteger(old) && old > 0 && old !== pid && alive(old)) {
      return { ok: false, error: `daemon is already running (pid ${old} in ${path})` };
    }
  } catch {
    // no file: fine
  }
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
