// ScriptNotifier: the Notifier port on Linux: keepalived's notify scripts and notify FIFO.
//
// keepalived (vrrp/vrrp_notify.c, core/notify.c; keepalived.conf(5) "notify"):
//  - notify_master / notify_backup / notify_fault / notify_stop run as written, no extra args;
//  - `notify` runs with four more arguments: "INSTANCE" (or "GROUP"), the name, the new state
//    (MASTER, BACKUP, FAULT, STOP) and the priority;
//  - notify_master_rx_lower_pri runs when a master hears a lower priority;
//  - vrrp_notify_fifo / notify_fifo get one line per change: `INSTANCE "VI_1" MASTER 150`;
//  - a vrrp_sync_group has the same hooks, fired when the whole group has reached a state.
// Scripts are fire-and-forget children (keepalived does not wait for them either), run without a
// shell from the argv the config layer split, as the configured user. The FIFO is opened
// read-write so a missing reader never blocks the daemon (keepalived does the same).

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { Notification, Notifier } from '../runtime/ports.ts';
import type { NotifyEvent, VrrpState } from '../vrrp/actions.ts';
import type { ScriptExec } from './script-runner.ts';

/** The argv (and user) of one configured notify script. */
export type NotifyCommand = ScriptExec;

export interface NotifyHooks {
  readonly master?: NotifyCommand;
  readonly backup?: NotifyCommand;
  readonly fault?: NotifyCommand;
  readonly stop?: NotifyCommand;
  /** `notify`: called with TYPE NAME STATE PRIORITY appended. */
  readonly generic?: NotifyCommand;
  readonly masterRxLowerPri?: NotifyCommand;
}

export interface NotifierConfig {
  readonly instances: ReadonlyMap<string, NotifyHooks>;
  readonly groups: readonly { readonly name: string; readonly members: readonly string[]; readonly hooks: NotifyHooks }[];
  /** vrrp_notify_fifo or notify_fifo. */
  readonly fifoPath?: string;
}

export interface NotifierLog {
  warn(msg: string): void;
  info(msg: string): void;
}

/** The engine's events, and `priorityChanged` (notify_priority_changes) where the engine has it. */
type AnyNotifyEvent = NotifyEvent | 'priorityChanged';

/** keepalived's state words in notify arguments and FIFO lines. */
export function notifyStateWord(event: AnyNotifyEvent): string {
  switch (event) {
    case 'master': return 'MASTER';
    case 'backup': return 'BACKUP';
    case 'fault': return 'FAULT';
    case 'stop': return 'STOP';
    case 'masterRxLowerPri': return 'MASTER_RX_LOWER_PRI';
    // notify_priority_changes: the caller repeats the current state with the new priority.
    default: return '';
  }
}

/** One FIFO line, as keepalived writes it. */
export function fifoLine(type: 'INSTANCE' | 'GROUP', name: string, event: AnyNotifyEvent, priority: number): string {
  return `${type} "${name}" ${notifyStateWord(event)} ${priority}\n`;
}

function hookFor(h: NotifyHooks, event: AnyNotifyEvent): NotifyCommand | undefined {
  switch (event) {
    case 'master': return h.master;
    case 'backup': return h.backup;
    case 'fault': return h.fault;
    case 'stop': return h.stop;
    case 'masterRxLowerPri': return h.masterRxLowerPri;
    default: return undefined;
  }
}

export class ScriptNotifier implements Notifier {
  private fifoFd: number | undefined;
  private readonly memberState = new Map<string, VrrpState | 'STOP'>();
  private readonly groupState = new Map<string, AnyNotifyEvent>();
  /** Children started (tests count them). */
  launched = 0;

  constructor(private config: NotifierConfig, private readonly log: NotifierLog) {
    if (config.fifoPath !== undefined) this.openFifo(config.fifoPath);
  }

  /** A reload: new hooks and groups; the FIFO is reopened only if its path changed. */
  setConfig(config: NotifierConfig): void {
    if (config.fifoPath !== this.config.fifoPath) {
      this.close();
      if (config.fifoPath !== undefined) this.openFifo(config.fifoPath);
    }
    this.config = config;
  }

  private openFifo(path: string): void {
    try {
      if (!existsSync(path)) execFileSync('mkfifo', ['-m', '0600', path], { stdio: 'ignore' });
      this.fifoFd = openSync(path, 'r+');
    } catch (e) {
      this.log.warn(`cannot open notify FIFO ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }

  notify(n: Notification): void {
    const hooks = this.config.instances.get(n.instance);
    const event = n.event as AnyNotifyEvent;
    this.fire('INSTANCE', n.instance, event, n.priority, hooks, n.state);
    if (event === 'masterRxLowerPri' || event === 'priorityChanged') return;
    this.memberState.set(n.instance, n.event === 'stop' ? 'STOP' : n.state);
    for (const g of this.config.groups) {
      if (!g.members.includes(n.instance)) continue;
      const all = g.members.every((m) => this.memberState.get(m) === this.memberState.get(n.instance));
      if (!all || this.groupState.get(g.name) === n.event) continue;
      this.groupState.set(g.name, n.event);
      this.fire('GROUP', g.name, n.event, 0, g.hooks);
    }
  }

  private fire(type: 'INSTANCE' | 'GROUP', name: string, event: AnyNotifyEvent, priority: number, hooks: NotifyHooks | undefined, state?: VrrpState): void {
    const word = event === 'priorityChanged' ? (state ?? 'BACKUP') : notifyStateWord(event);
    if (this.fifoFd !== undefined) {
      try {
        writeSync(this.fifoFd, `${type} "${name}" ${word} ${priority}\n`);
      } catch (e) {
        this.log.warn(`notify FIFO write failed: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    }
    if (!hooks) return;
    const specific = hookFor(hooks, event);
    if (specific) this.launch(specific, []);
    if (hooks.generic && event !== 'masterRxLowerPri') {
      this.launch(hooks.generic, [type, name, word, String(priority)]);
    }
  }

  private launch(cmd: NotifyCommand, extra: readonly string[]): void {
    const [file, ...args] = cmd.argv;
    if (file === undefined) return;
    try {
      const child = spawn(file, [...args, ...extra], {
        stdio: 'ignore',
        detached: true,
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
        ...(cmd.uid !== undefined ? { uid: cmd.uid } : {}),
        ...(cmd.gid !== undefined ? { gid: cmd.gid } : {}),
      });
      child.on('error', (e) => this.log.warn(`notify script ${file}: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      child.unref();
      this.launched++;
    } catch (e) {
      this.log.warn(`notify script ${file}: ${String(e)}`);
    }
  }

  close(): void {
    if (this.fifoFd !== undefined) closeSync(this.fifoFd);
    this.fifoFd = undefined;
  }
}
