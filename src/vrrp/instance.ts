// One VRRP instance (a `vrrp_instance` block) as a sans-IO state machine.
//
// Theory of operation: the driver calls handleAdvert / handleTrack / handleTimeout / start /
// shutdown with the current time; the instance updates its state, queues VrrpActions (pollAction)
// and keeps named timers (nextDeadline). State changes happen only in applyTransition, which runs
// a row of TRANSITIONS (state-table.ts). Everything else here decides WHICH event to fire:
//  - BACKUP (RFC 5798 6.4.2, keepalived vrrp_state_backup): priority 0 -> down timer := skew;
//    priority >= ours, or nopreempt, or preempt_delay still running -> accept: adopt the
//    master's interval (v3) and restart the down timer; lower priority -> discard (the timer runs).
//  - MASTER (RFC 5798 6.4.3, keepalived vrrp_state_master_rx): priority 0 -> advertise now;
//    higher priority, or equal from a higher primary address -> BACKUP; lower -> re-advertise
//    (unless lower_prio_no_advert) and re-announce the VIPs (garp_lower_prio_repeat).
//  - Timers: 'down' (BACKUP), 'advert' (MASTER), 'garpRound' (spacing inside a burst),
//    'garpDelay' (garp_master_delay), 'garpRefresh', 'lowerPrioGarpDelay'.

import { compareIp, formatIp } from '../base/ip.ts';
import type { IpAddress } from '../base/ip.ts';
import type { DurationUs, Instant } from '../base/time.ts';
import type { Advert, RxMeta } from './wire/advert.ts';
import { VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6 } from './wire/vrrp-protocol.ts';
import type { VrrpAction, VrrpState, SendGratuitousAction } from './actions.ts';
import type { VipSpec, VrrpInstanceSpec } from './instance-spec.ts';
import { checkAdvert, passAuthData } from './advert-check.ts';
import { newVrrpStats, type VrrpStats } from './vrrp-stats.ts';
import { findTransition, notifyFor, type Effect, type TransitionEvent } from './state-table.ts';
import { Tracking, type TrackChange } from './tracking.ts';
import { advertIntervalUs, masterDownUs, OWNER_PRIORITY, skewUs } from './timing.ts';

export type TimerName = 'down' | 'advert' | 'garpRound' | 'garpDelay' | 'garpRefresh' | 'lowerPrioGarpDelay';
const TIMER_ORDER: readonly TimerName[] = ['down', 'advert', 'garpRound', 'garpDelay', 'garpRefresh', 'lowerPrioGarpDelay'];

/** What a sync group offers its members (implemented by SyncGroup in sync-group.ts). */
export interface SyncGroupLink {
  /** keepalived vrrp_sync_can_goto_master: every other member's down timer has fired too. */
  canGotoMaster(member: VrrpInstance): boolean;
  /** Called after a member's own (not group-forced) transition. */
  onTransition(now: Instant, member: VrrpInstance, from: VrrpState, to: VrrpState): void;
  /** Called when a member's own fault status changes. */
  onOwnFaultChanged(now: Instant): void;
}

export class VrrpInstance {
  private stateNow: VrrpState = 'INIT';
  private readonly timers = new Map<TimerName, Instant>();
  private readonly actions: VrrpAction[] = [];
  private readonly tracking: Tracking;
  private masterAdverIntUs: DurationUs;
  /** keepalived preempt_time: until when a lower-priority master is still tolerated. */
  private preemptUntil: Instant | undefined;
  private garpPending: { reason: SendGratuitousAction['reason']; left: number } | undefined;
  private syncFault = false;
  private group: SyncGroupLink | undefined;
  /** The down timer fired but the sync group was not ready (keepalived wantstate MASTER). */
  private downExpired = false;
  /** Source address of the last accepted advert (the current master as we see it). */
  lastMaster: IpAddress | undefined;
  readonly stats: VrrpStats;

  /** VIPs and excluded VIPs: what MASTER holds. */
  readonly allVips: readonly VipSpec[];

  constructor(readonly spec: VrrpInstanceSpec) {
    this.allVips = [...spec.vips, ...(spec.excludedVips ?? [])];
    this.tracking = new Tracking(spec);
    this.masterAdverIntUs = advertIntervalUs(spec.advertIntervalCs);
    this.stats = newVrrpStats();
  }

