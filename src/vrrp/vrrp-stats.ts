// Per-instance counters, named after what keepalived's stats dump and SNMP report (advert_rcvd,
// advert_sent, become_master, release_master, pri_zero_rcvd, pri_zero_sent) plus one counter per
// rejection reason, which the Prometheus exporters scrape as *_errors_total.

import { REJECT_REASONS, type RejectReason } from './advert-check.ts';

export interface VrrpStats {
  advertsReceived: number;
  advertsSent: number;
  becomeMaster: number;
  releaseMaster: number;
  priZeroReceived: number;
  priZeroSent: number;
  /** A backup discarded a lower-priority advert ("received lower priority advert - discarding"). */
  lowerPriorityDiscarded: number;
  rejected: Record<RejectReason, number>;
}

export function newVrrpStats(): VrrpStats {
  const rejected = {} as Record<RejectReason, number>;
  for (const r of REJECT_REASONS) rejected[r] = 0;
  return {
    advertsReceived: 0, advertsSent: 0, becomeMaster: 0, releaseMaster: 0, priZeroReceived: 0,
    priZeroSent: 0, lowerPriorityDiscarded: 0, rejected,
  };
}
