// RequestTracker: matches netlink replies to requests by sequence number, sans-IO.
//
// The caller asks for a seq with begin(dump), puts it in the request, sends it, and feeds
// every received message to handle(). handle() says what the message meant:
//   - 'reply'        part of a pending request (collected; nothing to do yet)
//   - 'complete'     the request finished: an ACK (error 0) for a plain request, NLMSG_DONE
//                    for a dump; `replies` holds the messages that came before it
//   - 'failed'       NLMSG_ERROR with an errno (and extended-ack text), or a dump whose DONE
//                    carried an error
//   - 'notification' not ours (seq 0 or unknown): a multicast event for the caller
// A dump reply flagged NLM_F_DUMP_INTR means the kernel's table changed while dumping; the
// result says `interrupted` and the caller should dump again (netlink(7)).
// Requests without NLM_F_ACK and without NLM_F_DUMP never complete: always ask for an ACK.
import {
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  NLM_F_DUMP_INTR,
  type NlError,
  type NlMessage,
  decodeError,
} from './message.ts';

export type TrackerOutput =
  | { readonly kind: 'reply'; readonly seq: number }
  | { readonly kind: 'complete'; readonly seq: number; readonly replies: readonly NlMessage[]; readonly interrupted: boolean }
  | { readonly kind: 'failed'; readonly seq: number; readonly error: NlError; readonly replies: readonly NlMessage[] }
  | { readonly kind: 'notification'; readonly msg: NlMessage };

interface Pending {
  readonly dump: boolean;
  readonly replies: NlMessage[];
  interrupted: boolean;
}

export class RequestTracker {
  private seq: number;
  private readonly pending = new Map<number, Pending>();

  /** `firstSeq` is usually the time in seconds, as iproute2 does, so restarts don't reuse seqs. */
  constructor(firstSeq = 1) {
    this.seq = firstSeq >>> 0 || 1;
  }

  /** Reserves the seq for a new request (never 0: 0 is what notifications carry). */
  begin(dump: boolean): number {
    let s = this.seq;
    while (s === 0 || this.pending.has(s)) s = (s + 1) >>> 0;
    this.seq = (s + 1) >>> 0;
    this.pending.set(s, { dump, replies: [], interrupted: false });
    return s;
  }

  /** Declares a pending request a dump (it ends at NLMSG_DONE rather than at an ACK). */
  markDump(seq: number): void {
    const p = this.pending.get(seq);
    if (p) this.pending.set(seq, { ...p, dump: true });
  }

  /** Forgets a request (timed out, or its socket was reset). Returns whether it was pending. */
  cancel(seq: number): boolean {
    return this.pending.delete(seq);
  }

  /** Seqs still waiting, oldest first. */
  pendingSeqs(): number[] {
    return [...this.pending.keys()];
  }

  handle(msg: NlMessage): TrackerOutput {
    const p = msg.seq === 0 ? undefined : this.pending.get(msg.seq);
    if (!p || msg.type === NLMSG_NOOP || msg.type === NLMSG_OVERRUN) return { kind: 'notification', msg };
    if (msg.flags & NLM_F_DUMP_INTR) p.interrupted = true;
    if (msg.type === NLMSG_ERROR) {
      this.pending.delete(msg.seq);
      const e = decodeError(msg);
      const error: NlError = e.ok ? e.value : { errno: 71 /* EPROTO: unreadable error message */ };
      if (error.errno === 0) return { kind: 'complete', seq: msg.seq, replies: p.replies, interrupted: p.interrupted };
      return { kind: 'failed', seq: msg.seq, error, replies: p.replies };
    }
    if (msg.type === NLMSG_DONE && p.dump) {
      this.pending.delete(msg.seq);
      const e = decodeError(msg);
      if (e.ok && e.value.errno !== 0) return { kind: 'failed', seq: msg.seq, error: e.value, replies: p.replies };
      return { kind: 'complete', seq: msg.seq, replies: p.replies, interrupted: p.interrupted };
    }
    p.replies.push(msg);
    return { kind: 'reply', seq: msg.seq };
  }
}
