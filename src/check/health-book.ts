// Real-server and virtual-server health, aggregated from the checkers (the half of keepalived's
// check_api.c / ipwrapper.c that is not timing): a real server is up when every one of its
// checkers is up (rs->num_failed_checkers == 0; no checkers = always up); its weight is the
// configured weight plus the checkers' contributions (misc_dynamic, FILE_CHECK), never below 0;
// a virtual server's quorum is gained when the weight of its live real servers reaches
// quorum + hysteresis and lost when it falls below quorum - hysteresis (ipwrapper.c
// update_quorum_state). Every change is queued as an action (HealthChanged / WeightChanged /
// QuorumChanged and the notify_up/down, quorum_up/down scripts). The reason of the last change
// is kept for display.
// On reload a new book is built from the new specs, carrying over the state of every real and
// virtual server whose key survives, and reconcile() reports only what differs.

import type { Instant } from '../base/time.ts';
import type {
  CheckAction, CheckerSpec, RealServerKey, RealServerSpec, VirtualServerKey, VirtualServerSpec,
} from './checker-spec.ts';

/** What the book needs to know of a checker. */
export interface CheckerHealth {
  readonly spec: CheckerSpec;
  up: boolean;
  weightDelta: number;
  lastReason: string;
}

export interface RealServerState {
  readonly spec: RealServerSpec;
  readonly checkers: CheckerHealth[];
  up: boolean;
  weight: number;
  reason: string;
  changedAt: Instant;
  /** False for a real server new in this book (not carried over from a previous one). */
  readonly carried: boolean;
}

export interface VirtualServerState {
  readonly spec: VirtualServerSpec;
  readonly realServers: RealServerState[];
  quorumUp: boolean;
  readonly carried: boolean;
}

export class HealthBook {
  readonly realServers = new Map<RealServerKey, RealServerState>();
  readonly virtualServers = new Map<VirtualServerKey, VirtualServerState>();

  /** Unknown virtual server references are our caller's bug: asserted, not diagnosed. */
  constructor(
    private readonly out: CheckAction[],
    virtualServers: readonly VirtualServerSpec[],
    realServers: readonly RealServerSpec[],
    previous?: HealthBook,
  ) {
    for (const spec of virtualServers) {
      const old = previous?.virtualServers.get(spec.key);
      this.virtualServers.set(spec.key, { spec, realServers: [], quorumUp: old?.quorumUp ?? false, carried: old !== undefined });
    }
    for (const spec of realServers) {
      const vs = this.virtualServers.get(spec.virtualServer);
      if (!vs) throw new Error(`real server ${spec.key}: unknown virtual server ${spec.virtualServer}`);
      const old = previous?.realServers.get(spec.key);
      const state: RealServerState = old
        ? { spec, checkers: [], up: old.up, weight: old.weight, reason: old.reason, changedAt: old.changedAt, carried: true }
        : { spec, checkers: [], up: true, weight: spec.weight, reason: 'initial', changedAt: 0, carried: false };
      this.realServers.set(spec.key, state);
      vs.realServers.push(state);
    }
  }

  attach(c: CheckerHealth): void {
    const rs = this.realServers.get(c.spec.realServer);
    if (!rs) throw new Error(`checker ${c.spec.id}: unknown real server ${c.spec.realServer}`);
    rs.checkers.push(c);
  }

  /** At start: the state of every real server and quorum, whatever it is. */
  reportInitial(now: Instant): void {
    for (const rs of this.realServers.values()) {
      rs.up = rs.checkers.every((c) => c.up);
      rs.reason = rs.up ? 'initial' : 'initial: alpha, waiting for checkers';
      rs.changedAt = now;
      this.out.push({ type: 'HealthChanged', realServer: rs.spec.key, up: rs.up, reason: rs.reason });
    }
    for (const vs of this.virtualServers.values()) this.reportQuorumInitial(vs);
  }

