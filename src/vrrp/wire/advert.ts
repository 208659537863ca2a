// The VRRP advertisement as data: what the codec (src/vrrp/wire) produces from bytes and what the
// instance state machine (src/vrrp) consumes. RFC 3768 section 5 (v2), RFC 5798 section 5 (v3).

import type { IpAddress } from '../../base/ip.ts';

export type VrrpVersion = 2 | 3;

/** RFC 3768 section 5.3.6; v3 has no authentication (RFC 5798 section 5.2.6 reserves the field). */
export const enum AuthType {
  None = 0,
  Pass = 1,
  Ah = 2,
}

export interface Advert {
  readonly version: VrrpVersion;
  /** Address family of the IP packet and of every address carried. */
  readonly family: 4 | 6;
  /** Virtual router id, 1..255 (0 is invalid on the wire and rejected by the decoder's caller). */
  readonly vrid: number;
  /** 0 = master is leaving (RFC 5798 section 6.4.3), 255 = address owner. */
  readonly priority: number;
  /**
   * Advertisement interval in centiseconds. v3 carries 12 bits of centiseconds; v2 carries whole
   * seconds in one byte, stored here times 100 so both versions compare in one unit.
   */
  readonly advertIntervalCs: number;
  /** v2 only; 0 for v3. */
  readonly authType: number;
  /**
   * v2 PASS: the 8 bytes of the authentication data field, zero-padded. Empty otherwise (the
   * decoder also keeps a non-zero field of another auth type, so decode -> encode is lossless).
   */
  readonly authData: Uint8Array;
  readonly addresses: readonly IpAddress[];
  /** The checksum field as received (or as computed when encoding). */
  readonly checksum: number;
}

/** What the link layer tells us about a received packet, from the IP header and control messages. */
export interface RxMeta {
  readonly src: IpAddress;
  readonly dst: IpAddress;
  /** IPv4 TTL or IPv6 hop limit (RFC 5798 section 5.1.1.3 / 5.1.2.3: must be 255). */
  readonly ttl: number;
  /** Interface the packet arrived on. */
  readonly ifindex: number;
}
