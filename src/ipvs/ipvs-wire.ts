// ipvsWire: the bytes side of IpvsSync -- family lookup, IPVS requests, and the sorting of
// received netlink messages into ACK / error / dump part / DONE by sequence number.
import { decodeFamily, encodeGetFamily, GENL_ID_CTRL } from '../netlink/genl.ts';
import {
  decodeError, decodeMessages, NLM_F_DUMP_INTR, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN,
  type NlMessage,
} from '../netlink/message.ts';
import { decodeIpvsMessage, encodeIpvsRequest } from './ipvs-codec.ts';
import type { IpvsWire, WireMessage } from './ipvs-sync.ts';
import { IPVS_GENL_NAME } from './numbers.ts';

/** Sorts one received message. Never throws. */
export function classifyIpvsMessage(msg: NlMessage): WireMessage | undefined {
  const seq = msg.seq;
  if (msg.type === NLMSG_NOOP) return undefined;
  if (msg.type === NLMSG_ERROR) {
    const e = decodeError(msg);
    if (!e.ok) return { seq, kind: 'malformed', reason: e.error };
    return e.value.errno === 0 ? { seq, kind: 'ack' } : { seq, kind: 'error', errno: e.value.errno };
  }
  if (msg.type === NLMSG_DONE) {
    const e = decodeError(msg);
    if (e.ok && e.value.errno !== 0) return { seq, kind: 'error', errno: e.value.errno };
    return { seq, kind: 'done' };
  }
  if (msg.type === NLMSG_OVERRUN) return { seq, kind: 'malformed', reason: 'NLMSG_OVERRUN' };
  // A dump the kernel flags as inconsistent (the table changed under it) is not a table.
  if (msg.flags & NLM_F_DUMP_INTR) return { seq, kind: 'malformed', reason: 'dump interrupted (NLM_F_DUMP_INTR)' };
  if (msg.type === GENL_ID_CTRL) {
    const f = decodeFamily(msg);
    return f.ok ? { seq, kind: 'family', familyId: f.value.id } : { seq, kind: 'malformed', reason: f.error };
  }
  const r = decodeIpvsMessage(msg);
  return r.ok ? { seq, kind: 'reply', reply: r.value } : { seq, kind: 'malformed', reason: r.error };
}

export const ipvsWire: IpvsWire = {
  encodeFamilyQuery: (seq) => encodeGetFamily(IPVS_GENL_NAME, seq),
  encodeRequest: (req, familyId, seq) => encodeIpvsRequest(req, familyId, seq),
  decode(bytes) {
    const msgs = decodeMessages(bytes);
    // An unframeable datagram: we cannot tell whose reply it was, so every seq is suspect.
    if (!msgs.ok) return [{ seq: -1, kind: 'malformed', reason: msgs.error }];
    const out: WireMessage[] = [];
    for (const m of msgs.value) {
      const w = classifyIpvsMessage(m);
      if (w) out.push(w);
    }
    return out;
  },
};
