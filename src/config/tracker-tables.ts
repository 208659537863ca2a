// Tracked-object blocks referenced by vrrp_instance / vrrp_sync_group track_* lists:
//   vrrp_script NAME {...}        (vrrp_parser.c vrrp_script_handler & co.)
//   track_file NAME {...}         (trackers/track_file.c; `vrrp_track_file` is the deprecated name)
//   vrrp_track_process NAME {...} (vrrp_parser.c; needs process-event netlink at run time)
import type { Statement } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import { kw, KeywordTable, type KeywordSpec } from './keyword-table.ts';
import type { Draft } from './model-common.ts';
import type { TrackFile, VrrpScript, VrrpTrackProcess } from './model-vrrp.ts';
import { arg, noExtraArgs, readInt, readIntWord, readSeconds } from './read-value.ts';
import { readScriptCommand } from './script-command.ts';

export type VrrpScriptDraft = Draft<VrrpScript> & { timeout_set: boolean; entry?: ConfigContext['scripts'][number] };

/** `weight N [reverse|noreverse]` shared by the three blocks. */
function readWeight(ctx: ConfigContext, stmt: Statement, max: number): { weight: number; reverse: boolean } | undefined {
  const n = readInt(ctx, stmt, -max, max);
  if (n === undefined) return undefined;
  const r = stmt.args[1];
  if (r && r.text !== 'reverse' && r.text !== 'noreverse') {
    ctx.error('invalid-value', r, `weight: unknown option '${r.text}'`, 'expected reverse');
  }
  noExtraArgs(ctx, stmt, 2);
  return { weight: n, reverse: r?.text === 'reverse' };
}

function userGroup(ctx: ConfigContext, stmt: Statement): { user: string; group?: string } | undefined {
  const u = arg(ctx, stmt, 0, 'a user name');
  if (!u) return undefined;
  let user = u.text;
  let group = stmt.args[1]?.text.replace(/^:/, '');
  if (user.includes(':')) [user, group] = user.split(':', 2) as [string, string];
  return group ? { user, group } : { user };
}

export const vrrpScriptTable = new KeywordTable<VrrpScriptDraft>('vrrp_script', [
  kw('script', (c, s, d) => {
    const before = c.scripts.length;
    const v = readScriptCommand(c, s);
    // Tag it: keepalived security-checks vrrp_scripts only when a VRRP instance exists (then
    // all of them, tracked or not: measured with 2.2.7).
    const entry = c.scripts[before];
    if (entry) {
      entry.owner = 'vrrp_script';
      d.entry = entry;
      if (d.user) entry.user = d.user.user;
    }
    if (v) d.script = v;
  }),
  kw('interval', (c, s, d) => { const v = readSeconds(c, s, 0.000001, 86400); if (v !== undefined) d.interval = v; noExtraArgs(c, s, 1); }),
  kw('timeout', (c, s, d) => { const v = readSeconds(c, s, 0.000001, 86400); if (v !== undefined) { d.timeout = v; d.timeout_set = true; } noExtraArgs(c, s, 1); }),
  kw('weight', (c, s, d) => { const w = readWeight(c, s, 253); if (w) { d.weight = w.weight; d.weight_reverse = w.reverse; } }),
  kw('rise', (c, s, d) => { const v = readInt(c, s, 1, 2 ** 31 - 1); if (v !== undefined) d.rise = v; noExtraArgs(c, s, 1); }),
  kw('fall', (c, s, d) => { const v = readInt(c, s, 1, 2 ** 31 - 1); if (v !== undefined) d.fall = v; noExtraArgs(c, s, 1); }),
  kw('user', (c, s, d) => {
    const v = userGroup(c, s);
    if (v) { d.user = v; if (d.entry) d.entry.user = v.user; }
    noExtraArgs(c, s, 2);
  }),
  kw('init_fail', (c, s, d) => { d.init_fail = true; noExtraArgs(c, s, 0); }),
]);

export function newVrrpScriptDraft(name: string, stmt: Statement): VrrpScriptDraft {
  return {
    name, interval: 1, timeout: 1, timeout_set: false, weight: 0, weight_reverse: false, rise: 1, fall: 1,
    init_fail: false, origin: { file: stmt.pos.file, line: stmt.pos.line },
  };
}

export type TrackFileDraft = Draft<TrackFile>;

export const trackFileTable = new KeywordTable<TrackFileDraft>('track_file', [
  kw('file', (c, s, d) => { const w = arg(c, s, 0, 'a file path'); if (w) d.file = w.text; noExtraArgs(c, s, 1); }),
  kw('weight', (c, s, d) => { const w = readWeight(c, s, 254); if (w) { d.weight = w.weight; d.weight_reverse = w.reverse; } }),
  kw('init_file', (c, s, d) => {
    // `init_file [VALUE] [overwrite]`: create the file with VALUE (default 0) if missing.
    let value = 0;
    let overwrite = false;
    for (const w of s.args) {
      if (w.text === 'overwrite') overwrite = true;
      else { const n = readIntWord(c, w, -(2 ** 31), 2 ** 31 - 1); if (n !== undefined) value = n; }
    }
    d.init_file = { value, overwrite };
  }),
]);

export function newTrackFileDraft(name: string, stmt: Statement): TrackFileDraft {
  return { name, weight: 1, weight_reverse: false, origin: { file: stmt.pos.file, line: stmt.pos.line } };
}

export type TrackProcessDraft = Draft<VrrpTrackProcess>;

export const trackProcessTable = new KeywordTable<TrackProcessDraft>('vrrp_track_process', [
  kw('process', (c, s, d) => {
    if (s.args.length === 0) { c.error('missing-value', s.keyword, "'process' needs a process name"); return; }
    d.process = s.args.map((w) => w.text);
  }),
  kw('param_match', (c, s, d) => {
    const w = arg(c, s, 0, 'initial or partial');
    if (!w) return;
    if (w.text === 'initial' || w.text === 'partial') d.param_match = w.text;
    else c.error('invalid-value', w, `param_match: unknown value '${w.text}'`, 'expected initial or partial');
  }),
  kw('weight', (c, s, d) => { const w = readWeight(c, s, 254); if (w) { d.weight = w.weight; d.weight_reverse = w.reverse; } }),
  kw('quorum', (c, s, d) => { const v = readInt(c, s, 1, 2 ** 31 - 1); if (v !== undefined) d.quorum = v; noExtraArgs(c, s, 1); }),
  kw('quorum_max', (c, s, d) => { const v = readInt(c, s, 0, 2 ** 31 - 1); if (v !== undefined) d.quorum_max = v; noExtraArgs(c, s, 1); }),
  kw('delay', (c, s, d) => { const v = readSeconds(c, s, 0, 86400); if (v !== undefined) d.delay = v; noExtraArgs(c, s, 1); }),
  kw('terminate_delay', (c, s, d) => { const v = readSeconds(c, s, 0, 86400); if (v !== undefined) d.terminate_delay = v; noExtraArgs(c, s, 1); }),
  kw('fork_delay', (c, s, d) => { const v = readSeconds(c, s, 0, 86400); if (v !== undefined) d.fork_delay = v; noExtraArgs(c, s, 1); }),
  kw('full_command', (c, s, d) => { d.full_command = true; noExtraArgs(c, s, 0); }),
]);

export function newTrackProcessDraft(name: string, stmt: Statement): TrackProcessDraft {
  return { name, weight: 0, weight_reverse: false, quorum: 1, full_command: false, origin: { file: stmt.pos.file, line: stmt.pos.line } };
}

export type { KeywordSpec };
