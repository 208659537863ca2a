// DESIGN.md section 3 as a test: which layer may import which, and where clocks, timers,
// randomness and Node I/O may appear. It reads every source file's imports, so a rule broken by
// any change fails here with the file and the offending line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');

function tsFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(tsFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

// Layer order, left to right; nothing imports a layer to its right (rule 1).
const RANK: Record<string, number> = {
  base: 0, grammar: 1, config: 2, netlink: 3, vrrp: 3, check: 3, ipvs: 3, runtime: 4, os: 5, sim: 5, daemon: 6, cli: 7,
};

function layerOf(file: string): string | undefined {
  const rel = relative(ROOT, file);
  if (rel.startsWith('grammar/src/')) return 'grammar';
  const m = /^src\/([^/]+)\//.exec(rel);
  return m ? m[1] : undefined;
}

function imports(text: string): { spec: string; line: number }[] {
  const out: { spec: string; line: number }[] = [];
  const re = /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const spec = m[1] ?? m[2]!;
    out.push({ spec, line: text.slice(0, m.index).split('\n').length + (m[0].startsWith('\n') ? 1 : 0) });
  }
  return out;
}

const files = [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'grammar/src'))];
const CORES = new Set(['base', 'config', 'netlink', 'vrrp', 'check', 'ipvs', 'runtime', 'sim']);
const IO_ALLOWED = new Set(['os', 'daemon', 'cli']);

test('layers import only to their left (DESIGN 3.1, 3.4)', () => {
  const bad: string[] = [];
  for (const f of files) {
    const from = layerOf(f);
    if (!from || RANK[from] === undefined) continue;
    for (const { spec, line } of imports(readFileSync(f, 'utf8'))) {
      let to: string | undefined;
      if (spec === 'keepalived-conf-parser') to = 'grammar';
      else if (spec.startsWith('.')) to = layerOf(resolve(dirname(f), spec));
      if (!to || to === from || RANK[to] === undefined) continue;
      // Same-rank imports are sideways: os/sim never see each other; among the cores only the
      // netlink codec is shared (IPVS speaks generic netlink, VIPs go over rtnetlink).
      const sameRankOk = RANK[to] === RANK[from] && to === 'netlink';
      const sideways = RANK[to] === RANK[from] && !sameRankOk;
      if (RANK[to]! > RANK[from]! || sideways)
        bad.push(`${relative(ROOT, f)}:${line}: ${from} imports ${to} ('${spec}')`);
    }
  }
  assert.deepEqual(bad, []);
});

test('grammar imports only chevrotain and itself (DESIGN 3.5)', () => {
  const bad: string[] = [];
  for (const f of files.filter((f) => layerOf(f) === 'grammar')) {
    for (const { spec, line } of imports(readFileSync(f, 'utf8'))) {
      if (spec.startsWith('.') || spec === 'chevrotain') continue;
      bad.push(`${relative(ROOT, f)}:${line}: '${spec}'`);
    }
  }
  assert.deepEqual(bad, []);
});

test('no clock, timer, randomness, process or node: module outside os/daemon/cli (DESIGN 3.2, 3.3)', () => {
  const bad: string[] = [];
  const forbidden = /\b(Date\.now|new Date\(|performance\.now|setTimeout|setInterval|setImmediate|Math\.random|process\.[a-zA-Z])/;
  for (const f of files) {
    const layer = layerOf(f);
    if (!layer || IO_ALLOWED.has(layer)) continue;
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.forEach((l, i) => {
      const code = l.replace(/\/\/.*$/, '').replace(/\/\*.*?\*\//g, '');
      if (/^\s*(\*|\/\*)/.test(code)) return; // inside or opening a block comment
      if (forbidden.test(code)) bad.push(`${relative(ROOT, f)}:${i + 1}: ${l.trim()}`);
    });
    for (const { spec, line } of imports(lines.join('\n'))) {
      if (spec.startsWith('node:') || ['fs', 'net', 'dgram', 'child_process', 'os', 'path'].includes(spec))
        bad.push(`${relative(ROOT, f)}:${line}: imports '${spec}'`);
    }
  }
  assert.deepEqual(bad, [], 'cores receive time and randomness as arguments');
  assert.ok(CORES.size > 0);
});
