// Bounds-checked byte reading and growable writing for the wire codecs.
// A reader that runs off the end throws DecodeError; every codec's public decode() catches it
// and returns a typed failure, so untrusted bytes never escape as an exception.

export class DecodeError extends Error {
  constructor(readonly reason: string, readonly offset: number) {
    super(`${reason} at byte ${offset}`);
    this.name = 'DecodeError';
  }
}

export class ByteReader {
  private readonly view: DataView;
  offset = 0;
  constructor(readonly bytes: Uint8Array, start = 0, private readonly end = bytes.length) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = start;
  }
  get remaining(): number {
    return this.end - this.offset;
  }
  private need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.end) throw new DecodeError(`truncated ${what}`, this.offset);
  }
  u8(): number { this.need(1, 'u8'); return this.view.getUint8(this.offset++); }
  u16be(): number { this.need(2, 'u16'); const v = this.view.getUint16(this.offset, false); this.offset += 2; return v; }
  u16le(): number { this.need(2, 'u16'); const v = this.view.getUint16(this.offset, true); this.offset += 2; return v; }
  u32be(): number { this.need(4, 'u32'); const v = this.view.getUint32(this.offset, false); this.offset += 4; return v; }
  u32le(): number { this.need(4, 'u32'); const v = this.view.getUint32(this.offset, true); this.offset += 4; return v; }
  u64le(): bigint { this.need(8, 'u64'); const v = this.view.getBigUint64(this.offset, true); this.offset += 8; return v; }
  bytesN(n: number): Uint8Array { this.need(n, `${n} bytes`); const v = this.bytes.subarray(this.offset, this.offset + n); this.offset += n; return v; }
  skip(n: number): void { this.need(n, `${n} bytes`); this.offset += n; }
}

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): this { this.ensure(1); this.view.setUint8(this.length, v); this.length += 1; return this; }
  u16be(v: number): this { this.ensure(2); this.view.setUint16(this.length, v, false); this.length += 2; return this; }
  u16le(v: number): this { this.ensure(2); this.view.setUint16(this.length, v, true); this.length += 2; return this; }
  u32be(v: number): this { this.ensure(4); this.view.setUint32(this.length, v >>> 0, false); this.length += 4; return this; }
  u32le(v: number): this { this.ensure(4); this.view.setUint32(this.length, v >>> 0, true); this.length += 4; return this; }
  u64le(v: bigint): this { this.ensure(8); this.view.setBigUint64(this.length, v, true); this.length += 8; return this; }
  bytes(b: Uint8Array): this { this.ensure(b.length); this.buf.set(b, this.length); this.length += b.length; return this; }
  zeros(n: number): this { this.ensure(n); this.buf.fill(0, this.length, this.length + n); this.length += n; return this; }
  /** Overwrite a u16/u32 already written (lengths and checksums patched after the fact). */
  setU16be(at: number, v: number): void { this.view.setUint16(at, v, false); }
  setU16le(at: number, v: number): void { this.view.setUint16(at, v, true); }
  setU32le(at: number, v: number): void { this.view.setUint32(at, v >>> 0, true); }
  finish(): Uint8Array { return this.buf.slice(0, this.length); }
}
