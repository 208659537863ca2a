// DNS_CHECK wire format (RFC 1035 section 4.1): the query keepalived sends and the reply check.
// Query (check_dns.c dns_make_query): id, flags with only RD set, QDCOUNT 1, QNAME as labels,
// QTYPE from `type` (A NS CNAME SOA MX TXT AAAA, default SOA), QCLASS IN. Unlike check_dns.c we
// always terminate QNAME with the root label (it forgets it for a name ending in a dot).
// Reply (check_dns.c dns_recv_thread): shorter than the 12-byte header, another id, or not a
// response (QR clear): ignored, keep waiting; RCODE != 0: failure; else success. We also decode
// the question and answers for the log and ignore a reply whose question is not ours.

import { ByteReader, ByteWriter, DecodeError } from '../base/bytes.ts';

export const DNS_TYPES: Readonly<Record<string, number>> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 };
const CLASS_IN = 1;
const FLAG_QR = 0x8000;
const FLAG_RD = 0x0100;

export function dnsTypeCode(name: string): number | undefined {
  return DNS_TYPES[name.toUpperCase()];
}

export function dnsTypeName(code: number): string {
  for (const [k, v] of Object.entries(DNS_TYPES)) if (v === code) return k;
  return `TYPE${code}`;
}

/** undefined when the name has an empty or over-long label (untrusted config: no throw). */
export function encodeDnsName(name: string): Uint8Array | undefined {
  const w = new ByteWriter(name.length + 2);
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed !== '') {
    for (const label of trimmed.split('.')) {
      const bytes = new TextEncoder().encode(label);
      if (bytes.length === 0 || bytes.length > 63) return undefined;
      w.u8(bytes.length).bytes(bytes);
    }
  }
  w.u8(0);
  return w.length > 255 ? undefined : w.finish();
}

export function buildDnsQuery(id: number, name: string, type: string): Uint8Array | undefined {
  const qtype = dnsTypeCode(type);
  const qname = encodeDnsName(name);
  if (qtype === undefined || !qname) return undefined;
  const w = new ByteWriter(12 + qname.length + 4);
  w.u16be(id & 0xffff).u16be(FLAG_RD).u16be(1).u16be(0).u16be(0).u16be(0);
  w.bytes(qname).u16be(qtype).u16be(CLASS_IN);
  return w.finish();
}

export interface DnsRecord { readonly name: string; readonly type: number; readonly cls: number; readonly ttl: number; readonly rdata: Uint8Array }

export interface DnsMessage {
  readonly id: number;
  readonly flags: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly rcode: number;
  readonly questions: readonly { readonly name: string; readonly type: number; readonly cls: number }[];
  readonly answers: readonly DnsRecord[];
}

export type DnsDecode = { readonly ok: true; readonly msg: DnsMessage } | { readonly ok: false; readonly reason: string };

/** Name with compression pointers (RFC 1035 section 4.1.4), loop-guarded. Lower-cased, no trailing dot ("" = root). */
function readName(r: ByteReader, bytes: Uint8Array): string {
  const labels: string[] = [];
  let reader = r;
  let jumps = 0;
  for (;;) {
    const len = reader.u8();
    if (len === 0) break;
    if ((len & 0xc0) === 0xc0) {
      const ptr = ((len & 0x3f) << 8) | reader.u8();
      if (++jumps > 32) throw new DecodeError('name compression loop', reader.offset);
      // Continue at the pointer with a fresh reader; the outer reader stays after the pointer.
      reader = new ByteReader(bytes, ptr);
      continue;
    }
    if (len & 0xc0) throw new DecodeError('bad label type', reader.offset - 1);
    labels.push(new TextDecoder('latin1').decode(reader.bytesN(len)).toLowerCase());
  }
  return labels.join('.');
}

export function decodeDnsMessage(bytes: Uint8Array): DnsDecode {
  try {
    const r = new ByteReader(bytes);
    const id = r.u16be();
    const flags = r.u16be();
    const qd = r.u16be();
    const an = r.u16be();
    r.u16be();
    r.u16be();
    const questions = [];
    for (let i = 0; i < qd; i++) questions.push({ name: readName(r, bytes), type: r.u16be(), cls: r.u16be() });
    const answers: DnsRecord[] = [];
    for (let i = 0; i < an; i++) {
      const name = readName(r, bytes);
      const type = r.u16be();
      const cls = r.u16be();
      const ttl = r.u32be();
      const rdata = r.bytesN(r.u16be());
      answers.push({ name, type, cls, ttl, rdata });
    }
    return {
      ok: true,
      msg: { id, flags, qr: (flags & FLAG_QR) !== 0, opcode: (flags >> 11) & 0xf, rcode: flags & 0xf, questions, answers },
    };
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, reason: e.message };
    throw e;
  }
}

export type DnsReplyVerdict =
  | { readonly kind: 'ignore'; readonly reason: string }
  | { readonly kind: 'ok'; readonly detail: string }
  | { readonly kind: 'failed'; readonly reason: string };

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Judges one datagram received on the check socket for the query (id, name, type). */
export function dnsReplyVerdict(reply: Uint8Array, id: number, name: string, type: string): DnsReplyVerdict {
  if (reply.length < 12) return { kind: 'ignore', reason: `too small message (${reply.length} bytes)` };
  const head = new ByteReader(reply);
  const rid = head.u16be();
  const flags = head.u16be();
  if (rid !== (id & 0xffff)) return { kind: 'ignore', reason: `ID does not match (${rid} != ${id & 0xffff})` };
  if (!(flags & FLAG_QR)) return { kind: 'ignore', reason: 'not a response' };
  const rcode = flags & 0xf;
  if (rcode !== 0) return { kind: 'failed', reason: `error in reply (rcode = ${rcode})` };
  const d = decodeDnsMessage(reply);
  if (!d.ok) return { kind: 'ok', detail: `rcode 0 (body undecodable: ${d.reason})` };
  const q = d.msg.questions[0];
  if (q && (q.type !== dnsTypeCode(type) || normalise(q.name) !== normalise(name))) {
    return { kind: 'ignore', reason: `reply is for ${q.name || '.'} ${dnsTypeName(q.type)}` };
  }
  return { kind: 'ok', detail: `rcode 0, ${d.msg.answers.length} answer(s)` };
}
