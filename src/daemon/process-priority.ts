// applyVrrpPriority: global_defs `vrrp_priority <-20..19>` (keepalived: the nice value of the VRRP
// process, set with setpriority(2) in vrrp_daemon.c). A VRRP daemon at advert_int 0.01 must wake
// within Master_Down_Interval (34 ms) even on a busy machine; a negative nice value makes CFS
// preempt CPU-bound work for it (bench/vrrp-soak.ts measures the difference).
//
// Linux nice values are per thread, and Node has threads before we get here (V8's GC helpers,
// the libuv pool), so every thread listed in /proc/self/task gets the value, not only the main one.
// `vrrp_rt_priority` (SCHED_RR) has no Node API and is reported as not supported.

import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

export interface PriorityLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export function applyVrrpPriority(g: { readonly vrrp_priority?: number; readonly vrrp_rt_priority?: number }, log: PriorityLog): void {
  if (g.vrrp_rt_priority !== undefined) log.warn('vrrp_rt_priority (SCHED_RR) is not supported yet - use vrrp_priority (nice)');
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
