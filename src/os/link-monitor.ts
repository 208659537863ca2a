// LinkMonitor: interface up/down from rtnetlink, fed into VRRP tracking (own interface ->
// FAULT, track_interface weights).
//
// Theory of operation, as keepalived's vrrp_netlink.c: join RTNLGRP_LINK, then dump every link
// (RTM_GETLINK) to learn the starting state; afterwards each RTM_NEWLINK / RTM_DELLINK updates
// one interface. "Up" means IFF_UP and IFF_RUNNING (carrier), keepalived's IF_ISUP. Only
// changes are reported. If the kernel dropped notifications because our buffer overflowed
// (ENOBUFS -> 'overrun'), what we hold may be stale: dump again and report the differences
// (netlink(7): the application must resynchronise).

import { RTM_DELLINK, RTM_NEWLINK, RTNLGRP_LINK } from '../netlink/rtnl-types.ts';
import { decodeLink, encodeLinkDump, linkIsUp } from '../netlink/rtnl-link.ts';
import type { NlMessage } from '../netlink/message.ts';
import { NETLINK_ROUTE } from './native-socket.ts';
import { NetlinkSocket } from './netlink-socket.ts';

export type LinkChange = (ifname: string, up: boolean) => void;

export interface LinkMonitorLog {
  warn(msg: string): void;
}

export class LinkMonitor {
  private readonly up = new Map<string, boolean>();
  private readonly nameOf = new Map<number, string>();
  private nl: NetlinkSocket | undefined;
  private dumping = false;
  private redumpWanted = false;
  /** How many re-dumps overruns caused (tests and stats). */
  redumps = 0;

  constructor(private readonly onChange: LinkChange, private readonly log: LinkMonitorLog, private readonly rcvbufBytes?: number) {}

  /** Joins the group, dumps, and resolves once the starting state is known. Throws SocketError. */
  async start(): Promise<void> {
    this.nl = NetlinkSocket.open(NETLINK_ROUTE, {
      groups: [RTNLGRP_LINK],
      ...(this.rcvbufBytes !== undefined ? { rcvbufBytes: this.rcvbufBytes } : {}),
    });
    this.nl.on('notification', (m) => this.apply(m));
    this.nl.on('overrun', () => {
      this.log.warn('netlink link monitor overrun: re-reading every interface');
      this.redumps++;
      void this.dump();
    });
    await this.dump();
  }

  /** The state we hold (undefined = never seen). */
  isUp(ifname: string): boolean | undefined {
    return this.up.get(ifname);
  }

  private async dump(): Promise<void> {
    if (!this.nl) return;
    if (this.dumping) { this.redumpWanted = true; return; }
    this.dumping = true;
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        this.redumpWanted = false;
        const r = await this.nl.request((seq) => encodeLinkDump(seq));
        if (!r.ok) { this.log.warn(`link dump failed: errno ${r.error.errno}`); continue; }
        const seen = new Set<string>();
        for (const m of r.replies) {
          const name = this.apply(m);
          if (name !== undefined) seen.add(name);
        }
        // Interfaces that disappeared while we were deaf.
        for (const name of [...this.up.keys()]) {
          if (!seen.has(name)) this.set(name, false, true);
        }
        if (!r.interrupted && !this.redumpWanted) break;
      }
    } finally {
      this.dumping = false;
    }
  }

  /** Applies one link message; returns the interface name it concerned. */
  private apply(m: NlMessage): string | undefined {
    if (m.type !== RTM_NEWLINK && m.type !== RTM_DELLINK) return undefined;
    const d = decodeLink(m);
    if (!d.ok) return undefined;
    const l = d.value;
    const name = l.name ?? this.nameOf.get(l.ifindex);
    if (name === undefined) return undefined;
    const old = this.nameOf.get(l.ifindex);
    if (old !== undefined && old !== name) this.set(old, false, true); // renamed
    if (m.type === RTM_DELLINK) {
      this.nameOf.delete(l.ifindex);
      this.set(name, false, true);
      return name;
    }
    this.nameOf.set(l.ifindex, name);
    this.set(name, linkIsUp(l), false);
    return name;
  }

  private set(name: string, up: boolean, forget: boolean): void {
    const before = this.up.get(name);
    if (forget) this.up.delete(name);
    else this.up.set(name, up);
    // The first sighting is reported too: the instances assume "up" until told.
    if (before !== up) this.onChange(name, up);
  }

  close(): void {
    this.nl?.close();
    this.nl = undefined;
  }
}
