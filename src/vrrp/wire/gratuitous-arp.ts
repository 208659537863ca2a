// The gratuitous ARP a new master sends for each IPv4 VIP (RFC 5798 section 6.4.2 / RFC 3768
// section 6.4.2: "broadcast a gratuitous ARP request containing the virtual router MAC address
// for each IP address"; keepalived vrrp_arp.c sends it on an AF_PACKET socket).
//
// Byte for byte what keepalived 2.2.7 sends (../shared/captures, every GARP in every file):
// Ethernet dst ff:ff:ff:ff:ff:ff, src = the interface MAC (or the VMAC with use_vmac);
// ARP request (op 1) for Ethernet/IPv4; sender = (MAC, VIP); target hardware address
// ff:ff:ff:ff:ff:ff (not the 00:00:00:00:00:00 RFC 5227 announcements use); target IP = VIP.
// 42 bytes, unpadded: the NIC pads to the 60-byte minimum.

import type { IpAddress } from '../../base/ip.ts';
import { BROADCAST_MAC, type MacAddress } from '../../base/mac-address.ts';
import { encodeEthernetFrame, ETHERTYPE_ARP, ETHERTYPE_IPV4 } from './ethernet-frame.ts';

/** ARP hardware type Ethernet (RFC 826, IANA "Hardware Types" 1). */
const ARP_HTYPE_ETHERNET = 1;
const ARP_OP_REQUEST = 1;
export const GRATUITOUS_ARP_FRAME_BYTES = 42;

export function encodeGratuitousArp(senderMac: MacAddress, vip: IpAddress): Uint8Array {
  if (senderMac.length !== 6) throw new Error('encodeGratuitousArp: MAC of 6 bytes');
  if (vip.family !== 4) throw new Error('encodeGratuitousArp: IPv4 VIPs only (IPv6 uses encodeUnsolicitedNa)');
  const arp = new Uint8Array(28);
  arp[0] = ARP_HTYPE_ETHERNET >> 8;
  arp[1] = ARP_HTYPE_ETHERNET & 0xff;
  arp[2] = ETHERTYPE_IPV4 >> 8;
  arp[3] = ETHERTYPE_IPV4 & 0xff;
  arp[4] = 6; // hardware address length
  arp[5] = 4; // protocol address length
  arp[6] = ARP_OP_REQUEST >> 8;
  arp[7] = ARP_OP_REQUEST & 0xff;
  arp.set(senderMac, 8);
  arp.set(vip.bytes, 14);
  arp.set(BROADCAST_MAC, 18);
  arp.set(vip.bytes, 24);
  return encodeEthernetFrame({ dst: BROADCAST_MAC, src: senderMac, etherType: ETHERTYPE_ARP, payload: arp });
}