  get state(): VrrpState { return this.stateNow; }
  get name(): string { return this.spec.name; }
  get effectivePriority(): number { return this.tracking.effectivePriority(); }
  get masterAdvertIntervalUs(): DurationUs { return this.masterAdverIntUs; }
  get ownFault(): boolean { return this.tracking.isFault(); }
  get faultReasons(): string[] { return this.tracking.faultReasons(); }
  /** What the trackers last reported (status and dumps explain the effective priority with it). */
  get trackerStates(): { readonly interfaces: ReadonlyMap<string, boolean>; readonly files: ReadonlyMap<string, number> } {
    return { interfaces: this.tracking.interfaceStates, files: this.tracking.fileValues };
  }
  get downTimerExpired(): boolean { return this.downExpired; }
  get isOwner(): boolean { return this.spec.priority === OWNER_PRIORITY; }
  timerDeadline(name: TimerName): Instant | undefined { return this.timers.get(name); }

  joinSyncGroup(group: SyncGroupLink): void { this.group = group; }

  /** Start-up: keepalived always begins in BACKUP (or FAULT), vrrp_scheduler.c vrrp_init_state. */
  start(now: Instant): void {
    if (this.stateNow !== 'INIT') return;
    if (this.spec.preemptDelayUs > 0) this.preemptUntil = now + this.spec.preemptDelayUs;
    this.fire(now, this.isFaulted() ? 'startFaulted' : 'start', 'start-up', true);
  }

  /**
   * Reload (keepalived's reload keeps running instances): take over the state of `prev`, the
   * instance this one replaces (the driver checks name, VRID, interface, family and version are
   * unchanged). A MASTER stays MASTER and moves only the addresses that changed; a BACKUP keeps
   * its down timer; FAULT stays FAULT until the trackers, fed again by the driver, say otherwise.
   * No transition happens here, so no notify.
   */
  resumeFrom(now: Instant, prev: VrrpInstance): void {
    if (this.stateNow !== 'INIT') return;
    Object.assign(this.stats, prev.stats, { rejected: { ...prev.stats.rejected } });
    this.lastMaster = prev.lastMaster;
    this.stateNow = prev.stateNow;
    if (prev.stateNow === 'BACKUP') {
      this.masterAdverIntUs = prev.masterAdverIntUs;
      if (this.spec.preemptDelayUs > 0) this.preemptUntil = prev.preemptUntil;
      const down = prev.timers.get('down');
      if (down !== undefined) this.timers.set('down', down);
      else this.armDown(now);
    } else if (prev.stateNow === 'MASTER') {
      this.timers.set('advert', prev.timers.get('advert') ?? now);
      if (this.spec.garp.masterRefreshUs > 0) this.timers.set('garpRefresh', now + this.spec.garp.masterRefreshUs);
      const key = (v: VipSpec) => `${v.ifname ?? ''}/${formatIp(v.addr)}/${v.prefixLen}`;
      const before = new Set(prev.allVips.map(key));
      const after = new Set(this.allVips.map(key));
      const gone = prev.allVips.filter((v) => !after.has(key(v)));
      const added = this.allVips.filter((v) => !before.has(key(v)));
      if (gone.length > 0) this.actions.push({ kind: 'removeVips', ifname: this.spec.ifname, vips: gone });
      if (added.length > 0) this.actions.push({ kind: 'addVips', ifname: this.spec.ifname, vips: added, accept: this.spec.accept || this.isOwner });
    }
  }

  /** Graceful stop: a master sends priority 0, then its VIPs are removed. */
  shutdown(now: Instant): void {
    this.fire(now, 'stop', 'shutdown', true);
  }

  handleAdvert(now: Instant, advert: Advert, meta: RxMeta): void {
    if (this.stateNow !== 'BACKUP' && this.stateNow !== 'MASTER') return;
    const reject = checkAdvert(this.spec, advert, meta);
    if (reject !== undefined) {
      this.stats.rejected[reject]++;
      this.actions.push({ kind: 'advertIgnored', reason: reject, src: meta.src, priority: advert.priority });
      return;
    }
    this.stats.advertsReceived++;
    if (advert.priority === 0) this.stats.priZeroReceived++;
    if (this.stateNow === 'BACKUP') this.backupRx(now, advert, meta);
    else this.masterRx(now, advert, meta);
  }

