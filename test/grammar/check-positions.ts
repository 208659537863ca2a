// Shared assertion for grammar tests: every diagnostic and every word position names a file that
// was read and a line/column that exists in it.
import assert from 'node:assert/strict';
import type { ConfigFileSystem, ParseResult, SourcePosition, Statement } from 'keepalived-conf-parser';

export function assertPositionsReal(r: ParseResult, fs: ConfigFileSystem, mainFile: string, mainText?: string): void {
  const cache = new Map<string, string[] | undefined>();
  const linesOf = (file: string): string[] | undefined => {
    if (!cache.has(file)) {
      const text = file === mainFile && mainText !== undefined ? mainText : fs.readFile(file);
      cache.set(file, text === undefined ? undefined : text.split('\n'));
    }
    return cache.get(file);
  };
  const check = (p: { file: string; line: number; col: number }, what: string): void => {
    const lines = linesOf(p.file);
    if (lines === undefined) {
      // only a missing main file may be named without existing
      assert.equal(p.line, 1, `${what}: ${JSON.stringify(p)} in an unreadable file`);
      return;
    }
    assert.ok(Number.isInteger(p.line) && p.line >= 1 && p.line <= Math.max(1, lines.length), `${what}: line ${p.line} outside ${p.file} (${lines.length} lines)`);
    const len = (lines[p.line - 1] ?? '').length;
    assert.ok(Number.isInteger(p.col) && p.col >= 1 && p.col <= len + 1, `${what}: col ${p.col} outside line ${p.line} of ${p.file} (length ${len})`);
  };
  for (const d of r.diagnostics) check(d, `diagnostic ${d.code}`);
  const walk = (sts: readonly Statement[]): void => {
    for (const s of sts) {
      check(s.keyword.pos, 'keyword');
      for (const a of s.args) check(a.pos, 'arg');
      check(s.restPos as SourcePosition, 'restPos');
      if (s.block) {
        check(s.block.open, 'block open');
        if (s.block.close) check(s.block.close, 'block close');
        walk(s.block.statements);
      }
    }
  };
  walk(r.statements);
}
