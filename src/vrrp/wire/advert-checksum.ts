// Which bytes the VRRP checksum covers, in each of the variants keepalived sends or accepts.
//
//  - v2 (RFC 3768 section 5.3.8): the Internet checksum of the VRRP message alone.
//  - v3 over IPv4 (RFC 5798 section 5.2.8): the message plus an IPv4 pseudo-header
//    (src, dst, 0, 112, length) where dst is the address actually in the IP header (the group,
//    or the unicast peer). keepalived's `v3_checksum_as_v2` drops the pseudo-header (what
//    RFC 9568 and Cisco/Juniper do).
//  - keepalived before 1.3.6 put the multicast group in the pseudo-header even when sending
//    unicast; `old_unicast_checksum` sends that way and the receive side auto-detects it
//    (vrrp.c vrrp_check_packet, _WITH_UNICAST_CHKSUM_COMPAT_).
//  - v3 over IPv6: the message plus the RFC 8200 section 8.1 pseudo-header. On Linux the kernel
//    fills and checks it (IPV6_CHECKSUM at offset 6), but the codec computes it as well so the
//    simulator and the tests see the same bytes a kernel would put on the wire.
//
// Verification follows keepalived (in_csum over everything == 0): a field of 0x0000 or 0xffff
// both verify when the rest sums to 0xffff, which computing-and-comparing would not allow.

import type { IpAddress } from '../../base/ip.ts';
import { checksumFinish } from '../../base/checksum.ts';
import { pseudoHeaderSum } from '../../base/pseudo-header-sum.ts';
import { VRRP_IP_PROTOCOL } from './vrrp-protocol.ts';

/** The addresses a pseudo-header carries; undefined = no pseudo-header (v2, v3_checksum_as_v2). */
export interface PseudoHeader {
  readonly src: IpAddress;
  readonly dst: IpAddress;
}

/** Offset of the checksum inside the VRRP header (both versions). */
export const ADVERT_CHECKSUM_OFFSET = 6;

function sumWithoutField(vrrp: Uint8Array, pseudo: PseudoHeader | undefined): number {
  let sum = pseudo ? pseudoHeaderSum(pseudo.src, pseudo.dst, VRRP_IP_PROTOCOL, vrrp.length) : 0;
  // Word by word in place (no subarray views: this runs for every advert sent and received).
  const even = vrrp.length & ~1;
  for (let i = 0; i < even; i += 2) {
    if (i !== ADVERT_CHECKSUM_OFFSET) sum += (vrrp[i]! << 8) | vrrp[i + 1]!;
  }
  if (vrrp.length & 1) sum += vrrp[vrrp.length - 1]! << 8;
  return sum;
}

/** The value to store in the checksum field; the field's current content is ignored. */
export function computeAdvertChecksum(vrrp: Uint8Array, pseudo: PseudoHeader | undefined): number {
  return checksumFinish(sumWithoutField(vrrp, pseudo));
}

/** True when the message, field included, sums to zero (keepalived: in_csum(...) == 0). */
export function advertChecksumValid(vrrp: Uint8Array, pseudo: PseudoHeader | undefined): boolean {
  if (vrrp.length < ADVERT_CHECKSUM_OFFSET + 2) return false;
  const field = (vrrp[ADVERT_CHECKSUM_OFFSET]! << 8) | vrrp[ADVERT_CHECKSUM_OFFSET + 1]!;
  return checksumFinish(sumWithoutField(vrrp, pseudo) + field) === 0;
}
