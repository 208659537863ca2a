// applyVrrpPriority: global_defs `vrrp_priority <-20..19>` (keepalived: the nice value of the VRRP
// process, set with setpriority(2) in vrrp_daemon.c). A VRRP daemon at advert_int 0.01 must wake
// within Master_Down_Interval (34 ms) even on a busy machine; a negative nice value makes CFS
// preempt CPU-bound work for it (bench/vrrp-soak.ts measures the difference).
//
// Linux nice values are per thread, and Node has threads before we get here (V8's GC helpers,
// the libuv pool), so every thread listed in /proc/self/task gets the value, not only the main one.
//
// `vrrp_rt_priority <1..99>` (keepalived: SCHED_RR for the VRRP process) has no Node API; util-linux's
// chrt(1) (Essential on Debian) sets it on every thread of ours (`-a`: a GC helper left at normal
// priority could hold the real-time main thread up behind CPU-bound work). bench/vrrp-soak.ts at
// advert_int 0.01 with both cores busy: 390 spurious transitions in 2 minutes without it, 0 in
// 10 minutes with it. keepalived also caps the real-time CPU time (vrrp_rlimit_rttime, default
// 10 ms without blocking, then SIGXCPU); a Node process reading a large configuration or
// collecting garbage can exceed that legitimately, so no cap is set (unacted-globals.ts says so).

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

export interface PriorityLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export function applyVrrpPriority(g: { readonly vrrp_priority?: number; readonly vrrp_rt_priority?: number }, log: PriorityLog): void {
  if (g.vrrp_rt_priority !== undefined) applyRealtime(g.vrrp_rt_priority, log);
  const nice = g.vrrp_priority;
  if (nice === undefined) return;
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    tids = [String(process.pid)];
  }
  let failed = 0;
  for (const tid of tids) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      failed++;
    }
  }
  if (failed > 0) log.warn(`vrrp_priority ${nice}: could not be set on ${failed} of ${tids.length} threads`);
  else log.info(`vrrp_priority ${nice} set on ${tids.length} threads`);
}

function applyRealtime(priority: number, log: PriorityLog): void {
  try {
    execFileSync('chrt', ['-a', '-r', '-p', String(priority), String(process.pid)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
    log.info(`vrrp_rt_priority ${priority}: SCHED_RR set on every thread`);
  } catch (e) {
    const err = e as { stderr?: Buffer; code?: string; message?: string };
    const why = err.code === 'ENOENT' ? 'chrt (util-linux) not found' : (err.stderr?.toString().trim() || err.message || String(e));
    log.warn(`vrrp_rt_priority ${priority}: SCHED_RR could not be set (${why}) - running at normal priority; CAP_SYS_NICE is needed`);
  }
}
