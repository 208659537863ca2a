// The pseudo-header that upper-layer checksums cover besides their own bytes: the addresses, the
// protocol number and the upper-layer length from the IP header around them.
// IPv4 layout (RFC 768 / RFC 793, and RFC 5798 section 5.2.8 for VRRPv3): src(4) dst(4) zero(1)
// protocol(1) length(2). IPv6 layout (RFC 8200 section 8.1): src(16) dst(16) length(4) zero(3)
// next-header(1). The result is a partial sum to pass to checksumPartial/checksumFinish.

import type { IpAddress } from './ip.ts';
import { checksumPartial } from './checksum.ts';

export function pseudoHeaderSum(src: IpAddress, dst: IpAddress, protocol: number, upperLength: number): number {
  let sum = checksumPartial(src.bytes);
  sum = checksumPartial(dst.bytes, sum);
  if (src.family === 4) {
    // zero byte + protocol form one 16-bit word, then the 16-bit length.
    sum += protocol & 0xff;
    sum += upperLength & 0xffff;
  } else {
    // 32-bit length as two words, then three zero bytes and the next-header byte.
    sum += Math.floor(upperLength / 0x10000) & 0xffff;
    sum += upperLength & 0xffff;
    sum += protocol & 0xff;
  }
  return sum;
}
