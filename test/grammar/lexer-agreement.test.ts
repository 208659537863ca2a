// The hand scanner (scanTokens, used for speed) against the chevrotain Lexer built from the same
// token definitions (configLexer, the specification): identical types, images and offsets on
// random text, except the Newline tokens scanTokens leaves out (those not ending a statement).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Atom, configLexer, Newline, scanTokens } from '../../grammar/src/tokens.ts';
import type { IToken } from 'chevrotain';

function spec(text: string): string[] {
  const r = configLexer().tokenize(text);
  assert.deepEqual(r.errors, [], 'the chevrotain lexer never fails on our classes');
  const out: string[] = [];
  let prev: IToken | undefined;
  for (const t of r.tokens) {
    const keep = t.tokenType !== Newline || (prev !== undefined && prev.tokenType !== Newline && prev.tokenType.CATEGORIES!.includes(Atom) && prev.startOffset > text.lastIndexOf('\n', t.startOffset - 1));
    if (keep) out.push(`${t.tokenType.name}@${t.startOffset}:${JSON.stringify(t.image)}`);
    prev = t;
  }
  return out;
}
function fast(text: string): string[] {
  return scanTokens(text).map((t) => `${t.tokenType.name}@${t.startOffset}:${JSON.stringify(t.image)}`);
}

const alphabet = fc.constantFrom('a', 'Z', '0', ' ', '\t', '\r', '\f', '\v', '\n', '\n', '"', '"', '{', '}', '#', '!', '\\', '$', '@', '~', '=', '.', '/', "'", 'é', '\u20ac', '\0');

test('scanTokens produces the chevrotain lexer token stream', () => {
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 80 }).map((a) => a.join('')), (text) => {
      assert.deepEqual(fast(text), spec(text));
    }),
    { numRuns: 3000 },
  );
});

test('scanTokens agrees on a realistic configuration', () => {
  const text = 'global_defs {\n  router_id "R 1" # c\n}\nvrrp_instance V{ state MASTER }\nx "unterminated {\n  a\\#b \\\\ c\\\n';
  assert.deepEqual(fast(text), spec(text));
  // startLine/startColumn: 0-based line of the input and column in it
  const t = scanTokens('a\n  bb {\n');
  assert.deepEqual(t.map((x) => [x.image, x.startLine, x.startColumn]), [['a', 0, 0], ['\n', 0, 1], ['bb', 1, 2], ['{', 1, 5]]);
});
