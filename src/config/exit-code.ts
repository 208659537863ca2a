// The exit status of a config test (`keepalived -t`), from the diagnostics: keepalived's
// KEEPALIVED_CHK_EXIT_* (lib/scheduler.h): 0 ok, 4 cannot run (fatal), 5 errors but runnable,
// 6 scripts without enable_script_security. Precedence as keepalived 2.2.7 (measured: a config
// with an out-of-range priority AND an unsecured script exits 6, not 5): fatal, then script
// security, then errors. keepalived reports its fix-ups (priority out of range, v2 advert_int rounded,
// auth_pass cut) as config errors too, so our 'value-fixed' warnings also give 5.
import type { Diagnostic } from 'keepalived-conf-parser';

export type ConfigTestExit = 0 | 4 | 5 | 6;

const FATAL_CODES = new Set(['fatal', 'file-not-found', 'internal-error']);
/** Warnings that keepalived itself reports as config errors (report_config_error): exit 5. */
const ERROR_WARNINGS = new Set(['value-fixed', 'single-member-group', 'sync-group-weight']);

export function configTestExitCode(diagnostics: readonly Diagnostic[]): ConfigTestExit {
  let errors = false;
  let scripts = false;
  for (const d of diagnostics) {
    if (FATAL_CODES.has(d.code)) return 4;
    if (d.severity === 'error' || ERROR_WARNINGS.has(d.code)) errors = true;
    if (d.code === 'script-security') scripts = true;
  }
  if (scripts) return 6;
  return errors ? 5 : 0;
}
