// The value blocks that name tracked objects (vrrp_parser.c / vrrp_track.c):
//   track_interface { IF [weight W [reverse|noreverse]] }     W in -253..253
//   track_script    { NAME [weight W [reverse|noreverse]] }   W in -253..253
//   track_file      { NAME [weight W [reverse|noreverse]] }   W in -254..254
//   track_process   { NAME [weight W [reverse|noreverse]] }   W in -254..254
// Also used by vrrp_sync_group. A bad line is reported and dropped, as keepalived does.
import type { Statement, Word } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import type { TrackRef } from './model-vrrp.ts';
import { readIntWord } from './read-value.ts';

export function valueLines(stmt: Statement): Word[][] {
  return (stmt.block?.statements ?? []).map((s) => [s.keyword, ...s.args]);
}

export function readTrackRefs(ctx: ConfigContext, stmt: Statement, maxWeight: number): TrackRef[] {
  const out: TrackRef[] = [];
  for (const words of valueLines(stmt)) {
    const name = words[0]!;
    let weight: number | undefined;
    let reverse = false;
    let ok = true;
    for (let i = 1; i < words.length; i++) {
      const w = words[i]!;
      if (w.text === 'weight') {
        const v = words[i + 1];
        if (!v) { ctx.error('missing-value', w, `${stmt.keyword.text} ${name.text}: 'weight' needs a value`); ok = false; break; }
        i++;
        const n = readIntWord(ctx, v, -maxWeight, maxWeight);
        if (n === undefined) { ok = false; break; }
        weight = n;
      } else if (w.text === 'reverse') reverse = true;
      else if (w.text === 'noreverse') reverse = false;
      else {
        ctx.error('invalid-value', w, `${stmt.keyword.text} ${name.text}: unknown option '${w.text}'`, 'expected weight N [reverse]');
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    const ref: { name: string; weight?: number; reverse: boolean; origin: TrackRef['origin'] } = {
      name: name.text, reverse, origin: { file: name.pos.file, line: name.pos.line },
    };
    if (weight !== undefined) ref.weight = weight;
    out.push(ref);
  }
  return out;
}
