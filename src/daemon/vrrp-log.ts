// What the VRRP side says in the log, in keepalived 2.2.7's words, so operators' greps and
// alerting keep working ("(VI_1) Entering MASTER STATE", "(VI_1) received lower priority (90)
// advert from 10.99.0.11 - discarding", "VRRP_Script(chk) failed"...).
//
// Theory of operation: the director reports transitions, ignored adverts, priority changes and
// script status as DirectorEvents; the rest keepalived logs is seen by wrapping ports on their
// way in: the address port ("setting VIPs." / "removing VIPs."), the announcer and the notifier
// (a master hearing a lower priority). Wrappers pass every call through unchanged. Rejected
// adverts are logged once per instance and reason every REJECT_LOG_INTERVAL_MS: at 0.1 s adverts
// a misconfigured peer would otherwise write ten lines a second.

import { formatIp } from '../base/ip.ts';
import type { Director, DirectorEvent } from '../runtime/director.ts';
import type { AddressPort, Announcer, Notification, Notifier, PortResult } from '../runtime/ports.ts';
import type { VipSpec } from '../vrrp/instance-spec.ts';
import type { DaemonLogger } from './daemon-log.ts';

const REJECT_LOG_INTERVAL_MS = 10_000;

/** keepalived's wording for the rejections it names (vrrp.c vrrp_check_packet). */
function rejectText(reason: string, src: string, priority: number): string {
  switch (reason) {
    case 'authFailure': return `received an invalid passwd! (from ${src})`;
    case 'authTypeMismatch': return `received a packet with invalid authentication type from ${src}`;
    case 'ttl': return `invalid TTL/HL from ${src}, expect 255`;
    case 'intervalMismatch': return `advertisement interval mismatch from ${src} (priority ${priority})`;
    case 'versionMismatch': return `wrong version in advert from ${src}`;
    case 'unicastSource': return `unicast advert from ${src} who is not a unicast peer`;
    default: return `advert from ${src} (priority ${priority}) ignored: ${reason}`;
  }
}

export class VrrpLog {
  private director: Director | undefined;
  private readonly lastReject = new Map<string, number>();
  private readonly lastGarpLog = new Map<string, number>();

  constructor(private readonly log: DaemonLogger) {}

  attach(director: Director): void {
    this.director = director;
  }

  /** The director's observer. */
  onEvent = (e: DirectorEvent): void => {
    switch (e.kind) {
      case 'stateChanged': {
        const n = `(${e.instance})`;
        if (e.to === 'MASTER' && e.cause.startsWith('master-down')) this.log.info(`${n} Receive advertisement timeout`);
        if (e.to === 'BACKUP' && e.from === 'MASTER') {
          // keepalived: "(VI_1) Master received advert from 10.99.0.12 with higher priority 200, ours 150".
          const m = /higher priority advert from (\S+) \(priority (\d+), ours (\d+)\)/.exec(e.cause);
          this.log.info(m ? `${n} Master received advert from ${m[1]} with higher priority ${m[2]}, ours ${m[3]}` : `${n} ${e.cause}`);
        }
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
        return;
      case 'priorityChanged':
        this.log.info(`(${e.instance}) Changing effective priority from ${e.from} to ${e.to}`);
        return;
      case 'advertIgnored': {
        const src = formatIp(e.src);
        if (e.reason === 'lowerPriority') {
          this.log.info(`(${e.instance}) received lower priority (${e.priority}) advert from ${src} - discarding`);
          return;
        }
        if (e.reason === 'ownAddress') return; // our own advert looped back
        const key = `${e.instance}/${e.reason}`;
        const now = Date.now();
        if (now - (this.lastReject.get(key) ?? -Infinity) < REJECT_LOG_INTERVAL_MS) return;
        this.lastReject.set(key, now);
        this.log.warn(`(${e.instance}) ${rejectText(e.reason, src, e.priority)}`);
        return;
      }
      case 'invalidSpec':
        this.log.error(`(${e.instance}) not started: ${e.problems.join('; ')}`);
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
