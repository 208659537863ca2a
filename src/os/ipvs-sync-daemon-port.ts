// IpvsSyncDaemonPort: sends the sync-daemon requests of LvsSyncFollower
// (src/runtime/lvs-sync-follower.ts) -- IPVS_CMD_NEW_DAEMON / DEL_DAEMON -- over a generic
// netlink socket of its own, one at a time and in order.
//
// Theory of operation. The socket is opened on the first request (after the daemon entered its
// network namespace), and the IPVS family id resolved once with CTRL_CMD_GETFAMILY; when the
// family is missing (ENOENT: ip_vs not loaded) we run `modprobe ip_vs` once and ask again, as
// keepalived's ipvs_start does (ipvswrapper.c modprobe_ipvs). Requests go through the
// NetlinkSocket's request tracker (NLM_F_ACK), so each settles with the kernel's errno, an
// ETIMEDOUT, or success. Nothing here throws and nothing is fatal: every outcome is handed to
// `done` for the daemon to log (ESRCH on a DEL_DAEMON of a daemon that is not running is the
// expected answer at start and stop; EEXIST, EINVAL, no IPVS are worth a warning).
import { execFile } from 'node:child_process';
import { decodeFamily, encodeGetFamily } from '../netlink/genl.ts';
import { encodeIpvsRequest } from '../ipvs/ipvs-codec.ts';
import type { SyncDaemonRequest } from '../runtime/lvs-sync-follower.ts';
import { NETLINK_GENERIC } from './native-socket.ts';
import { NetlinkSocket } from './netlink-socket.ts';

export type SyncDaemonResult = { readonly ok: true } | { readonly ok: false; readonly errno?: number; readonly error: string };

export const ESRCH = 3;
export const EEXIST = 17;
const ENOENT = 2;

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV', 22: 'EINVAL', 110: 'ETIMEDOUT',
};
const errnoText = (e: number): string => ERRNO_NAMES[e] ?? `errno ${e}`;

export interface IpvsSyncDaemonPortOptions {
  readonly timeoutMs?: number;
  readonly modprobeTimeoutMs?: number;
}

export class IpvsSyncDaemonPort {
  private sock: NetlinkSocket | undefined;
  private familyId: number | undefined;
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly timeoutMs: number;
  private readonly modprobeTimeoutMs: number;

  constructor(opts: IpvsSyncDaemonPortOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.modprobeTimeoutMs = opts.modprobeTimeoutMs ?? 10_000;
  }

  /** Queues `req` behind the ones before it; `done` hears how it went. */
  send(req: SyncDaemonRequest, done: (r: SyncDaemonResult) => void): void {
    this.tail = this.tail.then(async () => done(this.closed ? { ok: false, error: 'closed' } : await this.run(req)));
  }

  /** Resolves once every queued request settled, or after `ms`. */
  async idle(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.tail, new Promise<void>((r) => { timer = setTimeout(r, ms); })]);
    clearTimeout(timer);
  }

  close(): void {
    this.closed = true;
    this.sock?.close();
    this.sock = undefined;
  }

  private async run(req: SyncDaemonRequest): Promise<SyncDaemonResult> {
    const fam = await this.family();
    if (typeof fam === 'string') return { ok: false, error: fam };
    const sock = this.sock!;
    const r = await sock.request((seq, pid) => encodeIpvsRequest(req, fam, seq, pid), this.timeoutMs);
    if (r.ok) return { ok: true };
    return { ok: false, errno: r.error.errno, error: errnoText(r.error.errno) + (r.error.message ? ` (${r.error.message})` : '') };
  }

  /** The IPVS family id, or why there is none. */
  private async family(): Promise<number | string> {
    if (this.familyId !== undefined) return this.familyId;
    if (!this.sock) {
      try {
        this.sock = NetlinkSocket.open(NETLINK_GENERIC, { timeoutMs: this.timeoutMs });
      } catch (e) {
        return `cannot open a generic netlink socket: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await this.sock.request((seq) => encodeGetFamily('IPVS', seq), this.timeoutMs);
      if (r.ok) {
        for (const m of r.replies) {
          const f = decodeFamily(m);
          if (f.ok) { this.familyId = f.value.id; return f.value.id; }
        }
        return 'IPVS family: no answer from the kernel';
      }
      if (r.error.errno !== ENOENT || attempt > 0) return `IPVS family: ${errnoText(r.error.errno)}`;
      const loaded = await new Promise<boolean>((res) => execFile('modprobe', ['ip_vs'], { timeout: this.modprobeTimeoutMs }, (err) => res(err === null)));
      if (!loaded) return 'no IPVS in this kernel (modprobe ip_vs failed)';
    }
    return 'no IPVS in this kernel';
  }
}
