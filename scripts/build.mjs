// Bundles the CLI into one ES module (dist/keepalived-ts.mjs) so the executable starts without
// a TypeScript loader: start-up time is part of `keepalived-ts -t`'s cost.
// Runtime dependencies with native or worker parts stay external and load from node_modules.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

// Paths relative to the checkout, whatever the caller's working directory.
const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  entryPoints: [`${root}src/cli/main.ts`],
  outfile: `${root}dist/keepalived-ts.mjs`,
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
