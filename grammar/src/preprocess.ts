// The preprocessor: keepalived's lib/parser.c read_line() as a pass over the files that yields
// "pieces" (one keyword line or one brace each) plus a source map.
//
// Theory of operation. Lines come from a stack of sources; the top one is read first, exactly the
// priority read_line() gives its globals: a brace residue, then ~SEQ/~LST repetitions and
// multiline-definition lines, then the file (an `include` pushes the included files on top).
// Each line goes through, in keepalived's order:
//   file lines only: CR/LF removal, MAXBUF and NUL checks, decomment();
//   a multiline definition being collected swallows the line;
//   loop: `@id` / `@^id` conditional, `$NAME=` definition, `~SEQ` / `~LST`, `$` substitution
//         (re-checked while the result starts with '@' or still holds a '$');
//   `include` (checked after @ and $, as lib/parser.c's read_line() does and keepalived 2.2.7
//   behaves: `@id include f` and `include $F` work, although man5 says they will not);
//   split at the first unquoted brace, the remainder pushed back as the next line.
// Every character keeps a (file, line, col) through source-line.ts, so diagnostics and Word.pos
// always name a real place. Work is bounded: MAXBUF per line, a replacement budget per line
// (self-referencing definitions) and a total line budget (runaway ~SEQ), so no input hangs.
import type { ConfigFileSystem, Diagnostic, ParseOptions, Severity } from './types.ts';
import { colAt, segAt, sliceLine, type Seg, type SrcLine } from './source-line.ts';
import { escapeForLexer } from './lexer-escape.ts';
import { decomment } from './decomment.ts';
import { Definitions, MAXBUF, type Definition } from './definitions.ts';
import { parseSequence, type Sequence } from './sequences.ts';
import { splitAtBrace, strvec } from './pieces.ts';
import { expandBraces, globPattern, hasWildcard } from './include-glob.ts';
import { dirname, resolvePath } from './paths.ts';

/**
 * Where output lines come from. A verbatim chunk is a run of untouched file lines (output line
 * outLine + k is line origLine + k of the file, same columns); a mapped chunk is one rewritten
 * line whose characters map through `segs`.
 */
export type Chunk =
  | { readonly outLine: number; readonly verbatim: true; readonly file: number; readonly origLine: number }
  | { readonly outLine: number; readonly verbatim: false; readonly segs: readonly Seg[] };

export interface PreprocessResult {
  /** Lines for the lexer, each ending in '\n'. */
  readonly text: string;
  /** Source map, sorted by outLine; the first chunk starts at line 0 when there is any text. */
  readonly chunks: readonly Chunk[];
  /** File table indexed by Seg.file; also "every file read, in order". */
  readonly files: readonly string[];
  readonly diagnostics: Diagnostic[];
}

type Source =
  | { kind: 'file'; file: number; dir: string; text: string; pos: number; lineNo: number; special: RegExp; nextSpecial: number }
  | { kind: 'lines'; lines: readonly SrcLine[]; i: number; multiline: boolean }
  | { kind: 'seq'; seq: Sequence }
  | { kind: 'include'; paths: string[]; i: number; at: SrcLine; readable: boolean };

const INCLUDE_VARIANTS = new Set(['include', 'includer', 'includem', 'includew', 'includeb', 'includea', 'includet']);
/** Nested include depth keepalived-ts accepts (keepalived has no limit but detects loops). */
const MAX_INCLUDE_DEPTH = 32;
/** Lines processed in total before we call the expansion runaway (man5's 65,024 instances fit). */
const DEFAULT_MAX_LINES = 2_000_000;
/** Multiline expansions inside multiline expansions: deeper can only be a definition using itself. */
const MAX_MULTILINE_DEPTH = 64;
/** Characters of rewritten (not verbatim) output, to bound memory: man5's 65,024 instances take ~30M. */
const MAX_REWRITTEN_CHARS = 64_000_000;
const MAX_RECHECKS = 64;
/**
 * A line holding one of these needs the preprocessor (escapes and continuations, definitions,
 * conditionals, sequences, NUL, includes); any other line goes to the lexer verbatim.
 */
