// VRRPv2 simple text password (RFC 3768 section 5.3.6 type 1, from RFC 2338): 8 bytes in the
// clear, the configured `auth_pass` cut to 8 and zero-padded (keepalived vrrp_parser.c cuts it
// with a warning). The receiver compares all 8 bytes in constant time (keepalived vrrp.c
// vrrp_check_packet), so the time taken says nothing about how much of a guess was right.

import { VRRP_V2_AUTH_BYTES } from './vrrp-protocol.ts';

/** The 8-byte authentication data field for a configured password. */
export function passAuthData(password: string): Uint8Array {
  const out = new Uint8Array(VRRP_V2_AUTH_BYTES);
  out.set(new TextEncoder().encode(password).subarray(0, VRRP_V2_AUTH_BYTES));
  return out;
}

/**
 * True when `received` (the advert's authData) equals `expected` (passAuthData of our password)
 * over the full 8 bytes, both zero-padded. Runs the same steps whatever the contents.
 */
export function verifyPassAuth(received: Uint8Array, expected: Uint8Array): boolean {
  let diff = (received.length > VRRP_V2_AUTH_BYTES ? 1 : 0) | (expected.length > VRRP_V2_AUTH_BYTES ? 1 : 0);
  for (let i = 0; i < VRRP_V2_AUTH_BYTES; i++) diff |= (received[i] ?? 0) ^ (expected[i] ?? 0);
  return diff === 0;
}
