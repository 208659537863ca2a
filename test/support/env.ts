// What a test needs from the machine, and the project's rule when it is missing:
// outside CI the test is skipped with a loud reason; in CI (CI=true) a test that cannot run
// FAILS, because a skipped test there would pass without proving anything.
import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns true when the test may proceed. Otherwise skips it (locally) or throws (in CI).
 * Usage: `if (!need(t, isRoot(), 'root for network namespaces')) return;`
 */
export function need(t: TestContext, ok: boolean, what: string): boolean {
  if (ok) return true;
  const msg = `cannot run: needs ${what}`;
  if (inCI) throw new Error(`${msg} (a skipped test is a failure in CI)`);
  process.stderr.write(`\n*** SKIPPED ${t.name}: ${msg} ***\n`);
  t.skip(msg);
  return false;
}
