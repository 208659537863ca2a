// Guest-side helper: a tiny request/response IPVS client over a raw generic-netlink socket,
// using our codec (src/ipvs/ipvs-codec.ts) and the shared netlink framing. Plus an IpvsSync
// driver loop over the same socket. Runs only inside the IPVS guest (run-in-vm.sh).
import { execFileSync } from 'node:child_process';
import { AF_NETLINK, NativeSocket, NETLINK_GENERIC, SOCK_RAW, SOL_SOCKET, SO_RCVBUFFORCE } from '../../../src/os/native-socket.ts';
import { encodeGetFamily, decodeFamily } from '../../../src/netlink/genl.ts';
import { decodeMessages, type NlMessage } from '../../../src/netlink/message.ts';
import { classifyIpvsMessage, ipvsWire } from '../../../src/ipvs/ipvs-wire.ts';
import { encodeIpvsRequest } from '../../../src/ipvs/ipvs-codec.ts';
import type { IpvsReply, IpvsRequest } from '../../../src/ipvs/ipvs-messages.ts';
import type { WireMessage } from '../../../src/ipvs/ipvs-sync.ts';
import { IpvsSync, type IpvsSyncEvent } from '../../../src/ipvs/ipvs-sync.ts';
import type { IpvsTable } from '../../../src/ipvs/model.ts';

export class IpvsClient {
  readonly sock: NativeSocket;
  private seq = 1000;
  private readonly inbox: NlMessage[] = [];
  private waiter: (() => void) | undefined;
  /** When set, every datagram received is kept here (for capturing fixtures). */
  raw: Uint8Array[] | undefined;
  familyId = 0;
  /** How many `modprobe` actions sync() carried out. */
  modprobes = 0;

  constructor(rcvbuf = 4 << 20) {
    this.sock = NativeSocket.open(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
    this.sock.trySetOption(SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf);
    this.sock.bind({ family: 'netlink', pid: 0, groups: 0 });
    this.sock.on('message', (m) => {
      this.raw?.push(Uint8Array.from(m.bytes));
      const d = decodeMessages(m.bytes);
      if (d.ok) this.inbox.push(...d.value);
      this.waiter?.();
    });
    this.sock.start();
  }
  close(): void { this.sock.close(); }

  /** The next message, or undefined after `tickMs` of silence. */
  private async nextOrTick(tickMs: number): Promise<NlMessage | undefined> {
    if (this.inbox.length === 0) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, tickMs);
        this.waiter = () => { clearTimeout(t); r(); };
      });
    }
    return this.inbox.shift();
  }

  private async next(timeoutMs = 5000): Promise<NlMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (Date.now() > deadline) throw new Error('netlink reply timeout');
      await new Promise<void>((r) => { this.waiter = r; setTimeout(r, 50); });
    }
    return this.inbox.shift()!;
  }

  async resolve(): Promise<number> {
    const seq = this.seq++;
    this.sock.send(encodeGetFamily('IPVS', seq), { family: 'netlink', pid: 0, groups: 0 });
    for (;;) {
      const m = await this.next();
      if (m.seq !== seq) continue;
      const f = decodeFamily(m);
      if (f.ok) { this.familyId = f.value.id; return f.value.id; }
      throw new Error('IPVS family not found');
    }
  }

  /** Sends one request; resolves with its replies, or rejects with the errno. */
  async request(req: IpvsRequest): Promise<IpvsReply[]> {
    const seq = this.seq++;
    this.sock.send(encodeIpvsRequest(req, this.familyId, seq), { family: 'netlink', pid: 0, groups: 0 });
    const replies: IpvsReply[] = [];
    for (;;) {
      const m = await this.next();
      if (m.seq !== seq) continue;
      const w = classifyIpvsMessage(m);
      if (!w) continue;
      if (w.kind === 'reply') { replies.push(w.reply); if (!(m.flags & 2)) { /* single reply: ACK follows */ } continue; }
      if (w.kind === 'ack' || w.kind === 'done') return replies;
      if (w.kind === 'error') throw Object.assign(new Error(`errno ${w.errno} for ${req.cmd}`), { errno: w.errno });
      throw new Error(`bad reply: ${JSON.stringify(w)}`);
    }
  }

  /** Drives an IpvsSync to quiescence over this socket, on real time; returns its events. */
  async sync(sync: IpvsSync, desired: IpvsTable, owned?: ReadonlySet<string>, timeoutMs = 60_000): Promise<IpvsSyncEvent[]> {
    const events: IpvsSyncEvent[] = [];
    const t0 = Date.now();
    const nowUs = () => (Date.now() - t0) * 1000;
    sync.handle(nowUs(), desired, owned);
    for (;;) {
      let a;
      while ((a = sync.pollAction())) {
        if (a.kind === 'send') {
          const e = this.sock.send(a.bytes, { family: 'netlink', pid: 0, groups: 0 });
          if (e !== 0) throw new Error(`send errno ${e}`);
        } else if (a.kind === 'event') events.push(a.event);
        else if (a.kind === 'modprobe') {
          this.modprobes++;
          let ok = true;
          try { execFileSync('modprobe', [a.module]); } catch { ok = false; }
          sync.handleModprobeDone(nowUs(), ok);
        }
      }
      if (sync.phaseName === 'idle' || sync.phaseName === 'unavailable') return events;
      if (Date.now() - t0 > timeoutMs) throw new Error(`sync stuck in ${sync.phaseName}: ${JSON.stringify(events.slice(-5))}`);
      const deadline = sync.nextDeadline();
      if (sync.phaseName === 'waiting' && deadline !== undefined) { sync.handleTimeout(Math.max(deadline, nowUs())); continue; }
      if (deadline !== undefined && nowUs() >= deadline) { sync.handleTimeout(nowUs()); continue; }
      // Tick rather than block: an overrun reported on the socket's error event queues a re-dump.
      const m = await this.nextOrTick(50);
      if (!m) continue;
      const w: WireMessage | undefined = classifyIpvsMessage(m);
      if (w) sync.handleWireMessage(nowUs(), w);
    }
  }
}

export { ipvsWire };

export function sh(cmd: string): string {
  return execFileSync('bash', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
