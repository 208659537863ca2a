// Reads keepalived.conf the way both `-t` and the daemon do: grammar -> config model, with host
// checks unless told otherwise. Returns the model and every diagnostic; the caller decides
// whether to start and prints (only the CLI prints: DESIGN section 6.8).
import { parseFile, type Diagnostic } from 'keepalived-conf-parser';
import { buildConfig } from '../config/build-config.ts';
import type { KeepalivedConfig } from '../config/model.ts';
import { nodeConfigFs } from '../os/config-fs.ts';
import { nodeHostFacts } from '../os/host-facts.ts';

export interface LoadOptions {
  readonly file: string;
  readonly configId: string;
  readonly allConfig: boolean;
  /** Default true; false for --no-host-checks (checking another machine's file). */
  readonly hostChecks?: boolean;
}

export interface Loaded {
  readonly config: KeepalivedConfig;
  readonly diagnostics: readonly Diagnostic[];
  /** Every file read, the main file first (for ordering diagnostics). */
  readonly files: readonly string[];
}

export function readConfiguration(o: LoadOptions): Loaded {
  const parsed = parseFile(o.file, {
    fs: nodeConfigFs,
    configId: o.configId,
    env: process.env,
    allConfig: o.allConfig,
    cwd: process.cwd(),
  });
  const readSource = (f: string): string | undefined => nodeConfigFs.readFile(f);
  const built = buildConfig(parsed.statements, o.hostChecks === false ? { readSource } : { host: nodeHostFacts(), readSource });
  return { config: built.config, diagnostics: [...parsed.diagnostics, ...built.diagnostics], files: parsed.files };
}

/** The daemon's form (reload runs it between events). */
export async function loadConfig(o: LoadOptions): Promise<Loaded> {
  return readConfiguration(o);
}
