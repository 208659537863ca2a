// Builds the Statement/Block tree from the parser's pieces, the way lib/parser.c process_stream()
// and read_line() pair braces:
//  - a `{` right after a keyword line (same line or next) opens that statement's block;
//  - a `{` after anything else is "Unexpected '{' - ignoring" (its contents stay at the current
//    level, and its `}` still pairs with it, as keepalived's block_depth counts it);
//  - a `}` with nothing open is "Extra '}' found";
//  - blocks still open at the end are "missing '}'" (keepalived: "There are N missing '}'s").
// Positions go back through the preprocessor's source map (offset within the piece -> file/line/col).
import type { IToken } from 'chevrotain';
import type { Block, Diagnostic, SourcePosition, Statement, Word } from './types.ts';
import type { Chunk, PreprocessResult } from './preprocess.ts';
import { segAt } from './source-line.ts';
import { Quoted, UnmatchedQuote } from './tokens.ts';

interface MutableStatement {
  keyword: Word;
  args: Word[];
  rest: string;
  restPos: SourcePosition;
  block: Block | undefined;
  pos: SourcePosition;
}

interface Frame {
  statements: Statement[];
  owner: MutableStatement | undefined;
  open: SourcePosition;
}

export class TreeBuilder {
  private readonly root: Statement[] = [];
  private readonly frames: Frame[] = [];
  private current: Statement[] = this.root;
  /** The previous piece, when it was a statement still without a block. */
  private last: MutableStatement | undefined;
  /** chunks[ci] covers the line of the last token seen (tokens come in order). */
  private ci = 0;
  private chunk: Chunk | undefined;
  private readonly chunks: readonly Chunk[];
  private readonly files: readonly string[];
  private readonly text: string;
  readonly diagnostics: Diagnostic[] = [];

  constructor(pp: PreprocessResult) {
    this.chunks = pp.chunks;
    this.files = pp.files;
    this.text = pp.text;
    this.chunk = this.chunks[0];
  }

  /** Source position of a token, or of `delta` characters after its start. */
  pos(t: IToken, delta = 0): SourcePosition {
    const line = t.startLine!;
    let c = this.chunk!;
    for (let next = this.chunks[this.ci + 1]; next !== undefined && next.outLine <= line; next = this.chunks[this.ci + 1]) {
      this.ci++;
      c = this.chunk = next;
    }
    const i = t.startColumn! + delta;
    if (c.verbatim) return { file: this.files[c.file]!, line: c.origLine + (line - c.outLine), col: i + 1 };
    const s = c.segs.length === 1 ? c.segs[0]! : segAt(c.segs, i);
    return { file: this.files[s.file]!, line: s.line, col: s.linear ? s.col + (i - s.at) : s.col };
  }

  private diag(severity: Diagnostic['severity'], code: string, message: string, p: SourcePosition, hint?: string): void {
    const d: Diagnostic = { severity, code, message, file: p.file, line: p.line, col: p.col };
    this.diagnostics.push(hint === undefined ? d : { ...d, hint });
  }

  /** One keepalived piece: the words up to a brace or the end of the line. */
  statement(atoms: readonly IToken[]): void {
    let keyword: Word | undefined;
    let args: Word[] = NO_ARGS;
    let end = 0;
    for (let k = 0; k < atoms.length; k++) {
      const t = atoms[k]!;
      if (t.tokenType === UnmatchedQuote) {
        this.diag('error', 'unmatched-quote', `unmatched quote: '${t.image}'`, this.pos(t), 'close the string with "');
        break;
      }
      const quoted = t.tokenType === Quoted;
      const image = t.image;
      const text = quoted ? image.slice(1, -1) : image.indexOf('\\') >= 0 ? image.replace(/\\(.)/g, '$1') : image;
      const w: Word = { text, quoted, pos: this.pos(t) };
      if (keyword === undefined) keyword = w;
      else if (args === NO_ARGS) args = [w];
      else args.push(w);
      end = t.startOffset + image.length;
    }
    if (keyword === undefined) {
      this.last = undefined;
      return;
    }
    const kw = atoms[0]!;
    const kwEnd = kw.startOffset + kw.image.length;
    let restStart = kwEnd;
    const t = this.text;
    while (restStart < end && isWhite(t.charCodeAt(restStart))) restStart++;
    // most statements are `keyword value`: reuse the value's string for rest
    const a0 = args[0];
    let rest = restStart >= end ? '' : args.length === 1 && !a0!.quoted && end - restStart === a0!.text.length && atoms[1]!.image === a0!.text ? a0!.text : t.slice(restStart, end);
    if (!this.chunk!.verbatim && rest.indexOf('\\') >= 0) rest = unescapeRest(rest);
    const st: MutableStatement = {
      keyword,
      args,
      rest,
      // rest starts at the first argument's token when there is one: share its position
      restPos:
        a0 !== undefined && atoms[1]!.startOffset === restStart
          ? a0.pos
          : restStart < end || !this.chunk!.verbatim
            ? this.pos(kw, (restStart < end ? restStart : kwEnd) - kw.startOffset)
            : { file: keyword.pos.file, line: keyword.pos.line, col: keyword.pos.col + kw.image.length },
      block: undefined,
      pos: keyword.pos,
    };
    this.current.push(st);
    this.last = st;
  }

  open(brace: IToken): void {
    const p = this.pos(brace);
    const owner = this.last;
    if (owner === undefined) this.diag('warning', 'unexpected-brace', "unexpected '{' - ignoring", p, 'a block opens right after its keyword line');
    const frame: Frame = { statements: owner ? [] : this.current, owner, open: p };
    this.frames.push(frame);
    this.current = frame.statements;
    this.last = undefined;
  }

  close(brace: IToken): void {
    const p = this.pos(brace);
    const frame = this.frames.pop();
    if (frame === undefined) {
      this.diag('error', 'extra-brace', "extra '}' found", p, 'remove it, or look for a missing "{" above');
    } else {
      if (frame.owner) frame.owner.block = { open: frame.open, close: p, statements: frame.statements };
      this.current = this.frames.length ? this.frames[this.frames.length - 1]!.statements : this.root;
    }
    this.last = undefined;
  }

  finish(): readonly Statement[] {
    for (let k = this.frames.length - 1; k >= 0; k--) {
      const f = this.frames[k]!;
      if (f.owner) f.owner.block = { open: f.open, close: undefined, statements: f.statements };
      this.diag('error', 'missing-brace', "missing '}': the block opened here is not closed", f.open, "add the '}' that closes it");
    }
    this.frames.length = 0;
    return this.root;
  }
}

/** Shared by every statement without arguments (the tree is read-only). */
const NO_ARGS: Word[] = Object.freeze([]) as unknown as Word[];

/** Undo lexer-escape.ts outside quotes (inside "..." the lexer takes characters literally). */
function unescapeRest(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') {
      const q = s.indexOf('"', i + 1);
      if (q < 0) return out + s.slice(i);
      out += s.slice(i, q + 1);
      i = q;
    } else if (c === '\\' && i + 1 < s.length) out += s[++i];
    else out += c;
  }
  return out;
}

function isWhite(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 12 || c === 11;
}
