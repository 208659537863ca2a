// parseFile over every file of the shared corpus (real keepalived.conf files, many with includes),
// each from its own folder as keepalived was run: no exception, no internal error, and every
// position names a real place. Agreement with keepalived's verdict is tested elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { parseFile } from 'keepalived-conf-parser';
import { nodeConfigFs } from '../../src/os/config-fs.ts';
import { need } from '../support/env.ts';
import { assertPositionsReal } from './check-positions.ts';
import { CORPUS } from '../support/paths.ts';


function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile()) out.push(p);
  }
}

test('every corpus file parses without throwing and with real positions', (t) => {
  let exists = false;
  try {
    exists = statSync(CORPUS).isDirectory();
  } catch {
    exists = false;
  }
  if (!need(t, exists, `the corpus at ${CORPUS}`)) return;
  const files: string[] = [];
  walk(CORPUS, files);
  assert.ok(files.length > 900, `corpus has ${files.length} files`);
  let statements = 0;
  for (const f of files) {
    const r = parseFile(f, { fs: nodeConfigFs, configId: 'corpus', cwd: dirname(f), randomSeed: 1 });
    assert.ok(!r.diagnostics.some((d) => d.code === 'internal-error'), `${f}: ${JSON.stringify(r.diagnostics.find((d) => d.code === 'internal-error'))}`);
    assertPositionsReal(r, nodeConfigFs, f);
    statements += r.statements.length;
  }
  assert.ok(statements > 5000);
});