const SPECIAL = /[\\$@~\0]|include/;

export function preprocess(text: string, source: string, options: ParseOptions, maxLines = DEFAULT_MAX_LINES): PreprocessResult {
  return new Preprocessor(options, maxLines).run(text, source);
}

class Preprocessor {
  private readonly files: string[] = [];
  private readonly fileIndex = new Map<string, number>();
  private readonly diagnostics: Diagnostic[] = [];
  private readonly stack: Source[] = [];
  private readonly texts: string[] = [];
  private readonly chunks: Chunk[] = [];
  private outLines = 0;
  private rewrittenChars = 0;
  private processed = 0;
  private collecting: Definition | undefined;
  private readonly defs: Definitions;
  private readonly fs: ConfigFileSystem;
  private readonly ctx = { pwd: (): string => this.currentDir() };

  constructor(
    private readonly options: ParseOptions,
    private readonly maxLines: number,
  ) {
    this.fs = options.fs;
    this.defs = new Definitions(options.configId, options.env ?? {}, options.randomSeed ?? 0, this.ctx);
  }

  run(text: string, source: string): PreprocessResult {
    this.pushFile(source, text);
    this.loop();
    return { text: this.texts.join(''), chunks: this.chunks, files: this.files, diagnostics: this.diagnostics };
  }

  private fileId(path: string): number {
    let id = this.fileIndex.get(path);
    if (id === undefined) {
      id = this.files.length;
      this.files.push(path);
      this.fileIndex.set(path, id);
    }
    return id;
  }

  private pushFile(path: string, text: string): void {
    this.stack.push({ kind: 'file', file: this.fileId(path), dir: dirname(path), text, pos: 0, lineNo: 0, special: new RegExp(SPECIAL.source, 'g'), nextSpecial: -1 });
  }

  /**
   * Emits the run of plain lines at the file's position as one verbatim chunk: lines with no
   * character the preprocessor must act on (see SPECIAL) and not too long. The lexer handles
   * their comments, quotes and braces itself, exactly as decomment()/read_line() would.
   */
  private verbatimRun(f: Extract<Source, { kind: 'file' }>): void {
    const text = f.text;
    const start = f.pos;
    const startLine = f.lineNo;
    let pos = start;
    while (pos < text.length) {
      if (f.nextSpecial < pos) {
        f.special.lastIndex = pos;
        const m = f.special.exec(text);
        f.nextSpecial = m ? m.index : text.length;
      }
      const nl = text.indexOf('\n', pos);
      const end = nl < 0 ? text.length : nl;
      if (end - pos > MAXBUF || f.nextSpecial < end) break;
      pos = nl < 0 ? text.length : nl + 1;
      f.lineNo++;
    }
    if (pos === start) return;
    f.pos = pos;
    this.chunks.push({ outLine: this.outLines, verbatim: true, file: f.file, origLine: startLine + 1 });
    this.texts.push(text.slice(start, pos));
    if (text.charCodeAt(pos - 1) !== 10) this.texts.push('\n');
    this.outLines += f.lineNo - startLine;
  }

  private currentDir(): string {
    for (let k = this.stack.length - 1; k >= 0; k--) {
      const s = this.stack[k]!;
      if (s.kind === 'file') return s.dir;
    }
    return '.';
  }

  diag(severity: Severity, code: string, message: string, where: { file: number; line: number; col: number }, hint?: string): void {
    const d: Diagnostic = { severity, code, message, file: this.files[where.file] ?? '', line: where.line, col: where.col };
    this.diagnostics.push(hint === undefined ? d : { ...d, hint });
  }

