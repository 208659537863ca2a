// An in-memory ConfigFileSystem for grammar tests: { '/etc/k/a.conf': 'text', ... }.
import type { ConfigFileSystem, ParseOptions } from 'keepalived-conf-parser';

export function memFs(files: Record<string, string>): ConfigFileSystem {
  const dirs = new Map<string, Set<string>>();
  for (const path of Object.keys(files)) {
    const parts = path.split('/');
    for (let k = 1; k < parts.length; k++) {
      const dir = parts.slice(0, k).join('/') || '/';
      if (!dirs.has(dir)) dirs.set(dir, new Set());
      dirs.get(dir)!.add(parts[k]!);
    }
  }
  return {
    readFile: (p) => files[p],
    readDir: (p) => (dirs.has(p) ? [...dirs.get(p)!] : undefined),
    kind: (p) => (files[p] !== undefined ? 'file' : dirs.has(p) ? 'dir' : undefined),
  };
}

export function opts(files: Record<string, string> = {}, extra: Partial<ParseOptions> = {}): ParseOptions {
  return { fs: memFs(files), configId: 'main', ...extra };
}
