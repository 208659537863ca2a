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
import type { PreprocessResult } from './preprocess.ts';
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
  private line = 0;
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly pp: PreprocessResult,
    private readonly text: string,
  ) {}

  /** Source position of absolute offset `off` in the current piece. */
  pos(off: number): SourcePosition {
    const segs = this.pp.lineSegs[this.line]!;
    const i = off - this.pp.lineStarts[this.line]!;
    const s = segs.length === 1 ? segs[0]! : segAt(segs, i);
    return { file: this.pp.files[s.file]!, line: s.line, col: s.linear ? s.col + (i - s.at) : s.col };
  }

  private diag(severity: Diagnostic['severity'], code: string, message: string, p: SourcePosition, hint?: string): void {
    const d: Diagnostic = { severity, code, message, file: p.file, line: p.line, col: p.col };
    this.diagnostics.push(hint === undefined ? d : { ...d, hint });
  }

  statement(atoms: readonly IToken[], newline: IToken): void {
    const words: Word[] = [];
    for (const t of atoms) {
      if (t.tokenType === UnmatchedQuote) {
        this.diag('error', 'unmatched-quote', `unmatched quote: '${t.image}'`, this.pos(t.startOffset), 'close the string with "');
        break;
      }
      const quoted = t.tokenType === Quoted;
      words.push({ text: quoted ? t.image.slice(1, -1) : t.image, quoted, pos: this.pos(t.startOffset) });
    }
    const kw = atoms[0]!;
    if (words.length === 0) {
      this.last = undefined;
    } else {
      let restStart = kw.startOffset + kw.image.length;
      const end = newline.startOffset;
      const t = this.text;
      while (restStart < end && isWhite(t.charCodeAt(restStart))) restStart++;
      const st: MutableStatement = {
        keyword: words[0]!,
        args: words.slice(1),
        rest: t.slice(restStart, end),
        restPos: this.pos(restStart < end ? restStart : kw.startOffset + kw.image.length),
        block: undefined,
        pos: words[0]!.pos,
      };
      this.current.push(st);
      this.last = st;
    }
    this.line++;
  }

  open(brace: IToken): void {
    const p = this.pos(brace.startOffset);
    const owner = this.last;
    if (owner === undefined) this.diag('warning', 'unexpected-brace', "unexpected '{' - ignoring", p, 'a block opens right after its keyword line');
    const frame: Frame = { statements: owner ? [] : this.current, owner, open: p };
    this.frames.push(frame);
    this.current = frame.statements;
    this.last = undefined;
    this.line++;
  }

  close(brace: IToken): void {
    const p = this.pos(brace.startOffset);
    const frame = this.frames.pop();
    if (frame === undefined) {
      this.diag('error', 'extra-brace', "extra '}' found", p, 'remove it, or look for a missing "{" above');
    } else {
      if (frame.owner) frame.owner.block = { open: frame.open, close: p, statements: frame.statements };
      this.current = this.frames.length ? this.frames[this.frames.length - 1]!.statements : this.root;
    }
    this.last = undefined;
    this.line++;
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

function isWhite(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 12 || c === 11;
}
