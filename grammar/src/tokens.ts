// The lexer: one token type per lexical class, never one per keyword (DESIGN.md rule 7).
//
// It runs once over the preprocessor's output: verbatim runs of file lines (the common case) and
// rewritten lines (after @, $, ~SEQ, \ escapes; each a single keepalived "piece" with `#`, `!`
// and `\` escaped by a backslash outside quotes). The classes are alloc_strvec_r()'s plus what
// decomment() and read_line() do on a plain line:
//   Newline; Blank (keepalived's WHITE_SPACE minus \n, skipped); Comment (`#` or `!` to the end
//   of the line, skipped); LBrace / RBrace (tokens even when glued to a word: read_line's residue
//   split); Quoted (`"` to the next `"` on the line); UnmatchedQuote (a `"` with no partner, which
//   swallows the rest of the line: no comment, no brace split, as in keepalived); Word (anything
//   else; `\C` inside a word stands for C, which only rewritten lines use).
// Every character belongs to exactly one class, so lexing cannot fail.
//
// `configLexer` is the chevrotain Lexer built from these definitions: the specification (no
// start_chars_hint on Word, so it stays correct beyond latin1 at the cost of chevrotain's first-char
// optimisation; it is only run by tests).
// `scanTokens` is a hand-written scanner producing the identical token stream (same types, images
// and offsets; test/grammar/lexer-agreement.test.ts checks this on random input) about four
// times faster, which the 280,000-line benchmark needs.
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';

