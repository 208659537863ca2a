// OsVrrpLink: the VrrpLink port on Linux raw sockets, one socket per (interface, family).
//
// Theory of operation, as keepalived does it (vrrp/vrrp.c open_vrrp_send_socket /
// open_vrrp_read_socket, vrrp_if.c):
//  - IPv4: SOCK_RAW protocol 112 with IP_HDRINCL. We build the IP header ourselves
//    (src/vrrp/wire/ipv4-packet.ts): TOS 0xc0, TTL 255, an identification that goes up by one per
//    packet, so the wire shows exactly what keepalived sends. The kernel fills in nothing but the
//    header checksum (raw(7)). Received datagrams include the IP header: src, dst and TTL come
//    from it, the interface from IP_PKTINFO.
//  - IPv6: SOCK_RAW protocol 112; the kernel builds the header. IPV6_CHECKSUM offset 6 makes the
//    kernel compute (and verify on receipt) the VRRP checksum over the RFC 8200 pseudo-header,
//    hop limits are 255 (RFC 5798 section 5.1.2.3), and src/dst/hop limit of received packets
//    come from the sender address, IPV6_PKTINFO and IPV6_HOPLIMIT.
//  - Every socket is bound to its device (SO_BINDTODEVICE) and joins the VRRP group(s) on it
//    (224.0.0.18 / ff02::12, or mcast_dst_ip / vrrp_mcast_group4/6). Multicast loopback is off so
//    we never hear ourselves, and IP_MULTICAST_ALL is off so groups joined on other sockets do
//    not leak in.
// Send failures are counted and reported, never thrown: a lost advert is a network fact.

import { formatIp, ipEquals, type IpAddress } from '../base/ip.ts';
import type { AdvertTx, VrrpLink } from '../runtime/ports.ts';
import type { RxMeta } from '../vrrp/wire/advert.ts';
import { decodeIpv4Packet, encodeIpv4Packet } from '../vrrp/wire/ipv4-packet.ts';
import { VRRP_IP_PROTOCOL, VRRP_TTL } from '../vrrp/wire/vrrp-protocol.ts';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_VRRP,
  IPV6_CHECKSUM,
  IPV6_JOIN_GROUP,
  IPV6_MULTICAST_ALL,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  IPV6_UNICAST_HOPS,
  IP_ADD_MEMBERSHIP,
  IP_HDRINCL,
  IP_MULTICAST_ALL,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_PKTINFO,
  IP_RECVTTL,
  NativeSocket,
  SOCK_RAW,
  SOL_SOCKET,
  SO_BINDTODEVICE,
  errnoCode,
  ifIndexToName,
  ifNameToIndex,
  ipMreqn,
  ipv6Mreq,
  type SocketMessage,
} from './native-socket.ts';

/** One interface and family the instances use. */
export interface LinkEndpoint {
  readonly ifname: string;
  readonly family: 4 | 6;
  /** The group to join and send multicast adverts to (vrrp_mcast_group4/6). */
  readonly group: IpAddress;
}

export interface LinkLog {
  warn(msg: string): void;
  debug(msg: string): void;
}

export interface LinkCounters {
  sent: number;
  sendErrors: number;
  received: number;
  dropped: number;
}

interface Endpoint {
  readonly spec: LinkEndpoint;
  readonly ifindex: number;
  readonly sock: NativeSocket;
  readonly groups: IpAddress[];
}

/** RFC 5798 section 6.1 / keepalived: the IP id starts anywhere and goes up by one per packet. */
function firstIpId(): number {
  return (process.pid * 7919 + Date.now()) & 0xffff;
}

export class OsVrrpLink implements VrrpLink {
  private readonly endpoints = new Map<string, Endpoint>();
  private receiver: ((payload: Uint8Array, meta: RxMeta) => void) | undefined;
  private ipId = firstIpId();
  private readonly names = new Map<number, string>();
  readonly counters: LinkCounters = { sent: 0, sendErrors: 0, received: 0, dropped: 0 };

  private constructor(private readonly log: LinkLog) {}

  /** Opens and joins every endpoint. Throws (SocketError or Error) when one cannot be set up. */
  static open(endpoints: readonly LinkEndpoint[], log: LinkLog): OsVrrpLink {
    const link = new OsVrrpLink(log);
    try {
      for (const e of endpoints) link.ensure(e);
    } catch (err) {
      link.close();
      throw err;
    }
    return link;
  }

  private key(ifname: string, family: 4 | 6): string {
    return `${family}/${ifname}`;
  }

