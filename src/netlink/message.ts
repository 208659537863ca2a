// Netlink messages (struct nlmsghdr, <linux/netlink.h>; netlink(7)).
//
// A datagram carries one or more messages, each a 16-byte header {len u32, type u16, flags u16,
// seq u32, pid u32} (host order) followed by a family header and attributes, padded to 4.
// Requests carry NLM_F_REQUEST, optionally NLM_F_ACK (the kernel answers with NLMSG_ERROR,
// error 0) or NLM_F_DUMP (the kernel answers with NLM_F_MULTI messages ending in NLMSG_DONE).
// Errors are NLMSG_ERROR with a negative errno, the offending request's header and, when
// NETLINK_EXT_ACK is set, attributes after it (NLM_F_ACK_TLVS) of which NLMSGERR_ATTR_MSG is
// the human text ("Invalid prefix for given prefix length" and so on).
import { ByteWriter } from '../base/bytes.ts';
import { AttrWriter, type Decoded, type NlAttr, align4, attrString, attrU32, decodeAttrs, findAttr } from './attributes.ts';

export const NLMSG_HDRLEN = 16;

export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP_FILTERED = 0x20;
// Modifiers to GET requests.
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
// Modifiers to NEW requests.
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
// Flags of NLMSG_ERROR acks.
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

// enum nlmsgerr_attrs
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;

export interface NlHeader {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
}

export interface NlMessage extends NlHeader {
  /** Everything after the 16-byte header, up to nlmsg_len. */
  readonly payload: Uint8Array;
}

/** One message: header, a fixed family header (may be empty) and attributes. */
export function encodeMessage(h: NlHeader, body: Uint8Array | ((w: AttrWriter) => void), fixed?: Uint8Array): Uint8Array {
  const w = new ByteWriter(256);
  w.u32le(0).u16le(h.type).u16le(h.flags).u32le(h.seq).u32le(h.pid);
  if (fixed) {
    w.bytes(fixed);
    w.zeros(align4(fixed.length) - fixed.length);
  }
  if (typeof body === 'function') body(new AttrWriter(w));
  else w.bytes(body);
  w.setU32le(0, w.length);
  return w.finish();
}

/**
 * Splits a datagram into messages. A truncated tail fails the whole datagram: with no length
 * to trust, nothing after it can be framed.
 */
export function decodeMessages(bytes: Uint8Array): Decoded<NlMessage[]> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: NlMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= bytes.length) {
    const len = v.getUint32(off, true);
    if (len < NLMSG_HDRLEN || off + len > bytes.length) {
      return { ok: false, error: `nlmsg_len ${len} does not fit in ${bytes.length - off} bytes`, offset: off };
    }
    out.push({
      type: v.getUint16(off + 4, true),
      flags: v.getUint16(off + 6, true),
      seq: v.getUint32(off + 8, true),
      pid: v.getUint32(off + 12, true),
      payload: bytes.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return { ok: true, value: out };
}

export interface NlError {
  /** Positive errno; 0 for an ACK. */
  readonly errno: number;
  /** Extended ack text (NLMSGERR_ATTR_MSG), when the kernel gave one. */
  readonly message?: string;
  /** Byte offset of the offending attribute in our request (NLMSGERR_ATTR_OFFS). */
  readonly badAttrOffset?: number;
  /** Header of the request this answers (the seq to match). */
  readonly request?: NlHeader;
}

/**
 * Decodes an NLMSG_ERROR payload (struct nlmsgerr: int error; struct nlmsghdr msg; then the
 * request's payload unless NLM_F_CAPPED, then TLVs if NLM_F_ACK_TLVS). Also accepts an
 * NLMSG_DONE payload, whose first int is the dump's final status.
 */
export function decodeError(msg: NlMessage): Decoded<NlError> {
  const p = msg.payload;
  if (p.length < 4) return { ok: false, error: 'error message shorter than its errno', offset: 0 };
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const errno = -v.getInt32(0, true) | 0; // | 0: an ACK is 0, not -0
  if (msg.type === NLMSG_DONE) {
    // A DONE with error TLVs (a dump that failed part-way) has them straight after the int.
    const tlv = msg.flags & NLM_F_ACK_TLVS ? decodeAttrs(p, 4) : undefined;
    return { ok: true, value: withTlvs({ errno }, tlv) };
  }
  if (p.length < 4 + NLMSG_HDRLEN) return { ok: true, value: { errno } };
  const request: NlHeader = {
    type: v.getUint16(8, true),
    flags: v.getUint16(10, true),
    seq: v.getUint32(12, true),
    pid: v.getUint32(16, true),
  };
  const reqLen = v.getUint32(4, true);
  const tlvStart = msg.flags & NLM_F_CAPPED ? 4 + NLMSG_HDRLEN : 4 + align4(reqLen);
  const tlv = msg.flags & NLM_F_ACK_TLVS && tlvStart <= p.length ? decodeAttrs(p, tlvStart) : undefined;
  return { ok: true, value: withTlvs({ errno, request }, tlv) };
}

function withTlvs(e: NlError, tlv: Decoded<NlAttr[]> | undefined): NlError {
  if (!tlv || !tlv.ok) return e;
  const message = attrString(findAttr(tlv.value, NLMSGERR_ATTR_MSG));
  const badAttrOffset = attrU32(findAttr(tlv.value, NLMSGERR_ATTR_OFFS));
  return {
    ...e,
    ...(message !== undefined ? { message } : {}),
    ...(badAttrOffset !== undefined ? { badAttrOffset } : {}),
  };
}

/** An NLMSG_ERROR message as the kernel would build it (for the simulator's fake kernel and tests). */
export function encodeError(to: NlHeader & { readonly len?: number }, errno: number, text?: string, pid = 0): Uint8Array {
  const w = new ByteWriter(64);
  w.u32le((-errno) | 0);
  w.u32le(to.len ?? NLMSG_HDRLEN).u16le(to.type).u16le(to.flags).u32le(to.seq).u32le(to.pid);
  const flags = NLM_F_CAPPED | (text !== undefined ? NLM_F_ACK_TLVS : 0);
  if (text !== undefined) new AttrWriter(w).string(NLMSGERR_ATTR_MSG, text);
  return encodeMessage({ type: NLMSG_ERROR, flags, seq: to.seq, pid }, w.finish());
}

/** NLMSG_DONE for a dump (status 0). */
export function encodeDone(seq: number, pid = 0): Uint8Array {
  return encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq, pid }, new Uint8Array(4));
}
