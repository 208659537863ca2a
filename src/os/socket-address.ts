// Socket addresses and control messages as bytes, for the generic native socket.
//
// The addon (src/native/addon.cc) knows nothing about address families: bind/sendto take a
// raw `struct sockaddr_*` and recvmsg hands back one, plus the control messages as
// (level, type, data) triples. This module is the one place that knows the Linux layouts
// (<netinet/in.h>, <linux/if_packet.h>, <linux/netlink.h>, <sys/un.h>).
// Byte-order trap: sa_family and the netlink/packet ifindex fields are HOST order (little-
// endian on every platform we build for, asserted below), ports and sll_protocol are
// NETWORK order.
import os from 'node:os';
import type { IpAddress } from '../base/ip.ts';

if (os.endianness() !== 'LE') throw new Error('socket-address.ts assumes a little-endian host');

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

export type SockAddr =
  | { readonly family: 'inet'; readonly addr: IpAddress; readonly port?: number; readonly scopeId?: number }
  | {
      readonly family: 'packet';
      readonly ifindex: number;
      /** Ethertype in host order (0x0806 for ARP); encoded big-endian. */
      readonly protocol: number;
      readonly hatype?: number;
      readonly pkttype?: number;
      /** Link-layer destination (6 bytes for Ethernet). */
      readonly addr?: Uint8Array;
    }
  | { readonly family: 'netlink'; readonly pid: number; readonly groups: number }
  /** A path, or '@name' for the abstract namespace (as systemd writes NOTIFY_SOCKET). */
  | { readonly family: 'unix'; readonly path: string }
  | { readonly family: 'other'; readonly bytes: Uint8Array };

export function encodeSockAddr(a: SockAddr): Buffer {
  switch (a.family) {
    case 'inet': {
      if (a.addr.family === 4) {
        const b = Buffer.alloc(16); // sockaddr_in
        b.writeUInt16LE(AF_INET, 0);
        b.writeUInt16BE(a.port ?? 0, 2);
        b.set(a.addr.bytes, 4);
        return b;
      }
      const b = Buffer.alloc(28); // sockaddr_in6
      b.writeUInt16LE(AF_INET6, 0);
      b.writeUInt16BE(a.port ?? 0, 2);
      b.set(a.addr.bytes, 8);
      b.writeUInt32LE(a.scopeId ?? 0, 24);
      return b;
    }
    case 'packet': {
      const b = Buffer.alloc(20); // sockaddr_ll
      b.writeUInt16LE(AF_PACKET, 0);
      b.writeUInt16BE(a.protocol, 2);
      b.writeInt32LE(a.ifindex, 4);
      b.writeUInt16LE(a.hatype ?? 0, 8);
      b.writeUInt8(a.pkttype ?? 0, 10);
      const hw = a.addr ?? new Uint8Array(0);
      b.writeUInt8(Math.min(hw.length, 8), 11);
      b.set(hw.subarray(0, 8), 12);
      return b;
    }
    case 'netlink': {
      const b = Buffer.alloc(12); // sockaddr_nl
      b.writeUInt16LE(AF_NETLINK, 0);
      b.writeUInt32LE(a.pid >>> 0, 4);
      b.writeUInt32LE(a.groups >>> 0, 8);
      return b;
    }
    case 'unix': {
      // Abstract names are not NUL-terminated: the length says where they end (unix(7)).
      const abstract = a.path.startsWith('@');
      const name = Buffer.from(abstract ? a.path.slice(1) : a.path, 'utf8');
      const b = Buffer.alloc(2 + (abstract ? 1 : 0) + name.length + (abstract ? 0 : 1));
      b.writeUInt16LE(AF_UNIX, 0);
      b.set(name, abstract ? 3 : 2);
      return b;
    }
    case 'other':
      return Buffer.from(a.bytes);
  }
}

