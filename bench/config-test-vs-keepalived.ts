// Whole-process `-t` on one large generated configuration (2000 vrrp_instances, 1000
// virtual_servers x 20 real_servers with HTTP_GET, about 280,000 lines): keepalived-ts against
// Debian's keepalived 2.2.7, side by side, alternating, in one run. Reports medians, the ratio
// and peak RSS. Both run inside a throw-away network namespace holding veths eth0..eth7 (this
// kernel has no dummy driver) so the interface checks succeed for both and keepalived never
// touches the root namespace.
//
//   node --import tsx bench/config-test-vs-keepalived.ts [--rounds 7] [--profile]
//
// --profile additionally writes a CPU profile of one keepalived-ts run (bench/out/*.cpuprofile)
// and prints the top self-time functions: what dominates.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { generateBigConfig, interfacesNeeded } from './generate-big-config.ts';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 7;
const profile = args.includes('--profile');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Runs argv inside the namespace under GNU time; returns wall ms (hrtime) and peak RSS in KiB. */
function timed(ns: string, argv: string[], cwd: string): { ms: number; rssKiB: number; status: number | null } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('ip', ['netns', 'exec', ns, '/usr/bin/time', '-f', 'KTS_RSS %M', ...argv], { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /KTS_RSS (\d+)/.exec(r.stderr ?? '');
  return { ms, rssKiB: m ? Number(m[1]) : NaN, status: r.status };
}

const dir = join(tmpdir(), `kts-bench-${process.pid}`);
mkdirSync(dir, { recursive: true });
const conf = join(dir, 'big.conf');
const shape = { vrrpInstances: 2000, virtualServers: 1000, realServersPerVs: 20 };
const text = generateBigConfig(shape);
writeFileSync(conf, text);
const lineCount = text.split('\n').length;
const ns = `ktsb${process.pid}`;
execFileSync('ip', ['netns', 'add', ns]);
try {
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  for (let i = 0; i < interfacesNeeded(shape); i++) {
    execFileSync('ip', ['-n', ns, 'link', 'add', `eth${i}`, 'type', 'veth', 'peer', 'name', `peer${i}`]);
    execFileSync('ip', ['-n', ns, 'link', 'set', `eth${i}`, 'up']);
  }
  const kts = [join(ROOT, 'bin/keepalived-ts'), '-t', '-f', conf];
  const ka = ['keepalived', '-t', '-f', conf];
  const res = { kts: [] as number[], ka: [] as number[], ktsRss: [] as number[], kaRss: [] as number[] };
  // One warm-up each (page cache, the bundle's first read), then alternate.
  timed(ns, kts, dir);
  timed(ns, ka, dir);
  let statuses = '';
  for (let i = 0; i < rounds; i++) {
    const a = timed(ns, kts, dir);
    const b = timed(ns, ka, dir);
    res.kts.push(a.ms); res.ktsRss.push(a.rssKiB);
    res.ka.push(b.ms); res.kaRss.push(b.rssKiB);
    statuses = `keepalived-ts exit ${a.status}, keepalived exit ${b.status}`;
  }
  const mk = median(res.kts);
  const mka = median(res.ka);
  console.log(`config: ${lineCount} lines, ${(text.length / 1e6).toFixed(1)} MB; ${rounds} alternating rounds; ${statuses}`);
  console.log(`keepalived-ts -t: median ${mk.toFixed(1)} ms (min ${Math.min(...res.kts).toFixed(1)}), peak RSS ${(Math.max(...res.ktsRss) / 1024).toFixed(1)} MiB`);
  console.log(`keepalived    -t: median ${mka.toFixed(1)} ms (min ${Math.min(...res.ka).toFixed(1)}), peak RSS ${(Math.max(...res.kaRss) / 1024).toFixed(1)} MiB`);
  console.log(`ratio keepalived-ts / keepalived: ${(mk / mka).toFixed(2)} (target <= 1.0)`);
  if (profile) {
    const out = join(ROOT, 'bench/out');
    mkdirSync(out, { recursive: true });
    spawnSync('ip', ['netns', 'exec', ns, 'node', '--cpu-prof', `--cpu-prof-dir=${out}`, join(ROOT, 'dist/keepalived-ts.mjs'), '-t', '-f', conf], { cwd: dir });
    const file = readdirSync(out).filter((f) => f.endsWith('.cpuprofile')).sort().pop();
    if (file) printTopSelf(JSON.parse(readFileSync(join(out, file), 'utf8')) as CpuProfile);
  }
} finally {
  spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function printTopSelf(p: CpuProfile): void {
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byName = new Map<string, number>();
  for (const n of p.nodes) {
    const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
    byName.set(key, (byName.get(key) ?? 0) + (self.get(n.id) ?? 0));
  }
  const total = [...byName.values()].reduce((a, b) => a + b, 0);
  console.log('top self time (one keepalived-ts -t run):');
  for (const [k, us] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`);
}
