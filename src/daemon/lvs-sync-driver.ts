// LvsSyncDriver: global_defs lvs_sync_daemon in the running daemon -- the sans-IO
// LvsSyncFollower (src/runtime/lvs-sync-follower.ts) fed with the VRRP Director's stateChanged
// events, its requests carried by IpvsSyncDaemonPort (src/os/ipvs-sync-daemon-port.ts).
// keepalived runs the sync daemon from its VRRP process; here both halves share one process, so
// this lives beside the Director in runVrrp. Every kernel error is logged, never fatal.
// A configuration whose lvs_sync_daemon names no vrrp_instance gets keepalived's own log line
// (vrrp.c vrrp_complete_init) and no sync daemon.
import type { KeepalivedConfig } from '../config/model.ts';
import type { DirectorEvent } from '../runtime/director.ts';
import { LvsSyncFollower, lvsSyncSpecOf, type SyncDaemonRequest } from '../runtime/lvs-sync-follower.ts';
import { ESRCH, IpvsSyncDaemonPort } from '../os/ipvs-sync-daemon-port.ts';
import type { DaemonLogger } from './daemon-log.ts';

function describe(req: SyncDaemonRequest): string {
  if (req.cmd === 'del-daemon') return `stop ${req.state} sync daemon`;
  const d = req.daemon;
  return `start ${d.state} sync daemon (mcast_ifn ${d.mcastIfn}, syncid ${d.syncId})`;
}

export class LvsSyncDriver {
  private readonly follower: LvsSyncFollower;
  private port: IpvsSyncDaemonPort | undefined;

  constructor(config: KeepalivedConfig, private readonly log: DaemonLogger) {
    this.follower = new LvsSyncFollower(this.specOf(config));
    this.follower.start();
    this.flush();
  }

  /** The Director's observer: only stateChanged matters. */
  onEvent(e: DirectorEvent): void {
    if (e.kind !== 'stateChanged') return;
    this.follower.handleState(e.instance, e.to);
    this.flush();
  }

  /** SIGHUP with a new configuration. */
  reload(config: KeepalivedConfig): void {
    this.follower.reconfigure(this.specOf(config));
    this.flush();
  }

  /** Shutdown: both sync daemons removed; waits (bounded) for the kernel's answers. */
  async stop(waitMs: number): Promise<void> {
    this.follower.stop();
    this.flush();
    if (this.port) await this.port.idle(waitMs);
  }

  close(): void {
    this.port?.close();
  }

  private specOf(config: KeepalivedConfig): ReturnType<typeof lvsSyncSpecOf> {
    const s = config.global_defs.lvs_sync_daemon;
    const spec = lvsSyncSpecOf(config);
    if (s && !spec) this.log.warn(`Unable to find vrrp instance ${s.inst ?? '(none given)'} for lvs_syncd - clearing lvs_syncd config`);
    return spec;
  }

  private flush(): void {
    for (let req = this.follower.pollAction(); req; req = this.follower.pollAction()) {
      this.port ??= new IpvsSyncDaemonPort();
      const r0 = req;
      this.port.send(r0, (r) => {
        if (r.ok) { this.log.info(`IPVS: ${describe(r0)}`); return; }
        // Stopping a daemon that is not running is the normal answer at start and on stop.
        if (r0.cmd === 'del-daemon' && r.errno === ESRCH) { this.log.debug(`IPVS: ${describe(r0)}: not running`); return; }
        this.log.warn(`IPVS: cannot ${describe(r0)}: ${r.error}`);
      });
    }
  }
}
