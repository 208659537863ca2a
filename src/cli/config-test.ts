// `-t/--config-test[=LOGFILE]` and `--dump-config`: read the configuration exactly as the daemon
// would (grammar -> config model, with host checks unless --no-host-checks), then report.
//
// Exit codes are keepalived's (lib/scheduler.h KEEPALIVED_CHK_EXIT_*): 0 ok, 4 cannot run,
// 5 errors, 6 scripts without enable_script_security. One deliberate difference: a missing -f
// file is 4 here; keepalived 2.2.7 says 0, which hides a typo in a unit file.
import { writeFileSync } from 'node:fs';
import type { Diagnostic } from 'keepalived-conf-parser';
import { configTestExitCode } from '../config/exit-code.ts';
import { readConfiguration } from '../daemon/load-config.ts';
import { formatDiagnostic, sortDiagnostics, summary } from './format-diagnostic.ts';
import { configToJson } from './config-json.ts';

export interface ConfigRunOptions {
  readonly file: string;
  readonly configId: string;
  readonly allConfig: boolean;
  readonly hostChecks: boolean;
}

export function loadConfiguration(o: ConfigRunOptions): { config: unknown; diagnostics: Diagnostic[]; exitCode: number } {
  const loaded = readConfiguration(o);
  const diagnostics = sortDiagnostics(loaded.diagnostics, loaded.files);
  return { config: loaded.config, diagnostics, exitCode: configTestExitCode(diagnostics) };
}

export function runConfigTest(o: ConfigRunOptions & { readonly logFile: string | undefined }): number {
  const { diagnostics, exitCode } = loadConfiguration(o);
  const cwd = process.cwd();
  const lines = diagnostics.map((d) => formatDiagnostic(d, cwd));
  if (diagnostics.length > 0) lines.push(`${o.file}: ${summary(diagnostics)}`);
  const text = lines.length > 0 ? lines.join('\n') + '\n' : '';
  if (o.logFile !== undefined) {
    try {
      writeFileSync(o.logFile, text);
    } catch (e) {
      process.stderr.write(`keepalived-ts: cannot write '${o.logFile}': ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      return 4;
    }
  } else {
    process.stderr.write(text);
  }
  return exitCode;
}

export function runDumpConfig(o: ConfigRunOptions): number {
  const { config, diagnostics, exitCode } = loadConfiguration(o);
  const cwd = process.cwd();
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d, cwd) + '\n');
  if (exitCode === 4) return 4;
  process.stdout.write(configToJson(config) + '\n');
  return exitCode;
}
