// Prints how long parse() takes on the benchmark configuration, next to keepalived 2.2.7's whole
// `keepalived -t` on the same file when it is installed (not a test: times are noisy, so it reports
// the best of N runs, CPU and wall, and keepalived measured in between as the yardstick).
// Run: node --import tsx test/grammar/bench-parse.ts [runs]
//      (add --max-semi-space-size=64 before --import to see the effect of a larger young generation)
import { performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'keepalived-conf-parser';
import { preprocess } from '../../grammar/src/preprocess.ts';
import { scanTokens } from '../../grammar/src/tokens.ts';
import { nodeConfigFs } from '../../src/os/config-fs.ts';
import { generateBigConfig } from './generate-big-config.ts';

const text = generateBigConfig();
const lines = text.split('\n').length - 1;
const runs = Number(process.argv[2] ?? 10);
const options = { fs: nodeConfigFs, configId: 'bench' };
const dir = mkdtempSync(join(tmpdir(), 'kts-bench-'));
const file = join(dir, 'keepalived.conf');
writeFileSync(file, text);
console.log(`config: ${lines} lines, ${(text.length / 1e6).toFixed(1)} MB`);

const best = { wall: Infinity, cpu: Infinity, pp: Infinity, scan: Infinity, kaWall: Infinity, kaCpu: Infinity };
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
for (let k = 0; k < runs; k++) {
  let c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = parse(text, file, options);
  best.wall = Math.min(best.wall, performance.now() - t0);
  best.cpu = Math.min(best.cpu, cpuMs(process.cpuUsage(c0)));
  if (k === 0) console.log(`statements ${r.statements.length}, diagnostics ${r.diagnostics.length}`);
  c0 = process.cpuUsage();
  const pp = preprocess(text, file, options);
  best.pp = Math.min(best.pp, cpuMs(process.cpuUsage(c0)));
  c0 = process.cpuUsage();
  scanTokens(pp.text);
  best.scan = Math.min(best.scan, cpuMs(process.cpuUsage(c0)));
  const ka = spawnSync('/usr/bin/time', ['-f', '%e %U %S', 'keepalived', '-t', '-f', file], { encoding: 'utf8' });
  const m = /([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(ka.stderr ?? '');
  if (m) {
    best.kaWall = Math.min(best.kaWall, Number(m[1]) * 1000);
    best.kaCpu = Math.min(best.kaCpu, (Number(m[2]) + Number(m[3])) * 1000);
  }
}
rmSync(dir, { recursive: true, force: true });
const f = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
console.log(`parse (best of ${runs}): ${f(best.wall)} ms wall, ${f(best.cpu)} ms CPU; preprocess ${f(best.pp)} ms, token scan ${f(best.scan)} ms`);
console.log(`keepalived -t whole process (best of ${runs}): ${f(best.kaWall)} ms wall, ${f(best.kaCpu)} ms CPU`);
