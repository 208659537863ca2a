// MD5 (RFC 1321), incremental, pure: the HTTP_GET/SSL_GET `digest` is the MD5 of the response
// body as keepalived's genhash prints it (32 lower-case hex digits). The core may not import
// node:crypto, so the digest lives here; the os probe feeds body chunks as they arrive.

// RFC 1321 section 3.4: per-round shift amounts and T[i] = floor(abs(sin(i + 1)) * 2^32).
const SHIFT = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const T = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 0x1_0000_0000) >>> 0);

export class Md5 {
  private a = 0x67452301;
  private b = 0xefcdab89;
  private c = 0x98badcfe;
  private d = 0x10325476;
  private readonly block = new Uint8Array(64);
  private blockLen = 0;
  private totalLen = 0;
  private readonly x = new Uint32Array(16);

  update(data: Uint8Array): this {
    this.totalLen += data.length;
    let i = 0;
    while (i < data.length) {
      const n = Math.min(64 - this.blockLen, data.length - i);
      this.block.set(data.subarray(i, i + n), this.blockLen);
      this.blockLen += n;
      i += n;
      if (this.blockLen === 64) {
        this.compress();
        this.blockLen = 0;
      }
    }
    return this;
  }

  /** The digest as 32 lower-case hex digits; the object is spent afterwards. */
  hex(): string {
    const bitLen = this.totalLen * 8;
    // Padding: 0x80, zeros to 56 mod 64, then the length in bits as a little-endian u64.
    const pad = new Uint8Array(((this.blockLen < 56 ? 56 : 120) - this.blockLen) + 8);
    pad[0] = 0x80;
    const lenAt = pad.length - 8;
    const lo = bitLen >>> 0;
    const hi = Math.floor(bitLen / 0x1_0000_0000) >>> 0;
    for (let k = 0; k < 4; k++) {
      pad[lenAt + k] = (lo >>> (8 * k)) & 0xff;
      pad[lenAt + 4 + k] = (hi >>> (8 * k)) & 0xff;
    }
    const total = this.totalLen;
    this.update(pad);
    this.totalLen = total;
    let out = '';
    for (const w of [this.a, this.b, this.c, this.d]) {
      for (let k = 0; k < 4; k++) out += ((w >>> (8 * k)) & 0xff).toString(16).padStart(2, '0');
    }
    return out;
  }

  private compress(): void {
    const x = this.x;
    const blk = this.block;
    for (let k = 0; k < 16; k++) {
      x[k] = blk[4 * k]! | (blk[4 * k + 1]! << 8) | (blk[4 * k + 2]! << 16) | (blk[4 * k + 3]! << 24);
    }
    let a = this.a, b = this.b, c = this.c, d = this.d;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      const round = i >> 4;
      if (round === 0) { f = (b & c) | (~b & d); g = i; }
      else if (round === 1) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
      else if (round === 2) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
      else { f = c ^ (b | ~d); g = (7 * i) & 15; }
      const s = SHIFT[(round << 2) | (i & 3)]!;
      const sum = (a + f + T[i]! + x[g]!) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
    }
    this.a = (this.a + a) >>> 0;
    this.b = (this.b + b) >>> 0;
    this.c = (this.c + c) >>> 0;
    this.d = (this.d + d) >>> 0;
  }
}

export function md5Hex(data: Uint8Array): string {
  return new Md5().update(data).hex();
}
