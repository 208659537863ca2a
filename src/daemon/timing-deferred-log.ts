// timingDeferredLog: a logger whose lines are written after the current callback returns, for
// the VRRP log (vrrp-log.ts), so a takeover's packets leave before its log lines are written.
//
// Why (issue 3, measured by KEEPALIVED_TS_TIMING=1, timing-probe.ts): a backup's takeover step
// logs four lines ("Receive advertisement timeout", "Entering MASTER STATE", the debug cause,
// "setting VIPs.") before the netlink VIP add and a fifth ("Sending/queueing gratuitous ARPs")
// before the first GARP; each is serialised by pino and written synchronously (stderr is a pipe),
// and together they took 0.6-1 ms, the larger part of decision -> first GARP. keepalived's
// vrrp_state_become_master also sends first and logs after.
//
// Theory of operation: calls of the level methods (info, debug, warn, error) are queued in order
// and flushed from one microtask, i.e. as soon as the current event-loop callback (the
// director's step, which is synchronous: DESIGN section 4) has returned, before any other
// callback runs. Order is kept; nothing is dropped; pino still stamps each line's time (at the
// flush, microseconds later). Everything else on the logger passes through.

const DEFERRED = new Set(['info', 'debug', 'warn', 'error', 'trace', 'fatal']);

export function timingDeferredLog<L extends object>(log: L): L {
  const pending: Array<() => void> = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    // One at a time, so a line logged while flushing (a logger hook) is queued behind.
    for (let f = pending.shift(); f; f = pending.shift()) f();
  };
  const wrappers = new Map<string, (...args: unknown[]) => void>();
  return new Proxy(log, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      if (typeof prop !== 'string' || !DEFERRED.has(prop)) return (v as (...args: unknown[]) => unknown).bind(target);
      let w = wrappers.get(prop);
      if (w === undefined) {
        // The method is looked up again at the flush: pino swaps level methods when the level changes.
        w = (...args: unknown[]): void => {
          pending.push(() => { (Reflect.get(target, prop, target) as (...a: unknown[]) => unknown).apply(target, args); });
          if (!scheduled) {
            scheduled = true;
            queueMicrotask(flush);
          }
        };
        wrappers.set(prop, w);
      }
      return w;
    },
  });
}
