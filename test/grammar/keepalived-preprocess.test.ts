// Differential test of the preprocessor against keepalived 2.2.7: every line of these configs
// expands to unknown top-level words, which `keepalived -t` lists ("(Line N) Unknown keyword 'X'")
// in the order it read them; our top-level keywords must be the same, in the same order, and on
// the same lines - except lines from a multiline definition, which keepalived reports at the use
// and we at the definition line the text comes from (more useful to find a typo).
// Only features 2.2.7 has are used (no ~LST, _ENV, _HASH, includer...).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFile } from 'keepalived-conf-parser';
import { nodeConfigFs } from '../../src/os/config-fs.ts';
import { hasCommand, need } from '../support/env.ts';

const CASES: Record<string, string> = {
  seq: '~SEQ(S, 0, 3) zz_a${S}\n~SEQx(H, 0x90, 0x10, 0xc0) zz_h${H}\n~SEQ(D, 3) zz_d$D\n~SEQ(E, 2, 0) zz_e$E\n~SEQ(N, -2) zz_n$N\n',
  nestedSeq: '~SEQx(A, 0x90, 0x10, 0xa0) ~SEQx(B, 0x12, -1, 0x10) zz_${A}_${B}\n',
  defs: '$A=1\n$B=zz_b${A}\n$B\n$A=2\n${B}x\n$C =3\nzz_c$C\n$E=\nzz_e[$E]\n',
  conditional: '@x zz_yes\n@y zz_no\n@^y zz_not_y\n@^x zz_not_x\n@x\n$P=@x\n$P zz_via_def\n',
  multiline: '$M= \\\nzz_m1_${N} \\\nzz_m2_${N} \\\n@x zz_m3_${N}\n$N=0\n$M\n$N=1\n$M\n',
  nestedMultiline: '$IN= \\\nzz_in_${V} \\\nzz_in2\n$OUT= \\\nzz_out_${V} \\\n$IN \\\nzz_out_end\n$V=7\n$OUT\n',
  seqMultilineDef: '$L= \\\nzz_l_${I} \\\nzz_l2_${I}\n~SEQ(I, 1, 2) $L\n',
  blankEndsMultilineDef: '$M= \\\nzz_1 \\\n\nzz_2\n$M\n',
  braces: 'zz_a { zz_b }\nzz_c{zz_d}zz_e\n"zz_q {" zz_r\n',
  builtins: 'zz_${_INSTANCE}\n',
  // a word that substitution starts with '#' or '!' is a comment; written escapes and quotes are not
  // an empty substitution before a conditional leaves a conditional line
  emptyBeforeConditional: '$E=\n$E\t@x zz_c1\n$E\t@y zz_c2\n$E  zz_c3\n',
  substitutedComment: '$H=${_HASH}\n$H zz_h1\n${_BANG}zz_b1 1\nzz_b2 ${_BANG}zz_b3\n\\#zz_e1\n"#zz_q1"\nzz_ok\n',
};

test('preprocessor output agrees with keepalived -t (unknown keywords, in order, with lines)', (t) => {
  if (!need(t, hasCommand('keepalived'), 'keepalived 2.2.7 (Debian package)')) return;
  const dir = mkdtempSync(join(tmpdir(), `kts-pp-${process.pid}-`));
  try {
    for (const [name, text] of Object.entries(CASES)) {
      const file = join(dir, `${name}.conf`);
      writeFileSync(file, text);
      const ka = spawnSync('keepalived', ['-t', '-i', 'x', '-f', file], { encoding: 'utf8', timeout: 10_000, cwd: dir });
      // the parent's own read: "(Line N) ..." without the file name (its children re-read it)
      const withLines = !/multiline/i.test(name);
      // (a '}' closing an unknown keyword's block is itself an "unknown keyword" at top level)
      const theirs = [...(ka.stderr ?? '').matchAll(/^\(Line (\d+)\) Unknown keyword '([^']*)'/gm)].filter((m) => m[2] !== '}').map((m) => (withLines ? `${m[1]}:${m[2]}` : m[2]));
      const r = parseFile(file, { fs: nodeConfigFs, configId: 'x' });
      const ours: string[] = [];
      const walk = (sts: typeof r.statements): void => {
        for (const s of sts) {
          ours.push(withLines ? `${s.keyword.pos.line}:${s.keyword.text}` : s.keyword.text);
          if (s.block) walk(s.block.statements);
        }
      };
      walk(r.statements);
      assert.deepEqual(ours, theirs, `${name}:\n${text}\n${ka.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
