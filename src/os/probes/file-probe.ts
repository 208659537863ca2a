// FILE_CHECK on Linux: read the first 127 bytes of the tracked file as keepalived's
// track_file.c process_track_file does; a missing or unreadable file reads as 0. The number is
// parsed by the pure parseTrackFileValue (strtol(buf, NULL, 0)); the scheduler polls (keepalived
// uses inotify: a change is seen at the next poll instead of at once).

import { open } from 'node:fs/promises';
import type { ProbeSpec } from '../../check/checker-spec.ts';
import { parseTrackFileValue } from '../../check/file-verdict.ts';
import type { Cancel, ProbeImpl } from './probe-impl.ts';

export type FileSpec = Extract<ProbeSpec, { kind: 'file' }>;

export const fileProbe: ProbeImpl<FileSpec> = (spec, done): Cancel => {
  let cancelled = false;
  const read = async (): Promise<string> => {
    let fh;
    try {
      fh = await open(spec.path, 'r');
    } catch {
      return '';
    }
    try {
      const buf = Buffer.alloc(127);
      const { bytesRead } = await fh.read(buf, 0, 127, 0);
      return buf.subarray(0, bytesRead).toString('latin1');
    } catch {
      return '';
    } finally {
      await fh.close();
    }
  };
  read().then((text) => {
    if (!cancelled) done({ kind: 'file', value: parseTrackFileValue(text) });
  }, () => {
    if (!cancelled) done({ kind: 'file', value: 0 });
  });
  return () => {
    cancelled = true;
  };
};
