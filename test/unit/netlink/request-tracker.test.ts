import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestTracker } from '../../../src/netlink/request-tracker.ts';
import { NLMSG_DONE, NLM_F_DUMP_INTR, NLM_F_MULTI, decodeMessages, encodeDone, encodeError, encodeMessage } from '../../../src/netlink/message.ts';

const one = (b: Uint8Array) => {
  const d = decodeMessages(b);
  assert.ok(d.ok);
  return d.value[0]!;
};

test('plain request: replies collected, ACK completes; errors fail with text', () => {
  const t = new RequestTracker(100);
  const a = t.begin(false);
  const b = t.begin(false);
  assert.deepEqual([a, b], [100, 101]);
  assert.deepEqual(t.handle(one(encodeMessage({ type: 16, flags: 0, seq: a, pid: 0 }, new Uint8Array(16)))), { kind: 'reply', seq: a });
  const done = t.handle(one(encodeError({ type: 19, flags: 5, seq: a, pid: 0 }, 0)));
  assert.equal(done.kind, 'complete');
  if (done.kind === 'complete') assert.equal(done.replies.length, 1);
  const failed = t.handle(one(encodeError({ type: 19, flags: 5, seq: b, pid: 0 }, 17, 'File exists')));
  assert.equal(failed.kind, 'failed');
  if (failed.kind === 'failed') assert.deepEqual([failed.error.errno, failed.error.message], [17, 'File exists']);
  assert.deepEqual(t.pendingSeqs(), []);
});

test('dump: NLM_F_MULTI parts until DONE; DUMP_INTR is reported; notifications pass through', () => {
  const t = new RequestTracker(1);
  const s = t.begin(true);
  const part = one(encodeMessage({ type: 20, flags: NLM_F_MULTI | NLM_F_DUMP_INTR, seq: s, pid: 0 }, new Uint8Array(8)));
  assert.equal(t.handle(part).kind, 'reply');
  const note = one(encodeMessage({ type: 20, flags: 0, seq: 0, pid: 0 }, new Uint8Array(8)));
  assert.equal(t.handle(note).kind, 'notification');
  const end = t.handle(one(encodeDone(s)));
  assert.deepEqual(end.kind === 'complete' && [end.replies.length, end.interrupted], [1, true]);
  // A DONE for a request nobody is waiting for is not ours.
  assert.equal(t.handle({ type: NLMSG_DONE, flags: 0, seq: 12345, pid: 0, payload: new Uint8Array(4) }).kind, 'notification');
});

test('seq numbers skip 0 and pending ones when they wrap', () => {
  const t = new RequestTracker(0xffffffff);
  const a = t.begin(false);
  const b = t.begin(false);
  assert.deepEqual([a, b], [0xffffffff, 1]);
  t.cancel(a);
  assert.deepEqual(t.pendingSeqs(), [1]);
});
