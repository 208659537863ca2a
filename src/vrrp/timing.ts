// VRRP timers in integer microseconds, exactly as keepalived computes them.
//
// Theory: RFC 3768 section 6.1 (v2) and RFC 5798 section 6.1 (v3) define
//   Skew_Time            = ((256 - Priority) / 256) seconds               (v2)
//                        = ((256 - Priority) * Master_Adver_Interval) / 256 (v3, centiseconds)
//   Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time
// keepalived (include/vrrp.h, VRRP_TIMER_SKEW_CALC / VRRP_MS_DOWN_TIMER) evaluates them on unsigned
// integers with TIMER_HZ = 1e6 and, for v3, reduces (10000 / 256) to (625 / 16) so the product
// fits a uint32. Every division below truncates, as C's unsigned division does, so the numbers
// match keepalived to the microsecond: v2 p=100 -> skew 609375, master-down 3609375.

import type { DurationUs } from '../base/time.ts';
import type { VrrpVersion } from './wire/advert.ts';

export const US_PER_S_INT = 1_000_000;
/** keepalived's TIMER_CENTI_HZ: microseconds per centisecond. */
export const US_PER_CS_INT = 10_000;
/** RFC 5798 section 6.1: Master_Down_Interval uses 3 intervals (keepalived `down_timer_adverts`). */
export const DEFAULT_DOWN_TIMER_ADVERTS = 3;
/** RFC 3768 section 5.3.4 / RFC 5798 section 5.2.4: 255 is reserved for the address owner. */
export const OWNER_PRIORITY = 255;

/** An advertisement interval in centiseconds as the microseconds keepalived stores it. */
export function advertIntervalUs(advertIntervalCs: number): DurationUs {
  return advertIntervalCs * US_PER_CS_INT;
}

/**
 * Skew_Time (RFC 3768 section 6.1; RFC 5798 section 6.1) for `priority` = the instance's
 * effective priority. v3 scales with the master's advertisement interval; v2 does not.
 */
export function skewUs(version: VrrpVersion, priority: number, masterAdvertIntervalUs: DurationUs): DurationUs {
  const weight = 256 - priority;
  if (version === 3) {
    // ((256 - p) * (master_adver_int / TIMER_CENTI_HZ) * 625) / 16, each step truncating.
    const cs = Math.floor(masterAdvertIntervalUs / US_PER_CS_INT);
    return Math.floor((weight * cs * 625) / 16);
  }
  // (256 - p) * TIMER_HZ / 256
  return Math.floor((weight * US_PER_S_INT) / 256);
}

/**
 * Master_Down_Interval (RFC 3768 section 6.1; RFC 5798 section 6.1):
 * down_timer_adverts * Master_Adver_Interval + Skew_Time.
 */
export function masterDownUs(
  version: VrrpVersion,
  priority: number,
  masterAdvertIntervalUs: DurationUs,
  downTimerAdverts: number = DEFAULT_DOWN_TIMER_ADVERTS,
): DurationUs {
  return downTimerAdverts * masterAdvertIntervalUs + skewUs(version, priority, masterAdvertIntervalUs);
}
