// The daemon's outward-facing services: what reports on the running daemon without being part
// of VRRP or LVS (the control socket behind `keepalived-ts status`, the Prometheus endpoint, the
// USR1/USR2/SIGRTMIN+2 dumps). Each is started once, after the configuration has been read, with
// a DaemonView, and returns how to stop it.
//
// A service that fails to start is logged and left out: reporting must never cost the VIP, so
// a busy metrics port or an unwritable socket directory does not stop VRRP or the checkers.

import type { DaemonLogger } from './daemon-log.ts';
import type { DaemonView } from './daemon-view.ts';

export interface DaemonServiceOptions {
  /** --control-socket (default DEFAULT_CONTROL_SOCKET). */
  readonly controlSocket?: string;
  /** --metrics-listen: "[ADDR:]PORT"; undefined = no metrics endpoint. */
  readonly metricsListen?: string;
}

export const DEFAULT_CONTROL_SOCKET = '/run/keepalived-ts.sock';

/** Starts a service; resolves to its stop function, or undefined when it does not run. */
export type DaemonService = (
  view: DaemonView,
  o: DaemonServiceOptions,
  log: DaemonLogger,
) => Promise<(() => Promise<void> | void) | undefined>;

/** Every service, in start order (stopped in reverse). */
const SERVICES: ReadonlyArray<readonly [name: string, start: DaemonService]> = [
  ['metrics', async (v, o, log) => (await import('./metrics-server.ts')).startMetricsServer(v, o, log)],
  ['control socket', async (v, o, log) => (await import('./control-server.ts')).startControlServer(v, o, log)],
  ['signal dumps', async (v, o, log) => (await import('./dump-service.ts')).startDumpService(v, o, log)],
];

export async function startDaemonServices(view: DaemonView, o: DaemonServiceOptions, log: DaemonLogger): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void> | void> = [];
  for (const [name, start] of SERVICES) {
    try {
      const stop = await start(view, o, log);
      if (stop) stops.push(stop);
    } catch (e) {
      log.error(`${name} not started: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (e) {
        log.warn(`stopping a service: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
}
