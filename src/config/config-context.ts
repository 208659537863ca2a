// The state one buildConfig() run threads through every keyword handler: where diagnostics go,
// the injected host facts, and the global defaults later blocks read.
//
// Why a context instead of globals: keepalived keeps ~108 globals and prints errors from inside
// its keyword handlers (report_config_error). Here handlers only append typed diagnostics to
// the run's own list, so the model builder stays pure and never throws on user input.
import type { Diagnostic, Severity, SourcePosition, Statement, Word } from 'keepalived-conf-parser';
import type { HostFacts } from './host-facts.ts';

export class ConfigContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly host: HostFacts | undefined;
  /** Every script keyword read (for the enable_script_security rule and host checks). */
  readonly scripts: { readonly pos: SourcePosition; readonly keyword: string; readonly argv0: string; owner?: string; user?: string }[] = [];
  private readonly readSource: ((file: string) => string | undefined) | undefined;
  private readonly lineCache = new Map<string, readonly string[] | undefined>();

  constructor(host: HostFacts | undefined, readSource?: (file: string) => string | undefined) {
    this.host = host;
    this.readSource = readSource;
  }

  /** The original text of a source line, when the caller gave a way to read sources. */
  sourceLine(file: string, line: number): string | undefined {
    if (!this.readSource) return undefined;
    if (!this.lineCache.has(file)) this.lineCache.set(file, this.readSource(file)?.split(/\r?\n/));
    return this.lineCache.get(file)?.[line - 1];
  }

  /**
   * keepalived issue #955: `auth_pass abc!def` silently becomes `abc`, because `!` and `#` start a
   * comment anywhere on a line. When the source shows a comment character glued to the end of
   * the value, say so.
   */
  checkCommentCut(w: Word, what: string): void {
    if (w.quoted) return;
    const text = this.sourceLine(w.pos.file, w.pos.line);
    if (text === undefined) return;
    const end = w.pos.col - 1 + w.text.length;
    if (text.slice(w.pos.col - 1, end) !== w.text) return;
    const c = text[end];
    if (c === '!' || c === '#') {
      this.warn(
        'comment-cut',
        { file: w.pos.file, line: w.pos.line, col: end + 1 },
        `${what} was cut at '${c}', which starts a comment: the value used is '${w.text}'`,
        `quote the value ("${w.text}${text.slice(end).split(/\s/)[0]}") or write ${c === '!' ? '${_BANG}' : '${_HASH}'}`,
      );
    }
  }

  report(severity: Severity, code: string, at: SourcePosition, message: string, hint?: string): void {
    const d: Diagnostic = hint === undefined
      ? { severity, code, message, file: at.file, line: at.line, col: at.col }
      : { severity, code, message, file: at.file, line: at.line, col: at.col, hint };
    this.diagnostics.push(d);
  }

  error(code: string, at: Word | Statement | SourcePosition, message: string, hint?: string): void {
    this.report('error', code, positionOf(at), message, hint);
  }

  warn(code: string, at: Word | Statement | SourcePosition, message: string, hint?: string): void {
    this.report('warning', code, positionOf(at), message, hint);
  }

  info(code: string, at: Word | Statement | SourcePosition, message: string, hint?: string): void {
    this.report('info', code, positionOf(at), message, hint);
  }
}

export function positionOf(at: Word | Statement | SourcePosition): SourcePosition {
  if ('keyword' in at) return at.keyword.pos;
  if ('pos' in at) return at.pos;
  return at;
}
