// Instance-level acceptance of a decoded advertisement (keepalived vrrp.c vrrp_check_packet).
// The codec has already verified length, type and checksum; what remains depends on the
// instance's configuration. Never throws: a bad advert yields a reason that the instance counts.
//
// Rules (keepalived 2.2.x / 2.4.x; RFC 3768 section 7.1, RFC 5798 section 7.1):
//  - VRID and version must be ours; the family must match the instance;
//  - TTL / hop limit must be 255 when the packet was multicast (unicast may cross routers);
//  - v2: auth type must match ours; PASS compares all 8 bytes in constant time; AH is not
//    implemented here and every AH advert is refused;
//  - v2: an advert interval different from ours is dropped (v3: warning only since 2.3.3);
//  - unicast instances drop multicast adverts and multicast instances drop unicast ones;
//  - with check_unicast_src, the source must be one of the unicast peers;
//  - an owner with owner_ignore_adverts ignores everything.
//  - our own advert looped back (multicast loop left on, a bridge echo) is ignored: as a master
//    we would otherwise answer our own equal-priority advert as a lower one, forever.
// VIP count / list mismatches are NOT rejected (keepalived >= 2.3.3 only warns).

import { ipEquals, isMulticast } from '../base/ip.ts';
import type { Advert, RxMeta } from './wire/advert.ts';
import type { VrrpInstanceSpec } from './instance-spec.ts';
import { OWNER_PRIORITY } from './timing.ts';

export type RejectReason =
  | 'vridMismatch'
  | 'versionMismatch'
  | 'familyMismatch'
  | 'ttl'
  | 'authTypeMismatch'
  | 'authFailure'
  | 'intervalMismatch'
  | 'destination'
  | 'unicastSource'
  | 'ownerIgnore'
  | 'ownAddress';

export const REJECT_REASONS: readonly RejectReason[] = [
  'vridMismatch', 'versionMismatch', 'familyMismatch', 'ttl', 'authTypeMismatch', 'authFailure',
  'intervalMismatch', 'destination', 'unicastSource', 'ownerIgnore', 'ownAddress',
];

/** RFC 3768 section 5.3.6: type 0 none, 1 simple text password, 2 IP authentication header. */
function authTypeNumber(spec: VrrpInstanceSpec): number {
  switch (spec.auth.type) {
    case 'none': return 0;
    case 'pass': return 1;
    case 'ah': return 2;
  }
}

/** The 8-byte authentication data field for a PASS password (zero padded, cut at 8). */
export function passAuthData(password: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  out.set(password.subarray(0, 8));
  return out;
}

/** Compares every byte whatever the first difference, as keepalived does for PASS. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const len = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < len; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** undefined = accept. */
export function checkAdvert(spec: VrrpInstanceSpec, advert: Advert, meta: RxMeta): RejectReason | undefined {
  if (advert.vrid !== spec.vrid) return 'vridMismatch';
  if (advert.version !== spec.version) return 'versionMismatch';
  if (advert.family !== spec.family || meta.src.family !== spec.family) return 'familyMismatch';
  if (ipEquals(meta.src, spec.primaryAddr)) return 'ownAddress';
  const multicast = isMulticast(meta.dst);
  if (multicast && meta.ttl !== 255) return 'ttl';
  if (spec.version === 2) {
    const ours = authTypeNumber(spec);
    if (advert.authType !== ours) return 'authTypeMismatch';
    if (spec.auth.type === 'pass' && !constantTimeEqual(advert.authData, passAuthData(spec.auth.password))) {
      return 'authFailure';
    }
    if (spec.auth.type === 'ah') return 'authFailure';
    if (advert.advertIntervalCs !== spec.advertIntervalCs) return 'intervalMismatch';
  }
  const unicast = spec.unicastPeers.length > 0;
  if (unicast === multicast) return 'destination';
  if (unicast && spec.checkUnicastSrc && !spec.unicastPeers.some((p) => ipEquals(p, meta.src))) {
    return 'unicastSource';
  }
  if (spec.priority === OWNER_PRIORITY && spec.ownerIgnoreAdverts) return 'ownerIgnore';
  return undefined;
}
