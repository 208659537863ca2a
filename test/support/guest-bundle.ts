// Bundles TypeScript entry points for a run-in-vm.sh guest, where loading sources through tsx
// costs ~15 s per process on its one slow CPU. Layout: DIR/a/b holds the bundles, and DIR/build
// and DIR/node_modules are symlinks to the checkout's, so the native addon (found by walking up
// from the module: '../../build/Release') and the external packages resolve as in the checkout.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from './paths.ts';

/** Bundles `entries` (name -> path relative to the repository) into DIR/a/b; returns that folder. */
export async function bundleForGuest(dir: string, entries: Record<string, string>, o: { splitting?: boolean } = {}): Promise<string> {
  const out = join(dir, 'a', 'b');
  mkdirSync(out, { recursive: true });
  symlinkSync(join(REPO_ROOT, 'build'), join(dir, 'build'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  const entryPoints: Record<string, string> = {};
  for (const [name, path] of Object.entries(entries)) entryPoints[name] = join(REPO_ROOT, path);
  await build({
    entryPoints,
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    ...(o.splitting ? { splitting: true, chunkNames: 'chunk-[name]-[hash]' } : {}),
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['pino', 'pino-pretty', 'undici', 'esbuild'],
    // A bundled ES module has no `require`; some dependencies (and the native addon) need one.
    banner: { js: "import { createRequire as __ktsCreateRequire } from 'node:module'; const require = __ktsCreateRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return out;
}
