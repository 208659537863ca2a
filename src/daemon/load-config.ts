// Reads keepalived.conf the way both `-t` and the daemon do: grammar -> config model, with host
// checks unless told otherwise. Returns the model and every diagnostic; the caller decides
// whether to start and prints (only the CLI prints: DESIGN section 6.8).
//
// Memory (issue 3): parsing a large file (20,000 lines for 2000 instances) allocates tens of MiB
// of tokens, statement trees and intermediate strings that are dead once the model is built, but
// V8 only returns old-space pages after a full collection, which a quiet daemon may not need for
// hours. The daemon's worker runs with --expose-gc (src/cli/main.ts, workerV8Flags), and
// releaseStartupGarbage() runs one full collection at the points where that garbage has just
// died: after a (re)load here, and once before the VRRP timers start (timing-prewarm.ts). Elsewhere
// (tests, `-t`, a hand-started worker without the flag) it does nothing.
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

/** The daemon's form (reload runs it between events); the parse's garbage is released after it. */
export async function loadConfig(o: LoadOptions): Promise<Loaded> {
  const loaded = readConfiguration(o);
  releaseStartupGarbage();
  return loaded;
}

/**
 * One synchronous full garbage collection when the process was started with --expose-gc (the
 * daemon's worker), so that the pages of a finished start-up or reload go back to the system;
 * returns whether it ran. Measured on 2000 instances (bench/vrrp-memory.ts): ~15 MiB of old space
 * freed for a pause of a few tens of ms, taken before the timers start or during a reload (which
 * already stalls the loop for its parse).
 */
export function releaseStartupGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  return true;
}
