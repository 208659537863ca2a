// The shape every Linux probe has: start it with its spec and a `done` callback, get back a
// cancel function. A probe calls `done` exactly once (the runner enforces "at most once" and
// "never after cancel" too), releases every socket/timer/child before or as it calls `done`,
// and never throws: failures are outcomes.

import type { ProbeOutcome } from '../../check/checker-spec.ts';

export type Cancel = () => void;
export type ProbeImpl<S> = (spec: S, done: (o: ProbeOutcome) => void) => Cancel;

/** Microseconds to a setTimeout delay, never below 1 ms. */
export function msFromUs(us: number): number {
  return Math.max(1, Math.round(us / 1000));
}

/** A readable reason from a Node socket error: its code when it has one. */
export function errorReason(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const msg = (e as { message?: string }).message;
    return msg ? `${(e as { code: string }).code}: ${msg}` : (e as { code: string }).code;
  }
  return e instanceof Error ? e.message : String(e);
}

/** The host to dial: an IPv6 link-local address needs its interface as the scope id. */
export function dialHost(host: string, bindIf: string | undefined): string {
  if (bindIf && host.includes(':') && /^fe[89ab]/i.test(host) && !host.includes('%')) return `${host}%${bindIf}`;
  return host;
}
