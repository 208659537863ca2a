// decomment: keepalived's lib/parser.c decomment() on one physical line.
//
// - leading blanks (space, tab) are removed;
// - `#` or `!` outside "..." starts a comment that runs to the end of the line;
// - outside quotes `\#` and `\!` stand for the literal character (the backslash is dropped);
//   any other `\C` is kept as written (it matters later, to splitShellWords);
// - a `\` at the very end marks a continuation (multiline definitions): it is kept as the last
//   character after trailing blanks are removed; note keepalived checks this even inside a comment;
// - a `"` inside a comment does not count; an odd number of quotes is reported by the caller.
// - trailing blanks are removed.
import type { Seg, SrcLine } from './source-line.ts';

export interface Decommented {
  readonly line: SrcLine;
  /** Offset (in the original text) of a `"` left open, or -1. */
  readonly openQuoteAt: number;
}

const SPECIAL = /[!#"\\]/;

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

export function decomment(raw: string, file: number, lineNo: number): Decommented {
  let start = 0;
  while (start < raw.length && isBlank(raw.charCodeAt(start))) start++;
  if (!SPECIAL.test(raw)) {
    let end = raw.length;
    while (end > start && isBlank(raw.charCodeAt(end - 1))) end--;
    return {
      line: { text: start === 0 && end === raw.length ? raw : raw.slice(start, end), segs: [{ at: 0, file, line: lineNo, col: start + 1, linear: true }] },
      openQuoteAt: -1,
    };
  }
  // Slow path: walk the line, collecting kept runs [from, to) of the original text.
  const runs: number[] = [];
  let runStart = start;
  let quote = false;
  let quoteAt = -1;
  let skip = -1;
  let cont = false;
  let end = raw.length;
  for (let p = start; p < raw.length; p++) {
    const c = raw.charCodeAt(p);
    if (c === 34 /* " */) {
      if (skip < 0) {
        quote = !quote;
        if (quote) quoteAt = p;
      }
    } else if (c === 92 /* \ */) {
      if (p + 1 < raw.length) {
        const n = raw.charCodeAt(p + 1);
        if (!quote && (n === 35 || n === 33)) {
          // drop the backslash: close the run before it, start a new one at the character
          if (skip < 0) {
            runs.push(runStart, p);
            runStart = p + 1;
          }
        }
        p++;
      } else {
        end = p;
        cont = true;
        break;
      }
    } else if ((c === 35 || c === 33) && !quote && skip < 0) {
      skip = p;
    }
  }
  const stop = skip >= 0 ? skip : end;
  if (runStart < stop) runs.push(runStart, stop);
  // Assemble text and segments, then remove trailing blanks.
  let text = '';
  const segs: Seg[] = [];
  for (let k = 0; k < runs.length; k += 2) {
    const a = runs[k]!;
    const b = Math.min(runs[k + 1]!, stop);
    if (b <= a) continue;
    segs.push({ at: text.length, file, line: lineNo, col: a + 1, linear: true });
    text += raw.slice(a, b);
  }
  let len = text.length;
  while (len > 0 && isBlank(text.charCodeAt(len - 1))) len--;
  if (len !== text.length) text = text.slice(0, len);
  if (cont) {
    // keep the `\` (mapped to its real column) so the caller sees the continuation
    segs.push({ at: text.length, file, line: lineNo, col: end + 1, linear: true });
    text += '\\';
  }
  if (segs.length === 0) segs.push({ at: 0, file, line: lineNo, col: start + 1, linear: true });
  return { line: { text, segs: dropEmpty(segs, text.length) }, openQuoteAt: quote ? quoteAt : -1 };
}

/** Segments starting at or past the end (trimmed away) are dropped, keeping at least one. */
function dropEmpty(segs: Seg[], len: number): Seg[] {
  let n = segs.length;
  while (n > 1 && segs[n - 1]!.at >= len) n--;
  return n === segs.length ? segs : segs.slice(0, n);
}
