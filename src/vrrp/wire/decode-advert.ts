// Bytes of a VRRP message (the IP payload) -> Advert, or a stable reason why not.
//
// Theory of operation: the decoder checks only what the bytes themselves can prove wrong:
// version and type, that the length is exactly what the address count says (keepalived
// vrrp_check_packet rejects any other length), a known v2 auth type, and the checksum in the
// variant the context asks for. Everything that needs configuration (our version, our vrid,
// the password, the advert interval, the VIP list, TTL 255 on multicast) is the state machine's
// job, using the Advert and RxMeta; verifyPassAuth in pass-auth.ts does the password.
// Untrusted input: this function never throws.

import type { IpAddress } from '../../base/ip.ts';
import { isMulticast } from '../../base/ip.ts';
import type { Advert, VrrpVersion } from './advert.ts';
import type { AdvertContext, ChecksumKind } from './advert-context.ts';
import { advertChecksumValid, type PseudoHeader } from './advert-checksum.ts';
import {
  VRRP_HEADER_BYTES,
  VRRP_MCAST_GROUP4,
  VRRP_TYPE_ADVERTISEMENT,
  VRRP_V2_AUTH_BYTES,
} from './vrrp-protocol.ts';

/** Stable reason codes: counted per reason by the engine (keepalived.stats / SNMP style). */
export type AdvertDecodeReason =
  /** Shorter than the fixed part (8 bytes; 16 for v2 with its authentication data). */
  | 'truncated'
  /** Version not 2 or 3, or v2 over IPv6 (RFC 3768 is IPv4 only; keepalived runs IPv6 as v3). */
  | 'bad-version'
  /** Type other than 1 (advertisement). */
  | 'bad-type'
  /**
   * Length differs from header + count x address size (+ auth data for v2): keepalived's
   * "vrrp packet too long/short" (stats packet_len_err). Whether the count matches our own VIP
   * list is configuration, so the engine's.
   */
  | 'bad-length'
  /** v2 auth type other than 0 (none), 1 (PASS), 2 (AH). */
  | 'bad-auth-type'
  | 'bad-checksum';

export type DecodeAdvertResult =
  | { readonly ok: true; readonly advert: Advert; readonly checksumKind: ChecksumKind }
  | { readonly ok: false; readonly reason: AdvertDecodeReason; readonly detail: string };

function fail(reason: AdvertDecodeReason, detail: string): DecodeAdvertResult {
  return { ok: false, reason, detail };
}

/** Pseudo-header variants to try, in order, for the given version and context. */
function checksumCandidates(version: VrrpVersion, ctx: AdvertContext): { kind: ChecksumKind; pseudo: PseudoHeader | undefined }[] {
  if (version === 2) return [{ kind: 'plain', pseudo: undefined }];
  if (ctx.src.family === 6) return [{ kind: 'pseudo-header', pseudo: { src: ctx.src, dst: ctx.dst } }];
  if (ctx.v3ChecksumAsV2) return [{ kind: 'plain', pseudo: undefined }];
  const group = { kind: 'pseudo-header-mcast-group' as const, pseudo: { src: ctx.src, dst: ctx.mcastGroup4 ?? VRRP_MCAST_GROUP4 } };
  const actual = { kind: 'pseudo-header' as const, pseudo: { src: ctx.src, dst: ctx.dst } };
  const mode = ctx.oldUnicastChecksum ?? 'auto';
  // A multicast advert has the group as its destination anyway: one variant covers both.
  if (isMulticast(ctx.dst)) return [actual];
  if (mode === 'always') return [group];
  if (mode === 'never') return [actual];
  // vrrp.c vrrp_check_packet: try the real destination, then the group; on success with the
  // group keepalived switches the instance to the old algorithm (the engine's decision).
  return [actual, group];
}

export function decodeAdvert(bytes: Uint8Array, ctx: AdvertContext): DecodeAdvertResult {
  if (bytes.length < VRRP_HEADER_BYTES) return fail('truncated', `${bytes.length} bytes, header needs ${VRRP_HEADER_BYTES}`);
  const family = ctx.src.family;
  const versionNibble = bytes[0]! >> 4;
  const type = bytes[0]! & 0x0f;
  if (versionNibble !== 2 && versionNibble !== 3) return fail('bad-version', `version ${versionNibble}`);
  const version: VrrpVersion = versionNibble;
  if (version === 2 && family === 6) return fail('bad-version', 'VRRPv2 over IPv6');
  if (type !== VRRP_TYPE_ADVERTISEMENT) return fail('bad-type', `type ${type}`);

  const count = bytes[3]!;
  const addrBytes = family === 4 ? 4 : 16;
  const authBytes = version === 2 ? VRRP_V2_AUTH_BYTES : 0;
  const fixed = VRRP_HEADER_BYTES + authBytes;
  if (bytes.length < fixed) return fail('truncated', `${bytes.length} bytes, v2 needs ${fixed}`);
  const expected = fixed + count * addrBytes;
  if (bytes.length !== expected) {
    return fail('bad-length', `${count} addresses need ${expected} bytes, got ${bytes.length}`);
  }

  let authType = 0;
  let advertIntervalCs: number;
  if (version === 2) {
    authType = bytes[4]!;
    // RFC 3768 section 5.3.6: 0 none, 1 simple text password; 2 (IP AH) from RFC 2338.
    if (authType > 2) return fail('bad-auth-type', `auth type ${authType}`);
    advertIntervalCs = bytes[5]! * 100;
  } else {
    // RFC 5798 section 5.2.6/5.2.7: 4 reserved bits (ignored on receipt), 12 bits of centiseconds.
    advertIntervalCs = ((bytes[4]! & 0x0f) << 8) | bytes[5]!;
  }

  let checksumKind: ChecksumKind | undefined;
  for (const c of checksumCandidates(version, ctx)) {
    if (advertChecksumValid(bytes, c.pseudo)) { checksumKind = c.kind; break; }
  }
  const checksum = (bytes[6]! << 8) | bytes[7]!;
  if (!checksumKind) return fail('bad-checksum', `checksum 0x${checksum.toString(16).padStart(4, '0')}`);

  const addresses: IpAddress[] = [];
  let at = VRRP_HEADER_BYTES;
  for (let i = 0; i < count; i++, at += addrBytes) {
    addresses.push({ family, bytes: bytes.slice(at, at + addrBytes) });
  }
  let authData = new Uint8Array(0);
  if (version === 2) {
    const field = bytes.slice(at, at + VRRP_V2_AUTH_BYTES);
    // Kept whenever it says something, so decode -> encode gives back the same bytes.
    if (authType === 1 || field.some((b) => b !== 0)) authData = field;
  }
  const advert: Advert = {
    version,
    family,
    vrid: bytes[1]!,
    priority: bytes[2]!,
    advertIntervalCs,
    authType,
    authData,
    addresses,
    checksum,
  };
  return { ok: true, advert, checksumKind };
}
