// Checks a VrrpInstanceSpec before an instance is built from it. The config layer is expected to
// have applied keepalived's fix-ups already (priority out of range -> 100, v2 interval rounded,
// nopreempt cleared with `state MASTER`, preempt_delay cleared in strict mode...); this is the
// engine's own guard, so a spec that would make the state machine or the codec misbehave (the
// encoder asserts on a v2 interval that is not whole seconds) is refused as data, never thrown.
//
// Limits: RFC 3768 section 5.3 / RFC 5798 section 5.2 (VRID 1..255, priority 1..255, v3 interval
// 12 bits of centiseconds, v2 one byte of seconds, IPv6 only with v3), keepalived vrrp_parser.c
// (preempt_delay 0..1000 s, nopreempt incompatible with priority 255 and with preempt_delay).

import type { VrrpInstanceSpec } from './instance-spec.ts';
import { OWNER_PRIORITY } from './timing.ts';

export interface SpecProblem {
  readonly code: string;
  readonly message: string;
}

export function checkInstanceSpec(s: VrrpInstanceSpec): SpecProblem[] {
  const out: SpecProblem[] = [];
  const bad = (code: string, message: string) => out.push({ code, message: `${s.name}: ${message}` });
  const int = (n: number) => Number.isInteger(n);
  if (!int(s.vrid) || s.vrid < 1 || s.vrid > 255) bad('vrid', `virtual_router_id ${s.vrid} not in 1..255`);
  if (!int(s.priority) || s.priority < 1 || s.priority > OWNER_PRIORITY) bad('priority', `priority ${s.priority} not in 1..255`);
  if (s.version !== 2 && s.version !== 3) bad('version', `version ${String(s.version)}`);
  if (s.family === 6 && s.version === 2) bad('version', 'VRRPv2 is IPv4 only (RFC 3768); use version 3 for IPv6');
  if (s.primaryAddr.family !== s.family) bad('family', 'primary address of another family');
  if (s.version === 2 && (!int(s.advertIntervalCs) || s.advertIntervalCs % 100 !== 0 || s.advertIntervalCs < 100 || s.advertIntervalCs > 25_500)) {
    bad('advertInterval', `v2 advert_int must be whole seconds 1..255, got ${s.advertIntervalCs / 100} s`);
  }
  if (s.version === 3 && (!int(s.advertIntervalCs) || s.advertIntervalCs < 1 || s.advertIntervalCs > 4095)) {
    bad('advertInterval', `v3 advert_int must be 0.01..40.95 s, got ${s.advertIntervalCs / 100} s`);
  }
  if (!int(s.downTimerAdverts) || s.downTimerAdverts < 1 || s.downTimerAdverts > 100) bad('downTimerAdverts', `down_timer_adverts ${s.downTimerAdverts} not in 1..100`);
  if (s.preemptDelayUs < 0 || s.preemptDelayUs > 1_000_000_000) bad('preemptDelay', 'preempt_delay not in 0..1000 s');
  if (s.nopreempt && s.priority === OWNER_PRIORITY) bad('nopreempt', 'nopreempt is incompatible with priority 255');
  if (s.nopreempt && s.preemptDelayUs > 0) bad('nopreempt', 'nopreempt and preempt_delay together');
  if (s.vips.length > 255) bad('vips', `${s.vips.length} virtual addresses; an advert carries at most 255`);
  for (const p of s.unicastPeers) if (p.family !== s.family) bad('unicastPeer', 'unicast_peer of another family');
  for (const t of [...s.trackInterfaces, ...s.trackScripts, ...s.trackFiles]) {
    if (!int(t.weight) || t.weight < -253 || t.weight > 253) bad('weight', `track weight ${t.weight} not in -253..253`);
  }
  const g = s.garp;
  if (g.masterRepeat < 0 || g.masterRefreshRepeat < 0 || g.lowerPrioRepeat < 0 || g.intervalUs < 0 || g.masterDelayUs < 0 || g.masterRefreshUs < 0) {
    bad('garp', 'negative garp setting');
  }
  if (s.auth.type !== 'none' && s.auth.password.length === 0) bad('auth', 'empty auth_pass');
  return out;
}
