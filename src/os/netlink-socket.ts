// NetlinkSocket: an AF_NETLINK socket with request/response matching, over the native addon.
//
// Theory of operation. Each request gets a sequence number from the sans-IO RequestTracker
// (src/netlink/request-tracker.ts); every received datagram is split into messages, and each
// message either advances a pending request or is a notification (multicast group traffic)
// emitted as 'notification'. A request always settles: with the replies and the ACK/DONE, with
// the kernel's error (errno + extended-ack text), or with ETIMEDOUT; it never rejects.
// When the kernel drops messages because our receive buffer was full, recvmsg fails with
// ENOBUFS: we emit 'overrun' and the owner re-dumps the state it mirrors (netlink(7): "the
// application must resynchronise"); the socket keeps working.
import { EventEmitter } from 'node:events';
import { type NlError, type NlMessage, NLM_F_DUMP, decodeMessages } from '../netlink/message.ts';
import { RequestTracker } from '../netlink/request-tracker.ts';
import {
  AF_NETLINK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_CAP_ACK,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NativeSocket,
  SOCK_RAW,
  SOL_NETLINK,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  type SocketErrorEvent,
} from './native-socket.ts';

const ENOBUFS = 105;
const ETIMEDOUT = 110;

export type NetlinkResult =
  | { readonly ok: true; readonly replies: readonly NlMessage[]; readonly interrupted: boolean }
  | { readonly ok: false; readonly error: NlError; readonly replies: readonly NlMessage[] };

export interface NetlinkOptions {
  /** Multicast groups to join (group numbers, e.g. RTNLGRP_LINK = 1). */
  readonly groups?: readonly number[];
  /** SO_RCVBUF(FORCE) in bytes; small values make overruns easy (tests do that on purpose). */
  readonly rcvbufBytes?: number;
  /** Per-request timeout; default 5000 ms. */
  readonly timeoutMs?: number;
  /** First sequence number; default: seconds since the epoch, as iproute2 does. */
  readonly firstSeq?: number;
  /**
   * Requests outstanding at once (default 64); later ones wait their turn. Without a window a
   * burst of requests overruns our own receive buffer with their ACKs, and a lost ACK leaves
   * its request to time out although the kernel did the work.
   */
  readonly maxInFlight?: number;
}

export interface NetlinkSocket {
  on(event: 'notification', cb: (msg: NlMessage) => void): this;
  on(event: 'overrun', cb: () => void): this;
  on(event: 'error', cb: (e: SocketErrorEvent | { errno: 0; code: 'EBADMSG'; detail: string }) => void): this;
}

export class NetlinkSocket extends EventEmitter {
  readonly portId: number;
  private readonly tracker: RequestTracker;
  private readonly waiting = new Map<number, { settle: (r: NetlinkResult) => void; timer: NodeJS.Timeout }>();
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private readonly queued: { build: (seq: number, portId: number) => Uint8Array; done: (r: NetlinkResult) => void; timeoutMs: number }[] = [];

