// The IPv4 header around an advert. keepalived sends VRRP over IPv4 with IP_HDRINCL
// (vrrp_if.c), building the header itself (vrrp.c vrrp_build_ip4): version 4, IHL 5, TOS 0xc0,
// an identification it increments per packet, no flags, TTL 255 (RFC 5798 section 5.1.1.3),
// protocol 112, header checksum (RFC 791 section 3.1, RFC 1071). A raw socket receives the
// header too, which decodeIpv4Packet reads for RxMeta (src, dst, TTL) and the length checks.

import type { IpAddress } from '../../base/ip.ts';
import { internetChecksum } from '../../base/checksum.ts';
import { VRRP_IP_PROTOCOL, VRRP_TOS, VRRP_TTL } from './vrrp-protocol.ts';

export const IPV4_HEADER_BYTES = 20;

export interface Ipv4Header {
  readonly tos: number;
  /** Total length field: header + payload. */
  readonly totalLength: number;
  readonly id: number;
  /** Flags (3 bits) and fragment offset (13 bits) as one 16-bit field. */
  readonly flagsFragment: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly src: IpAddress;
  readonly dst: IpAddress;
  /** Options between the fixed header and the payload (IHL > 5); usually empty. */
  readonly options: Uint8Array;
}

export interface Ipv4PacketSpec {
  readonly src: IpAddress;
  readonly dst: IpAddress;
  /** keepalived starts at a per-instance value and adds 1 for every advert it sends. */
  readonly id: number;
  readonly payload: Uint8Array;
  readonly protocol?: number;
  readonly ttl?: number;
  readonly tos?: number;
  readonly flagsFragment?: number;
}

export function encodeIpv4Packet(spec: Ipv4PacketSpec): Uint8Array {
  const total = IPV4_HEADER_BYTES + spec.payload.length;
  if (spec.src.family !== 4 || spec.dst.family !== 4) throw new Error('encodeIpv4Packet: IPv4 addresses only');
  if (total > 0xffff) throw new Error(`encodeIpv4Packet: ${total} bytes`);
  const out = new Uint8Array(total);
  out[0] = 0x45;
  out[1] = spec.tos ?? VRRP_TOS;
  out[2] = total >> 8;
  out[3] = total & 0xff;
  out[4] = (spec.id >> 8) & 0xff;
  out[5] = spec.id & 0xff;
  const ff = spec.flagsFragment ?? 0;
  out[6] = ff >> 8;
  out[7] = ff & 0xff;
  out[8] = spec.ttl ?? VRRP_TTL;
  out[9] = spec.protocol ?? VRRP_IP_PROTOCOL;
  out.set(spec.src.bytes, 12);
  out.set(spec.dst.bytes, 16);
  const sum = internetChecksum(out.subarray(0, IPV4_HEADER_BYTES));
  out[10] = sum >> 8;
  out[11] = sum & 0xff;
  out.set(spec.payload, IPV4_HEADER_BYTES);
  return out;
}

export type Ipv4DecodeReason = 'truncated' | 'bad-ip-version' | 'bad-length' | 'bad-ip-checksum';

export type DecodeIpv4Result =
  | { readonly ok: true; readonly header: Ipv4Header; readonly payload: Uint8Array }
  | { readonly ok: false; readonly reason: Ipv4DecodeReason; readonly detail: string };

/**
 * Bytes beyond the total length (Ethernet padding) are not part of the payload. Never throws.
 * A fragment is returned as it is: raw sockets deliver reassembled datagrams.
 */
export function decodeIpv4Packet(bytes: Uint8Array): DecodeIpv4Result {
  if (bytes.length < IPV4_HEADER_BYTES) return { ok: false, reason: 'truncated', detail: `${bytes.length} bytes` };
  const version = bytes[0]! >> 4;
  if (version !== 4) return { ok: false, reason: 'bad-ip-version', detail: `version ${version}` };
  const ihlBytes = (bytes[0]! & 0x0f) * 4;
  const totalLength = (bytes[2]! << 8) | bytes[3]!;
  if (ihlBytes < IPV4_HEADER_BYTES || totalLength < ihlBytes) {
    return { ok: false, reason: 'bad-length', detail: `header ${ihlBytes} bytes, total ${totalLength}` };
  }
  if (bytes.length < totalLength) {
    return { ok: false, reason: 'truncated', detail: `total length ${totalLength}, have ${bytes.length}` };
  }
  if (internetChecksum(bytes.subarray(0, ihlBytes)) !== 0) {
    return { ok: false, reason: 'bad-ip-checksum', detail: 'header checksum' };
  }
  const header: Ipv4Header = {
    tos: bytes[1]!,
    totalLength,
    id: (bytes[4]! << 8) | bytes[5]!,
    flagsFragment: (bytes[6]! << 8) | bytes[7]!,
    ttl: bytes[8]!,
    protocol: bytes[9]!,
    checksum: (bytes[10]! << 8) | bytes[11]!,
    src: { family: 4, bytes: bytes.slice(12, 16) },
    dst: { family: 4, bytes: bytes.slice(16, 20) },
    options: bytes.slice(IPV4_HEADER_BYTES, ihlBytes),
  };
  return { ok: true, header, payload: bytes.subarray(ihlBytes, totalLength) };
}