  /** After a reload: new servers are reported as at start, carried ones only if they changed. */
  reconcile(now: Instant): void {
    for (const rs of this.realServers.values()) {
      const up = rs.checkers.every((c) => c.up);
      const weight = this.computedWeight(rs);
      if (!rs.carried) {
        rs.up = up;
        rs.weight = weight;
        rs.reason = up ? 'new in reload' : 'new in reload: alpha, waiting for checkers';
        rs.changedAt = now;
        this.out.push({ type: 'HealthChanged', realServer: rs.spec.key, up, reason: rs.reason });
        continue;
      }
      if (weight !== rs.weight) {
        rs.weight = weight;
        this.out.push({ type: 'WeightChanged', realServer: rs.spec.key, weight, reason: 'reload' });
      }
      if (up !== rs.up) this.changeRealServer(now, rs, up, 'reload: checkers changed', false);
    }
    for (const vs of this.virtualServers.values()) {
      if (vs.carried) this.updateQuorum(vs);
      else this.reportQuorumInitial(vs);
    }
  }

  /** A checker's own state moved; the real server follows if the aggregate changes. */
  setCheckerUp(now: Instant, c: CheckerHealth, up: boolean, reason: string): void {
    c.lastReason = reason;
    if (c.up === up) return;
    c.up = up;
    const rs = this.realServers.get(c.spec.realServer)!;
    const rsUp = rs.checkers.every((x) => x.up);
    if (rsUp !== rs.up) this.changeRealServer(now, rs, rsUp, reason, true);
  }

  setWeightDelta(c: CheckerHealth, delta: number, reason: string): void {
    if (c.weightDelta === delta) return;
    c.weightDelta = delta;
    const rs = this.realServers.get(c.spec.realServer)!;
    const weight = this.computedWeight(rs);
    if (weight === rs.weight) return;
    rs.weight = weight;
    this.out.push({ type: 'WeightChanged', realServer: rs.spec.key, weight, reason });
    if (rs.up) this.updateQuorum(this.virtualServers.get(rs.spec.virtualServer)!);
  }

  /** omega: the down notifiers of what is still up, at shutdown (check_daemon.c). */
  omegaNotifies(): void {
    for (const vs of this.virtualServers.values()) {
      if (!vs.spec.omega) continue;
      for (const rs of vs.realServers) {
        if (rs.up && rs.spec.notifyDown) this.out.push({ type: 'Notify', script: rs.spec.notifyDown, event: 'rs_down', subject: rs.spec.key });
      }
      if (vs.quorumUp && vs.spec.quorumDown) {
        this.out.push({ type: 'Notify', script: vs.spec.quorumDown, event: 'quorum_down', subject: vs.spec.key });
      }
    }
  }

  private computedWeight(rs: RealServerState): number {
    return Math.max(0, rs.spec.weight + rs.checkers.reduce((s, x) => s + x.weightDelta, 0));
  }

  private changeRealServer(now: Instant, rs: RealServerState, up: boolean, reason: string, updateQuorum: boolean): void {
    rs.up = up;
    rs.reason = reason;
    rs.changedAt = now;
    this.out.push({ type: 'HealthChanged', realServer: rs.spec.key, up, reason });
    const script = up ? rs.spec.notifyUp : rs.spec.notifyDown;
    if (script) this.out.push({ type: 'Notify', script, event: up ? 'rs_up' : 'rs_down', subject: rs.spec.key });
    if (updateQuorum) this.updateQuorum(this.virtualServers.get(rs.spec.virtualServer)!);
  }

  private liveWeight(vs: VirtualServerState): number {
    return vs.realServers.reduce((s, rs) => s + (rs.up ? rs.weight : 0), 0);
  }

  private reportQuorumInitial(vs: VirtualServerState): void {
    const sum = this.liveWeight(vs);
    vs.quorumUp = sum >= vs.spec.quorum;
    this.out.push({ type: 'QuorumChanged', virtualServer: vs.spec.key, up: vs.quorumUp, weightSum: sum });
  }

  private updateQuorum(vs: VirtualServerState): void {
    const sum = this.liveWeight(vs);
    const { quorum, hysteresis } = vs.spec;
    let next = vs.quorumUp;
    if (!vs.quorumUp && sum >= quorum + hysteresis) next = true;
    else if (vs.quorumUp && (sum === 0 || sum < quorum - hysteresis)) next = false;
    if (next === vs.quorumUp) return;
    vs.quorumUp = next;
    this.out.push({ type: 'QuorumChanged', virtualServer: vs.spec.key, up: next, weightSum: sum });
    const script = next ? vs.spec.quorumUp : vs.spec.quorumDown;
    if (script) this.out.push({ type: 'Notify', script, event: next ? 'quorum_up' : 'quorum_down', subject: vs.spec.key });
  }
}
