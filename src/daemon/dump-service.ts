// keepalived's signal dumps as a daemon service: USR1 writes the data dump (and the LVS half's
// keepalived_check.data), USR2 the stats, SIGRTMAX-1 (63, `--signum=STATS_CLEAR`) the stats and
// then zeroes the counters, SIGRTMIN+2 (36, `--signum=JSON`) the JSON (keepalived.8 "SIGNALS";
// file names in dump-paths.ts, contents in dump-data.ts, dump-data-lvs.ts, dump-stats.ts,
// dump-json.ts).
//
// Theory of operation. USR1/USR2 are caught with process.on; 36 and 63 have no Node name, so
// they are watched through the native addon (src/os/signal-watch.ts) -- which also means
// `kill -36` / `kill -63` no longer terminate the daemon (their default action). A signal only
// schedules a dump: the text
// is rendered synchronously from the DaemonView (a few hundred lines at most, well under a
// millisecond per instance) and written asynchronously, so VRRP timers and packets are never
// held up by the disk. Each file is written to a fresh temporary name in the same directory
// (O_EXCL, mode 0600 as keepalived's) and renamed over the target, so a reader never sees half
// a file and a symlink planted at the target in /tmp is replaced, not followed. Failures are
// logged and forgotten; nothing a dump does can stop the daemon. Signals arriving while the same
// dump is being written collapse into one more write afterwards, as keepalived's do.

import { rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { loadAddon } from '../os/native-socket.ts';
import { watchSignal, type SignalWatch } from '../os/signal-watch.ts';
import { lookupUser } from '../os/system-users.ts';
import type { DaemonLogger } from './daemon-log.ts';
import type { DaemonService } from './daemon-services.ts';
import type { DaemonView } from './daemon-view.ts';
import { dumpData } from './dump-data.ts';
import { dumpDataLvs } from './dump-data-lvs.ts';
import { dumpJson } from './dump-json.ts';
import { dumpPaths, type DumpPaths } from './dump-paths.ts';
import { clearVrrpStats, dumpStats } from './dump-stats.ts';

export type DumpKind = 'data' | 'stats' | 'statsClear' | 'json';

let tmpCounter = 0;

/**
 * Writes text to path through a temporary file and a rename. Resolves to undefined, or the
 * error's message; never rejects.
 */
export async function writeDumpFile(path: string, text: string): Promise<string | undefined> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++tmpCounter}.tmp`);
  try {
    await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
    return undefined;
  } catch (e) {
    await unlink(tmp).catch(() => {});
    return e instanceof Error ? e.message : String(e);
  }
}

/** One file a signal writes, with keepalived's log line for it ("Printing VRRP data for process(PID) on signal"). */
export interface DumpFile {
  readonly path: string;
  readonly text: string;
  /** What keepalived's log line says it prints: "VRRP data", "checker data", "VRRP as json"... */
  readonly what: string;
}

/** What one signal writes (nothing when nothing runs that keepalived would dump). */
export function renderDump(kind: DumpKind, view: DaemonView, paths: DumpPaths, host: string = hostname()): DumpFile[] {
  const out: DumpFile[] = [];
  switch (kind) {
    case 'data': {
      const uidGid = (u: { readonly user: string; readonly group?: string }): string | undefined => {
        const ids = lookupUser(u.user, u.group);
        return ids ? `${ids.uid}:${ids.gid}` : undefined;
      };
      const ifindex = (name: string): number | undefined => {
        const i = loadAddon().ifNameToIndex(name);
        return i > 0 ? i : undefined;
      };
      const vrrp = dumpData(view, { hostname: host, uidGid, ifindex });
      if (vrrp) out.push({ path: paths.data, text: vrrp, what: 'VRRP data' });
      // keepalived's checker process writes its own file for the virtual servers.
      const lvs = dumpDataLvs(view, { hostname: host, uidGid });
      if (lvs) out.push({ path: paths.checkData, text: lvs, what: 'checker data' });
      break;
    }
    case 'stats':
    case 'statsClear': {
      const s = dumpStats(view);
      if (s) out.push({ path: paths.stats, text: s, what: kind === 'stats' ? 'VRRP stats' : 'and clearing VRRP stats' });
      // Zeroed as soon as they are rendered: what counts from here on is the next file's.
      if (kind === 'statsClear') clearVrrpStats(view);
      break;
    }
    case 'json': {
      const j = dumpJson(view);
      if (j) out.push({ path: paths.json, text: j, what: 'VRRP as json' });
      break;
    }
  }
  return out;
}

/** Runs dumps one at a time per kind; a request during a write is coalesced into one rerun. */
export class Dumper {
  private readonly busy = new Set<DumpKind>();
  private readonly again = new Set<DumpKind>();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly view: DaemonView, private readonly log: DaemonLogger) {}

  request(kind: DumpKind): void {
    if (this.busy.has(kind)) {
      this.again.add(kind);
      return;
    }
    this.busy.add(kind);
    const p = this.run(kind).finally(() => {
      this.pending.delete(p);
      this.busy.delete(kind);
      if (this.again.delete(kind)) this.request(kind);
    });
    this.pending.add(p);
  }

  /** Resolves when every dump requested so far is on disk (or has failed). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async run(kind: DumpKind): Promise<void> {
    let files: DumpFile[];
    try {
      files = renderDump(kind, this.view, dumpPaths(this.view.config()));
    } catch (e) {
      // Our own bug, but a dump must never take the daemon down.
      this.log.error(`${kind} dump failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      return;
    }
    if (files.length === 0) {
      this.log.info(`${kind} dump requested: nothing to dump (no VRRP instance or virtual server running)`);
      return;
    }
    for (const f of files) {
      // keepalived's own line, which operators grep for.
      this.log.info(`Printing ${f.what} for process(${process.pid}) on signal`);
      const err = await writeDumpFile(f.path, f.text);
      if (err) this.log.error(`cannot write ${kind} dump ${f.path}: ${err}`);
      else this.log.info(`${kind} dump written to ${f.path}`);
    }
  }
}

/**
 * keepalived's JSON signal, SIGRTMIN+2: 36 with glibc, whose SIGRTMIN is 34 (it keeps 32 and 33
 * for its threads). The same number as `--signum=JSON` (cli/signum.ts, which daemon/ may not import).
 */
export const SIGJSON = 36;
/** keepalived's STATS_CLEAR, SIGRTMAX-1: 63 on Linux (SIGRTMAX is 64), as `--signum=STATS_CLEAR`. */
export const SIGSTATS_CLEAR = 63;

export const startDumpService: DaemonService = async (view, _o, log) => {
  const dumper = new Dumper(view, log);
  const onUsr1 = (): void => dumper.request('data');
  const onUsr2 = (): void => dumper.request('stats');
  process.on('SIGUSR1', onUsr1);
  process.on('SIGUSR2', onUsr2);
  const watches: SignalWatch[] = [];
  for (const [signum, kind] of [[SIGJSON, 'json'], [SIGSTATS_CLEAR, 'statsClear']] as const) {
    try {
      watches.push(watchSignal(signum, () => dumper.request(kind)));
    } catch (e) {
      log.warn(`${kind} dump on signal ${signum} unavailable: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return async () => {
    process.off('SIGUSR1', onUsr1);
    process.off('SIGUSR2', onUsr2);
    for (const w of watches) w.close();
    await dumper.idle();
  };
};
