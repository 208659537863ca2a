// A `vrrp_sync_group`: its member instances move together (keepalived vrrp_sync.c).
//
// Rules implemented:
//  - FAULT: while any member is in FAULT because of its own trackers, every other member is held
//    in FAULT too (setSyncFault); when the last own fault clears they all leave FAULT together.
//  - MASTER: a member whose down timer fires only becomes master when every other member's down
//    timer has fired as well (vrrp_sync_can_goto_master); when one member becomes MASTER, the
//    others in BACKUP follow (vrrp_sync_master).
//  - BACKUP: when one master member steps down, the other masters follow (vrrp_sync_backup).
// Forced transitions do not propagate again, so there is no recursion.

import type { Instant } from '../base/time.ts';
import type { VrrpState } from './actions.ts';
import type { SyncGroupLink, VrrpInstance } from './instance.ts';

export class SyncGroup implements SyncGroupLink {
  readonly members: VrrpInstance[] = [];

  constructor(readonly name: string) {}

  add(member: VrrpInstance): void {
    this.members.push(member);
    member.joinSyncGroup(this);
  }

  canGotoMaster(member: VrrpInstance): boolean {
    return this.members.every((m) => m === member || m.state === 'MASTER' || (m.state === 'BACKUP' && m.downTimerExpired));
  }

  onTransition(now: Instant, member: VrrpInstance, from: VrrpState, to: VrrpState): void {
    if (to === 'MASTER') {
      for (const m of this.members) if (m !== member) m.syncTo(now, 'MASTER', `sync group ${this.name}: ${member.name} became MASTER`);
    } else if (from === 'MASTER' && to === 'BACKUP') {
      for (const m of this.members) if (m !== member) m.syncTo(now, 'BACKUP', `sync group ${this.name}: ${member.name} became BACKUP`);
    }
  }

  onOwnFaultChanged(now: Instant): void {
    this.refreshFaults(now);
  }

  /** Each member is held in FAULT while some OTHER member has a fault of its own. */
  refreshFaults(now: Instant): void {
    const own = this.members.map((m) => m.ownFault);
    this.members.forEach((m, i) => m.setSyncFault(now, own.some((f, j) => f && j !== i)));
  }

  /** One state for the whole group, or 'mixed'. */
  sharedState(): VrrpState | 'mixed' {
    const first = this.members[0]?.state;
    return this.members.every((m) => m.state === first) ? (first ?? 'INIT') : 'mixed';
  }
}
