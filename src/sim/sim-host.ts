// One simulated director: the real runtime Director wired to simulated ports. The scenario can
// crash it (no priority 0, timers and sockets die, addresses stay in the "kernel" but the host is
// out of the checks), restart it (fresh process and address table), stop it gracefully, take its
// link down and up, and decide whether its vrrp_scripts succeed.

import type { IpAddress } from '../base/ip.ts';
import { Director, type DirectorEvent, type DirectorSpec } from '../runtime/director.ts';
import type { AdvertCodec } from '../runtime/ports.ts';
import { wireAdvertCodec } from '../runtime/wire-advert-codec.ts';
import { FakeAddressPort, FakeAnnouncer, FakeNotifier, FakeScriptRunner } from './fake-ports.ts';
import type { L2Segment, SimHostLink } from './l2-segment.ts';
import type { SimWorld } from './sim-world.ts';
import { VirtualClock } from './virtual-clock.ts';

export interface SimHostOptions {
  readonly name: string;
  readonly addr: IpAddress;
  /** More addresses on the same interface (an IPv6 link-local for v3/IPv6 instances). */
  readonly moreAddrs?: readonly IpAddress[];
  readonly spec: DirectorSpec;
  /** Defaults to the real wire codec: the segment carries real VRRP bytes. */
  readonly codec?: AdvertCodec;
}

const SIM_CODEC = wireAdvertCodec();

export type HostStatus = 'running' | 'crashed' | 'stopped';

export class SimHost {
  director!: Director;
  clock!: VirtualClock;
  addresses!: FakeAddressPort;
  announcer!: FakeAnnouncer;
  notifier!: FakeNotifier;
  scripts!: FakeScriptRunner;
  link: SimHostLink;
  status: HostStatus = 'stopped';
  /** When the current process started its director. */
  startedAt = 0;
  readonly events: DirectorEvent[] = [];
  /** Called for every director event (the cluster uses it to note disturbances). */
  onEvent: (e: DirectorEvent) => void = () => {};
  /** Called on every start, stop, crash, restart and link change (the cluster's stability clock). */
  onDisturb: () => void = () => {};
  /** Script health survives restarts: it belongs to the world, not the process. */
  readonly scriptHealth = new Map<string, boolean>();
  readonly scriptHanging = new Set<string>();
  /** State of the host's other interfaces, which also survives restarts. */
  readonly otherLinks = new Map<string, boolean>();

  constructor(private readonly world: SimWorld, private readonly segment: L2Segment, readonly options: SimHostOptions) {
    this.spec = options.spec;
    this.link = segment.attach(options.name, [options.addr, ...(options.moreAddrs ?? [])]);
    this.boot();
  }

  /** The spec in force: the options' one until a reload replaces it (restarts use the latest). */
  spec: DirectorSpec;

  get name(): string { return this.options.name; }

  /**
   * SIGHUP with a new configuration. `disturbs: false` claims the reload changes nothing that
   * matters, so the cluster keeps checking that nothing moves (no flap on an identical reload).
   */
  reload(spec: DirectorSpec, disturbs = true): void {
    if (disturbs) this.onDisturb();
    this.spec = spec;
    if (this.status === 'running') this.director.reload(spec);
  }

  private boot(): void {
    this.clock = new VirtualClock(this.world, this.name);
    this.addresses = new FakeAddressPort();
    this.announcer = new FakeAnnouncer(this.world);
    this.notifier = new FakeNotifier(this.world);
    this.scripts = new FakeScriptRunner(this.world);
    for (const [k, v] of this.scriptHealth) this.scripts.healthy.set(k, v);
    for (const k of this.scriptHanging) this.scripts.hanging.add(k);
    this.director = new Director(
      {
        clock: this.clock, link: this.link, codec: this.options.codec ?? SIM_CODEC,
        addresses: this.addresses, announcer: this.announcer, scripts: this.scripts, notifier: this.notifier,
      },
      this.spec,
      (e) => { this.events.push(e); this.onEvent(e); },
    );
  }

  /** Starts the director; a crashed host is rebooted instead, a running one left alone. */
  start(): void {
    if (this.status === 'running') return;
    if (this.status === 'crashed') { this.restart(); return; }
    this.onDisturb();
    this.status = 'running';
    this.startedAt = this.world.now;
    // The OS reports the links it knows before the instances choose their first state.
    if (!this.link.linkUp) this.director.interfaceChanged('eth0', false);
    for (const [ifname, up] of this.otherLinks) if (!up) this.director.interfaceChanged(ifname, false);
    this.director.start();
  }

  stop(): void {
    if (this.status !== 'running') return;
    this.onDisturb();
    this.director.stop();
    this.status = 'stopped';
  }

  crash(): void {
    if (this.status !== 'running') return;
    this.onDisturb();
    this.clock.cancel();
    this.link.detach();
    this.scripts.killAll();
    this.status = 'crashed';
  }

  /** A new process (and a clean address table, as after a reboot). */
  restart(): void {
    if (this.status === 'running') this.crash();
    this.link = this.segment.reattach(this.link);
    this.boot();
    this.status = 'stopped';
    this.start();
  }

  setLink(up: boolean): void {
    if (this.link.linkUp === up) return;
    this.onDisturb();
    this.link.linkUp = up;
    if (this.status === 'running') this.director.interfaceChanged('eth0', up);
  }

  /** Another interface of this host (track_interface) goes up or down. */
  setInterface(ifname: string, up: boolean): void {
    this.onDisturb();
    this.otherLinks.set(ifname, up);
    if (this.status === 'running') this.director.interfaceChanged(ifname, up);
  }

  /** The script hangs (until killed by its timeout) or runs normally again. */
  setScriptHanging(name: string, hanging: boolean): void {
    if (hanging) this.scriptHanging.add(name); else this.scriptHanging.delete(name);
    if (hanging) this.scripts.hanging.add(name); else this.scripts.hanging.delete(name);
  }

  setScriptHealthy(name: string, healthy: boolean): void {
    this.scriptHealth.set(name, healthy);
    this.scripts.healthy.set(name, healthy);
  }
}
