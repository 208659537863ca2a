// Two small facts about probes the scheduler needs: how long one may take (for the watchdog)
// and a one-line text for an outcome (kept as the reason of the last change).

import { US_PER_S, type DurationUs } from '../base/time.ts';
import type { ProbeOutcome, ProbeSpec } from './checker-spec.ts';

export function probeTimeoutUs(p: ProbeSpec): DurationUs {
  switch (p.kind) {
    case 'misc': return p.timeoutUs;
    case 'file': return US_PER_S;
    default: return p.connect.timeoutUs;
  }
}

export function describeOutcome(o: ProbeOutcome): string {
  switch (o.kind) {
    case 'ok': return o.detail ?? 'success';
    case 'failed': return o.reason;
    case 'timeout': return o.reason ?? 'timed out';
    case 'exit': return o.code === null ? `killed by ${o.signal ?? 'a signal'}` : `exited with status ${o.code}`;
    case 'file': return `file value ${o.value}`;
  }
}
