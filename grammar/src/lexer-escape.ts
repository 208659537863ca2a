// Rewritten lines (after decomment, $ substitution...) go to the same lexer as verbatim file lines,
// which treats `#`/`!` as comment starts and `\` as an escape. In a rewritten line those
// characters are already literal (keepalived removes comments before substituting, so ${_HASH}
// gives a real '#'), so they are escaped with a backslash outside quotes, exactly where the lexer
// would otherwise act on them. A '\n' (only possible from ${_ENV}) is white space to keepalived.
// The backslashes added map to the column of the character they escape.
import { colAt, spliceLine, type SrcLine } from './source-line.ts';

const NEEDS = /[#!\\\n]/;

export function escapeForLexer(src: SrcLine): SrcLine {
  if (!NEEDS.test(src.text)) return src;
  // same length, so the segments still hold
  const l = src.text.indexOf('\n') >= 0 ? { text: src.text.replace(/\n/g, ' '), segs: src.segs } : src;
  const t = l.text;
  const edits: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 34) {
      const q = t.indexOf('"', i + 1);
      if (q < 0) break; // unmatched: the lexer takes the rest of the line literally
      i = q;
      continue;
    }
    if (c === 35 || c === 33 || c === 92) edits.push(i);
  }
  let out = l;
  for (let k = edits.length - 1; k >= 0; k--) {
    const at = edits[k]!;
    const p = colAt(l.segs, at);
    out = spliceLine(out, at, at, { text: '\\', segs: [{ at: 0, file: p.file, line: p.line, col: p.col, linear: false }] });
  }
  return out;
}
