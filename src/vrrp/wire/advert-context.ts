// What the advert codec needs from around the advert: the IP addresses (for the v3 pseudo-header)
// and keepalived's checksum compatibility knobs. One shape for both directions.

import type { IpAddress } from '../../base/ip.ts';

/**
 * keepalived `old_unicast_checksum` (vrrp_instance): 'always' = put the multicast group in the
 * v3 IPv4 pseudo-header even for unicast (keepalived < 1.3.6); 'auto' (the default) = send the
 * current way, but accept either on receive; 'never' = current way only.
 */
export type OldUnicastChecksum = 'auto' | 'never' | 'always';

export interface AdvertContext {
  /** IP source: the sender (RxMeta.src on receive, our address on send). */
  readonly src: IpAddress;
  /** IP destination as in the IP header: the multicast group or the unicast peer. */
  readonly dst: IpAddress;
  /** keepalived `v3_checksum_as_v2`: VRRPv3 over IPv4 without the pseudo-header (RFC 9568). */
  readonly v3ChecksumAsV2?: boolean;
  readonly oldUnicastChecksum?: OldUnicastChecksum;
  /** keepalived `vrrp_mcast_group4`, the group the old unicast checksum puts in its pseudo-header (default 224.0.0.18). */
  readonly mcastGroup4?: IpAddress;
}

/** Which variant the checksum matched (decode) or was computed with (encode). */
export type ChecksumKind =
  /** v2, or v3 with v3_checksum_as_v2: the message alone. */
  | 'plain'
  /** v3: pseudo-header with the IP header's own destination. */
  | 'pseudo-header'
  /** v3 IPv4 unicast sent by keepalived < 1.3.6 (or `old_unicast_checksum`): group in the pseudo-header. */
  | 'pseudo-header-mcast-group';
