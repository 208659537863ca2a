// Ethernet II framing (IEEE 802.3 with an EtherType), for the frames a new master sends itself
// on an AF_PACKET socket (gratuitous ARP, unsolicited NA) and for reading captures.
// No FCS and no padding: the NIC pads to 60 bytes, and captures taken on the sender show the
// unpadded 42-byte ARP frames.

import type { MacAddress } from '../../base/mac-address.ts';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERNET_HEADER_BYTES = 14;

export interface EthernetFrame {
  readonly dst: MacAddress;
  readonly src: MacAddress;
  readonly etherType: number;
  readonly payload: Uint8Array;
}

export function encodeEthernetFrame(frame: EthernetFrame): Uint8Array {
  const out = new Uint8Array(ETHERNET_HEADER_BYTES + frame.payload.length);
  out.set(frame.dst.subarray(0, 6), 0);
  out.set(frame.src.subarray(0, 6), 6);
  out[12] = frame.etherType >> 8;
  out[13] = frame.etherType & 0xff;
  out.set(frame.payload, ETHERNET_HEADER_BYTES);
  return out;
}

/** undefined when shorter than a header; 802.1Q tags are not unwrapped (keepalived sends none). */
export function decodeEthernetFrame(bytes: Uint8Array): EthernetFrame | undefined {
  if (bytes.length < ETHERNET_HEADER_BYTES) return undefined;
  return {
    dst: bytes.slice(0, 6),
    src: bytes.slice(6, 12),
    etherType: (bytes[12]! << 8) | bytes[13]!,
    payload: bytes.subarray(ETHERNET_HEADER_BYTES),
  };
}
