// A read-only window on the running daemon, handed to everything that reports on it from the
// outside (the control socket behind `keepalived-ts status`, the Prometheus endpoint, the
// USR1/USR2/SIGRTMIN+2 dumps). Getters, not copies: a reload swaps the configuration and the
// director objects, and every reader sees the current ones. Readers must not mutate anything.

import type { KeepalivedConfig } from '../config/model.ts';
import type { Director } from '../runtime/director.ts';
import type { LvsDirector } from '../runtime/lvs-director.ts';
import type { EventHistory } from './event-history.ts';

export interface DaemonView {
  readonly pid: number;
  /** keepalived-ts's version (the CLI's VERSION). */
  readonly version: string;
  /** The configuration file given with -f. */
  readonly configFile: string;
  /** When the daemon started, as Date.now() milliseconds. */
  readonly startedAtMs: number;
  /** The configuration now running (replaced by each successful reload). */
  config(): KeepalivedConfig;
  /** The VRRP half, when it runs (not with -C). */
  vrrp(): Director | undefined;
  /** The LVS half, when it runs (not with -P, or when there is no virtual_server). */
  lvs(): LvsDirector | undefined;
  readonly history: EventHistory;
}
