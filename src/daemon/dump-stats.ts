// The USR2 dump (/tmp/keepalived.stats): per-instance counters, line for line in keepalived
// 2.2.7's format (vrrp/vrrp_print.c vrrp_print_stats; the fixture test/fixtures/dumps/
// keepalived-2.2.7.stats was written by keepalived itself). Pure: DaemonView -> text.
//
// Field mapping, keepalived (vrrp_stats) -> ours (src/vrrp/vrrp-stats.ts):
//   advert_rcvd -> advertsReceived, advert_sent -> advertsSent, become_master -> becomeMaster,
//   release_master -> releaseMaster, pri_zero_rcvd / pri_zero_sent -> priZeroReceived / priZeroSent,
//   ip_ttl_err -> rejected.ttl, advert_interval_err -> rejected.intervalMismatch,
//   authtype_mismatch -> rejected.authTypeMismatch, auth_failure -> rejected.authFailure.
// Counters we do not have print 0 (see vrrpCounters below for why each is missing).

import type { VrrpInstance } from '../vrrp/instance.ts';
import { newVrrpStats } from '../vrrp/vrrp-stats.ts';
import type { DaemonView } from './daemon-view.ts';

/** keepalived's vrrp_stats fields, with our value for each (also the JSON dump's "stats"). */
export interface KeepalivedVrrpCounters {
  readonly advert_rcvd: number;
  readonly advert_sent: number;
  readonly become_master: number;
  readonly release_master: number;
  readonly packet_len_err: number;
  readonly advert_interval_err: number;
  readonly ip_ttl_err: number;
  readonly invalid_type_rcvd: number;
  readonly addr_list_err: number;
  readonly invalid_authtype: number;
  readonly authtype_mismatch: number;
  readonly auth_failure: number;
  readonly pri_zero_rcvd: number;
  readonly pri_zero_sent: number;
}

export function vrrpCounters(inst: VrrpInstance): KeepalivedVrrpCounters {
  const s = inst.stats;
  return {
    advert_rcvd: s.advertsReceived,
    advert_sent: s.advertsSent,
    become_master: s.becomeMaster,
    release_master: s.releaseMaster,
    // No counter: a short or malformed packet is refused by the codec before it is known to
    // belong to an instance; the Director counts those per reason (Director.rxErrors), not per
    // instance.
    packet_len_err: 0,
    advert_interval_err: s.rejected.intervalMismatch,
    ip_ttl_err: s.rejected.ttl,
    // No counter: a packet whose VRRP type is not ADVERTISEMENT is refused by the codec, as above.
    invalid_type_rcvd: 0,
    // No counter: a VIP list different from ours is accepted, as keepalived >= 2.3.3 does
    // (advert-check.ts), so nothing is counted.
    addr_list_err: 0,
    // No counter: keepalived counts auth types above 2 here and other differences as a type
    // mismatch; we count every differing type as a mismatch (rejected.authTypeMismatch).
    invalid_authtype: 0,
    authtype_mismatch: s.rejected.authTypeMismatch,
    auth_failure: s.rejected.authFailure,
    pri_zero_rcvd: s.priZeroReceived,
    pri_zero_sent: s.priZeroSent,
  };
}

export function formatInstanceStats(inst: VrrpInstance): string[] {
  const c = vrrpCounters(inst);
  return [
    `VRRP Instance: ${inst.name}`,
    '  Advertisements:',
    `    Received: ${c.advert_rcvd}`,
    `    Sent: ${c.advert_sent}`,
    `  Became master: ${c.become_master}`,
    `  Released master: ${c.release_master}`,
    '  Packet Errors:',
    `    Length: ${c.packet_len_err}`,
    `    TTL: ${c.ip_ttl_err}`,
    `    Invalid Type: ${c.invalid_type_rcvd}`,
    `    Advertisement Interval: ${c.advert_interval_err}`,
    `    Address List: ${c.addr_list_err}`,
    '  Authentication Errors:',
    `    Invalid Type: ${c.invalid_authtype}`,
    `    Type Mismatch: ${c.authtype_mismatch}`,
    `    Failure: ${c.auth_failure}`,
    '  Priority Zero:',
    `    Received: ${c.pri_zero_rcvd}`,
    `    Sent: ${c.pri_zero_sent}`,
  ];
}

/** The whole file; empty when the VRRP half does not run (keepalived writes it from its VRRP process). */
export function dumpStats(view: DaemonView): string {
  const director = view.vrrp();
  if (!director) return '';
  const lines = director.instances.flatMap(formatInstanceStats);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/**
 * `--signum=STATS_CLEAR` (SIGRTMAX-1, 63): keepalived writes the stats file, then zeroes every
 * instance's counters (checked against keepalived 2.2.7: a USR2 right after shows Sent: 0).
 * The one place a reader of the DaemonView writes: it is the documented purpose of the signal.
 * Prometheus sees an ordinary counter reset.
 */
export function clearVrrpStats(view: DaemonView): void {
  for (const inst of view.vrrp()?.instances ?? []) Object.assign(inst.stats, newVrrpStats());
}
