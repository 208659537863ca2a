// The VRRP instance state machine as data (DESIGN 6.3). Each row says: in state `from`, event
// `event` leads to state `to`, running `effects` in order. `applyTransition` in instance.ts is the
// only code that changes an instance's state, and it does so by looking a row up here; the unit
// tests walk every row. Events that a state does not list are ignored in that state.
//
// Sources: RFC 3768 section 6.4 / RFC 5798 section 6.4 (Initialize, Backup, Master), and
// keepalived's additions: FAULT (vrrp.c vrrp_state_fault_rx / vrrp_state_leave_fault), priority 0
// on MASTER->FAULT and on stop (vrrp.c vrrp_state_leave_master, restore_vrrp_interfaces), sync
// groups (vrrp_sync.c).

import type { VrrpState, NotifyEvent } from './actions.ts';

export type TransitionEvent =
  /** start-up (RFC 5798 6.4.1: Startup event; keepalived always starts in BACKUP) */
  | 'start'
  /** start-up while a tracker (or sync-group peer) already demands FAULT */
  | 'startFaulted'
  /** Master_Down_Timer fired (RFC 5798 6.4.2) */
  | 'masterDownTimer'
  /** a master heard a higher priority, or an equal one from a higher primary address (RFC 5798 6.4.3) */
  | 'higherPriorityAdvert'
  /** a tracker failed, the interface went down, or a sync-group peer faulted */
  | 'faultOn'
  /** every fault cleared */
  | 'faultOff'
  /** a sync-group peer became master / backup (vrrp_sync.c) */
  | 'syncMaster'
  | 'syncBackup'
  /** shutdown (RFC 5798 6.4.3: Shutdown event) */
  | 'stop';

export type Effect =
  /** master_adver_int := own advertisement interval */
  | 'resetMasterAdverInt'
  /** down timer for the first election: 1 us (owner + state MASTER), adver_int + min skew (state MASTER), else master-down */
  | 'armStartTimer'
  /** down timer := Master_Down_Interval */
  | 'armMasterDownTimer'
  /** advertisement timer := Advertisement_Interval, after sending one advert now */
  | 'sendAdvertAndArm'
  /** one advert with priority 0 (RFC 5798 6.4.3: "Send an ADVERTISEMENT with Priority = 0") */
  | 'sendPriorityZero'
  | 'addVips'
  | 'removeVips'
  /** first gratuitous ARP / NA burst, second after garp_master_delay, refresh timer */
  | 'startGarp'
  /** stop all timers */
  | 'disarm';

export interface Transition {
  readonly from: VrrpState;
  readonly event: TransitionEvent;
  readonly to: VrrpState;
  readonly effects: readonly Effect[];
}

const becomeMaster: readonly Effect[] = ['disarm', 'resetMasterAdverInt', 'addVips', 'sendAdvertAndArm', 'startGarp'];
const leaveMaster: readonly Effect[] = ['disarm', 'removeVips', 'armMasterDownTimer'];

export const TRANSITIONS: readonly Transition[] = [
  { from: 'INIT', event: 'start', to: 'BACKUP', effects: ['resetMasterAdverInt', 'armStartTimer'] },
  { from: 'INIT', event: 'startFaulted', to: 'FAULT', effects: ['resetMasterAdverInt', 'disarm'] },
  { from: 'BACKUP', event: 'masterDownTimer', to: 'MASTER', effects: becomeMaster },
  { from: 'BACKUP', event: 'syncMaster', to: 'MASTER', effects: becomeMaster },
  // The advert's interval has already been adopted (v3) before this row runs: see handleAdvert.
  { from: 'MASTER', event: 'higherPriorityAdvert', to: 'BACKUP', effects: leaveMaster },
  { from: 'MASTER', event: 'syncBackup', to: 'BACKUP', effects: ['resetMasterAdverInt', ...leaveMaster] },
  { from: 'BACKUP', event: 'faultOn', to: 'FAULT', effects: ['disarm'] },
  { from: 'MASTER', event: 'faultOn', to: 'FAULT', effects: ['sendPriorityZero', 'disarm', 'removeVips'] },
  // keepalived vrrp_state_leave_fault: back to BACKUP with master_adver_int reset, start-up timer.
  { from: 'FAULT', event: 'faultOff', to: 'BACKUP', effects: ['resetMasterAdverInt', 'armStartTimer'] },
  { from: 'BACKUP', event: 'stop', to: 'INIT', effects: ['disarm'] },
  { from: 'MASTER', event: 'stop', to: 'INIT', effects: ['sendPriorityZero', 'disarm', 'removeVips'] },
  { from: 'FAULT', event: 'stop', to: 'INIT', effects: ['disarm'] },
];

export function findTransition(from: VrrpState, event: TransitionEvent): Transition | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.event === event);
}

/** keepalived runs notify_<state> on entering each state; INIT after a stop is notify_stop. */
export function notifyFor(to: VrrpState): NotifyEvent {
  switch (to) {
    case 'MASTER': return 'master';
    case 'BACKUP': return 'backup';
    case 'FAULT': return 'fault';
    case 'INIT': return 'stop';
  }
}

/** The state diagram (mermaid) generated from the table, for the docs. */
export function stateDiagram(): string {
  const lines = ['stateDiagram-v2'];
  for (const t of TRANSITIONS) lines.push(`  ${t.from} --> ${t.to}: ${t.event}`);
  return lines.join('\n');
}