/** Decodes what recvmsg/getsockname returned; never throws (short input -> 'other'). */
export function decodeSockAddr(b: Uint8Array): SockAddr | undefined {
  if (b.length < 2) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const fam = v.getUint16(0, true);
  if (fam === AF_INET && b.length >= 8) {
    return { family: 'inet', addr: { family: 4, bytes: b.slice(4, 8) }, port: v.getUint16(2, false) };
  }
  if (fam === AF_INET6 && b.length >= 28) {
    return {
      family: 'inet',
      addr: { family: 6, bytes: b.slice(8, 24) },
      port: v.getUint16(2, false),
      scopeId: v.getUint32(24, true),
    };
  }
  if (fam === AF_PACKET && b.length >= 12) {
    const halen = Math.min(v.getUint8(11), 8, Math.max(0, b.length - 12));
    return {
      family: 'packet',
      protocol: v.getUint16(2, false),
      ifindex: v.getInt32(4, true),
      hatype: v.getUint16(8, true),
      pkttype: v.getUint8(10),
      addr: b.slice(12, 12 + halen),
    };
  }
  if (fam === AF_NETLINK && b.length >= 12) {
    return { family: 'netlink', pid: v.getUint32(4, true), groups: v.getUint32(8, true) };
  }
  if (fam === AF_UNIX) {
    const rest = Buffer.from(b.subarray(2));
    if (rest.length > 0 && rest[0] === 0) return { family: 'unix', path: '@' + rest.subarray(1).toString('utf8') };
    const nul = rest.indexOf(0);
    return { family: 'unix', path: rest.subarray(0, nul < 0 ? rest.length : nul).toString('utf8') };
  }
  return { family: 'other', bytes: b.slice() };
}

/** One control message as recvmsg returned it. */
export interface RawCmsg {
  readonly level: number;
  readonly type: number;
  readonly data: Uint8Array;
}

/** What VRRP needs from the control messages (keepalived vrrp.c: vrrp_read_dispatcher_thread). */
export interface PacketInfo {
  /** Interface the packet arrived on (IP_PKTINFO ipi_ifindex / IPV6_PKTINFO ipi6_ifindex). */
  ifindex?: number;
  /** Destination address from the IP header (ipi_addr / ipi6_addr). */
  dst?: IpAddress;
  /** IP_TTL (IPv4 TTL) or IPV6_HOPLIMIT: RFC 9568 5.1.1.3 / 5.1.2.3 require 255. */
  ttl?: number;
}

const IPPROTO_IP = 0;
const IPPROTO_IPV6 = 41;
const IP_TTL = 2;
const IP_PKTINFO = 8;
const IPV6_PKTINFO = 50;
const IPV6_HOPLIMIT = 52;

export function decodePacketInfo(cmsgs: readonly RawCmsg[]): PacketInfo {
  const info: PacketInfo = {};
  for (const c of cmsgs) {
    const v = new DataView(c.data.buffer, c.data.byteOffset, c.data.byteLength);
    if (c.level === IPPROTO_IP && c.type === IP_PKTINFO && c.data.length >= 12) {
      // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
      info.ifindex = v.getInt32(0, true);
      info.dst = { family: 4, bytes: c.data.slice(8, 12) };
    } else if (c.level === IPPROTO_IP && c.type === IP_TTL && c.data.length >= 4) {
      info.ttl = v.getInt32(0, true);
    } else if (c.level === IPPROTO_IPV6 && c.type === IPV6_PKTINFO && c.data.length >= 20) {
      // struct in6_pktinfo { in6_addr ipi6_addr; unsigned ipi6_ifindex; }
      info.dst = { family: 6, bytes: c.data.slice(0, 16) };
      info.ifindex = v.getUint32(16, true);
    } else if (c.level === IPPROTO_IPV6 && c.type === IPV6_HOPLIMIT && c.data.length >= 4) {
      info.ttl = v.getInt32(0, true);
    }
  }
  return info;
}

/** struct ip_mreqn for IP_ADD_MEMBERSHIP / IP_MULTICAST_IF (by interface index). */
export function ipMreqn(group: IpAddress | undefined, ifindex: number, local?: IpAddress): Buffer {
  const b = Buffer.alloc(12);
  if (group) b.set(group.bytes, 0);
  if (local) b.set(local.bytes, 4);
  b.writeInt32LE(ifindex, 8);
  return b;
}

/** struct ipv6_mreq for IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP. */
export function ipv6Mreq(group: IpAddress, ifindex: number): Buffer {
  const b = Buffer.alloc(20);
  b.set(group.bytes, 0);
  b.writeUInt32LE(ifindex, 16);
  return b;
}

/** struct packet_mreq for PACKET_ADD_MEMBERSHIP (type: 1 multicast, 2 promisc, 3 allmulti). */
export function packetMreq(ifindex: number, type: number, addr?: Uint8Array): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32LE(ifindex, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(addr?.length ?? 0, 6);
  if (addr) b.set(addr.subarray(0, 8), 8);
  return b;
}
