// PING_CHECK wire format: ICMP echo request / reply (RFC 792; ICMPv6 RFC 4443 section 4).
// keepalived check_ping.c sends one echo request per probe and succeeds on the matching reply.
// IPv4 raw sockets deliver the IP header in front of the ICMP message; ICMPv6 raw sockets do not,
// and the kernel computes the ICMPv6 checksum itself (RFC 3542 section 3.1), so we leave it 0.

import { ByteReader, ByteWriter, DecodeError } from '../base/bytes.ts';
import { internetChecksum } from '../base/checksum.ts';

const ECHO_REQUEST_V4 = 8;
const ECHO_REPLY_V4 = 0;
const ECHO_REQUEST_V6 = 128;
const ECHO_REPLY_V6 = 129;

export function buildEchoRequest(family: 4 | 6, id: number, seq: number, payload: Uint8Array): Uint8Array {
  const w = new ByteWriter(8 + payload.length);
  w.u8(family === 4 ? ECHO_REQUEST_V4 : ECHO_REQUEST_V6).u8(0).u16be(0).u16be(id & 0xffff).u16be(seq & 0xffff).bytes(payload);
  const msg = w.finish();
  if (family === 4) {
    const sum = internetChecksum(msg);
    msg[2] = sum >> 8;
    msg[3] = sum & 0xff;
  }
  return msg;
}

export interface EchoReply { readonly id: number; readonly seq: number; readonly payload: Uint8Array }

/**
 * An echo reply from one received datagram, or undefined for anything else (other ICMP
 * types, truncated or bad-checksum packets: a raw socket sees every ICMP message on the host).
 */
export function parseEchoReply(family: 4 | 6, datagram: Uint8Array, hasIpHeader: boolean): EchoReply | undefined {
  try {
    let icmp = datagram;
    if (family === 4 && hasIpHeader) {
      const ihl = (new ByteReader(datagram).u8() & 0x0f) * 4;
      if (ihl < 20 || ihl > datagram.length) return undefined;
      icmp = datagram.subarray(ihl);
    }
    const r = new ByteReader(icmp);
    const type = r.u8();
    r.u8();
    r.u16be();
    const id = r.u16be();
    const seq = r.u16be();
    if (type !== (family === 4 ? ECHO_REPLY_V4 : ECHO_REPLY_V6)) return undefined;
    // IPv4: the checksum over the whole message must fold to zero (0 after complement).
    if (family === 4 && internetChecksum(icmp) !== 0) return undefined;
    return { id, seq, payload: icmp.subarray(8) };
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}