  /** Opens (or extends with another group) the socket for an endpoint; throws if it cannot. */
  ensure(spec: LinkEndpoint): void {
    const k = this.key(spec.ifname, spec.family);
    const known = this.endpoints.get(k);
    if (known) {
      // Another instance on this interface with another group: join that one too.
      if (!known.groups.some((g) => ipEquals(g, spec.group))) {
        if (spec.family === 4) known.sock.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, ipMreqn(spec.group, known.ifindex));
        else known.sock.setOption(IPPROTO_IPV6, IPV6_JOIN_GROUP, ipv6Mreq(spec.group, known.ifindex));
        known.groups.push(spec.group);
      }
      return;
    }
    const ifindex = ifNameToIndex(spec.ifname);
    if (ifindex === 0) throw new Error(`interface ${spec.ifname} does not exist`);
    this.names.set(ifindex, spec.ifname);
    const sock = spec.family === 4 ? this.open4(spec, ifindex) : this.open6(spec, ifindex);
    sock.on('message', (m) => this.onMessage(spec, ifindex, m));
    sock.on('error', (e) => this.log.debug(`VRRP socket on ${spec.ifname}: receive error ${e.code}`));
    sock.start();
    this.endpoints.set(k, { spec, ifindex, sock, groups: [spec.group] });
  }

  private open4(spec: LinkEndpoint, ifindex: number): NativeSocket {
    const s = NativeSocket.open(AF_INET, SOCK_RAW, IPPROTO_VRRP);
    try {
      s.setOption(SOL_SOCKET, SO_BINDTODEVICE, spec.ifname);
      s.setOption(IPPROTO_IP, IP_HDRINCL, 1);
      s.setOption(IPPROTO_IP, IP_PKTINFO, 1);
      s.setOption(IPPROTO_IP, IP_RECVTTL, 1);
      s.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0);
      s.trySetOption(IPPROTO_IP, IP_MULTICAST_ALL, 0);
      s.setOption(IPPROTO_IP, IP_MULTICAST_IF, ipMreqn(undefined, ifindex));
      s.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, ipMreqn(spec.group, ifindex));
    } catch (e) {
      s.close();
      throw e;
    }
    return s;
  }

  private open6(spec: LinkEndpoint, ifindex: number): NativeSocket {
    const s = NativeSocket.open(AF_INET6, SOCK_RAW, IPPROTO_VRRP);
    try {
      s.setOption(SOL_SOCKET, SO_BINDTODEVICE, spec.ifname);
      // RFC 5798 section 5.2.8: checksum at byte 6 of the VRRP message, over the pseudo-header.
      s.setOption(IPPROTO_IPV6, IPV6_CHECKSUM, 6);
      s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL);
      s.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_TTL);
      s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
      s.trySetOption(IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0);
      s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex);
      s.setOption(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
      s.setOption(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
      s.setOption(IPPROTO_IPV6, IPV6_JOIN_GROUP, ipv6Mreq(spec.group, ifindex));
    } catch (e) {
      s.close();
      throw e;
    }
    return s;
  }

  onReceive(cb: (payload: Uint8Array, meta: RxMeta) => void): void {
    this.receiver = cb;
  }

  ifnameOf(ifindex: number): string | undefined {
    let name = this.names.get(ifindex);
    if (name === undefined) {
      name = ifIndexToName(ifindex);
      if (name !== undefined) this.names.set(ifindex, name);
    }
    return name;
  }

  send(tx: AdvertTx): void {
    const ep = this.endpoints.get(this.key(tx.ifname, tx.src.family));
    if (!ep) {
      this.counters.sendErrors++;
      this.log.warn(`no VRRP socket for ${tx.ifname} (IPv${tx.src.family})`);
      return;
    }
    const dst = tx.dst;
    let errno: number;
    if (tx.src.family === 4) {
      const id = this.ipId;
      this.ipId = (this.ipId + 1) & 0xffff;
      const packet = encodeIpv4Packet({ src: tx.src, dst, id, payload: tx.payload, ttl: tx.ttl });
      errno = ep.sock.send(packet, { family: 'inet', addr: dst });
    } else {
      errno = ep.sock.send(tx.payload, { family: 'inet', addr: dst, scopeId: ep.ifindex });
    }
    if (errno === 0) this.counters.sent++;
    else {
      this.counters.sendErrors++;
      this.log.warn(`VRRP send to ${formatIp(dst)} on ${tx.ifname} failed: ${errnoCode(errno)}`);
    }
  }

  private onMessage(spec: LinkEndpoint, ifindex: number, m: SocketMessage): void {
    if (m.truncated) { this.counters.dropped++; return; }
    let payload: Uint8Array;
    let meta: RxMeta; // dst stays the real one: the v3 checksum covers it
    if (spec.family === 4) {
      const ip = decodeIpv4Packet(m.bytes);
      if (!ip.ok || ip.header.protocol !== VRRP_IP_PROTOCOL) { this.counters.dropped++; return; }
      payload = ip.payload;
      meta = { src: ip.header.src, dst: ip.header.dst, ttl: ip.header.ttl, ifindex: m.info.ifindex ?? ifindex };
    } else {
      const from = m.from;
      if (!from || from.family !== 'inet' || from.addr.family !== 6 || !m.info.dst || m.info.ttl === undefined) {
        this.counters.dropped++;
        return;
      }
      payload = m.bytes;
      meta = { src: from.addr, dst: m.info.dst, ttl: m.info.ttl, ifindex: m.info.ifindex ?? ifindex };
    }
    this.counters.received++;
    this.receiver?.(payload, meta);
  }

  close(): void {
    for (const ep of this.endpoints.values()) ep.sock.close();
    this.endpoints.clear();
  }
}
