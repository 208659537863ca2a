// LvsSyncFollower: which IPVS sync daemon runs, following one VRRP instance's state
// (global_defs `lvs_sync_daemon IFNAME VI_NAME [id N] [maxlen N] [port N] [ttl N] [group IP]`).
//
// Theory of operation. keepalived keeps the kernel's connection-sync daemon in step with the
// named instance (keepalived/check/ipvswrapper.c ipvs_syncd_master / ipvs_syncd_backup, called
// from vrrp.c and vrrp_scheduler.c):
//  - at start, both daemons are stopped, errors ignored (vrrp_daemon.c start_vrrp: a previous run
//    that crashed may have left one running, and NEW_DAEMON would then fail with EEXIST).
//    keepalived 2.2.7 means to but does not (measured in test/kernel/lvs-sync-daemon.test.ts:
//    "Daemon has already run(17)", the stale daemon stays); we do what its source says;
//  - the instance becomes MASTER: stop the backup daemon, start the master one;
//  - the instance enters BACKUP (at start too) or leaves MASTER for FAULT: stop the master daemon,
//    start the backup one. BACKUP <-> FAULT changes nothing (the backup daemon keeps running);
//  - stop: both daemons are stopped (vrrp_daemon.c stop_vrrp).
// INIT (the instance stopping) changes nothing: stop() is what removes the daemons.
// The syncid defaults to the instance's virtual_router_id (vrrp.c vrrp_complete_init: "If no
// syncid configured, use vrid"); an instance name that does not exist disables the feature
// (keepalived logs "Unable to find vrrp instance ... clearing lvs_syncd config").
// Sans-IO: the follower only queues IPVS requests (IPVS_CMD_NEW_DAEMON / DEL_DAEMON as typed
// IpvsRequests, ipvs-messages.ts); the daemon's port sends them in order and logs the errors.
import { parseIp } from '../base/ip.ts';
import type { KeepalivedConfig } from '../config/model.ts';
import type { IpvsRequest, SyncDaemon } from '../ipvs/ipvs-messages.ts';
import type { VrrpState } from '../vrrp/actions.ts';

export type SyncRole = 'master' | 'backup';
export type SyncDaemonRequest = Extract<IpvsRequest, { cmd: 'new-daemon' | 'del-daemon' }>;

/** What lvs_sync_daemon asks for: the instance it follows and the daemon without its state. */
export interface LvsSyncSpec {
  readonly instance: string;
  readonly daemon: Omit<SyncDaemon, 'state' | 'unknown'>;
}

/** The spec of global_defs lvs_sync_daemon, or undefined (not configured, or the instance is unknown). */
export function lvsSyncSpecOf(config: KeepalivedConfig): LvsSyncSpec | undefined {
  const s = config.global_defs.lvs_sync_daemon;
  if (!s || s.inst === undefined) return undefined;
  const inst = config.vrrp_instances.find((i) => i.name === s.inst);
  if (!inst) return undefined;
  const group = s.group !== undefined ? parseIp(s.group) : undefined;
  return {
    instance: inst.name,
    daemon: {
      mcastIfn: s.interface,
      syncId: s.id ?? inst.virtual_router_id,
      ...(s.maxlen !== undefined ? { syncMaxLen: s.maxlen } : {}),
      ...(group ? { mcastGroup: group } : {}),
      mcastPort: s.port,
      ...(s.ttl !== undefined ? { mcastTtl: s.ttl } : {}),
    },
  };
}

function sameSpec(a: LvsSyncSpec | undefined, b: LvsSyncSpec | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function roleOf(state: VrrpState): SyncRole | undefined {
  if (state === 'MASTER') return 'master';
  if (state === 'BACKUP' || state === 'FAULT') return 'backup';
  return undefined;
}

const other = (r: SyncRole): SyncRole => (r === 'master' ? 'backup' : 'master');

export class LvsSyncFollower {
  private specNow: LvsSyncSpec | undefined;
  private roleNow: SyncRole | undefined;
  /** The followed instance's last known state (kept across a reload that changes the spec). */
  private stateOf = new Map<string, VrrpState>();
  private readonly queue: SyncDaemonRequest[] = [];
  private head = 0;
  private stopped = false;

  constructor(spec: LvsSyncSpec | undefined) {
    this.specNow = spec;
  }

  get spec(): LvsSyncSpec | undefined { return this.specNow; }
  /** The daemon we last started ('master' / 'backup'), undefined before the first state or after stop. */
  get role(): SyncRole | undefined { return this.roleNow; }

  /** Stops whatever an earlier run left behind (both states; ESRCH expected). */
  start(): void {
    if (!this.specNow) return;
    this.push({ cmd: 'del-daemon', state: 'master' }, { cmd: 'del-daemon', state: 'backup' });
  }

  /** A VRRP instance changed state (Director's stateChanged). */
  handleState(instance: string, state: VrrpState): void {
    this.stateOf.set(instance, state);
    if (this.stopped || !this.specNow || instance !== this.specNow.instance) return;
    const role = roleOf(state);
    if (role === undefined || role === this.roleNow) return;
    this.switchTo(role);
  }

  /**
   * SIGHUP: a changed lvs_sync_daemon stops the running daemon and starts the new one in the
   * followed instance's current state (keepalived vrrp_daemon.c reload: the old syncd is
   * stopped when its settings change).
   */
  reconfigure(spec: LvsSyncSpec | undefined): void {
    if (this.stopped || sameSpec(spec, this.specNow)) return;
    if (this.roleNow) this.push({ cmd: 'del-daemon', state: this.roleNow });
    this.roleNow = undefined;
    this.specNow = spec;
    if (!spec) return;
    const st = this.stateOf.get(spec.instance);
    const role = st === undefined ? undefined : roleOf(st);
    if (role) this.switchTo(role);
  }

  /** Shutdown: both daemons are removed, as keepalived's stop_vrrp does. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.specNow) return;
    this.push({ cmd: 'del-daemon', state: 'master' }, { cmd: 'del-daemon', state: 'backup' });
    this.roleNow = undefined;
  }

  pollAction(): SyncDaemonRequest | undefined {
    if (this.head >= this.queue.length) return undefined;
    const a = this.queue[this.head++];
    if (this.head === this.queue.length) { this.queue.length = 0; this.head = 0; }
    return a;
  }

  private switchTo(role: SyncRole): void {
    const spec = this.specNow!;
    this.push({ cmd: 'del-daemon', state: other(role) }, { cmd: 'new-daemon', daemon: { state: role, ...spec.daemon } });
    this.roleNow = role;
  }

  private push(...reqs: SyncDaemonRequest[]): void {
    this.queue.push(...reqs);
  }
}
