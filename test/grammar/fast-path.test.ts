// The two roads through the parser must agree: plain lines go to the lexer verbatim (comments,
// quotes and braces handled by the lexer), lines with '@' (and '$', '~', '\', include) are
// rewritten by the preprocessor (decomment, brace split, escaping for the lexer). Prefixing every
// line with "@x " (config id x) forces the second road without changing what keepalived reads,
// so the trees, diagnostics and positions (shifted by 3 columns) must be identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse, type ParseResult, type Statement } from 'keepalived-conf-parser';
import { opts } from './mem-fs.ts';

const F = '/k.conf';

function dump(r: ParseResult, colShift: number): unknown {
  const w = (x: { text: string; quoted: boolean; pos: { line: number; col: number } }) => [x.text, x.quoted, x.pos.line, x.pos.col - colShift];
  const st = (sts: readonly Statement[]): unknown[] =>
    sts.map((s) => [w(s.keyword), s.args.map(w), s.rest, s.restPos.line, s.restPos.col - colShift, s.block ? [s.block.open.line, s.block.open.col - colShift, s.block.close?.line, st(s.block.statements)] : null]);
  return { tree: st(r.statements), diags: r.diagnostics.map((d) => [d.code, d.line, d.col - colShift]) };
}

const ch = fc.constantFrom('a', 'b', '1', '.', ' ', ' ', '\t', '"', '{', '}', '#', '!', '\n', '\n', '\n', '\r', "'", '=');

test('verbatim and rewritten lines give the same tree', () => {
  fc.assert(
    fc.property(fc.array(ch, { maxLength: 80 }).map((a) => a.join('')), (text) => {
      const plain = parse(text, F, opts());
      const lines = text.split('\n');
      const viaAt = lines.map((l, i) => (i === lines.length - 1 && l === '' ? l : `@x ${l}`)).join('\n');
      const forced = parse(viaAt, F, opts({}, { configId: 'x' }));
      // a '"' left open in the @ line is reported by decomment too: compare the rest
      assert.deepEqual(dump(forced, 3), dump(plain, 0), JSON.stringify(text));
    }),
    { numRuns: 3000 },
  );
});

test('escaped characters produced by rewriting stay literal', () => {
  // after decomment: `\!` is a literal '!', `\\` stays two backslashes (keepalived only unescapes in
  // splitShellWords); what substitution brings is literal inside a word, but a WORD that starts
  // with '#' or '!' ends the line (alloc_strvec_r; measured with keepalived 2.2.7).
  const r = parse('$H=${_HASH}\nkw a${H}\\!b "${_HASH}" \\\\y\\#z ${_BANG}x more\n', F, opts());
  assert.deepEqual(r.diagnostics, []);
  const s = r.statements[0]!;
  assert.deepEqual(s.args.map((a) => a.text), ['a#!b', '#', '\\\\y#z']);
  assert.equal(s.rest, 'a#!b "#" \\\\y#z');
});