  private backupRx(now: Instant, advert: Advert, meta: RxMeta): void {
    const ours = this.effectivePriority;
    if (advert.priority === 0) {
      // RFC 5798 6.4.2: "Set the Master_Down_Timer to Skew_Time".
      this.timers.set('down', now + skewUs(this.spec.version, ours, this.masterAdverIntUs));
      return;
    }
    let accept = this.spec.nopreempt || advert.priority >= ours;
    if (!accept && this.spec.preemptDelayUs > 0) {
      // vrrp.c: the first lower-priority master starts preempt_time; until then, accept it.
      if (this.preemptUntil === undefined) this.preemptUntil = now + this.spec.preemptDelayUs;
      accept = now < this.preemptUntil;
    }
    if (!accept) {
      this.stats.lowerPriorityDiscarded++;
      this.actions.push({ kind: 'advertIgnored', reason: 'lowerPriority', src: meta.src, priority: advert.priority });
      return;
    }
    if (this.spec.preemptDelayUs > 0 && advert.priority > ours) this.preemptUntil = undefined;
    // RFC 5798 6.4.2: a v3 backup sets Master_Adver_Interval from the advert (update_master_adver_int).
    if (this.spec.version === 3) this.masterAdverIntUs = advertIntervalUs(advert.advertIntervalCs);
    this.lastMaster = meta.src;
    this.downExpired = false;
    this.armDown(now);
  }

  private masterRx(now: Instant, advert: Advert, meta: RxMeta): void {
    const ours = this.effectivePriority;
    if (advert.priority === 0) {
      // RFC 5798 6.4.3: send an advert and reset the advert timer.
      this.sendAdvert(now, ours);
      this.timers.set('advert', now + advertIntervalUs(this.spec.advertIntervalCs));
      return;
    }
    const higher = advert.priority > ours || (advert.priority === ours && compareIp(meta.src, this.spec.primaryAddr) > 0);
    if (higher) {
      if (this.spec.higherPrioSendAdvert) this.sendAdvert(now, ours);
      if (this.spec.version === 3) this.masterAdverIntUs = advertIntervalUs(advert.advertIntervalCs);
      this.lastMaster = meta.src;
      this.fire(now, 'higherPriorityAdvert', `higher priority advert from ${formatIp(meta.src)} (priority ${advert.priority}, ours ${ours})`, true);
      return;
    }
    // vrrp.c: "Received lower priority advert, forcing new election".
    if (!this.spec.lowerPrioNoAdvert) this.sendAdvert(now, ours);
    const repeat = this.spec.garp.lowerPrioRepeat;
    if (repeat > 0) {
      this.garpBurst(now, 'lowerPriority', repeat);
      if (this.spec.garp.lowerPrioDelayUs > 0) this.timers.set('lowerPrioGarpDelay', now + this.spec.garp.lowerPrioDelayUs);
    }
    this.actions.push({ kind: 'notify', event: 'masterRxLowerPri', instance: this.name, priority: ours });
  }

  handleTrack(now: Instant, change: TrackChange): void {
    const wasFault = this.tracking.isFault();
    const wasPriority = this.tracking.effectivePriority();
    if (!this.tracking.apply(change)) return;
    const isFault = this.tracking.isFault();
    const priority = this.tracking.effectivePriority();
    if (priority !== wasPriority) {
      this.actions.push({ kind: 'priorityChanged', from: wasPriority, to: priority });
      if (this.spec.notifyPriorityChanges) this.actions.push({ kind: 'notify', event: 'priorityChanged', instance: this.name, priority });
    }
    if (wasFault !== isFault && this.group) this.group.onOwnFaultChanged(now);
    this.reconcileFault(now, this.tracking.faultReasons().join(', ') || `${change.kind} ${'name' in change ? change.name : change.ifname} recovered`);
  }

  /** Records a tracker state without acting on it (a reload primes new instances, then settle()). */
  primeTrack(change: TrackChange): void {
    this.tracking.apply(change);
  }

