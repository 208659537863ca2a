// ScriptLvsNotifier: notify_up / notify_down / quorum_up / quorum_down on Linux.
//
// keepalived runs these fire-and-forget (notify.c notify_exec): the argv as its splitter made it,
// exec'd without a shell, as the script's user (else script_user, else root), its exit status
// ignored. A child that cannot be spawned is logged, never fatal. Children are detached into their
// own process group and unref'd so a slow notifier never holds the daemon's shutdown.
import { spawn } from 'node:child_process';
import type { ScriptSpec } from '../check/checker-spec.ts';
import type { LvsNotifier, LvsNotifyEvent } from '../runtime/lvs-ports.ts';
import { lookupUser } from '../os/system-users.ts';

export interface LvsNotifierLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export class ScriptLvsNotifier implements LvsNotifier {
  constructor(private readonly log: LvsNotifierLog, private readonly defaultUser?: string) {}

  notify(event: LvsNotifyEvent, subject: string, script: ScriptSpec): void {
    const [cmd, ...args] = script.argv;
    if (cmd === undefined) return;
    const user = script.user ?? this.defaultUser;
    const ids = user !== undefined ? lookupUser(user, script.group) : undefined;
    if (user !== undefined && !ids) {
      this.log.warn(`${event} script for ${subject}: unknown user ${user} - not run`);
      return;
    }
    this.log.info(`Executing [${script.argv.join(' ')}] for ${event} ${subject}`);
    try {
      const child = spawn(cmd, args, {
        stdio: 'ignore',
        detached: true,
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
        ...(ids && process.getuid?.() === 0 ? { uid: ids.uid, gid: ids.gid } : {}),
      });
      child.on('error', (e) => this.log.warn(`${event} script ${cmd}: ${e.message}`));
      child.unref();
    } catch (e) {
      this.log.warn(`${event} script ${cmd}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
