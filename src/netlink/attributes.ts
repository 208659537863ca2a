// Netlink attributes (struct nlattr, <linux/netlink.h>): type-length-value records, each
// padded to 4 bytes (NLA_ALIGNTO). nla_len counts the 4-byte header plus the payload but not
// the padding. The top two bits of nla_type are flags: NLA_F_NESTED (the payload is itself a
// list of attributes) and NLA_F_NET_BYTEORDER. Payload integers are HOST order (little-endian
// here) unless an attribute says otherwise: IPVS ports and IPv4/IPv6 addresses are network
// order, and the codecs that use them say so where they read them.
//
// Decoding keeps every attribute, known or not, in order: a decoded list re-encodes to the
// same bytes (`encodeAttrs(decodeAttrs(b)) == b`, padding zeroed), which is how unknown
// attributes survive a round trip. Decoding is total: malformed input gives a failure value.
import { ByteWriter } from '../base/bytes.ts';

export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;
export const NLA_HDRLEN = 4;

export interface NlAttr {
  /** The type with the two flag bits removed. */
  readonly type: number;
  /** The flag bits as received (NLA_F_NESTED | NLA_F_NET_BYTEORDER), kept for the round trip. */
  readonly flags: number;
  readonly data: Uint8Array;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string; readonly offset: number };

export function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Decodes bytes[start, end) as a list of attributes. A final fragment shorter than a header
 * is tolerated as padding (the kernel never emits one); a length that runs past the end fails.
 */
export function decodeAttrs(bytes: Uint8Array, start = 0, end = bytes.length): Decoded<NlAttr[]> {
  const out: NlAttr[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = v.getUint16(off, true);
    const rawType = v.getUint16(off + 2, true);
    if (len < NLA_HDRLEN || off + len > end) {
      return { ok: false, error: `attribute length ${len} overruns ${end - off} bytes`, offset: off };
    }
    out.push({
      type: rawType & NLA_TYPE_MASK,
      flags: rawType & (NLA_F_NESTED | NLA_F_NET_BYTEORDER),
      data: bytes.subarray(off + NLA_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return { ok: true, value: out };
}

/** Decodes an attribute's payload as nested attributes. */
export function nestedAttrs(a: NlAttr): Decoded<NlAttr[]> {
  return decodeAttrs(a.data);
}

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

export function writeAttr(w: ByteWriter, type: number, data: Uint8Array, flags = 0): void {
  w.u16le(NLA_HDRLEN + data.length);
  w.u16le((type & NLA_TYPE_MASK) | flags);
  w.bytes(data);
  w.zeros(align4(data.length) - data.length);
}

export function encodeAttrs(attrs: readonly NlAttr[]): Uint8Array {
  const w = new ByteWriter();
  for (const a of attrs) writeAttr(w, a.type, a.data, a.flags);
  return w.finish();
}

/** First attribute of a type, or undefined. */
export function findAttr(attrs: readonly NlAttr[], type: number): NlAttr | undefined {
  return attrs.find((a) => a.type === type);
}

function view(a: NlAttr): DataView {
  return new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
}

// Typed readers: undefined when the attribute is absent or too short (untrusted input).
export function attrU8(a: NlAttr | undefined): number | undefined {
  return a && a.data.length >= 1 ? a.data[0] : undefined;
}
export function attrU16(a: NlAttr | undefined): number | undefined {
  return a && a.data.length >= 2 ? view(a).getUint16(0, true) : undefined;
}
export function attrU16be(a: NlAttr | undefined): number | undefined {
  return a && a.data.length >= 2 ? view(a).getUint16(0, false) : undefined;
}
export function attrU32(a: NlAttr | undefined): number | undefined {
  return a && a.data.length >= 4 ? view(a).getUint32(0, true) : undefined;
}
export function attrS32(a: NlAttr | undefined): number | undefined {
  return a && a.data.length >= 4 ? view(a).getInt32(0, true) : undefined;
}
export function attrU32be(a: NlAttr | undefined): number | undefined {
  return a && a.data.length >= 4 ? view(a).getUint32(0, false) : undefined;
}
export function attrU64(a: NlAttr | undefined): bigint | undefined {
  return a && a.data.length >= 8 ? view(a).getBigUint64(0, true) : undefined;
}
/** A NUL-terminated (or not) string payload. */
export function attrString(a: NlAttr | undefined): string | undefined {
  if (!a) return undefined;
  const nul = a.data.indexOf(0);
  return UTF8_DECODER.decode(a.data.subarray(0, nul < 0 ? a.data.length : nul));
}

/**
 * Builds attribute lists. Nesting patches the outer length after the inner attributes are
 * written, like libmnl's mnl_attr_nest_start/end.
 */
export class AttrWriter {
  readonly w: ByteWriter;
  constructor(w?: ByteWriter) {
    this.w = w ?? new ByteWriter();
  }
  bytes(type: number, data: Uint8Array, flags = 0): this {
    writeAttr(this.w, type, data, flags);
    return this;
  }
  flag(type: number): this {
    return this.header(type, 0);
  }
  // Scalars go straight into the writer (no per-attribute buffer): an IPVS table of 21,000
  // destinations is about 200,000 of them. Netlink attributes are host order (little-endian
  // here) unless the comment on the call site says otherwise.
  u8(type: number, v: number): this {
    this.header(type, 1).w.u8(v & 0xff).zeros(3);
    return this;
  }
  u16(type: number, v: number): this {
    this.header(type, 2).w.u16le(v).zeros(2);
    return this;
  }
  /** Network byte order (e.g. IPVS_SVC_ATTR_PORT). */
  u16be(type: number, v: number): this {
    this.header(type, 2).w.u16be(v).zeros(2);
    return this;
  }
  u32(type: number, v: number): this {
    this.header(type, 4).w.u32le(v);
    return this;
  }
  s32(type: number, v: number): this {
    this.header(type, 4).w.u32le(v >>> 0);
    return this;
  }
  u32be(type: number, v: number): this {
    this.header(type, 4).w.u32be(v);
    return this;
  }
  u64(type: number, v: bigint): this {
    this.header(type, 8).w.u64le(v);
    return this;
  }
  private header(type: number, payloadBytes: number): this {
    this.w.u16le(NLA_HDRLEN + payloadBytes).u16le(type & NLA_TYPE_MASK);
    return this;
  }
  /** NUL-terminated, as NLA_NUL_STRING / NLA_STRING policies accept. */
  string(type: number, s: string): this {
    const enc = UTF8.encode(s);
    const b = new Uint8Array(enc.length + 1);
    b.set(enc);
    return this.bytes(type, b);
  }
  /** Nested attributes; `flagged` sets NLA_F_NESTED (newer kernels require it for some families). */
  nest(type: number, build: (w: AttrWriter) => void, flagged = false): this {
    const start = this.w.length;
    this.w.u16le(0).u16le((type & NLA_TYPE_MASK) | (flagged ? NLA_F_NESTED : 0));
    build(this);
    this.w.setU16le(start, this.w.length - start);
    return this;
  }
  /** Re-emit attributes kept from a decode (unknown ones included). */
  raw(attrs: readonly NlAttr[]): this {
    for (const a of attrs) writeAttr(this.w, a.type, a.data, a.flags);
    return this;
  }
  finish(): Uint8Array {
    return this.w.finish();
  }
}
