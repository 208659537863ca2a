// A line of configuration text while the preprocessor works on it, carrying where every character
// came from, so that text produced by `$NAME`, `~SEQ` or a multiline definition still maps back to
// a real file, line and column (DESIGN.md style rule 8).
//
// The map is a short list of segments sorted by `at`: the characters from `at` up to the next
// segment come from (file, line, col...). A `linear` segment advances the column with the text;
// a point segment (substituted text) maps every character to the same place (the `$` that
// produced it). A plain file line has exactly one linear segment, so the common path allocates
// one small object per line.

export interface Seg {
  /** Offset in the line's text where this segment starts. */
  readonly at: number;
  /** Index into the preprocessor's file table. */
  readonly file: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column of the character at `at`. */
  readonly col: number;
  /** true: column advances with the text; false: all characters map to `col`. */
  readonly linear: boolean;
}

export interface SrcLine {
  readonly text: string;
  readonly segs: readonly Seg[];
}

/** The segment covering offset i (segments are sorted; the list is almost always length 1). */
export function segAt(segs: readonly Seg[], i: number): Seg {
  let s = segs[0]!;
  for (let k = 1; k < segs.length; k++) {
    const n = segs[k]!;
    if (n.at > i) break;
    s = n;
  }
  return s;
}

/** Original (file, line, col) of offset i; col is 1-based. */
export function colAt(segs: readonly Seg[], i: number): { file: number; line: number; col: number } {
  const s = segAt(segs, i);
  return { file: s.file, line: s.line, col: s.linear ? s.col + (i - s.at) : s.col };
}

/** Segments for text[start, end) re-based at 0. */
export function sliceSegs(segs: readonly Seg[], start: number, end: number): Seg[] {
  const out: Seg[] = [];
  for (let k = 0; k < segs.length; k++) {
    const s = segs[k]!;
    const next = k + 1 < segs.length ? segs[k + 1]!.at : Infinity;
    if (next <= start || s.at >= end) continue;
    if (s.at >= start) out.push({ ...s, at: s.at - start });
    else out.push({ file: s.file, line: s.line, at: 0, linear: s.linear, col: s.linear ? s.col + (start - s.at) : s.col });
  }
  if (out.length === 0) {
    const p = colAt(segs, start);
    out.push({ at: 0, file: p.file, line: p.line, col: p.col, linear: false });
  }
  return out;
}

export function sliceLine(l: SrcLine, start: number, end: number = l.text.length): SrcLine {
  if (start === 0 && end === l.text.length) return l;
  return { text: l.text.slice(start, end), segs: start === 0 && l.segs.length === 1 ? l.segs : sliceSegs(l.segs, start, end) };
}

/** l with text[start, end) replaced by `repl` (whose own segments are kept). */
export function spliceLine(l: SrcLine, start: number, end: number, repl: SrcLine): SrcLine {
  const text = l.text.slice(0, start) + repl.text + l.text.slice(end);
  const segs: Seg[] = [];
  if (start > 0) segs.push(...sliceSegs(l.segs, 0, start));
  if (repl.text.length > 0) for (const s of repl.segs) segs.push({ ...s, at: s.at + start });
  if (end < l.text.length) for (const s of sliceSegs(l.segs, end, l.text.length)) segs.push({ ...s, at: s.at + start + repl.text.length });
  if (segs.length === 0) segs.push({ ...segAt(l.segs, start), at: 0, linear: false, col: colAt(l.segs, start).col });
  return { text, segs: mergeSegs(segs) };
}

/** Text that all maps to one point (a substituted value maps to its `$`). */
export function pointLine(text: string, l: SrcLine, at: number): SrcLine {
  const p = colAt(l.segs, at);
  return { text, segs: [{ at: 0, file: p.file, line: p.line, col: p.col, linear: false }] };
}

/** Drop segments shadowed by a later one at the same offset (keeps lists short). */
function mergeSegs(segs: Seg[]): Seg[] {
  const out: Seg[] = [];
  for (const s of segs) {
    const last = out[out.length - 1];
    if (last && last.at === s.at) out[out.length - 1] = s;
    else out.push(s);
  }
  return out;
}