  /** After resumeFrom and priming: enter or leave FAULT as the trackers now say. */
  settle(now: Instant): void {
    this.reconcileFault(now, this.tracking.faultReasons().join(', ') || 'reload');
  }

  /** Set by the sync group when another member is in FAULT because of its own trackers. */
  setSyncFault(now: Instant, on: boolean): void {
    if (this.syncFault === on) return;
    this.syncFault = on;
    this.reconcileFault(now, on ? 'sync group member in fault' : 'sync group fault cleared', false);
  }

  /** Sync group: a peer member became MASTER or left it; follow without consulting the group. */
  syncTo(now: Instant, to: 'MASTER' | 'BACKUP', cause: string): void {
    if (to === 'MASTER' && this.stateNow === 'BACKUP') this.fire(now, 'syncMaster', cause, false);
    if (to === 'BACKUP' && this.stateNow === 'MASTER') this.fire(now, 'syncBackup', cause, false);
  }

  isFaulted(): boolean { return this.syncFault || this.tracking.isFault(); }

  private reconcileFault(now: Instant, cause: string, propagate = true): void {
    const fault = this.isFaulted();
    if (fault && (this.stateNow === 'BACKUP' || this.stateNow === 'MASTER')) this.fire(now, 'faultOn', cause, propagate);
    else if (!fault && this.stateNow === 'FAULT') this.fire(now, 'faultOff', cause, propagate);
  }

  handleTimeout(now: Instant): void {
    for (const name of TIMER_ORDER) {
      const at = this.timers.get(name);
      if (at === undefined || at > now) continue;
      this.timers.delete(name);
      this.onTimer(now, name);
    }
  }

  private onTimer(now: Instant, name: TimerName): void {
    const g = this.spec.garp;
    switch (name) {
      case 'down':
        if (this.stateNow !== 'BACKUP') return;
        this.downExpired = true;
        if (this.group && !this.group.canGotoMaster(this)) {
          // vrrp_sync_can_goto_master: wait for the others, re-arm with a full master-down.
          this.armDown(now);
          return;
        }
        this.fire(now, 'masterDownTimer', 'master-down timer expired', true);
        return;
      case 'advert':
        if (this.stateNow !== 'MASTER') return;
        this.sendAdvert(now, this.effectivePriority);
        this.timers.set('advert', now + advertIntervalUs(this.spec.advertIntervalCs));
        return;
      case 'garpRound':
        if (this.garpPending && this.stateNow === 'MASTER') this.garpRoundNow(now);
        return;
      case 'garpDelay':
        if (this.stateNow === 'MASTER') this.garpBurst(now, 'masterDelay', g.masterRepeat);
        return;
      case 'lowerPrioGarpDelay':
        if (this.stateNow === 'MASTER') this.garpBurst(now, 'lowerPriority', g.lowerPrioRepeat);
        return;
      case 'garpRefresh':
        if (this.stateNow !== 'MASTER') return;
        this.garpBurst(now, 'refresh', g.masterRefreshRepeat);
        this.timers.set('garpRefresh', now + g.masterRefreshUs);
        return;
    }
  }

  nextDeadline(): Instant | undefined {
    let min: Instant | undefined;
    for (const at of this.timers.values()) if (min === undefined || at < min) min = at;
    return min;
  }

  pollAction(): VrrpAction | undefined {
    return this.actions.shift();
  }

  /** Applies the table row for (state, event); returns false when the state ignores the event. */
  private fire(now: Instant, event: TransitionEvent, cause: string, propagate: boolean): boolean {
    const row = findTransition(this.stateNow, event);
    if (!row) return false;
    const from = this.stateNow;
    this.stateNow = row.to;
    this.actions.push({ kind: 'stateChanged', from, to: row.to, event, cause });
    for (const effect of row.effects) this.runEffect(now, effect);
    if (row.to === 'MASTER') this.stats.becomeMaster++;
    if (from === 'MASTER') this.stats.releaseMaster++;
    this.actions.push({ kind: 'notify', event: notifyFor(row.to), instance: this.name, priority: this.effectivePriority });
    if (propagate && this.group) this.group.onTransition(now, this, from, row.to);
    return true;
  }

