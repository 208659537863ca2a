// TrackFileWatcher: the values of `track_file` blocks, fed to VRRP tracking.
//
// keepalived (trackers/track_file.c) creates the file with `init_file` when asked, reads the
// number in it (strtol of the first 127 bytes: src/check/file-verdict.ts) at start, and again
// whenever inotify says the file was written, moved into place or deleted (a missing file reads
// as 0). We watch the DIRECTORY, as keepalived does, so an editor's write-and-rename or a
// delete-and-recreate is seen. keepalived reads on IN_CLOSE_WRITE, after the writer is done;
// fs.watch reports every modification, including the truncation before a write, so a read is
// postponed until the file has been quiet for SETTLE_MS (else `echo 5 > f` would read 0 first).
// A value keepalived would ignore (out of int32 range) is ignored.

import { existsSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseTrackFileValue } from '../check/file-verdict.ts';

const SETTLE_MS = 25;

export interface TrackedFile {
  readonly name: string;
  readonly path: string;
  readonly init?: { readonly value: number; readonly overwrite: boolean };
}

export interface TrackFileLog {
  warn(msg: string): void;
}

export class TrackFileWatcher {
  private readonly watchers: FSWatcher[] = [];
  private readonly last = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly files: readonly TrackedFile[],
    private readonly onValue: (name: string, value: number) => void,
    private readonly log: TrackFileLog,
  ) {}

  start(): void {
    for (const f of this.files) {
      if (f.init && (f.init.overwrite || !existsSync(f.path))) {
        try {
          writeFileSync(f.path, `${f.init.value}\n`);
        } catch (e) {
          this.log.warn(`track_file ${f.name}: cannot initialise ${f.path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
      }
      this.read(f, true);
    }
    const byDir = new Map<string, TrackedFile[]>();
    for (const f of this.files) byDir.set(dirname(f.path), [...(byDir.get(dirname(f.path)) ?? []), f]);
    for (const [dir, files] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          for (const f of files) if (name === null || name === basename(f.path)) this.settle(f);
        });
        w.on('error', (e) => this.log.warn(`track_file: watching ${dir} failed: ${e.message}`));
        this.watchers.push(w);
      } catch (e) {
        this.log.warn(`track_file: cannot watch ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    }
  }

  private settle(f: TrackedFile): void {
    clearTimeout(this.pending.get(f.name));
    this.pending.set(f.name, setTimeout(() => {
      this.pending.delete(f.name);
      this.read(f, false);
    }, SETTLE_MS));
  }

  private read(f: TrackedFile, first: boolean): void {
    let text = '';
    try {
      text = readFileSync(f.path, 'latin1');
    } catch {
      text = ''; // missing = 0
    }
    const v = parseTrackFileValue(text);
    if (v === undefined) {
      this.log.warn(`track_file ${f.name}: value in ${f.path} out of range - ignored`);
      return;
    }
    if (!first && this.last.get(f.name) === v) return;
    this.last.set(f.name, v);
    this.onValue(f.name, v);
  }

  close(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
  }
}
