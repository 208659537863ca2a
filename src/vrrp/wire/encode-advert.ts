// Advert -> the bytes of a VRRP message (the IP payload), checksum filled in.
//
// Theory of operation: the inverse of decodeAdvert. The advert comes from our own state machine,
// so an out-of-range field is our bug and fails an assertion rather than being sent. The
// checksum variant follows the context exactly as keepalived's vrrp_build_pkt/vrrp_csum_mcast
// do: v2 plain; v3 IPv4 over the pseudo-header with the real destination (the group, or each
// unicast peer in turn), plain with v3_checksum_as_v2, the group with old_unicast_checksum;
// v3 IPv6 over the RFC 8200 pseudo-header (the Linux kernel rewrites it with IPV6_CHECKSUM,
// to the same value).

import { isMulticast } from '../../base/ip.ts';
import type { Advert } from './advert.ts';
import type { AdvertContext, ChecksumKind } from './advert-context.ts';
import { ADVERT_CHECKSUM_OFFSET, computeAdvertChecksum, type PseudoHeader } from './advert-checksum.ts';
import {
  V3_MAX_ADVERT_INTERVAL_CS,
  VRRP_HEADER_BYTES,
  VRRP_MCAST_GROUP4,
  VRRP_TYPE_ADVERTISEMENT,
  VRRP_V2_AUTH_BYTES,
} from './vrrp-protocol.ts';

function assert(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Error(`encodeAdvert: ${what}`);
}

/** The checksum variant encodeAdvert uses for this advert and context. */
export function sendChecksumKind(advert: Pick<Advert, 'version' | 'family'>, ctx: AdvertContext): ChecksumKind {
  if (advert.version === 2) return 'plain';
  if (advert.family === 6) return 'pseudo-header';
  if (ctx.v3ChecksumAsV2) return 'plain';
  // Sent to a group, the group is the destination already: the old and new algorithms agree.
  if (isMulticast(ctx.dst)) return 'pseudo-header';
  return ctx.oldUnicastChecksum === 'always' ? 'pseudo-header-mcast-group' : 'pseudo-header';
}

function pseudoFor(kind: ChecksumKind, ctx: AdvertContext): PseudoHeader | undefined {
  if (kind === 'plain') return undefined;
  if (kind === 'pseudo-header-mcast-group') return { src: ctx.src, dst: ctx.mcastGroup4 ?? VRRP_MCAST_GROUP4 };
  return { src: ctx.src, dst: ctx.dst };
}

export function encodeAdvert(advert: Advert, ctx: AdvertContext): Uint8Array {
  const { version, family } = advert;
  assert(version === 2 || version === 3, `version ${version}`);
  assert(family === 4 || family === 6, `family ${family}`);
  assert(!(version === 2 && family === 6), 'VRRPv2 is IPv4 only');
  assert(ctx.src.family === family && ctx.dst.family === family, 'context addresses of another family');
  assert(Number.isInteger(advert.vrid) && advert.vrid >= 0 && advert.vrid <= 255, `vrid ${advert.vrid}`);
  assert(Number.isInteger(advert.priority) && advert.priority >= 0 && advert.priority <= 255, `priority ${advert.priority}`);
  assert(advert.addresses.length <= 255, `${advert.addresses.length} addresses`);
  const addrBytes = family === 4 ? 4 : 16;
  for (const a of advert.addresses) assert(a.family === family && a.bytes.length === addrBytes, 'address of another family');

  const authBytes = version === 2 ? VRRP_V2_AUTH_BYTES : 0;
  const out = new Uint8Array(VRRP_HEADER_BYTES + advert.addresses.length * addrBytes + authBytes);
  out[0] = (version << 4) | VRRP_TYPE_ADVERTISEMENT;
  out[1] = advert.vrid;
  out[2] = advert.priority;
  out[3] = advert.addresses.length;
  if (version === 2) {
    // v2 carries whole seconds in one byte (RFC 3768 section 5.3.7).
    const seconds = advert.advertIntervalCs / 100;
    assert(Number.isInteger(seconds) && seconds >= 0 && seconds <= 255, `v2 interval ${advert.advertIntervalCs} cs`);
    assert(advert.authType >= 0 && advert.authType <= 255, `auth type ${advert.authType}`);
    assert(advert.authData.length <= VRRP_V2_AUTH_BYTES, `auth data of ${advert.authData.length} bytes`);
    out[4] = advert.authType;
    out[5] = seconds;
  } else {
    const cs = advert.advertIntervalCs;
    assert(Number.isInteger(cs) && cs >= 0 && cs <= V3_MAX_ADVERT_INTERVAL_CS, `v3 interval ${cs} cs`);
    out[4] = cs >> 8; // the 4 reserved bits stay 0 (RFC 5798 section 5.2.6)
    out[5] = cs & 0xff;
  }
  let at = VRRP_HEADER_BYTES;
  for (const a of advert.addresses) { out.set(a.bytes, at); at += addrBytes; }
  if (version === 2) out.set(advert.authData, at); // zero-padded to 8 (RFC 3768 section 5.3.10)

  const sum = computeAdvertChecksum(out, pseudoFor(sendChecksumKind(advert, ctx), ctx));
  out[ADVERT_CHECKSUM_OFFSET] = sum >> 8;
  out[ADVERT_CHECKSUM_OFFSET + 1] = sum & 0xff;
  return out;
}
