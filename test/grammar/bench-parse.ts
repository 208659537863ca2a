// Prints how long parse() takes on the benchmark configuration (not a test: times are noisy).
// Run: node --import tsx test/grammar/bench-parse.ts [runs]
import { performance } from 'node:perf_hooks';
import { parse } from 'keepalived-conf-parser';
import { preprocess } from '../../grammar/src/preprocess.ts';
import { scanTokens } from '../../grammar/src/tokens.ts';
import { nodeConfigFs } from '../../src/os/config-fs.ts';
import { generateBigConfig } from './generate-big-config.ts';

const text = generateBigConfig();
const lines = text.split('\n').length - 1;
const runs = Number(process.argv[2] ?? 8);
const options = { fs: nodeConfigFs, configId: 'bench' };
console.log(`config: ${lines} lines, ${(text.length / 1e6).toFixed(1)} MB`);
for (let k = 0; k < runs; k++) {
  const t0 = performance.now();
  const r = parse(text, '/etc/keepalived/keepalived.conf', options);
  const t1 = performance.now();
  const pp = preprocess(text, '/etc/keepalived/keepalived.conf', options);
  const t2 = performance.now();
  const lx = { tokens: scanTokens(pp.text) };
  const t3 = performance.now();
  console.log(
    `run ${k}: parse ${(t1 - t0).toFixed(1)} ms (statements ${r.statements.length}, diagnostics ${r.diagnostics.length}); ` +
      `preprocess alone ${(t2 - t1).toFixed(1)} ms, lex alone ${(t3 - t2).toFixed(1)} ms (${lx.tokens.length} tokens)`,
  );
}
