// vrrp_sync_group NAME { group { VI ... } track_* notify* ... } (vrrp_parser.c). Members are
// checked against the instances after the whole file is read (completeVrrp).
import type { Statement } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import { kw, KeywordTable, unsupported, values, type KeywordSpec } from './keyword-table.ts';
import type { Draft } from './model-common.ts';
import type { VrrpSyncGroup } from './model-vrrp.ts';
import { noExtraArgs, readBool } from './read-value.ts';
import { readOwnedScript } from './script-command.ts';
import { readTrackRefs, valueLines } from './track-refs.ts';

export type SyncGroupDraft = Draft<VrrpSyncGroup> & { groupWords: { name: string; stmt: Statement }[] };
type Spec = KeywordSpec<SyncGroupDraft>;

function script(name: 'notify_backup' | 'notify_master' | 'notify_fault' | 'notify_stop' | 'notify'): Spec {
  return kw(name, (c, s, d) => { const v = readOwnedScript(c, s, `vrrp_sync_group:${d.name}`); if (v) d[name] = v; });
}
function bool(name: 'smtp_alert' | 'notify_priority_changes' | 'global_tracking' | 'sync_group_tracking_weight'): Spec {
  return kw(name, (c: ConfigContext, s, d) => { const v = readBool(c, s); if (v !== undefined) d[name] = v; noExtraArgs(c, s, 1); });
}

export const syncGroupTable = new KeywordTable<SyncGroupDraft>('vrrp_sync_group', [
  values('group', (_c, s, d) => {
    for (const words of valueLines(s)) for (const w of words) d.groupWords.push({ name: w.text, stmt: s });
    d.group = d.groupWords.map((g) => g.name);
  }),
  values('track_interface', (c, s, d) => { d.track_interface = [...d.track_interface, ...readTrackRefs(c, s, 253)]; }),
  values('track_script', (c, s, d) => { d.track_script = [...d.track_script, ...readTrackRefs(c, s, 253)]; }),
  values('track_file', (c, s, d) => { d.track_file = [...d.track_file, ...readTrackRefs(c, s, 254)]; }),
  values('track_process', (c, s, d) => { d.track_process = [...d.track_process, ...readTrackRefs(c, s, 254)]; }),
  unsupported('track_bfd', 'bfd', 'values'),
  script('notify_backup'),
  script('notify_master'),
  script('notify_fault'),
  script('notify_stop'),
  script('notify'),
  bool('smtp_alert'),
  kw('global_tracking', (c, s, d) => {
    c.warn('deprecated', s.keyword, "'global_tracking' is deprecated", 'use sync_group_tracking_weight');
    d.global_tracking = true;
  }),
  bool('sync_group_tracking_weight'),
  bool('notify_priority_changes'),
]);

export function newSyncGroupDraft(name: string, stmt: Statement): SyncGroupDraft {
  return {
    name, group: [], groupWords: [], track_interface: [], track_script: [], track_file: [], track_process: [],
    origin: { file: stmt.pos.file, line: stmt.pos.line },
  };
}
