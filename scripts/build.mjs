// Bundles the CLI into ES modules under dist/ (entry dist/keepalived-ts.mjs) so the executable
// starts without a TypeScript loader: start-up time is part of `keepalived-ts -t`'s cost.
// Code splitting: each mode loads only its own chunks (the dynamic imports in src/cli/main.ts),
// so the supervising parent does not carry the configuration stack or the sockets, and `-t`
// does not carry the daemon. One monolithic bundle cost every process about 20 MiB of RSS just
// to be loaded (measured with /usr/bin/time -f %M on `--signum=STOP`: 65 MiB vs 44 MiB split).
// Runtime dependencies with native or worker parts stay external and load from node_modules.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Paths relative to the checkout, whatever the caller's working directory.
const root = fileURLToPath(new URL('..', import.meta.url));

// Chunk names carry a content hash: stale ones from an earlier build must not pile up.
rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  entryPoints: { 'keepalived-ts': `${root}src/cli/main.ts` },
  outdir: `${root}dist`,
  outExtension: { '.js': '.mjs' },
  // Chunks beside the entry: the native addon is found by walking up from the module's folder.
  chunkNames: 'chunk-[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  external: ['pino', 'pino-pretty', 'undici'],
  // A bundled ES module has no `require`; some dependencies (and the native addon) need one.
  banner: { js: "import { createRequire as __ktsCreateRequire } from 'node:module'; const require = __ktsCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
