// The lexer: one token type per lexical class, never one per keyword (DESIGN.md rule 7).
//
// It runs once over the preprocessor's output, where every line is already one keepalived "piece"
// (a keyword line or a lone brace), comments are gone and definitions are substituted. What is
// left is alloc_strvec_r()'s tokenising: words split on keepalived's WHITE_SPACE (" \t\f\n\r\v"),
// a `"` starts a quoted word running to the next `"` on the line (an unquoted word also stops at
// a `"`), and a `"` with no partner is an error that swallows the rest of the line.
// Every character of the input belongs to exactly one class, so the lexer cannot fail.
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true });
export const Blank = createToken({ name: 'Blank', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });
/** Category of the tokens that make words of a statement. */
export const Atom = createToken({ name: 'Atom', pattern: Lexer.NA });
export const Quoted = createToken({ name: 'Quoted', pattern: /"[^"\n]*"/, categories: [Atom] });
export const UnmatchedQuote = createToken({ name: 'UnmatchedQuote', pattern: /"[^\n]*/, categories: [Atom] });
export const Word = createToken({
  name: 'Word',
  pattern: /[^ \t\r\f\v\n"{}]+/,
  categories: [Atom],
  // every character not claimed by another class may start a word
  start_chars_hint: wordStartChars(),
});

function wordStartChars(): string[] {
  const out: string[] = [];
  for (let c = 0; c < 256; c++) {
    const ch = String.fromCharCode(c);
    if (!' \t\r\f\v\n"{}'.includes(ch)) out.push(ch);
  }
  return out;
}

export const allTokens: TokenType[] = [Newline, Blank, LBrace, RBrace, Quoted, UnmatchedQuote, Word, Atom];

export const configLexer = new Lexer(allTokens, {
  positionTracking: 'onlyOffset',
  ensureOptimizations: false,
  skipValidations: false,
});
