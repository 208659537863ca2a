// PacketAnnouncer: the Announcer port on Linux. A new master tells the segment where its virtual
// addresses live: a gratuitous ARP per IPv4 VIP and an unsolicited neighbour advertisement per
// IPv6 VIP (RFC 5798 section 6.4.2), whole Ethernet frames built by src/vrrp/wire and sent on one
// AF_PACKET socket, as keepalived's vrrp_arp.c / vrrp_ndisc.c do (so the frames leave even while
// the address is still being added, and with the interface's own MAC as sender).
//
// The socket is opened with protocol 0: it receives nothing, it only sends. It is opened when the
// announcer is made, not at the first takeover (issue 3: nothing avoidable between a backup's
// decision and its first GARP; keepalived opens its ARP socket at start too, vrrp_arp.c
// gratuitous_arp_init); if that fails it is tried again at each announce and the failure is
// reported there. prepare(ifnames) reads the interfaces' MACs ahead as well and runs the frame
// encoders once. The interface's MAC comes from /sys/class/net/IF/address, read once per
// interface and again if the interface is re-created (the ifindex changes); the NA Router flag
// from net.ipv6.conf.IF.forwarding, as keepalived reads it.

import { readFileSync } from 'node:fs';
import { formatIp } from '../base/ip.ts';
import { BROADCAST_MAC, parseMac, type MacAddress } from '../base/mac-address.ts';
import type { Announcer } from '../runtime/ports.ts';
import type { VipSpec } from '../vrrp/instance-spec.ts';
import { encodeGratuitousArp } from '../vrrp/wire/gratuitous-arp.ts';
import { encodeUnsolicitedNa } from '../vrrp/wire/unsolicited-na.ts';
import { AF_PACKET, ETH_P_ARP, ETH_P_IPV6, NativeSocket, SOCK_RAW, errnoCode, ifNameToIndex } from './native-socket.ts';

const ALL_NODES_MAC: MacAddress = Uint8Array.of(0x33, 0x33, 0, 0, 0, 1);

interface IfInfo {
  readonly ifindex: number;
  readonly mac: MacAddress;
}

export interface AnnouncerLog {
  warn(msg: string): void;
}

export class PacketAnnouncer implements Announcer {
  private sock: NativeSocket | undefined;
  private readonly ifs = new Map<string, IfInfo>();
  sent = 0;
  errors = 0;

  constructor(private readonly log: AnnouncerLog) {
    try {
      this.sock = NativeSocket.open(AF_PACKET, SOCK_RAW, 0);
    } catch {
      this.sock = undefined; // reported by announce(), which tries again
    }
  }

  /** Reads each interface's MAC now and runs the encoders once (the first takeover is then warm). */
  prepare(ifnames: Iterable<string>): void {
    for (const ifname of ifnames) {
      const info = this.ifInfo(ifname);
      if (!info) continue;
      encodeGratuitousArp(info.mac, { family: 4, bytes: new Uint8Array(4) });
      encodeUnsolicitedNa(info.mac, { family: 6, bytes: new Uint8Array(16) }, { router: false });
    }
  }

  private socket(): NativeSocket {
    this.sock ??= NativeSocket.open(AF_PACKET, SOCK_RAW, 0);
    return this.sock;
  }

  private ifInfo(ifname: string): IfInfo | undefined {
    const ifindex = ifNameToIndex(ifname);
    if (ifindex === 0) return undefined;
    const known = this.ifs.get(ifname);
    if (known && known.ifindex === ifindex) return known;
    let mac: MacAddress | undefined;
    try {
      mac = parseMac(readFileSync(`/sys/class/net/${ifname}/address`, 'utf8').trim());
    } catch {
      mac = undefined;
    }
    if (!mac || mac.length !== 6) return undefined;
    const info = { ifindex, mac };
    this.ifs.set(ifname, info);
    return info;
  }

  private forwarding6(ifname: string): boolean {
    try {
      return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, 'utf8').trim() === '1';
    } catch {
      return false;
    }
  }

  announce(ifname: string, vips: readonly VipSpec[]): void {
    for (const vip of vips) {
      const dev = vip.ifname ?? ifname;
      const info = this.ifInfo(dev);
      if (!info) {
        this.errors++;
        this.log.warn(`cannot announce ${formatIp(vip.addr)}: no MAC for interface ${dev}`);
        continue;
      }
      const v4 = vip.addr.family === 4;
      const frame = v4
        ? encodeGratuitousArp(info.mac, vip.addr)
        : encodeUnsolicitedNa(info.mac, vip.addr, { router: this.forwarding6(dev) });
      let errno: number;
      try {
        errno = this.socket().send(frame, {
          family: 'packet',
          ifindex: info.ifindex,
          protocol: v4 ? ETH_P_ARP : ETH_P_IPV6,
          addr: v4 ? BROADCAST_MAC : ALL_NODES_MAC,
        });
      } catch (e) {
        this.errors++;
        this.log.warn(`cannot open the AF_PACKET socket: ${String(e)}`);
        return;
      }
      if (errno === 0) this.sent++;
      else {
        this.errors++;
        this.log.warn(`${v4 ? 'gratuitous ARP' : 'unsolicited NA'} for ${formatIp(vip.addr)} on ${dev} failed: ${errnoCode(errno)}`);
      }
    }
  }

  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }
}
