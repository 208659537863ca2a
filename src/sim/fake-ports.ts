// In-memory ports for one simulated director: the addresses it holds (what `ip addr` would show),
// the gratuitous ARPs it sent, the notifications it raised, and vrrp_script runs whose outcome
// the scenario controls. Completions are delivered through the SimWorld, never synchronously,
// like the real ports.

import { formatIp } from '../base/ip.ts';
import type { Instant } from '../base/time.ts';
import type { AddressPort, Announcer, Notification, Notifier, PortResult, ScriptRunner } from '../runtime/ports.ts';
import type { VipSpec } from '../vrrp/instance-spec.ts';
import type { ScriptOutcome, ScriptSpec } from '../vrrp/script-scheduler.ts';
import type { SimEvent, SimWorld } from './sim-world.ts';

const keyCache = new WeakMap<VipSpec, Map<string, string>>();

/** "dev/address/prefix", memoised per VipSpec object (the invariant checks ask after every event). */
export function vipKey(ifname: string, v: VipSpec): string {
  let byIf = keyCache.get(v);
  if (!byIf) keyCache.set(v, (byIf = new Map()));
  let key = byIf.get(ifname);
  if (key === undefined) byIf.set(ifname, (key = `${v.ifname ?? ifname}/${formatIp(v.addr)}/${v.prefixLen}`));
  return key;
}

export class FakeAddressPort implements AddressPort {
  readonly held = new Set<string>();
  /** The next N operations fail (netlink error injection). */
  failNext = 0;
  errors = 0;

  /** Addresses whose last add was refused (the kernel does not have them; keepalived just logs). */
  readonly refused = new Set<string>();

  add(ifname: string, vips: readonly VipSpec[], _accept: boolean, done: (r: PortResult) => void): void {
    if (this.failNext > 0) {
      this.failNext--;
      this.errors++;
      for (const v of vips) this.refused.add(vipKey(ifname, v));
      done({ ok: false, error: 'EPERM (injected)' });
      return;
    }
    for (const v of vips) {
      this.held.add(vipKey(ifname, v));
      this.refused.delete(vipKey(ifname, v));
    }
    done({ ok: true });
  }

  remove(ifname: string, vips: readonly VipSpec[], done: (r: PortResult) => void): void {
    for (const v of vips) {
      this.held.delete(vipKey(ifname, v));
      this.refused.delete(vipKey(ifname, v));
    }
    done({ ok: true });
  }

  holds(ifname: string, v: VipSpec): boolean {
    return this.held.has(vipKey(ifname, v));
  }
}

export class FakeAnnouncer implements Announcer {
  readonly sent: Array<{ at: Instant; ifname: string; count: number }> = [];
  constructor(private readonly world: SimWorld) {}
  announce(ifname: string, vips: readonly VipSpec[]): void {
    this.sent.push({ at: this.world.now, ifname, count: vips.length });
  }
}

export class FakeNotifier implements Notifier {
  readonly log: Array<Notification & { at: Instant }> = [];
  constructor(private readonly world: SimWorld) {}
  notify(n: Notification): void {
    this.log.push({ ...n, at: this.world.now });
  }
}

/** Scripts succeed while `healthy.get(name)` is true (default true); each run takes runtimeUs. */
export class FakeScriptRunner implements ScriptRunner {
  readonly healthy = new Map<string, boolean>();
  readonly hanging = new Set<string>();
  kills = 0;
  runtimeUs = 1_000;
  runs = 0;
  private readonly pending = new Map<number, SimEvent>();

  constructor(private readonly world: SimWorld) {}

  run(runId: number, script: ScriptSpec, done: (outcome: ScriptOutcome) => void): void {
    this.runs++;
    // A hung script never answers by itself: only the scheduler's timeout (a kill) ends it.
    const runtime = this.hanging.has(script.name) ? 3_600_000_000 : this.runtimeUs;
    const ev = this.world.after(runtime, `script ${script.name}`, () => {
      this.pending.delete(runId);
      done({ kind: 'exited', code: (this.healthy.get(script.name) ?? true) ? 0 : 1 });
    });
    this.pending.set(runId, ev);
  }

  kill(runId: number): void {
    this.kills++;
    const ev = this.pending.get(runId);
    if (ev) ev.cancelled = true;
    this.pending.delete(runId);
  }

  killAll(): void {
    for (const ev of this.pending.values()) ev.cancelled = true;
    this.pending.clear();
  }
}