  private loop(): void {
    const stack = this.stack;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      let line: SrcLine;
      if (top.kind === 'file') {
        if (!this.collecting) this.verbatimRun(top);
        if (top.pos >= top.text.length) {
          stack.pop();
          continue;
        }
        const nl = top.text.indexOf('\n', top.pos);
        let raw = top.text.slice(top.pos, nl < 0 ? top.text.length : nl);
        top.pos = nl < 0 ? top.text.length : nl + 1;
        const lineNo = ++top.lineNo;
        let len = raw.length;
        while (len > 0 && raw.charCodeAt(len - 1) === 13) len--;
        if (len !== raw.length) raw = raw.slice(0, len);
        if (len === 0) {
          if (this.collecting) this.endCollecting();
          continue;
        }
        if (len > MAXBUF) {
          this.diag('error', 'line-too-long', `line too long (${len} bytes, keepalived's limit is ${MAXBUF}) - ignoring`, { file: top.file, line: lineNo, col: MAXBUF + 1 });
          continue;
        }
        if (raw.indexOf('\0') >= 0) {
          this.diag('warning', 'nul-in-line', 'line contains a NUL character - ignoring', { file: top.file, line: lineNo, col: raw.indexOf('\0') + 1 });
          continue;
        }
        line = decomment(raw, top.file, lineNo).line;
      } else if (top.kind === 'lines') {
        if (top.i >= top.lines.length) {
          stack.pop();
          continue;
        }
        line = top.lines[top.i++]!;
      } else if (top.kind === 'seq') {
        const n = top.seq.values.next();
        if (n.done) {
          stack.pop();
          continue;
        }
        const vals = n.value;
        for (let k = 0; k < top.seq.vars.length; k++) this.defs.set(top.seq.vars[k]!, { text: vals[k] ?? '', segs: top.seq.text.segs });
        line = top.seq.text;
      } else {
        if (top.i >= top.paths.length) {
          stack.pop();
          continue;
        }
        this.openInclude(top.paths[top.i++]!, top.at, top.readable);
        continue;
      }
      if (++this.processed > this.maxLines) {
        this.diag('error', 'expansion-too-large', `more than ${this.maxLines} lines after expansion - giving up`, colAt(line.segs, 0));
        stack.length = 0;
        break;
      }
      this.handle(line);
    }
  }

  private endCollecting(): void {
    const def = this.collecting!;
    this.collecting = undefined;
    if (def.lines.length === 0) {
      def.multiline = false;
      def.lines = [{ text: '', segs: [{ at: 0, file: 0, line: 1, col: 1, linear: false }] }];
    }
  }

  /** A line of a multiline definition (lib/parser.c read_line "Handle multi-line definitions"). */
  private collect(l: SrcLine): void {
    const def = this.collecting!;
    const t = l.text;
    let end = t.length;
    if (end > 0 && t.charCodeAt(end - 1) === 92) {
      end--;
      while (end > 0 && (t.charCodeAt(end - 1) === 32 || t.charCodeAt(end - 1) === 9)) end--;
    } else {
      this.collecting = undefined;
      if (def.lines.length === 0) def.multiline = false;
    }
    if (end > 0) def.lines.push(sliceLine(l, 0, end));
    if (!def.multiline && def.lines.length !== 1) def.lines = [def.lines[0] ?? { text: '', segs: l.segs }];
  }

  private handle(l: SrcLine): void {
    if (this.collecting) {
      this.collect(l);
      return;
    }
    let line = l;
    for (let iter = 0; ; iter++) {
      if (line.text.length === 0) return;
      if (iter > MAX_RECHECKS) {
        this.diag('error', 'self-reference', 'definitions keep producing new substitutions - line ignored', colAt(line.segs, 0));
        return;
      }
      const t = line.text;
      const c0 = t.charCodeAt(0);
      if (c0 === 64 /* @ */) {
        const next = this.conditional(line);
        if (next === undefined) return;
        line = next;
        continue;
      }
      if (c0 === 36 /* $ */) {
        const def = this.defs.define(line);
        if (def) {
          if (def.multiline) this.collecting = def;
          return;
        }
      }
      if (c0 === 126 /* ~ */) {
        if (t.startsWith('~SEQ') || t.startsWith('~LST')) this.sequence(line);
        else break;
        return;
      }
      if (t.indexOf('$') < 0) break;
      const r = this.defs.substitute(line, this.ctx);
      if (r.kind === 'unchanged') break;
      if (r.kind === 'error') {
        this.diag('error', r.code, r.message, colAt(line.segs, r.at), r.code === 'self-reference' ? 'a definition may not use itself, directly or through others' : undefined);
        return;
      }
      if (r.multiline.length > 0 && this.multilineDepth() + r.multiline.length > MAX_MULTILINE_DEPTH) {
        this.diag('error', 'self-reference', `multiline definitions nested more than ${MAX_MULTILINE_DEPTH} deep - a definition uses itself`, colAt(line.segs, 0), 'a definition may not use itself, directly or through others');
        return;
      }
      for (const rest of r.multiline) this.stack.push({ kind: 'lines', lines: rest, i: 0, multiline: true });
      line = cutSubstitutedComment(r.line);
      // keepalived re-reads the substituted line from its first non-blank character: an empty
      // `$E` before `@x ...` leaves a conditional line (measured with keepalived 2.2.7).
      let lead = 0;
      while (lead < line.text.length && (line.text.charCodeAt(lead) === 32 || line.text.charCodeAt(lead) === 9)) lead++;
      if (lead > 0) line = sliceLine(line, lead);
      const n0 = line.text.charCodeAt(0);
      if (n0 !== 64 && n0 !== 126 && line.text.indexOf('$') < 0) break;
    }
    if (line.text.length === 0) return;
    if (line.text.indexOf('include') >= 0 && this.include(line)) return;
    const [piece, residue] = splitAtBrace(line);
    if (piece.text.length > 0) this.emit(piece);
    if (residue) this.stack.push({ kind: 'lines', lines: [residue], i: 0, multiline: false });
  }

  private multilineDepth(): number {
    let n = 0;
    for (const s of this.stack) if (s.kind === 'lines' && s.multiline) n++;
    return n;
  }

  private emit(piece: SrcLine): void {
    this.rewrittenChars += piece.text.length + 1;
    if (this.rewrittenChars > MAX_REWRITTEN_CHARS) {
      if (this.stack.length > 0) this.diag('error', 'expansion-too-large', `more than ${MAX_REWRITTEN_CHARS} characters produced by expansion - giving up`, colAt(piece.segs, 0));
      this.stack.length = 0;
      return;
    }
    const l = escapeForLexer(piece);
    this.chunks.push({ outLine: this.outLines, verbatim: false, segs: l.segs });
    this.texts.push(l.text, '\n');
    this.outLines++;
  }

  /** `@id rest` / `@^id rest`: rest when it applies to this config id, else undefined. */
  private conditional(l: SrcLine): SrcLine | undefined {
    const t = l.text;
    const rev = t.charCodeAt(1) === 94; /* ^ */
    const ofs = rev ? 2 : 1;
    let ws = ofs;
    while (ws < t.length && t.charCodeAt(ws) !== 32 && t.charCodeAt(ws) !== 9) ws++;
    if (ws >= t.length) return undefined; // nothing after the id: the line is dropped
    const match = t.slice(ofs, ws) === this.options.configId;
    if (match === rev) return undefined;
    while (ws < t.length && (t.charCodeAt(ws) === 32 || t.charCodeAt(ws) === 9)) ws++;
    return sliceLine(l, ws);
  }

  private sequence(l: SrcLine): void {
    const r = parseSequence(l, (params) => {
      const s = this.defs.substitute({ text: params, segs: l.segs }, this.ctx);
      return s.kind === 'changed' && s.multiline.length === 0 ? s.line.text : params;
    });
    if (!r.ok) {
      this.diag('error', 'invalid-sequence', r.message, colAt(l.segs, 0));
      return;
    }
    this.stack.push({ kind: 'seq', seq: r.seq });
  }

  /** check_include(): `include FILE` (exactly two words) and its variants. */
  private include(l: SrcLine): boolean {
    const { words } = strvec(l.text);
    if (words.length !== 2 || !INCLUDE_VARIANTS.has(words[0]!)) return false;
    const variant = words[0]!.slice(7);
    const all = variant === 'a' || variant === 't' || this.options.allConfig === true;
    const readable = all || variant === 'r';
    const mustMatch = all || variant === 'm';
    const wildcard = all || variant === 'w';
    const brace = all || variant === 'b';
    const pattern = words[1]!;
    const at = colAt(l.segs, l.text.indexOf(pattern) >= 0 ? l.text.indexOf(pattern) : 0);
    const alts = expandBraces(pattern);
    const base = this.currentDir();
    const paths: string[] = [];
    for (const alt of alts) {
      const found = globPattern(this.fs, base, alt).filter((p) => this.fs.kind(p) === 'file');
      if (found.length === 0 && ((brace && alts.length > 1) || (wildcard && hasWildcard(alt))))
        this.diag('error', 'include-not-found', `no config file matched '${alt}'`, at);
      paths.push(...found);
    }
    if (paths.length === 0) {
      const sev: Severity = mustMatch ? 'error' : 'warning';
      this.diag(sev, 'include-not-found', `no config files matched '${pattern}'`, at, sev === 'warning' ? `use 'includea' to make a missing file an error` : undefined);
    }
    if (paths.length > 0) this.stack.push({ kind: 'include', paths, i: 0, at: { text: l.text, segs: [{ ...at, at: 0, linear: false }] }, readable });
    return true;
  }

  private openInclude(path: string, at: SrcLine, readable: boolean): void {
    const where = colAt(at.segs, 0);
    const open = this.stack.filter((s) => s.kind === 'file');
    const full = resolvePath('', path);
    if (open.some((s) => s.kind === 'file' && this.files[s.file] === full)) {
      this.diag('error', 'include-loop', `'${full}' includes itself (through the include chain) - skipped`, where);
      return;
    }
    if (open.length >= MAX_INCLUDE_DEPTH) {
      this.diag('error', 'include-too-deep', `includes nested more than ${MAX_INCLUDE_DEPTH} deep - '${full}' skipped`, where);
      return;
    }
    const text = this.fs.readFile(full);
    if (text === undefined) {
      this.diag(readable ? 'error' : 'warning', 'include-unreadable', `configuration file '${full}' cannot be read - skipping`, where);
      return;
    }
    this.pushFile(full, text);
  }
}

/**
 * lib/parser.c alloc_strvec_r(): a word that starts with '#' or '!' ends the line. decomment()
 * has already handled what was written, so this only bites on characters that substitution
 * brought (`${_HASH}`, `${_BANG}`, or a definition holding them), which map to a point segment.
 * Measured with keepalived 2.2.7: `${_BANG}frob 1` and `$H frob` ($H=${_HASH}) are silently
 * ignored; `\#frob` and `"#frob"` stay words.
 */
function cutSubstitutedComment(line: SrcLine): SrcLine {
  const t = line.text;
  let inQuote = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 34 /* " */) inQuote = !inQuote;
    if (inQuote || (c !== 35 /* # */ && c !== 33 /* ! */)) continue;
    const wordStart = i === 0 || t.charCodeAt(i - 1) === 32 || t.charCodeAt(i - 1) === 9;
    if (wordStart && !segAt(line.segs, i).linear) return sliceLine(line, 0, i);
  }
  return line;
}

