// The process tree under a pid, read from /proc: what run-demo.ts ends when interrupted while the
// demo runs in a guest (user-mode Linux is several host processes under run-in-vm.sh), and what
// the demo test checks is gone afterwards. A pid is paired with its start time so that a later
// signal never reaches a recycled pid.
import { readdirSync, readFileSync } from 'node:fs';

/** Every live descendant of pid (from /proc), parents before their children. */
export function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'.
      const st = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(e)]);
    } catch { /* gone meanwhile */ }
  }
  const out: number[] = [];
  const walk = (p: number): void => { for (const k of kids.get(p) ?? []) { out.push(k); walk(k); } };
  walk(pid);
  return out;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks), or undefined when the pid is gone. */
export function startTime(pid: number): string | undefined {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st.slice(st.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

