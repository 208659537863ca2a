// What the VRRP side says in the log, in keepalived 2.2.7's words, so operators' greps and
// alerting keep working ("(VI_1) Entering MASTER STATE", "(VI_1) received lower priority (90)
// advert from 10.99.0.11 - discarding", "VRRP_Script(chk) failed"...).
//
// Theory of operation: the director reports transitions and script status as DirectorEvents;
// everything else keepalived logs is seen by wrapping the ports on their way in: the link (what
// was received, then the instance's counters say whether it was discarded or rejected), the
// address port ("setting VIPs." / "removing VIPs."), the announcer and the notifier (a master
// hearing a lower priority). Wrappers pass every call through unchanged.

import { formatIp } from '../base/ip.ts';
import type { Director, DirectorEvent } from '../runtime/director.ts';
import type { AddressPort, Announcer, Notification, Notifier, PortResult, VrrpLink } from '../runtime/ports.ts';
import type { VipSpec } from '../vrrp/instance-spec.ts';
import type { VrrpInstance } from '../vrrp/instance.ts';
import type { RxMeta } from '../vrrp/wire/advert.ts';
import type { DaemonLogger } from './daemon-log.ts';

interface Snapshot {
  discarded: number;
  rejected: Record<string, number>;
  priority: number;
}

export class VrrpLog {
  private director: Director | undefined;
  private readonly snaps = new Map<VrrpInstance, Snapshot>();
  private readonly lastGarpLog = new Map<string, number>();

  constructor(private readonly log: DaemonLogger) {}

  attach(director: Director): void {
    this.director = director;
    for (const i of director.instances) this.snaps.set(i, this.snapshot(i));
  }

  private snapshot(i: VrrpInstance): Snapshot {
    return { discarded: i.stats.lowerPriorityDiscarded, rejected: { ...i.stats.rejected }, priority: i.effectivePriority };
  }

  /** The director's observer. */
  onEvent = (e: DirectorEvent): void => {
    switch (e.kind) {
      case 'stateChanged': {
        const n = `(${e.instance})`;
        if (e.to === 'MASTER' && e.cause.startsWith('master-down')) this.log.info(`${n} Receive advertisement timeout`);
        if (e.to === 'BACKUP' && e.from === 'MASTER') this.log.info(`${n} Master received advert: ${e.cause}`);
        if (e.to === 'INIT') {
          if (e.from === 'MASTER') this.log.info(`${n} sent 0 priority`);
          this.log.info(`${n} Stopped (was ${e.from})`);
          return;
        }
        if (e.from === 'MASTER' && e.to === 'FAULT') this.log.info(`${n} sent 0 priority`);
        this.log.info(`${n} Entering ${e.to} STATE${e.from === 'INIT' ? ' (init)' : ''}`);
        this.log.debug(`${n} ${e.from} -> ${e.to}: ${e.cause}`);
        return;
      }
      case 'scriptStatus':
        this.log.info(`VRRP_Script(${e.script}) ${e.ok ? 'succeeded' : 'failed'}`);
        queueMicrotask(() => this.checkPriorities());
        return;
      case 'decodeError':
        this.log.debug(`bad VRRP packet: ${e.reason}`);
        return;
      case 'unknownVrid':
        this.log.debug(`VRRP packet for unknown VRID ${e.vrid}`);
        return;
      case 'portError':
        this.log.warn(`${e.port}: ${e.error}`);
        return;
    }
  };

  /** "(VI_1) Changing effective priority from 150 to 90". */
  checkPriorities(): void {
    for (const [i, s] of this.snaps) {
      const p = i.effectivePriority;
      if (p !== s.priority) {
        this.log.info(`(${i.name}) Changing effective priority from ${s.priority} to ${p}`);
        s.priority = p;
      }
    }
  }

  private afterReceive(payload: Uint8Array, meta: RxMeta): void {
    const d = this.director;
    if (!d) return;
    for (const i of d.instances) {
      const s = this.snaps.get(i);
      if (!s) continue;
      if (i.stats.lowerPriorityDiscarded !== s.discarded) {
        s.discarded = i.stats.lowerPriorityDiscarded;
        this.log.info(`(${i.name}) received lower priority (${payload[2] ?? '?'}) advert from ${formatIp(meta.src)} - discarding`);
      }
      for (const [reason, count] of Object.entries(i.stats.rejected)) {
        if (count !== s.rejected[reason]) {
          s.rejected[reason] = count;
          this.log.warn(`(${i.name}) advert from ${formatIp(meta.src)} rejected: ${reason}`);
        }
      }
    }
    this.checkPriorities();
  }

  wrapLink(inner: VrrpLink): VrrpLink {
    return {
      send: (tx) => inner.send(tx),
      ifnameOf: (ifindex) => inner.ifnameOf(ifindex),
      onReceive: (cb) => inner.onReceive((payload, meta) => {
        cb(payload, meta);
        this.afterReceive(payload, meta);
      }),
    };
  }

  private instanceFor(vips: readonly VipSpec[]): string {
    const i = this.director?.instances.find((x) => x.allVips === vips || x.spec.vips === vips);
    return i ? `(${i.name}) ` : '';
  }

  wrapAddresses(inner: AddressPort): AddressPort {
    return {
      add: (ifname, vips, accept, done) => {
        this.log.info(`${this.instanceFor(vips)}setting VIPs.`);
        inner.add(ifname, vips, accept, done);
      },
      remove: (ifname, vips, done: (r: PortResult) => void) => {
        this.log.info(`${this.instanceFor(vips)}removing VIPs.`);
        inner.remove(ifname, vips, done);
      },
    };
  }

  wrapAnnouncer(inner: Announcer): Announcer {
    return {
      announce: (ifname, vips) => {
        // One line per burst, as keepalived's "Sending/queueing gratuitous ARPs" (not per packet).
        const now = Date.now();
        const key = `${ifname}/${vips.map((v) => formatIp(v.addr)).join(',')}`;
        if (now - (this.lastGarpLog.get(key) ?? 0) > 500) {
          this.lastGarpLog.set(key, now);
          const what = vips[0]?.addr.family === 6 ? 'unsolicited neighbour advertisements' : 'gratuitous ARPs';
          this.log.info(`${this.instanceFor(vips)}Sending/queueing ${what} on ${ifname} for ${vips.map((v) => formatIp(v.addr)).join(' ')}`);
        }
        inner.announce(ifname, vips);
      },
    };
  }

  wrapNotifier(inner: Notifier): Notifier {
    return {
      notify: (n: Notification) => {
        if (n.event === 'masterRxLowerPri') {
          this.log.info(`(${n.instance}) Received advert with lower priority, ours ${n.priority}, forcing new election`);
        }
        inner.notify(n);
      },
    };
  }
}
