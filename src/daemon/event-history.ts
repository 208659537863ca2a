// What the running daemon remembers about its own past for the status command, the metrics and
// the dumps: each VRRP instance's last transition and its cause, and each real server's last
// health or weight change and its reason. The cores report these as events (DirectorEvent,
// LvsEvent); this keeps only the latest per subject, so its size follows the configuration, not
// the uptime. Times are wall-clock milliseconds (Date.now()) taken when the event is observed:
// events are delivered synchronously as they happen, and the VRRP and LVS halves each have their
// own monotonic clock, so their Instants could not be compared.

import type { LvsEvent } from '../runtime/lvs-ports.ts';
import type { DirectorEvent } from '../runtime/director.ts';
import type { VrrpState } from '../vrrp/actions.ts';

export interface TransitionRecord {
  readonly atMs: number;
  readonly from: VrrpState;
  readonly to: VrrpState;
  readonly cause: string;
}

export interface HealthRecord {
  readonly atMs: number;
  readonly up: boolean;
  readonly reason: string;
}

export interface WeightRecord {
  readonly atMs: number;
  readonly weight: number;
  readonly reason: string;
}

export class EventHistory {
  /** Instance name -> its latest transition. */
  readonly transitions = new Map<string, TransitionRecord>();
  /** Instance name -> transitions seen since start (keepalived_vrrp_state_transitions style). */
  readonly transitionCounts = new Map<string, number>();
  /** Real server check key ("[10.0.0.2]:tcp:80" within its virtual server) -> latest health change. */
  readonly health = new Map<string, HealthRecord>();
  readonly weights = new Map<string, WeightRecord>();
  /** Virtual server id -> quorum up (true) or lost (false), when it changed. */
  readonly quorum = new Map<string, { readonly atMs: number; readonly up: boolean }>();
  /** Script name -> last result reported. */
  readonly scripts = new Map<string, { readonly atMs: number; readonly ok: boolean }>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  onVrrp = (e: DirectorEvent): void => {
    if (e.kind === 'stateChanged') {
      this.transitions.set(e.instance, { atMs: this.nowMs(), from: e.from, to: e.to, cause: e.cause });
      this.transitionCounts.set(e.instance, (this.transitionCounts.get(e.instance) ?? 0) + 1);
    } else if (e.kind === 'scriptStatus') {
      this.scripts.set(e.script, { atMs: this.nowMs(), ok: e.ok });
    }
  };

  onLvs = (e: LvsEvent): void => {
    if (e.kind === 'health') this.health.set(e.realServer, { atMs: this.nowMs(), up: e.up, reason: e.reason });
    else if (e.kind === 'weight') this.weights.set(e.realServer, { atMs: this.nowMs(), weight: e.weight, reason: e.reason });
    else if (e.kind === 'quorum') this.quorum.set(e.virtualServer, { atMs: this.nowMs(), up: e.up });
  };
}
