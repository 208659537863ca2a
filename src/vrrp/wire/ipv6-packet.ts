// The fixed IPv6 header (RFC 8200 section 3). On Linux keepalived never builds it for adverts
// (the kernel does, from the socket's hop limit 255 and the interface's link-local source);
// it does build it for unsolicited neighbour advertisements, and the simulator and the tests
// need it to put adverts on a virtual wire or in a pcap file. Extension headers are not walked.

import type { IpAddress } from '../../base/ip.ts';
import { VRRP_IP_PROTOCOL, VRRP_TTL } from './vrrp-protocol.ts';

export const IPV6_HEADER_BYTES = 40;

export interface Ipv6Header {
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: IpAddress;
  readonly dst: IpAddress;
}

export interface Ipv6PacketSpec {
  readonly src: IpAddress;
  readonly dst: IpAddress;
  readonly payload: Uint8Array;
  readonly nextHeader?: number;
  readonly hopLimit?: number;
  readonly trafficClass?: number;
  readonly flowLabel?: number;
}

export function encodeIpv6Packet(spec: Ipv6PacketSpec): Uint8Array {
  if (spec.src.family !== 6 || spec.dst.family !== 6) throw new Error('encodeIpv6Packet: IPv6 addresses only');
  if (spec.payload.length > 0xffff) throw new Error(`encodeIpv6Packet: ${spec.payload.length} bytes (jumbograms unsupported)`);
  const out = new Uint8Array(IPV6_HEADER_BYTES + spec.payload.length);
  const tc = spec.trafficClass ?? 0;
  const flow = spec.flowLabel ?? 0;
  out[0] = 0x60 | (tc >> 4);
  out[1] = ((tc & 0x0f) << 4) | ((flow >> 16) & 0x0f);
  out[2] = (flow >> 8) & 0xff;
  out[3] = flow & 0xff;
  out[4] = spec.payload.length >> 8;
  out[5] = spec.payload.length & 0xff;
  out[6] = spec.nextHeader ?? VRRP_IP_PROTOCOL;
  out[7] = spec.hopLimit ?? VRRP_TTL;
  out.set(spec.src.bytes, 8);
  out.set(spec.dst.bytes, 24);
  out.set(spec.payload, IPV6_HEADER_BYTES);
  return out;
}

export type DecodeIpv6Result =
  | { readonly ok: true; readonly header: Ipv6Header; readonly payload: Uint8Array }
  | { readonly ok: false; readonly reason: 'truncated' | 'bad-ip-version'; readonly detail: string };

/** Never throws; bytes beyond the payload length (padding) are dropped. */
export function decodeIpv6Packet(bytes: Uint8Array): DecodeIpv6Result {
  if (bytes.length < IPV6_HEADER_BYTES) return { ok: false, reason: 'truncated', detail: `${bytes.length} bytes` };
  const version = bytes[0]! >> 4;
  if (version !== 6) return { ok: false, reason: 'bad-ip-version', detail: `version ${version}` };
  const payloadLength = (bytes[4]! << 8) | bytes[5]!;
  if (bytes.length < IPV6_HEADER_BYTES + payloadLength) {
    return { ok: false, reason: 'truncated', detail: `payload length ${payloadLength}, have ${bytes.length - IPV6_HEADER_BYTES}` };
  }
  const header: Ipv6Header = {
    trafficClass: ((bytes[0]! & 0x0f) << 4) | (bytes[1]! >> 4),
    flowLabel: ((bytes[1]! & 0x0f) << 16) | (bytes[2]! << 8) | bytes[3]!,
    payloadLength,
    nextHeader: bytes[6]!,
    hopLimit: bytes[7]!,
    src: { family: 6, bytes: bytes.slice(8, 24) },
    dst: { family: 6, bytes: bytes.slice(24, 40) },
  };
  return { ok: true, header, payload: bytes.subarray(IPV6_HEADER_BYTES, IPV6_HEADER_BYTES + payloadLength) };
}
