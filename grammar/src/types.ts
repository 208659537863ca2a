// The contract between keepalived.conf SYNTAX (this package) and its MEANING (src/config).
//
// Theory of operation: keepalived reads its configuration line by line (lib/parser.c read_line):
// a line is split at every `{` / `}` outside quotes, so `vrrp_instance X { state MASTER` is three
// pieces; each remaining piece is split into words on blanks, a `"..."` run being one word.
// Blocks are nested lists of such lines. Keyword blocks (vrrp_instance) and value blocks
// (virtual_ipaddress) have the same shape here: one Statement per line, the first word being the
// "keyword" (for a value block it is simply the first word of the item, e.g. an address).
// Whether a word is a keyword or a value is decided by src/config, never here.
//
// Positions are 1-based and always point into an original file (through the preprocessor's
// source map), so a diagnostic about text produced by `include`, `$NAME` or `~SEQ` still names
// a file, line and column the user can open.

export interface SourcePosition {
  /** Path of the file as the user (or an include line) named it, resolved to an absolute path. */
  readonly file: string;
  /** 1-based line in that file. */
  readonly line: number;
  /** 1-based column (in UTF-16 code units of that line). */
  readonly col: number;
}

export type Severity = 'error' | 'warning' | 'info';

/** Every problem with user input is one of these; nothing in this package or src/config throws. */
export interface Diagnostic {
  readonly severity: Severity;
  /** Stable code, e.g. 'unknown-keyword', 'missing-brace', 'self-reference'. */
  readonly code: string;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** A way out: "did you mean 'priority'?", "quote the value", ... */
  readonly hint?: string;
}

/**
 * Codes the grammar reports (src/config adds its own):
 *   extra-brace, missing-brace, unexpected-brace (warning), unmatched-quote,
 *   line-too-long (over MAXBUF 1024 bytes: line ignored), nul-in-line (warning: line ignored),
 *   self-reference (a definition using itself: line ignored), expansion-too-large,
 *   invalid-sequence (~SEQ / ~LST), include-not-found (warning for plain `include`),
 *   include-unreadable, include-loop, include-too-deep, file-not-found, internal-error (a bug here).
 */
export type GrammarDiagnosticCode = string;

/**
 * One word of a line after preprocessing. `quoted` words came from "..." (quotes removed).
 * `pos` is the word's first character (the opening quote of a quoted word); a word produced by
 * `$NAME` / `${NAME}` points at the `$`, one from a multiline definition into the definition's
 * own line, one from `~SEQ`/`~LST` into the sequence line.
 */
export interface Word {
  readonly text: string;
  readonly quoted: boolean;
  readonly pos: SourcePosition;
}

export interface Block {
  /** Position of the `{`. */
  readonly open: SourcePosition;
  /** Position of the matching `}`; undefined when the file ended first (a diagnostic was issued). */
  readonly close: SourcePosition | undefined;
  readonly statements: readonly Statement[];
}

export interface Statement {
  /** The first word of the line piece. */
  readonly keyword: Word;
  /** The remaining words of the piece, before any `{`. */
  readonly args: readonly Word[];
  /**
   * The text after the keyword up to the end of the piece, comments removed, exactly as written
   * (quotes kept). Keywords that keepalived installs with install_keyword_quoted (notify*,
   * script, misc_path...) re-read it shell-like with splitShellWords().
   */
  readonly rest: string;
  /** Position of the first character of `rest` (col of the keyword's end when rest is empty). */
  readonly restPos: SourcePosition;
  /** The `{ ... }` that follows, on this line or the next. */
  readonly block: Block | undefined;
  readonly pos: SourcePosition;
}

/**
 * The file system the preprocessor reads includes through. Injected so that this package imports
 * nothing but chevrotain (an editor plugin can give it an in-memory tree).
 */
export interface ConfigFileSystem {
  /** The file's text, or undefined when it does not exist or cannot be read. */
  readFile(path: string): string | undefined;
  /** Entries (names, not paths) of a directory, or undefined when it is not a readable directory. */
  readDir(path: string): readonly string[] | undefined;
  /** 'file' | 'dir' | undefined (absent). */
  kind(path: string): 'file' | 'dir' | undefined;
}

export interface ParseOptions {
  readonly fs: ConfigFileSystem;
  /** `-i/--config-id`; keepalived's default is the host name up to the first dot. */
  readonly configId: string;
  /** Environment for ${_ENV NAME}. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `-e/--all-config`: a missing include is an error. */
  readonly allConfig?: boolean;
  /** Seed for ${_RANDOM}; keepalived's `random_seed`. */
  readonly randomSeed?: number;
  /** Directory a relative main-file path is resolved against (the process's cwd); default: as given. */
  readonly cwd?: string;
}

export interface ParseResult {
  readonly statements: readonly Statement[];
  readonly diagnostics: readonly Diagnostic[];
  /** Every file read, in order (the main file first). */
  readonly files: readonly string[];
}
