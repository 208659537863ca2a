// A simulated Ethernet segment carrying VRRP packets between directors, with seeded faults:
// loss, duplication, delay with jitter (which reorders), partitions (hosts only hear hosts in
// the same partition) and per-host link down. Multicast reaches every other attached host;
// unicast reaches the host owning the destination address. A host never hears itself, as
// keepalived's sockets do not loop multicast back.

import { ipEquals, isMulticast, type IpAddress } from '../base/ip.ts';
import type { AdvertTx, VrrpLink } from '../runtime/ports.ts';
import type { RxMeta } from '../vrrp/wire/advert.ts';
import type { SimWorld } from './sim-world.ts';

export interface SegmentFaults {
  /** Probability each copy is lost. */
  loss: number;
  /** Probability a packet is delivered twice. */
  duplication: number;
  /** Base one-way delay and uniform jitter added to it (jitter reorders packets). */
  delayUs: number;
  jitterUs: number;
}

export const CLEAN: SegmentFaults = { loss: 0, duplication: 0, delayUs: 50, jitterUs: 0 };

export class SimHostLink implements VrrpLink {
  private receiver: ((payload: Uint8Array, meta: RxMeta) => void) | undefined;
  linkUp = true;
  partition = 0;
  sent = 0;
  received = 0;

  constructor(private readonly segment: L2Segment, readonly name: string, readonly addrs: readonly IpAddress[]) {}

  owns(a: IpAddress): boolean {
    return this.addrs.some((x) => ipEquals(x, a));
  }

  send(tx: AdvertTx): void {
    if (!this.linkUp) return;
    this.sent++;
    this.segment.transmit(this, tx);
  }

  onReceive(cb: (payload: Uint8Array, meta: RxMeta) => void): void {
    this.receiver = cb;
  }

  ifnameOf(ifindex: number): string | undefined {
    return ifindex === 1 ? 'eth0' : undefined;
  }

  /** Detach the receiver (a crashed director's socket is gone). */
  detach(): void {
    this.receiver = undefined;
  }

  deliver(payload: Uint8Array, meta: RxMeta): void {
    if (!this.linkUp || !this.receiver) return;
    this.received++;
    this.receiver(payload, meta);
  }
}

export class L2Segment {
  readonly hosts: SimHostLink[] = [];
  faults: SegmentFaults = { ...CLEAN };
  delivered = 0;
  dropped = 0;

  constructor(private readonly world: SimWorld) {}

  attach(name: string, addrs: readonly IpAddress[]): SimHostLink {
    const link = new SimHostLink(this, name, addrs);
    this.hosts.push(link);
    return link;
  }

  /** Replace a host's link (restart after a crash keeps its address). */
  reattach(old: SimHostLink): SimHostLink {
    const fresh = new SimHostLink(this, old.name, old.addrs);
    fresh.partition = old.partition;
    fresh.linkUp = old.linkUp;
    this.hosts[this.hosts.indexOf(old)] = fresh;
    return fresh;
  }

  connected(a: SimHostLink, b: SimHostLink): boolean {
    return a.linkUp && b.linkUp && a.partition === b.partition;
  }

  transmit(from: SimHostLink, tx: AdvertTx): void {
    const prng = this.world.prng;
    const targets = isMulticast(tx.dst)
      ? this.hosts.filter((h) => h !== from)
      : this.hosts.filter((h) => h !== from && h.owns(tx.dst));
    const payload = Uint8Array.from(tx.payload);
    for (const to of targets) {
      const copies = prng.chance(this.faults.duplication) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        if (prng.chance(this.faults.loss)) {
          this.dropped++;
          continue;
        }
        const delay = this.faults.delayUs + (this.faults.jitterUs > 0 ? prng.int(0, this.faults.jitterUs) : 0);
        const meta: RxMeta = { src: tx.src, dst: tx.dst, ttl: tx.ttl, ifindex: 1 };
        this.world.after(delay, `${from.name}->${to.name}`, () => {
          // Partition and link state are judged at arrival: a packet in flight into a cut is lost.
          const target = this.hosts.find((h) => h.name === to.name);
          const source = this.hosts.find((h) => h.name === from.name);
          if (!target || !source || !target.linkUp || source.partition !== target.partition) {
            this.dropped++;
            return;
          }
          this.delivered++;
          target.deliver(payload, meta);
        });
      }
    }
  }
}
