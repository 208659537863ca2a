// POSIX path helpers for include resolution. The grammar may not import node:path (it runs in an
// editor too), and keepalived only ever deals with '/'-separated Linux paths.

export function isAbsolute(p: string): boolean {
  return p.charCodeAt(0) === 47;
}

/** dirname(3): "/a/b" -> "/a", "a" -> ".", "/" -> "/". */
export function dirname(p: string): string {
  let end = p.length;
  while (end > 1 && p.charCodeAt(end - 1) === 47) end--;
  const i = p.lastIndexOf('/', end - 1);
  if (i < 0) return '.';
  if (i === 0) return '/';
  let j = i;
  while (j > 1 && p.charCodeAt(j - 1) === 47) j--;
  return p.slice(0, j);
}

/** Joins and normalises ("." and ".." removed where possible, duplicate '/' collapsed). */
export function resolvePath(base: string, p: string): string {
  const full = isAbsolute(p) ? p : base === '' || base === '.' ? p : `${base}/${p}`;
  return normalize(full);
}

export function normalize(p: string): string {
  const abs = isAbsolute(p);
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(part);
  }
  const s = out.join('/');
  return abs ? `/${s}` : s === '' ? '.' : s;
}
