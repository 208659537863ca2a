// What the tracked objects of one instance say: its effective priority and whether it must be in
// FAULT. Pure bookkeeping: the instance feeds TrackChange inputs in and asks afterwards.
//
// keepalived (vrrp_track.c, update of effective_priority and num_script_if_fault):
//   total = base + sum(weights of trackers currently contributing)
//   effective = clamp(total, 1, 254), and never changed when base is 255 (the owner).
// A tracker with weight 0 does not move the priority: its failure means FAULT instead.
//   track_interface: weight > 0 adds w while up; weight < 0 subtracts |w| while down.
//   track_script:    weight > 0 adds w while OK; weight < 0 subtracts |w| while failed.
//   track_file:      value * weight (reverse negates); weight 0 and value != 0, or a product
//                    below -253, means FAULT.
//   `reverse` swaps up/down (OK/failed) before any of the above.
// The instance's own interface going down is a FAULT unless `dont_track_primary`.

import type { TrackFileSpec, TrackInterfaceSpec, TrackScriptSpec, VrrpInstanceSpec } from './instance-spec.ts';
import { OWNER_PRIORITY } from './timing.ts';

export type TrackChange =
  | { readonly kind: 'interface'; readonly ifname: string; readonly up: boolean }
  | { readonly kind: 'script'; readonly name: string; readonly ok: boolean }
  | { readonly kind: 'file'; readonly name: string; readonly value: number };

/** vrrp_track.c: weights are limited to +-253 so one tracker can span the whole 1..254 range. */
export const MAX_TRACK_WEIGHT = 253;

export class Tracking {
  private readonly ifUp = new Map<string, boolean>();
  private readonly scriptOk = new Map<string, boolean>();
  private readonly fileValue = new Map<string, number>();

  constructor(private readonly spec: VrrpInstanceSpec) {}

  /** Last reported state of each tracked interface (absent = never reported, counted as up). */
  get interfaceStates(): ReadonlyMap<string, boolean> { return this.ifUp; }
  /** Last value read from each tracked file (absent = never read, counted as 0). */
  get fileValues(): ReadonlyMap<string, number> { return this.fileValue; }

  /** Records a change; returns true when it concerns one of this instance's trackers. */
  apply(change: TrackChange): boolean {
    switch (change.kind) {
      case 'interface': {
        const relevant =
          change.ifname === this.spec.ifname || this.spec.trackInterfaces.some((t) => t.ifname === change.ifname);
        if (relevant) this.ifUp.set(change.ifname, change.up);
        return relevant;
      }
      case 'script': {
        const relevant = this.spec.trackScripts.some((t) => t.name === change.name);
        if (relevant) this.scriptOk.set(change.name, change.ok);
        return relevant;
      }
      case 'file': {
        const relevant = this.spec.trackFiles.some((t) => t.name === change.name);
        if (relevant) this.fileValue.set(change.name, Number.isFinite(change.value) ? Math.trunc(change.value) : 0);
        return relevant;
      }
    }
  }

  /** Interfaces and scripts count as up/OK until told otherwise; files as 0. */
  private interfaceUp(t: TrackInterfaceSpec): boolean {
    const up = this.ifUp.get(t.ifname) ?? true;
    return t.reverse ? !up : up;
  }

  private scriptGood(t: TrackScriptSpec): boolean {
    const ok = this.scriptOk.get(t.name) ?? true;
    return t.reverse ? !ok : ok;
  }

  private fileProduct(t: TrackFileSpec): number {
    const v = this.fileValue.get(t.name) ?? 0;
    const product = v * t.weight;
    return t.reverse ? -product : product;
  }

  /** Why the instance must be in FAULT (empty = it need not be). */
  faultReasons(): string[] {
    const reasons: string[] = [];
    if (!this.spec.dontTrackPrimary && this.ifUp.get(this.spec.ifname) === false) {
      reasons.push(`interface ${this.spec.ifname} down`);
    }
    for (const t of this.spec.trackInterfaces) {
      if (t.weight === 0 && !this.interfaceUp(t)) reasons.push(`tracked interface ${t.ifname} down`);
    }
    for (const t of this.spec.trackScripts) {
      if (t.weight === 0 && !this.scriptGood(t)) reasons.push(`track_script ${t.name} failed`);
    }
    for (const t of this.spec.trackFiles) {
      const v = this.fileValue.get(t.name) ?? 0;
      if (t.weight === 0 ? v !== 0 : this.fileProduct(t) < -MAX_TRACK_WEIGHT) {
        reasons.push(`track_file ${t.name} = ${v}`);
      }
    }
    return reasons;
  }

  isFault(): boolean {
    return this.faultReasons().length > 0;
  }

  /** vrrp_track.c: base + contributions, clamped to 1..254; the owner stays at 255. */
  effectivePriority(): number {
    const base = this.spec.priority;
    if (base === OWNER_PRIORITY) return OWNER_PRIORITY;
    let total = base;
    for (const t of this.spec.trackInterfaces) {
      if (t.weight > 0 && this.interfaceUp(t)) total += t.weight;
      if (t.weight < 0 && !this.interfaceUp(t)) total += t.weight;
    }
    for (const t of this.spec.trackScripts) {
      if (t.weight > 0 && this.scriptGood(t)) total += t.weight;
      if (t.weight < 0 && !this.scriptGood(t)) total += t.weight;
    }
    for (const t of this.spec.trackFiles) {
      if (t.weight !== 0) total += this.fileProduct(t);
    }
    return Math.min(OWNER_PRIORITY - 1, Math.max(1, total));
  }
}
