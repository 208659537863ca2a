// NetlinkIpvsPort: the IpvsPort (src/runtime/lvs-ports.ts) on Linux, over the socket
// engineer's NetlinkSocket (NETLINK_GENERIC).
//
// IpvsSync numbers and packs its own requests (several messages per send, a window of them in
// flight), so we use the socket's raw send, not its request tracker: every reply then arrives
// as a message with a sequence number the tracker does not know, which NetlinkSocket hands out
// as a 'notification'. Each is sorted by classifyIpvsMessage (ACK / error / dump part / DONE)
// and given back to the director in the order received.
// A datagram the socket could not frame, a receive overrun (ENOBUFS) or a failed send all mean
// the same thing to IpvsSync -- what is in flight is unknown -- and are reported as an overrun
// on the next turn of the event loop, so a send failing synchronously cannot re-enter the core.
// modprobe: keepalived runs `modprobe ip_vs` when the IPVS family is missing
// (ipvswrapper.c ipvs_start -> modprobe_ipvs); so do we, bounded by a timeout.
import { execFile } from 'node:child_process';
import { classifyIpvsMessage } from '../ipvs/ipvs-wire.ts';
import type { WireMessage } from '../ipvs/ipvs-sync.ts';
import type { NlMessage } from '../netlink/message.ts';
import type { IpvsPort } from '../runtime/lvs-ports.ts';
import { NETLINK_GENERIC } from './native-socket.ts';
import { NetlinkSocket } from './netlink-socket.ts';

export interface NetlinkIpvsPortOptions {
  /** SO_RCVBUF(FORCE); keepalived's lvs_netlink_cmd_rcv_bufs. Default 4 MiB: a dump of a big table arrives at once. */
  readonly rcvbufBytes?: number;
  readonly modprobeTimeoutMs?: number;
}

export class NetlinkIpvsPort implements IpvsPort {
  private readonly sock: NetlinkSocket;
  private onMsgs: (m: readonly WireMessage[]) => void = () => {};
  private onOverrunCb: () => void = () => {};
  private overrunQueued = false;
  private closed = false;
  private readonly modprobeTimeoutMs: number;
  /** Counters for dumps and tests. */
  readonly stats = { sends: 0, sendErrors: 0, messages: 0, overruns: 0 };

  /** Throws SocketError when the socket cannot be opened (no AF_NETLINK, no addon). */
  constructor(opts: NetlinkIpvsPortOptions = {}) {
    this.modprobeTimeoutMs = opts.modprobeTimeoutMs ?? 10_000;
    this.sock = NetlinkSocket.open(NETLINK_GENERIC, { rcvbufBytes: opts.rcvbufBytes ?? 4 << 20 });
    // A burst of notifications in one datagram is delivered together (one director step).
    let batch: WireMessage[] | undefined;
    this.sock.on('notification', (msg: NlMessage) => {
      const w = classifyIpvsMessage(msg);
      if (!w) return;
      this.stats.messages++;
      if (batch) { batch.push(w); return; }
      batch = [w];
      queueMicrotask(() => {
        const b = batch!;
        batch = undefined;
        if (!this.closed) this.onMsgs(b);
      });
    });
    this.sock.on('overrun', () => this.overrun());
    this.sock.on('error', () => this.overrun());
  }

  send(bytes: Uint8Array): void {
    if (this.closed) return;
    this.stats.sends++;
    const errno = this.sock.send(bytes);
    if (errno !== 0) {
      this.stats.sendErrors++;
      this.overrun();
    }
  }

  onMessages(cb: (m: readonly WireMessage[]) => void): void { this.onMsgs = cb; }
  onOverrun(cb: () => void): void { this.onOverrunCb = cb; }

  modprobe(module: string, done: (ok: boolean) => void): void {
    execFile('modprobe', [module], { timeout: this.modprobeTimeoutMs }, (err) => {
      if (!this.closed) done(err === null);
    });
  }

  close(): void {
    this.closed = true;
    this.sock.close();
  }

  private overrun(): void {
    if (this.overrunQueued || this.closed) return;
    this.overrunQueued = true;
    this.stats.overruns++;
    setImmediate(() => {
      this.overrunQueued = false;
      if (!this.closed) this.onOverrunCb();
    });
  }
}
