// Property tests: whatever the input - random bytes, token soup, mutated real configurations -
// parse() returns (never throws), finishes quickly, reports no internal error, and every
// diagnostic and word position names a real line and column of a real file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, parseFile } from 'keepalived-conf-parser';
import { memFs } from './mem-fs.ts';
import { assertPositionsReal } from './check-positions.ts';
import { CORPUS } from '../support/paths.ts';

const MAIN = '/etc/keepalived/keepalived.conf';
/** A typical input takes well under a millisecond; this bound catches hangs, not slowness, so it
 * leaves room for a loaded CI machine (load 16 on 2 cores was seen here). */
const MAX_MS = 20_000;

function check(text: string, extraFiles: Record<string, string> = {}): void {
  const fs = memFs({ ...extraFiles, [MAIN]: text });
  const t0 = Date.now();
  const r = parseFile(MAIN, { fs, configId: 'main', env: { HOME: '/root' }, randomSeed: 7 });
  const ms = Date.now() - t0;
  assert.ok(ms < MAX_MS, `took ${ms} ms`);
  assert.ok(!r.diagnostics.some((d) => d.code === 'internal-error'), JSON.stringify(r.diagnostics));
  assertPositionsReal(r, fs, MAIN, text);
  // parse(text) on the same text gives the same tree
  const again = parse(text, MAIN, { fs, configId: 'main', env: { HOME: '/root' }, randomSeed: 7 });
  assert.equal(again.statements.length, r.statements.length);
}

test('random bytes never break the parser', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => check(String.fromCharCode(...bytes))),
    { numRuns: 1500 },
  );
});

const soupToken = fc.oneof(
  fc.constantFrom(
    '{', '}', '"', "'", '#', '!', '\\', '\\#', '\n', '\n', '\n', ' ', '  ', '\t', '\r\n', '$', '${', '}',
    '$X=', '$X=1', '$X=$X', '$Y=${X}', '$M= \\', '$M', '${M}', '$X', '${X}', '${_RANDOM 1 5}', '${_ENV HOME}', '${_HASH}', '${_BANG}',
    '@main ', '@^main ', '@other ', '~SEQ(I,1,3) ', '~SEQx(J,0x9,0xb) ', '~LST(K,a,b) ', '~LST({A,B},{1,2}) ', '~SEQ(', '~LST(',
    'include inc.conf', 'include missing.conf', 'includea *.conf', 'include main.conf', 'include keepalived.conf',
    'vrrp_instance', 'VI_1', 'state', 'MASTER', 'virtual_ipaddress', '10.0.0.1/24', 'notify', '"/bin/x a"', 'real_server',
  ),
  fc.string({ maxLength: 6 }),
);

test('token soup never breaks the parser', () => {
  fc.assert(
    fc.property(fc.array(soupToken, { maxLength: 60 }), (tokens) => check(tokens.join(''), { '/etc/keepalived/inc.conf': 'a {\n$X=2\n}\n}\ninclude keepalived.conf\n' })),
    { numRuns: 2000 },
  );
});

function corpusConfigs(): string[] {
  const dir = join(CORPUS, 'devel-configs');
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.conf'))
      .sort()
      .filter((_, i) => i % 7 === 0)
      .map((n) => join(dir, n))
      .filter((p) => statSync(p).isFile() && statSync(p).size < 40_000)
      .map((p) => readFileSync(p, 'latin1'))
      // big ~SEQ expansions (65,024 instances) are correct but slow; they have their own tests
      .filter((t) => !t.includes('~SEQ'));
  } catch {
    return [];
  }
}

test('mutated real configurations never break the parser', (t) => {
  const configs = corpusConfigs();
  if (configs.length === 0) {
    t.skip('no corpus');
    return;
  }
  const mutation = fc.tuple(fc.constantFrom('delete', 'duplicate', 'swap', 'brace-open', 'brace-close', 'quote', 'dollar', 'at'), fc.nat(), fc.nat());
  fc.assert(
    fc.property(fc.nat({ max: configs.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 8 }), (k, muts) => {
      const lines = configs[k]!.split('\n');
      for (const [kind, a, b] of muts) {
        if (lines.length === 0) break;
        const i = a % lines.length;
        const j = b % lines.length;
        const line = lines[i]!;
        const at = line.length === 0 ? 0 : b % line.length;
        switch (kind) {
          case 'delete': lines.splice(i, 1); break;
          case 'duplicate': lines.splice(i, 0, line); break;
          case 'swap': [lines[i], lines[j]] = [lines[j]!, line]; break;
          case 'brace-open': lines[i] = line.slice(0, at) + '{' + line.slice(at); break;
          case 'brace-close': lines[i] = line.slice(0, at) + '}' + line.slice(at); break;
          case 'quote': lines[i] = line.slice(0, at) + '"' + line.slice(at); break;
          case 'dollar': lines[i] = '$' + line.trim(); break;
          case 'at': lines[i] = '@main ' + line; break;
        }
      }
      check(lines.join('\n'));
    }),
    { numRuns: 400 },
  );
});
