// Test helper: keepalived.conf text -> the real grammar -> buildConfig. Includes resolve in an
// in-memory file system (`files`), so tests state every file they use.
import { parse, type Diagnostic } from 'keepalived-conf-parser';
import { buildConfig, configTestExitCode, type HostFacts, type KeepalivedConfig } from '../../../src/config/index.ts';

export interface Built {
  readonly config: KeepalivedConfig;
  readonly diagnostics: readonly Diagnostic[];
  /** Only the config layer's diagnostics (the grammar's are asserted empty unless allowed). */
  readonly codes: readonly string[];
  readonly exit: 0 | 4 | 5 | 6;
}

export function buildText(text: string, opts: { host?: HostFacts; files?: Record<string, string>; grammarErrorsOk?: boolean } = {}): Built {
  const files: Record<string, string> = { '/etc/keepalived/keepalived.conf': text, ...opts.files };
  const fs = {
    readFile: (p: string) => files[p],
    readDir: (p: string) => {
      const pre = p.endsWith('/') ? p : `${p}/`;
      const names = Object.keys(files).filter((f) => f.startsWith(pre)).map((f) => f.slice(pre.length).split('/')[0]!);
      return names.length ? [...new Set(names)] : undefined;
    },
    kind: (p: string) => (files[p] !== undefined ? ('file' as const) : Object.keys(files).some((f) => f.startsWith(`${p}/`)) ? ('dir' as const) : undefined),
  };
  const parsed = parse(text, '/etc/keepalived/keepalived.conf', { fs, configId: 'test' });
  if (!opts.grammarErrorsOk) {
    const errs = parsed.diagnostics.filter((d) => d.severity === 'error');
    if (errs.length) throw new Error(`grammar errors in test input: ${JSON.stringify(errs)}`);
  }
  const b = buildConfig(parsed.statements, {
    ...(opts.host ? { host: opts.host } : {}),
    readSource: (p) => files[p],
  });
  const diagnostics = [...parsed.diagnostics, ...b.diagnostics];
  return { config: b.config, diagnostics, codes: b.diagnostics.map((d) => d.code), exit: configTestExitCode(diagnostics) };
}

/** The one diagnostic with this code (fails the test when there is not exactly one). */
export function only(b: Built, code: string): Diagnostic {
  const ds = b.diagnostics.filter((d) => d.code === code);
  if (ds.length !== 1) throw new Error(`expected one '${code}', got ${ds.length}: ${JSON.stringify(b.diagnostics)}`);
  return ds[0]!;
}

/** A minimal valid instance around `body`. */
export function instance(body: string, name = 'VI_1'): string {
  return `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id 51\n${body}\n}\n`;
}
