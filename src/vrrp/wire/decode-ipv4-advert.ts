// A whole IPv4 datagram from the raw VRRP socket (Linux delivers the IP header on AF_INET raw
// sockets) -> the Advert plus the RxMeta the state machine wants. IPv6 raw sockets deliver the
// payload only, with src/dst/hop limit from control messages: call decodeAdvert directly there.
//
// Checks here are the IP-level ones keepalived's vrrp_check_packet makes before the advert's:
// the IP total length must cover the VRRP message exactly (Ethernet padding aside) and the
// protocol must be VRRP. TTL 255 is not checked here: keepalived requires it on multicast only,
// with unicast_ttl/min_ttl/max_ttl rules that are configuration, so it stays the engine's.

import type { RxMeta } from './advert.ts';
import type { AdvertContext, ChecksumKind } from './advert-context.ts';
import type { Advert } from './advert.ts';
import { decodeAdvert, type AdvertDecodeReason } from './decode-advert.ts';
import { decodeIpv4Packet, type Ipv4DecodeReason, type Ipv4Header } from './ipv4-packet.ts';
import { AH_IP_PROTOCOL, VRRP_IP_PROTOCOL } from './vrrp-protocol.ts';

export type Ipv4AdvertReason =
  | AdvertDecodeReason
  | Ipv4DecodeReason
  /** IP protocol 51: a v2 advert behind IPsec AH, which this codec does not verify. */
  | 'unsupported-ah'
  /** Any other IP protocol. */
  | 'not-vrrp';

export type DecodeIpv4AdvertResult =
  | { readonly ok: true; readonly advert: Advert; readonly meta: RxMeta; readonly checksumKind: ChecksumKind; readonly ip: Ipv4Header }
  | { readonly ok: false; readonly reason: Ipv4AdvertReason; readonly detail: string };

export type ChecksumOptions = Omit<AdvertContext, 'src' | 'dst'>;

export function decodeIpv4Advert(packet: Uint8Array, ifindex: number, opts: ChecksumOptions = {}): DecodeIpv4AdvertResult {
  const ip = decodeIpv4Packet(packet);
  if (!ip.ok) return ip;
  const { header } = ip;
  if (header.protocol === AH_IP_PROTOCOL) return { ok: false, reason: 'unsupported-ah', detail: 'IPsec AH' };
  if (header.protocol !== VRRP_IP_PROTOCOL) return { ok: false, reason: 'not-vrrp', detail: `protocol ${header.protocol}` };
  const r = decodeAdvert(ip.payload, { ...opts, src: header.src, dst: header.dst });
  if (!r.ok) return r;
  const meta: RxMeta = { src: header.src, dst: header.dst, ttl: header.ttl, ifindex };
  return { ok: true, advert: r.advert, meta, checksumKind: r.checksumKind, ip: header };
}
