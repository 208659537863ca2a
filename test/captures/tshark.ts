// tshark as the independent oracle for the wire tests: it only ever reads files (-r), never
// captures. Fields come back per frame as strings, multiple occurrences joined with ','.

import { execFileSync } from 'node:child_process';
import { hasCommand } from '../support/env.ts';

export const haveTshark = hasCommand('tshark');

export type TsharkRow = Record<string, string>;

export interface TsharkRun {
  readonly rows: TsharkRow[];
  /** tshark's exit status: 0, or 2 when it stopped on a damaged file. */
  readonly status: number;
  readonly stderr: string;
}

/**
 * One row per frame (frame.number is always included first), for every frame in the file;
 * `prefs` are `-o name:value` preferences, `filter` an optional display filter.
 */
export function tsharkFields(file: string, fields: readonly string[], prefs: readonly string[] = [], filter?: string): TsharkRun {
  const all = ['frame.number', ...fields.filter((f) => f !== 'frame.number')];
  const args = ['-r', file, '-n', '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'quote=n'];
  for (const p of prefs) args.push('-o', p);
  if (filter) args.push('-Y', filter);
  for (const f of all) args.push('-e', f);
  let stdout: string;
  let status = 0;
  let stderr = '';
  try {
    stdout = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    if (typeof err.stdout !== 'string' || typeof err.status !== 'number') throw e;
    stdout = err.stdout;
    status = err.status;
    stderr = err.stderr ?? '';
  }
  const rows: TsharkRow[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const cols = line.split('\t');
    const row: TsharkRow = {};
    all.forEach((f, i) => { row[f] = cols[i] ?? ''; });
    rows.push(row);
  }
  return { rows, status, stderr };
}
