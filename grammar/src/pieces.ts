// Line-level helpers that mirror lib/parser.c exactly:
//  - splitAtBrace: read_line()'s "line_residue": a line is cut before the first `{` or `}` that
//    is not inside "..." and the remainder is re-queued as if it were the next line, so
//    `vrrp_instance X { state MASTER }` becomes four pieces: `vrrp_instance X`, `{`,
//    `state MASTER`, `}`. A line starting with a brace gives the brace alone.
//  - strvec: alloc_strvec_r(): words split on blanks, a word starting with `"` runs to the next
//    `"` (quotes removed), an unquoted word also stops at a `"`.
import { sliceLine, type SrcLine } from './source-line.ts';

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** keepalived's WHITE_SPACE: " \t\f\n\r\v". */
export function isWhite(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/** [piece, residue]; residue undefined when the line has no brace to split at. */
export function splitAtBrace(l: SrcLine): [SrcLine, SrcLine | undefined] {
  const t = l.text;
  const c0 = t.charCodeAt(0);
  let p = 0;
  if (c0 !== 123 && c0 !== 125) {
    p = -1;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 123 || c === 125) {
        p = i;
        break;
      }
      if (c === 34) {
        const q = t.indexOf('"', i + 1);
        if (q < 0) break; // unmatched quote: keepalived stops looking
        i = q;
      }
    }
    if (p < 0) return [trimEnd(l), undefined];
  }
  let skip = 0;
  if (p === 0) {
    skip = 1;
    while (skip < t.length && isBlank(t.charCodeAt(skip))) skip++;
  }
  const cut = p + skip;
  if (cut >= t.length) return [trimEnd(l), undefined];
  let end = t.length;
  while (end > cut && isBlank(t.charCodeAt(end - 1))) end--;
  const residue = sliceLine(l, cut, end);
  return [trimEnd(sliceLine(l, 0, cut)), residue];
}

function trimEnd(l: SrcLine): SrcLine {
  let end = l.text.length;
  while (end > 0 && isBlank(l.text.charCodeAt(end - 1))) end--;
  return end === l.text.length ? l : sliceLine(l, 0, end);
}

/** alloc_strvec_r(): the words of a line; `unmatched` is true when a `"` had no partner. */
export function strvec(t: string): { words: string[]; unmatched: boolean } {
  const words: string[] = [];
  let i = 0;
  while (true) {
    while (i < t.length && isWhite(t.charCodeAt(i))) i++;
    if (i >= t.length) break;
    if (t.charCodeAt(i) === 34) {
      const q = t.indexOf('"', i + 1);
      if (q < 0) return { words, unmatched: true };
      words.push(t.slice(i + 1, q));
      i = q + 1;
    } else {
      const s = i;
      while (i < t.length && !isWhite(t.charCodeAt(i)) && t.charCodeAt(i) !== 34) i++;
      words.push(t.slice(s, i));
    }
  }
  return { words, unmatched: false };
}
