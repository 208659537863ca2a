// keepalived-conf-parser: keepalived.conf syntax. See types.ts for the tree contract.
//
// parse() = preprocess (include, @id, $NAME, ~SEQ/~LST, comments, brace splitting; with a source
// map) -> one chevrotain lexing pass over the whole output -> one parsing pass whose embedded
// actions build the tree. It never throws: user-input problems are diagnostics, and an internal
// failure becomes an 'internal-error' diagnostic rather than an exception.
import type { Diagnostic, ParseOptions, ParseResult, Statement } from './types.ts';
import { preprocess } from './preprocess.ts';
import { scanBatch, scanStart, TokenPool } from './tokens.ts';
import { configParser } from './parser.ts';
import { TreeBuilder } from './tree-builder.ts';
import { resolvePath } from './paths.ts';

export type * from './types.ts';
export { splitShellWords, type ShellWords } from './shell-words.ts';

/** Tokens handed to the parser at a time (each batch ends at a statement boundary). */
const TOKENS_PER_BATCH = 8192;

export function parse(text: string, source: string, options: ParseOptions): ParseResult {
  try {
    const pp = preprocess(text, source, options);
    const builder = new TreeBuilder(pp);
    const parser = configParser();
    parser.builder = builder;
    const scan = scanStart();
    const pool = new TokenPool();
    let parseErrors = 0;
    let firstError = '';
    while (scan.i < pp.text.length) {
      parser.input = scanBatch(pp.text, scan, TOKENS_PER_BATCH, pool);
      parser.document();
      if (parser.errors.length > 0 && parseErrors++ === 0) firstError = parser.errors[0]!.message;
    }
    parser.builder = undefined;
    const statements: readonly Statement[] = builder.finish();
    const diagnostics: Diagnostic[] = [...pp.diagnostics, ...builder.diagnostics];
    if (parseErrors > 0) {
      const what = firstError;
      diagnostics.push({ severity: 'error', code: 'internal-error', message: `keepalived-conf-parser could not parse its own token stream: ${what}`, file: source, line: 1, col: 1 });
    }
    return { statements, diagnostics, files: pp.files };
  } catch (e) {
    return {
      statements: [],
      diagnostics: [{ severity: 'error', code: 'internal-error', message: `keepalived-conf-parser failed: ${String(e)}`, file: source, line: 1, col: 1 }],
      files: [source],
    };
  }
}

/** Reads `path` through options.fs (relative paths against options.cwd) and parses it. */
export function parseFile(path: string, options: ParseOptions): ParseResult {
  const full = resolvePath(options.cwd ?? '', path);
  let text: string | undefined;
  try {
    text = options.fs.readFile(full);
  } catch {
    text = undefined;
  }
  if (text === undefined)
    return {
      statements: [],
      diagnostics: [{ severity: 'error', code: 'file-not-found', message: `configuration file '${full}' cannot be read`, file: full, line: 1, col: 1 }],
      files: [],
    };
  return parse(text, full, options);
}
