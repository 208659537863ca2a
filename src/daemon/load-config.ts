// Reads keepalived.conf the way `-t` does (grammar -> config model, host checks on), for the
// daemon. Returns the model and every diagnostic; the caller decides whether to start and
// prints (only through a formatter it is given: DESIGN section 6.8).
//
// buildConfig lives in src/config/build-config.ts, which the config engineer lands separately;
// it is loaded by a computed specifier so this module type-checks before that file exists.

import { parseFile, type Diagnostic, type Statement } from 'keepalived-conf-parser';
import type { HostFacts } from '../config/host-facts.ts';
import type { KeepalivedConfig } from '../config/model.ts';
import { nodeConfigFs } from '../os/config-fs.ts';
import { nodeHostFacts } from '../os/host-facts.ts';

export interface LoadOptions {
  readonly file: string;
  readonly configId: string;
  readonly allConfig: boolean;
  readonly hostChecks?: boolean;
}

export interface Loaded {
  readonly config: KeepalivedConfig | undefined;
  readonly diagnostics: readonly Diagnostic[];
  readonly files: readonly string[];
}

type BuildConfig = (statements: readonly Statement[], o: { host?: HostFacts; readSource?: (file: string) => string | undefined }) => { config: KeepalivedConfig; diagnostics: readonly Diagnostic[] };

async function loadBuildConfig(): Promise<BuildConfig | undefined> {
  const spec = ['..', 'config', 'build-config.ts'].join('/');
  try {
    const m = (await import(spec)) as { buildConfig?: BuildConfig };
    return m.buildConfig;
  } catch {
    return undefined;
  }
}

export async function loadConfig(o: LoadOptions): Promise<Loaded> {
  const parsed = parseFile(o.file, {
    fs: nodeConfigFs,
    configId: o.configId,
    env: process.env,
    allConfig: o.allConfig,
    cwd: process.cwd(),
  });
  const build = await loadBuildConfig();
  if (!build) {
    const d: Diagnostic = { severity: 'error', code: 'fatal', message: 'this build has no configuration builder (src/config/build-config.ts)', file: o.file, line: 1, col: 1 };
    return { config: undefined, diagnostics: [...parsed.diagnostics, d], files: parsed.files };
  }
  const readSource = (f: string): string | undefined => nodeConfigFs.readFile(f);
  const built = build(parsed.statements, o.hostChecks === false ? { readSource } : { host: nodeHostFacts, readSource });
  return { config: built.config, diagnostics: [...parsed.diagnostics, ...built.diagnostics], files: parsed.files };
}
