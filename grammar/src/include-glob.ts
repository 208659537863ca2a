// glob(3) with GLOB_BRACE | GLOB_MARK for `include` (lib/parser.c read_conf_file), over the
// injected ConfigFileSystem. csh brace expansion happens first ("{foo/{,cat,dog},bar}" gives
// foo/, foo/cat, foo/dog, bar); each alternative is then globbed with `*`, `?` and `[...]`
// (a leading '.' is only matched explicitly), its matches sorted, and directories dropped
// (keepalived skips names GLOB_MARK ended with '/').
import type { ConfigFileSystem } from './types.ts';
import { resolvePath } from './paths.ts';

const MAX_BRACE_ALTERNATIVES = 1024;

/** csh-style brace expansion; `{x}` and unbalanced braces are left as written. */
export function expandBraces(pattern: string): string[] {
  const open = findBraceOpen(pattern);
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) return [pattern];
  const prefix = pattern.slice(0, open);
  const suffix = pattern.slice(close + 1);
  const bounds = [open, ...commas, close];
  const out: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const alt = pattern.slice(bounds[k]! + 1, bounds[k + 1]);
    for (const e of expandBraces(prefix + alt + suffix)) {
      out.push(e);
      if (out.length > MAX_BRACE_ALTERNATIVES) return out;
    }
  }
  return out;
}

function findBraceOpen(p: string): number {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === '{') {
      // glibc leaves "{}" alone
      if (p[i + 1] === '}') continue;
      return i;
    }
  }
  return -1;
}

export function hasWildcard(p: string): boolean {
  return /[*?[]/.test(p);
}

/** fnmatch(3) without flags except the leading-dot rule, for one path component. */
export function matchComponent(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  return matchAt(pattern, 0, name, 0, 0);
}

function matchAt(p: string, pi: number, s: string, si: number, depth: number): boolean {
  if (depth > 64) return false;
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (p[pi] === '*') pi++;
      if (pi === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchAt(p, pi, s, k, depth + 1)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      const r = matchClass(p, pi, s[si]!);
      if (r === undefined) {
        if (s[si] !== '[') return false;
        pi++;
        si++;
        continue;
      }
      if (!r.ok) return false;
      pi = r.next;
      si++;
      continue;
    }
    if (c === '\\' && pi + 1 < p.length) {
      if (p[pi + 1] !== s[si]) return false;
      pi += 2;
      si++;
      continue;
    }
    if (c !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

function matchClass(p: string, pi: number, ch: string): { ok: boolean; next: number } | undefined {
  let i = pi + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  let ok = false;
  let first = true;
  while (i < p.length && (p[i] !== ']' || first)) {
    first = false;
    const lo = p[i]!;
    if (p[i + 1] === '-' && p[i + 2] !== undefined && p[i + 2] !== ']') {
      const hi = p[i + 2]!;
      if (ch >= lo && ch <= hi) ok = true;
      i += 3;
    } else {
      if (ch === lo) ok = true;
      i++;
    }
  }
  if (i >= p.length) return undefined; // no closing ']': a literal '['
  return { ok: ok !== negate, next: i + 1 };
}

/** All files matching one brace-free pattern, relative patterns resolved against `base`. */
export function globPattern(fs: ConfigFileSystem, base: string, pattern: string): string[] {
  const full = resolvePath(base, pattern);
  const parts = full.split('/');
  let paths: string[] = [full.startsWith('/') ? '' : '.'];
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    if (part === '') continue;
    const next: string[] = [];
    for (const dir of paths) {
      const dirPath = dir === '' ? '/' : dir;
      if (!hasWildcard(part)) {
        const unescaped = part.replace(/\\(.)/g, '$1');
        const cand = dir === '.' ? unescaped : `${dir}/${unescaped}`;
        if (fs.kind(cand) !== undefined) next.push(cand);
        continue;
      }
      const entries = fs.readDir(dirPath);
      if (!entries) continue;
      const names = entries.filter((n) => matchComponent(part, n)).sort(byteOrder);
      for (const n of names) next.push(dir === '.' ? n : `${dir}/${n}`);
    }
    paths = next;
    if (paths.length === 0) break;
  }
  return paths.filter((x) => x !== '' && x !== '.');
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