export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true });
export const Blank = createToken({ name: 'Blank', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /[#!][^\n]*/, group: Lexer.SKIPPED });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });
/** Category of the tokens that make the words of a statement. */
export const Atom = createToken({ name: 'Atom', pattern: Lexer.NA });
export const Quoted = createToken({ name: 'Quoted', pattern: /"[^"\n]*"/, categories: [Atom] });
export const UnmatchedQuote = createToken({ name: 'UnmatchedQuote', pattern: /"[^\n]*/, categories: [Atom] });
export const Word = createToken({
  name: 'Word',
  pattern: /(?:[^ \t\r\f\v\n"{}#!\\]|\\[^\n])+|\\/,
  categories: [Atom],
});

export const allTokens: TokenType[] = [Newline, Blank, Comment, LBrace, RBrace, Quoted, UnmatchedQuote, Word, Atom];

let specLexer: Lexer | undefined;

/** The chevrotain Lexer (built on first use: only tests run it, and building it costs startup time). */
export function configLexer(): Lexer {
  specLexer ??= new Lexer(allTokens, { positionTracking: 'onlyOffset', ensureOptimizations: false });
  return specLexer;
}

function tok(type: TokenType, image: string, startOffset: number, line: number, lineStart: number): IToken {
  // chevrotain's token shape; startLine/startColumn are the 0-based line of the lexer's input and
  // the 0-based offset in it, which the tree builder maps back through the source map
  return { image, startOffset, startLine: line, startColumn: startOffset - lineStart, tokenTypeIdx: type.tokenTypeIdx!, tokenType: type } as IToken;
}

/** The classes of characters 0..255 for the scanner. */
const enum C {
  Word = 0,
  Blank = 1,
  Newline = 2,
  Comment = 3,
  LBrace = 4,
  RBrace = 5,
  Quote = 6,
  Backslash = 7,
}
const CLASS = new Uint8Array(256);
for (const ch of ' \t\r\f\v') CLASS[ch.charCodeAt(0)] = C.Blank;
CLASS[10] = C.Newline;
CLASS[35] = C.Comment;
CLASS[33] = C.Comment;
CLASS[123] = C.LBrace;
CLASS[125] = C.RBrace;
CLASS[34] = C.Quote;
CLASS[92] = C.Backslash;

function cls(c: number): number {
  return c < 256 ? CLASS[c]! : C.Word;
}

/**
 * Word images are interned: configurations repeat the same keywords and values thousands of
 * times, and one shared string instead of 600,000 copies is what keeps the garbage collector
 * (which copies every surviving object) out of the benchmark. The table is a small direct-mapped
 * cache keyed by a cheap hash; a collision just replaces the entry.
 */
const INTERN_BITS = 14;
const internTable: (string | undefined)[] = new Array<string | undefined>(1 << INTERN_BITS).fill(undefined);
const INTERN_MAX_LEN = 40;

function intern(text: string, s: number, e: number): string {
  const len = e - s;
  if (len > INTERN_MAX_LEN) return text.slice(s, e);
  // a cheap hash of length and three characters: a collision only costs a cache miss
  const h = len * 0x9e37 + text.charCodeAt(s) * 0x3b1 + text.charCodeAt(e - 1) * 0x1f + text.charCodeAt(s + (len >> 1));
  const slot = (h ^ (h >>> INTERN_BITS)) & ((1 << INTERN_BITS) - 1);
  const cand = internTable[slot];
  if (cand !== undefined && cand.length === len && text.startsWith(cand, s)) return cand;
  const str = text.slice(s, e);
  internTable[slot] = str;
  return str;
}

/** Where scanning stopped; scanBatch() resumes from it. */
export interface ScanState {
  i: number;
  line: number;
  lineStart: number;
  afterAtom: boolean;
}

export function scanStart(): ScanState {
  return { i: 0, line: 0, lineStart: 0, afterAtom: false };
}

/**
 * The tokens configLexer.tokenize(text) gives (skipped groups left out), except that a Newline is
 * only produced where it ends a statement (right after a word on the same line): the others
 * carry no meaning and the benchmark file has 100,000 of them.
 */
export function scanTokens(text: string): IToken[] {
  return scanBatch(text, scanStart(), Infinity);
}

/**
 * Token objects reused from batch to batch: nothing keeps a token once its batch is parsed (the
 * tree builder copies what it needs), so the 700,000 tokens of the benchmark cost ~10,000
 * allocations. `batch` is the parser's input array, refilled in place.
 */
export class TokenPool {
  readonly batch: IToken[] = [];
  private readonly pool: IToken[] = [];
  count = 0;

  put(type: TokenType, image: string, startOffset: number, line: number, lineStart: number): void {
    let t = this.pool[this.count];
    if (t === undefined) {
      t = tok(type, image, startOffset, line, lineStart);
      this.pool.push(t);
    } else {
      const m = t as { image: string; startOffset: number; startLine: number; startColumn: number; tokenTypeIdx: number; tokenType: TokenType };
      m.image = image;
      m.startOffset = startOffset;
      m.startLine = line;
      m.startColumn = startOffset - lineStart;
      m.tokenTypeIdx = type.tokenTypeIdx!;
      m.tokenType = type;
    }
    this.batch[this.count++] = t;
  }
}

/**
 * Scans on from `st` until at least `max` tokens were produced and the last one ends a statement
 * (Newline or brace), or the text ends. Batches let the tokens die young instead of 700,000 of
 * them surviving garbage collections for the whole parse.
 */
export function scanBatch(text: string, st: ScanState, max: number, pool?: TokenPool): IToken[] {
  const fresh: IToken[] = [];
  const out = pool === undefined ? fresh : pool.batch;
  if (pool !== undefined) pool.count = 0;
  const put =
    pool === undefined
      ? (type: TokenType, image: string, startOffset: number, line: number, lineStart: number): void => {
          fresh.push(tok(type, image, startOffset, line, lineStart));
        }
      : (type: TokenType, image: string, startOffset: number, line: number, lineStart: number): void => pool.put(type, image, startOffset, line, lineStart);
  const n = text.length;
  let i = st.i;
  let line = st.line;
  let lineStart = st.lineStart;
  let afterAtom = st.afterAtom;
  while (i < n) {
    if ((pool === undefined ? fresh.length : pool.count) >= max && !afterAtom) break;
    const c = text.charCodeAt(i);
    switch (cls(c)) {
      case C.Newline:
        if (afterAtom) put(Newline, '\n', i, line, lineStart);
        afterAtom = false;
        i++;
        line++;
        lineStart = i;
        break;
      case C.Blank:
        i++;
        while (i < n && cls(text.charCodeAt(i)) === C.Blank) i++;
        break;
      case C.Comment: {
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? n : nl;
        break;
      }
      case C.LBrace:
        put(LBrace, '{', i, line, lineStart);
        afterAtom = false;
        i++;
        break;
      case C.RBrace:
        put(RBrace, '}', i, line, lineStart);
        afterAtom = false;
        i++;
        break;
      case C.Quote: {
        let q = i + 1;
        while (q < n) {
          const d = text.charCodeAt(q);
          if (d === 34 || d === 10) break;
          q++;
        }
        if (q < n && text.charCodeAt(q) === 34) {
          put(Quoted, text.slice(i, q + 1), i, line, lineStart);
          i = q + 1;
        } else {
          put(UnmatchedQuote, text.slice(i, q), i, line, lineStart);
          i = q;
        }
        afterAtom = true;
        break;
      }
      default: {
        // Word (or Backslash starting one)
        const s = i;
        while (i < n) {
          const d = text.charCodeAt(i);
          const k = cls(d);
          if (k === C.Word) i++;
          else if (k === C.Backslash) {
            if (i + 1 < n && text.charCodeAt(i + 1) !== 10) i += 2;
            else {
              if (i === s) i++; // a lone backslash at the end of a line is a word by itself
              break;
            }
          } else break;
        }
        put(Word, intern(text, s, i), s, line, lineStart);
        afterAtom = true;
      }
    }
  }
  st.i = i;
  st.line = line;
  st.lineStart = lineStart;
  st.afterAtom = afterAtom;
  if (pool !== undefined) out.length = pool.count;
  return out;
}
