// What runDaemon derives from the configuration for the OS ports, apart from the engine's specs:
// who runs scripts (script_user), the notify hooks, the rtnetlink options of each VIP line, the
// files track_file watches; and the signals that drive the daemon. Pure functions of the model
// plus /etc/passwd, kept here so run-daemon.ts is only the composition.

import type { ScriptCommand } from '../config/model-common.ts';
import type { KeepalivedConfig } from '../config/model.ts';
import type { VipSpec } from '../vrrp/instance-spec.ts';
import type { VipOptions } from '../os/address-port.ts';
import type { NotifierConfig, NotifyHooks } from '../os/notifier.ts';
import type { ScriptExec } from '../os/script-runner.ts';
import { lookupUser } from '../os/system-users.ts';
import type { TrackedFile } from '../os/track-file-watcher.ts';
import type { DaemonLogger } from './daemon-log.ts';
import { vipKey, type DaemonVrrpPlan } from './vrrp-spec-from-config.ts';

/** keepalived's script user: the command's own, else script_user, else keepalived_script if it exists, else root. */
export function execResolver(config: KeepalivedConfig, log: DaemonLogger): (c: ScriptCommand) => ScriptExec {
  const g = config.global_defs;
  const fallback = g.script_user ?? (lookupUser('keepalived_script') ? { user: 'keepalived_script' } : undefined);
  return (c) => {
    const who = c.user !== undefined ? { user: c.user, group: c.group } : fallback;
    if (!who) return { argv: c.argv };
    const ids = lookupUser(who.user, who.group);
    if (!ids) {
      log.warn(`script user ${who.user} not found - running ${c.argv[0] ?? ''} as root`);
      return { argv: c.argv };
    }
    return { argv: c.argv, uid: ids.uid, gid: ids.gid };
  };
}

interface HookKeywords {
  readonly notify_master?: ScriptCommand;
  readonly notify_backup?: ScriptCommand;
  readonly notify_fault?: ScriptCommand;
  readonly notify_stop?: ScriptCommand;
  readonly notify?: ScriptCommand;
  readonly notify_master_rx_lower_pri?: ScriptCommand;
}

function hooksOf(x: HookKeywords, exec: (c: ScriptCommand) => ScriptExec): NotifyHooks {
  return {
    ...(x.notify_master ? { master: exec(x.notify_master) } : {}),
    ...(x.notify_backup ? { backup: exec(x.notify_backup) } : {}),
    ...(x.notify_fault ? { fault: exec(x.notify_fault) } : {}),
    ...(x.notify_stop ? { stop: exec(x.notify_stop) } : {}),
    ...(x.notify ? { generic: exec(x.notify) } : {}),
    ...(x.notify_master_rx_lower_pri ? { masterRxLowerPri: exec(x.notify_master_rx_lower_pri) } : {}),
  };
}

export function notifierConfig(config: KeepalivedConfig, plan: DaemonVrrpPlan, exec: (c: ScriptCommand) => ScriptExec): NotifierConfig {
  const instances = new Map<string, NotifyHooks>();
  for (const i of config.vrrp_instances) instances.set(i.name, hooksOf(i, exec));
  const groupHooks = new Map(config.vrrp_sync_groups.map((g) => [g.name, hooksOf(g, exec)]));
  const fifo = config.global_defs.vrrp_notify_fifo ?? config.global_defs.notify_fifo;
  return {
    instances,
    groups: plan.director.syncGroups.map((g) => ({ name: g.name, members: g.members, hooks: groupHooks.get(g.name) ?? {} })),
    ...(fifo ? { fifoPath: fifo.path } : {}),
  };
}

function ipv4Bytes(text: string): Uint8Array | undefined {
  const parts = text.split('.').map(Number);
  return parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255) ? Uint8Array.from(parts) : undefined;
}

/** The rtnetlink options of a VIP, from its virtual_ipaddress line in the current plan. */
export function vipOptionsOf(plan: () => DaemonVrrpPlan): (ifname: string, vip: VipSpec) => VipOptions | undefined {
  return (ifname, vip) => {
    const line = plan().vipLines.get(vipKey(vip.ifname ?? ifname, vip.addr));
    if (!line) return undefined;
    const peer = line.peer !== undefined ? ipv4Bytes(line.peer.split('/')[0] ?? '') : undefined;
    return {
      ...(line.label !== undefined ? { label: line.label } : {}),
      ...(line.scope !== undefined ? { scope: line.scope } : {}),
      ...(line.brd !== undefined ? { brd: line.brd } : {}),
      ...(peer && vip.addr.family === 4 ? { peer: { family: 4, bytes: peer } } : {}),
      ...(line.nodad ? { nodad: true } : {}),
      ...(line.noprefixroute ? { noprefixroute: true } : {}),
      ...(line.home ? { home: true } : {}),
      ...(line.mngtmpaddr ? { mngtmpaddr: true } : {}),
      ...(line.autojoin ? { autojoin: true } : {}),
      ...(typeof line.preferred_lft === 'number' ? { preferredLftS: line.preferred_lft } : {}),
    };
  };
}

export function trackedFiles(plan: DaemonVrrpPlan): TrackedFile[] {
  return plan.trackFiles.filter((f) => f.file !== undefined).map((f) => ({
    name: f.name,
    path: f.file!,
    ...(f.init_file ? { init: f.init_file } : {}),
  }));
}

export type DaemonSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'abort';

/**
 * The signals that concern the daemon, queued from the moment it is made, so one that arrives
 * during a reload is not lost (nor left to Node's default action, which would kill us).
 * SIGHUP = reload; the others = stop.
 */
export class SignalQueue {
  private readonly queued: DaemonSignal[] = [];
  private waiter: ((s: DaemonSignal) => void) | undefined;
  private readonly handlers: Array<[NodeJS.Signals, () => void]>;

  constructor(private readonly stop?: AbortSignal) {
    this.handlers = (['SIGTERM', 'SIGINT', 'SIGHUP'] as const).map((s) => [s, () => this.push(s)]);
    for (const [s, h] of this.handlers) process.on(s, h);
    stop?.addEventListener('abort', this.onAbort);
    if (stop?.aborted) this.push('abort');
  }

  private readonly onAbort = (): void => this.push('abort');

  private push(s: DaemonSignal): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(s);
    else this.queued.push(s);
  }

  next(): Promise<DaemonSignal> {
    const s = this.queued.shift();
    if (s !== undefined) return Promise.resolve(s);
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  close(): void {
    for (const [s, h] of this.handlers) process.off(s, h);
    this.stop?.removeEventListener('abort', this.onAbort);
  }
}
