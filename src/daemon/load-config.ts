// Reads keepalived.conf the way `-t` does (grammar -> config model, host checks on), for the
// daemon. Returns the model and every diagnostic; the caller decides whether to start and
// prints (only through a formatter it is given: DESIGN section 6.8).

import { parseFile, type Diagnostic } from 'keepalived-conf-parser';
import { buildConfig } from '../config/build-config.ts';
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

export async function loadConfig(o: LoadOptions): Promise<Loaded> {
  const parsed = parseFile(o.file, {
    fs: nodeConfigFs,
    configId: o.configId,
    env: process.env,
    allConfig: o.allConfig,
    cwd: process.cwd(),
  });
  const readSource = (f: string): string | undefined => nodeConfigFs.readFile(f);
  const built = buildConfig(parsed.statements, o.hostChecks === false ? { readSource } : { host: nodeHostFacts, readSource });
  // A file that could not be read has no statements: there is no configuration to run.
  const unreadable = parsed.diagnostics.some((d) => d.code === 'file-not-found' || d.code === 'fatal');
  return { config: unreadable ? undefined : built.config, diagnostics: [...parsed.diagnostics, ...built.diagnostics], files: parsed.files };
}
