// Numbers the VRRP wire format and its neighbours fix, in one place so every codec and test
// names them instead of repeating magic values. Each constant cites where it comes from.

import type { IpAddress } from '../../base/ip.ts';

/** IP protocol number of VRRP (RFC 3768 section 5.2.4, RFC 5798 section 5.1.1.4 / 5.1.2.4). */
export const VRRP_IP_PROTOCOL = 112;
/** IP protocol number of IPsec AH, which carries a v2 advert with `auth_type AH` (RFC 2338). */
export const AH_IP_PROTOCOL = 51;

/** RFC 3768 section 5.2.2 / RFC 5798 section 5.1.1.2: 224.0.0.18. */
export const VRRP_MCAST_GROUP4: IpAddress = { family: 4, bytes: Uint8Array.of(224, 0, 0, 18) };
/** RFC 5798 section 5.1.2.2: ff02::12. */
export const VRRP_MCAST_GROUP6: IpAddress = {
  family: 6,
  bytes: Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12),
};

/** The only packet type (RFC 3768 section 5.3.2, RFC 5798 section 5.2.2). */
export const VRRP_TYPE_ADVERTISEMENT = 1;

/** Fixed header: version/type, vrid, priority, count, auth/rsvd+interval, checksum. */
export const VRRP_HEADER_BYTES = 8;
/** v2 always carries 8 bytes of authentication data after the addresses (RFC 3768 5.3.10). */
export const VRRP_V2_AUTH_BYTES = 8;

/** RFC 3768 section 5.2.3 / RFC 5798 section 5.1.1.3: sent with TTL / hop limit 255. */
export const VRRP_TTL = 255;
/**
 * keepalived sends adverts with TOS 0xc0 (IPTOS_PREC_INTERNETCONTROL, vrrp.c vrrp_build_ip4;
 * seen in every capture in ../shared/captures).
 */
export const VRRP_TOS = 0xc0;

/** v3 carries 12 bits of centiseconds (RFC 5798 section 5.2.7). */
export const V3_MAX_ADVERT_INTERVAL_CS = 0xfff;