  private runEffect(now: Instant, effect: Effect): void {
    const s = this.spec;
    switch (effect) {
      case 'resetMasterAdverInt':
        this.masterAdverIntUs = advertIntervalUs(s.advertIntervalCs);
        return;
      case 'armStartTimer': {
        // vrrp_scheduler.c vrrp_init_state / vrrp.c leave_fault.
        this.downExpired = false;
        let delay: DurationUs;
        if (s.wantMaster && this.isOwner) delay = 1;
        else if (s.wantMaster) delay = advertIntervalUs(s.advertIntervalCs) + skewUs(s.version, 255, this.masterAdverIntUs);
        else delay = masterDownUs(s.version, this.effectivePriority, this.masterAdverIntUs, s.downTimerAdverts);
        this.timers.set('down', now + delay);
        return;
      }
      case 'armMasterDownTimer':
        this.downExpired = false;
        this.armDown(now);
        return;
      case 'sendAdvertAndArm':
        this.sendAdvert(now, this.effectivePriority);
        this.timers.set('advert', now + advertIntervalUs(s.advertIntervalCs));
        return;
      case 'sendPriorityZero':
        this.sendAdvert(now, 0);
        this.stats.priZeroSent++;
        return;
      case 'addVips':
        if (this.allVips.length > 0) this.actions.push({ kind: 'addVips', ifname: s.ifname, vips: this.allVips, accept: s.accept || this.isOwner });
        return;
      case 'removeVips':
        if (this.allVips.length > 0) this.actions.push({ kind: 'removeVips', ifname: s.ifname, vips: this.allVips });
        return;
      case 'startGarp': {
        const g = s.garp;
        this.garpBurst(now, 'becameMaster', g.minGarp ? 1 : g.masterRepeat);
        if (!g.minGarp && g.masterDelayUs > 0) this.timers.set('garpDelay', now + g.masterDelayUs);
        if (g.masterRefreshUs > 0) this.timers.set('garpRefresh', now + g.masterRefreshUs);
        return;
      }
      case 'disarm':
        this.timers.clear();
        this.garpPending = undefined;
        return;
    }
  }

  private armDown(now: Instant): void {
    const s = this.spec;
    this.timers.set('down', now + masterDownUs(s.version, this.effectivePriority, this.masterAdverIntUs, s.downTimerAdverts));
  }

  private garpBurst(now: Instant, reason: SendGratuitousAction['reason'], repeat: number): void {
    if (repeat <= 0 || this.spec.vips.length === 0) return;
    this.garpPending = { reason, left: repeat };
    this.garpRoundNow(now);
  }

  /** One round now; the rest immediately (interval 0) or one per vrrp_garp_interval. */
  private garpRoundNow(now: Instant): void {
    const p = this.garpPending;
    if (!p) return;
    const interval = this.spec.garp.intervalUs;
    do {
      this.actions.push({ kind: 'sendGratuitous', ifname: this.spec.ifname, vips: this.spec.vips, reason: p.reason });
      p.left--;
    } while (p.left > 0 && interval === 0);
    if (p.left > 0) this.timers.set('garpRound', now + interval);
    else this.garpPending = undefined;
  }

  private sendAdvert(_now: Instant, priority: number): void {
    const s = this.spec;
    const unicast = s.unicastPeers.length > 0;
    const destinations = unicast ? s.unicastPeers : [s.mcastGroup ?? (s.family === 4 ? VRRP_MCAST_GROUP4 : VRRP_MCAST_GROUP6)];
    const v2 = s.version === 2;
    const advert: Advert = {
      version: s.version,
      family: s.family,
      vrid: s.vrid,
      priority,
      advertIntervalCs: s.advertIntervalCs,
      authType: v2 ? (s.auth.type === 'pass' ? 1 : s.auth.type === 'ah' ? 2 : 0) : 0,
      authData: v2 && s.auth.type === 'pass' ? passAuthData(s.auth.password) : new Uint8Array(0),
      addresses: s.vips.filter((v) => v.addr.family === s.family).map((v) => v.addr),
      checksum: 0,
    };
    this.stats.advertsSent++;
    this.actions.push({ kind: 'sendAdvert', ifname: s.ifname, src: s.primaryAddr, destinations, ttl: unicast ? (s.unicastTtl ?? 255) : 255, advert });
  }
}
