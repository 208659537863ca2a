// RFC 1071 Internet checksum: one's-complement sum of 16-bit big-endian words.
// Used by VRRPv2 (RFC 3768 section 5.3.8), VRRPv3 over IPv4 with its pseudo-header
// (RFC 5798 section 5.2.8), ICMP echo and the IPv4 header.

/** Adds `bytes` to a running 32-bit partial sum (no folding); an odd tail byte is padded with 0. */
export function checksumPartial(bytes: Uint8Array, sum = 0): number {
  const n = bytes.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length & 1) sum += bytes[bytes.length - 1]! << 8;
  return sum;
}

/** Folds the partial sum and complements it: the value to store in a checksum field. */
export function checksumFinish(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) sum = checksumPartial(p, sum);
  return checksumFinish(sum);
}