  private constructor(private readonly sock: NativeSocket, opts: NetlinkOptions) {
    super();
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 64);
    this.tracker = new RequestTracker(opts.firstSeq ?? Math.floor(Date.now() / 1000));
    const local = sock.localAddress();
    this.portId = local && local.family === 'netlink' ? local.pid : 0;
    sock.on('message', (m) => this.onDatagram(m.bytes, m.truncated));
    sock.on('error', (e) => {
      if (e.errno === ENOBUFS) this.emit('overrun');
      else if (this.listenerCount('error') > 0) this.emit('error', e);
    });
  }

  /** Opens, binds and starts receiving. `protocol`: NETLINK_ROUTE, NETLINK_GENERIC... Throws SocketError. */
  static open(protocol: number, opts: NetlinkOptions = {}): NetlinkSocket {
    const s = NativeSocket.open(AF_NETLINK, SOCK_RAW, protocol);
    try {
      // Extended acks give the kernel's reason text; CAP_ACK keeps acks from echoing our request.
      s.trySetOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
      s.trySetOption(SOL_NETLINK, NETLINK_CAP_ACK, 1);
      if (opts.rcvbufBytes !== undefined) {
        // FORCE needs CAP_NET_ADMIN and ignores rmem_max; fall back to the capped option.
        if (s.trySetOption(SOL_SOCKET, SO_RCVBUFFORCE, opts.rcvbufBytes) !== 0) {
          s.setOption(SOL_SOCKET, SO_RCVBUF, opts.rcvbufBytes);
        }
      }
      s.bind({ family: 'netlink', pid: 0, groups: 0 });
      for (const g of opts.groups ?? []) s.setOption(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g);
    } catch (e) {
      s.close();
      throw e;
    }
    const nl = new NetlinkSocket(s, opts);
    s.start();
    return nl;
  }

  joinGroup(group: number): void {
    this.sock.setOption(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group);
  }
  leaveGroup(group: number): void {
    this.sock.setOption(SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group);
  }

  /**
   * Sends one request built by `build(seq)` and settles with its outcome. The request must ask
   * for NLM_F_ACK or NLM_F_DUMP (dump is read from the built flags).
   */
  request(build: (seq: number, portId: number) => Uint8Array, timeoutMs = this.timeoutMs): Promise<NetlinkResult> {
    return new Promise((resolve) => this.requestCb(build, resolve, timeoutMs));
  }

  /** Callback form of request() for drivers that never await. */
  requestCb(build: (seq: number, portId: number) => Uint8Array, done: (r: NetlinkResult) => void, timeoutMs = this.timeoutMs): void {
    if (this.sock.isClosed) {
      queueMicrotask(() => done({ ok: false, error: { errno: 9 /* EBADF */ }, replies: [] }));
      return;
    }
    if (this.waiting.size >= this.maxInFlight) {
      this.queued.push({ build, done, timeoutMs });
      return;
    }
    this.sendTracked(build, done, timeoutMs);
  }

  private sendTracked(build: (seq: number, portId: number) => Uint8Array, done: (r: NetlinkResult) => void, timeoutMs: number): void {
    // The seq is reserved before building; whether it is a dump is read from the built flags.
    const seq = this.tracker.begin(false);
    const bytes = build(seq, this.portId);
    const flags = bytes.length >= 8 ? bytes[6]! | (bytes[7]! << 8) : 0;
    if ((flags & NLM_F_DUMP) === NLM_F_DUMP) this.tracker.markDump(seq);
    const errno = this.sock.send(bytes, { family: 'netlink', pid: 0, groups: 0 });
    if (errno !== 0) {
      this.tracker.cancel(seq);
      queueMicrotask(() => done({ ok: false, error: { errno }, replies: [] }));
      return;
    }
    const timer = setTimeout(() => {
      this.waiting.delete(seq);
      this.tracker.cancel(seq);
      done({ ok: false, error: { errno: ETIMEDOUT }, replies: [] });
      this.pump();
    }, timeoutMs);
    this.waiting.set(seq, { settle: done, timer });
  }

  private pump(): void {
    while (this.waiting.size < this.maxInFlight && this.queued.length > 0 && !this.sock.isClosed) {
      const q = this.queued.shift()!;
      this.sendTracked(q.build, q.done, q.timeoutMs);
    }
  }

  /** Raw send of a pre-built message (no tracking). Returns 0 or errno. */
  send(bytes: Uint8Array): number {
    return this.sock.send(bytes, { family: 'netlink', pid: 0, groups: 0 });
  }

  ref(): this {
    this.sock.ref();
    return this;
  }
  unref(): this {
    this.sock.unref();
    return this;
  }

  close(): void {
    this.sock.close();
    for (const [seq, w] of this.waiting) {
      clearTimeout(w.timer);
      this.tracker.cancel(seq);
      w.settle({ ok: false, error: { errno: 9 /* EBADF */ }, replies: [] });
    }
    this.waiting.clear();
    for (const q of this.queued.splice(0)) q.done({ ok: false, error: { errno: 9 /* EBADF */ }, replies: [] });
  }

  private onDatagram(bytes: Uint8Array, truncated: boolean): void {
    const msgs = decodeMessages(bytes);
    if (!msgs.ok || truncated) {
      if (this.listenerCount('error') > 0) {
        this.emit('error', { errno: 0, code: 'EBADMSG', detail: msgs.ok ? 'truncated datagram' : msgs.error });
      }
      if (!msgs.ok) return;
    }
    for (const msg of msgs.value) {
      const out = this.tracker.handle(msg);
      if (out.kind === 'notification') {
        this.emit('notification', msg);
        continue;
      }
      if (out.kind === 'reply') continue;
      const w = this.waiting.get(out.seq);
      if (!w) continue;
      this.waiting.delete(out.seq);
      clearTimeout(w.timer);
      if (out.kind === 'complete') w.settle({ ok: true, replies: out.replies, interrupted: out.interrupted });
      else w.settle({ ok: false, error: out.error, replies: out.replies });
    }
    this.pump();
  }
}
