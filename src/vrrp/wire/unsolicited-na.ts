// The unsolicited neighbour advertisement a new master sends for each IPv6 VIP (RFC 5798
// section 6.4.2, RFC 4861 section 4.4 and 7.2.6), built the way keepalived's vrrp_ndisc.c
// ndisc_send_unsolicited_na_immediate builds it on an AF_PACKET socket:
//  - Ethernet dst 33:33:00:00:00:01 (RFC 2464 section 7 mapping of ff02::1), src = our MAC;
//  - IPv6: traffic class 0, flow 0, next header 58, hop limit 255 (RFC 4861 requires 255),
//    src = the VIP itself, dst = ff02::1 (all nodes);
//  - ICMPv6 type 136 code 0; flags: Override set, Solicited clear, Router = whether the
//    interface forwards IPv6 (keepalived reads net.ipv6.conf.IF.forwarding);
//  - target = the VIP; one option: target link-layer address (type 2, length 1 = 8 bytes);
//  - ICMPv6 checksum over the RFC 8200 section 8.1 pseudo-header.
// 86 bytes in all.

import type { IpAddress } from '../../base/ip.ts';
import type { MacAddress } from '../../base/mac-address.ts';
import { checksumFinish, checksumPartial } from '../../base/checksum.ts';
import { pseudoHeaderSum } from '../../base/pseudo-header-sum.ts';
import { encodeEthernetFrame, ETHERTYPE_IPV6 } from './ethernet-frame.ts';
import { encodeIpv6Packet } from './ipv6-packet.ts';

export const ICMPV6_NEXT_HEADER = 58;
export const ICMPV6_NEIGHBOR_ADVERT = 136;
const ND_OPT_TARGET_LINKADDR = 2;
const NA_FLAG_ROUTER = 0x80;
const NA_FLAG_OVERRIDE = 0x20;
const NDISC_HOP_LIMIT = 255;
export const UNSOLICITED_NA_FRAME_BYTES = 86;

export const ALL_NODES6: IpAddress = {
  family: 6,
  bytes: Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
};
const ALL_NODES_MAC: MacAddress = Uint8Array.of(0x33, 0x33, 0, 0, 0, 1);

export interface UnsolicitedNaOptions {
  /** Set the Router flag: the interface has IPv6 forwarding on. */
  readonly router?: boolean;
}

export function encodeUnsolicitedNa(senderMac: MacAddress, vip: IpAddress, opts: UnsolicitedNaOptions = {}): Uint8Array {
  if (senderMac.length !== 6) throw new Error('encodeUnsolicitedNa: MAC of 6 bytes');
  if (vip.family !== 6) throw new Error('encodeUnsolicitedNa: IPv6 VIPs only (IPv4 uses encodeGratuitousArp)');
  // ICMPv6 NA (RFC 4861 section 4.4): type, code, checksum, flags + 29 reserved bits, target, options.
  const icmp = new Uint8Array(32);
  icmp[0] = ICMPV6_NEIGHBOR_ADVERT;
  icmp[4] = NA_FLAG_OVERRIDE | (opts.router ? NA_FLAG_ROUTER : 0);
  icmp.set(vip.bytes, 8);
  icmp[24] = ND_OPT_TARGET_LINKADDR;
  icmp[25] = 1; // option length in units of 8 bytes
  icmp.set(senderMac, 26);
  const sum = checksumFinish(checksumPartial(icmp, pseudoHeaderSum(vip, ALL_NODES6, ICMPV6_NEXT_HEADER, icmp.length)));
  icmp[2] = sum >> 8;
  icmp[3] = sum & 0xff;
  const ip = encodeIpv6Packet({ src: vip, dst: ALL_NODES6, payload: icmp, nextHeader: ICMPV6_NEXT_HEADER, hopLimit: NDISC_HOP_LIMIT });
  return encodeEthernetFrame({ dst: ALL_NODES_MAC, src: senderMac, etherType: ETHERTYPE_IPV6, payload: ip });
}
