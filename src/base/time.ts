// Time as the cores see it: a plain number of MICROseconds on a monotonic clock whose origin
// is the driver's business. keepalived's own timers are microseconds (TIMER_HZ = 1,000,000),
// so its integer formulas (skew, master-down) carry over exactly.

/** A point on the monotonic clock, in microseconds. */
export type Instant = number;
/** A span of time in microseconds. */
export type DurationUs = number;

export const US_PER_MS = 1_000;
export const US_PER_S = 1_000_000;
export const US_PER_CS = 10_000;

export function secondsToUs(seconds: number): DurationUs {
  return Math.round(seconds * US_PER_S);
}

export function usToMs(us: DurationUs): number {
  return us / US_PER_MS;
}
