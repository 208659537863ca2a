// Where the signal dumps go: keepalived's file names, as keepalived 2.2.7 writes them.
//
// Observed with Debian's keepalived 2.2.7 (test/fixtures/dumps/README.md): with a top-level
// `instance ktsdump` and `data_use_instance`, USR1 wrote /tmp/keepalived.ktsdump.data while USR2
// still wrote /tmp/keepalived.stats and SIGRTMIN+2 /tmp/keepalived.json. The man page says the
// option "also applies to SIGUSR2"; 2.2.7 does not do it, and scripts written against 2.2.7 read
// the plain names, so the plain names it is. The checker process's file is keepalived_check.data
// (core/main.c make_file_name: "_check" before the extension, then ".INSTANCE").
//
// `state_dump_file`, `stats_dump_file`, `json_dump_file` (keepalived's code names for what man5
// calls *_file_location; 2.2.7 itself does not know them, later versions do) override a
// name: a path ending in "/" is a directory holding the standard name, anything else is the
// file itself; data_use_instance still inserts the instance name into the data file's name.

import type { KeepalivedConfig } from '../config/model.ts';

export interface DumpPaths {
  /** USR1, the VRRP half's text dump. */
  readonly data: string;
  /** USR1, the LVS half's text dump (keepalived's checker process). */
  readonly checkData: string;
  /** USR2. */
  readonly stats: string;
  /** SIGRTMIN+2. */
  readonly json: string;
}

const TMP = '/tmp/';

/** `/tmp/keepalived.data` -> `/tmp/keepalived<suffix>.INSTANCE.data` (suffix "_check" for the checker). */
function withInstance(path: string, suffix: string, instance: string | undefined): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  const extAt = dot > slash ? dot : path.length;
  const stem = path.slice(0, extAt) + suffix;
  return `${stem}${instance !== undefined ? `.${instance}` : ''}${path.slice(extAt)}`;
}

function configured(path: string | undefined, standard: string): string {
  if (path === undefined || path === '') return TMP + standard;
  return path.endsWith('/') ? path + standard : path;
}

export function dumpPaths(config: KeepalivedConfig): DumpPaths {
  const g = config.global_defs;
  const instance = g.data_use_instance && config.instance !== undefined ? config.instance : undefined;
  const data = configured(g.state_dump_file, 'keepalived.data');
  return {
    data: withInstance(data, '', instance),
    checkData: withInstance(data, '_check', instance),
    stats: configured(g.stats_dump_file, 'keepalived.stats'),
    json: configured(g.json_dump_file, 'keepalived.json'),
  };
}
