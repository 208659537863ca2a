import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  NLMSG_DONE, NLMSG_ERROR, NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_REQUEST, decodeError, decodeMessages, encodeDone, encodeError, encodeMessage,
} from '../../../src/netlink/message.ts';

test('nlmsghdr framing: length patched, fixed header padded, several messages per datagram', () => {
  const a = encodeMessage({ type: 20, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 7, pid: 0 }, (w) => w.u32(8, 2), Uint8Array.of(2, 24, 0, 0, 1, 0, 0, 0));
  assert.equal(a.length, 16 + 8 + 8);
  assert.deepEqual([...a.subarray(0, 8)], [32, 0, 0, 0, 20, 0, 5, 0]);
  const both = new Uint8Array([...a, ...encodeDone(7)]);
  const d = decodeMessages(both);
  assert.ok(d.ok);
  assert.deepEqual(d.value.map((m) => [m.type, m.seq, m.payload.length]), [[20, 7, 16], [NLMSG_DONE, 7, 4]]);
});

test('truncated or lying lengths fail the datagram without throwing', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => { decodeMessages(b); }));
  const msg = encodeDone(1);
  const lie = msg.slice();
  lie[0] = 200;
  assert.equal(decodeMessages(lie).ok, false);
});

test('NLMSG_ERROR with extended ack decodes errno, text and the request header', () => {
  const bytes = encodeError({ type: 20, flags: 5, seq: 99, pid: 4242, len: 40 }, 22, 'Invalid prefix for given prefix length');
  const d = decodeMessages(bytes);
  assert.ok(d.ok);
  const m = d.value[0]!;
  assert.equal(m.type, NLMSG_ERROR);
  assert.equal(m.flags, NLM_F_CAPPED | NLM_F_ACK_TLVS);
  const e = decodeError(m);
  assert.ok(e.ok);
  assert.equal(e.value.errno, 22);
  assert.equal(e.value.message, 'Invalid prefix for given prefix length');
  assert.deepEqual(e.value.request, { type: 20, flags: 5, seq: 99, pid: 4242 });
  const ack = decodeMessages(encodeError({ type: 20, flags: 5, seq: 3, pid: 0 }, 0));
  assert.ok(ack.ok);
  const a = decodeError(ack.value[0]!);
  assert.deepEqual(a.ok && [a.value.errno, a.value.message], [0, undefined]);
});

test('an uncapped error (no NETLINK_CAP_ACK) skips the echoed request to reach the TLVs', () => {
  // nlmsgerr + the full 24-byte request + MSG tlv, as the kernel sends without CAP_ACK.
  const req = encodeMessage({ type: 20, flags: 5, seq: 5, pid: 0 }, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  const tlv = [12, 0, 1, 0, ...Buffer.from('oops\0\0\0\0')];
  const payload = Uint8Array.from([0xea, 0xff, 0xff, 0xff, ...req, ...tlv]);
  const m = { type: NLMSG_ERROR, flags: NLM_F_ACK_TLVS, seq: 5, pid: 0, payload };
  const e = decodeError(m);
  assert.ok(e.ok);
  assert.equal(e.value.errno, 22);
  assert.equal(e.value.message, 'oops');
  assert.equal(e.value.request?.seq, 5);
});
