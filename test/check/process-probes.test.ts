// MISC_CHECK scripts (exit codes, a hanging script killed at the timeout, user/group) and
// FILE_CHECK files, run for real.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OsProbeRunner } from '../../src/os/probes/os-probe-runner.ts';
import { KILL_GRACE_MS, resolveUser } from '../../src/os/probes/misc-probe.ts';
import { isRoot, need } from '../support/env.ts';
import { probeOnce } from './probe-support.ts';

const runner = new OsProbeRunner({ maxConcurrent: 4 });
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'misc-probe-'));
  chmodSync(dir, 0o777);
});
after(async () => {
  await runner.close();
  rmSync(dir, { recursive: true, force: true });
});

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

const misc = (argv: string[], timeoutUs = 2_000_000, user?: string, group?: string) => ({
  kind: 'misc' as const, timeoutUs,
  script: { argv, ...(user !== undefined ? { user } : {}), ...(group !== undefined ? { group } : {}) },
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('MISC_CHECK reports the exit status and the arguments reach the script', async () => {
  const s = script('exit.sh', 'exit "$1"');
  for (const code of [0, 1, 2, 7, 255]) {
    assert.deepEqual(await probeOnce(runner, misc([s, String(code)])), { kind: 'exit', code, signal: null });
  }
  const missing = await probeOnce(runner, misc([join(dir, 'nope')]));
  assert.ok(missing.kind === 'failed' && /ENOENT/.test(missing.reason));
});

test('MISC_CHECK: a hanging script times out and its whole group is killed, even if it ignores SIGTERM', async () => {
  const pidFile = join(dir, 'pids');
  // The script ignores TERM and starts a child; both must be gone after the grace period.
  const s = script('hang.sh', `trap '' TERM\nsleep 300 &\necho "$$ $!" > ${pidFile}\nwait`);
  const started = Date.now();
  const o = await probeOnce(runner, misc([s], 300_000));
  assert.equal(o.kind, 'timeout');
  assert.ok(Date.now() - started < 2000, 'reported at the timeout, not after the kill');
  const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
  assert.equal(pids.length, 2);
  const deadline = Date.now() + KILL_GRACE_MS + 3000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(pids.filter(alive), [], 'script and its child killed');
});

test('MISC_CHECK runs as the configured user and group', async (t) => {
  if (!need(t, isRoot(), 'root (to switch user)')) return;
  const ids = resolveUser({ argv: [], user: 'nobody' });
  assert.ok(!('error' in ids) && ids.uid !== undefined);
  const out = join(dir, 'id.out');
  const s = script('id.sh', `id -u > ${out}; id -g >> ${out}`);
  const o = await probeOnce(runner, misc([s], 2_000_000, 'nobody', '0'));
  assert.deepEqual(o, { kind: 'exit', code: 0, signal: null });
  assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n').map(Number), [(ids as { uid: number }).uid, 0]);
  const unknown = await probeOnce(runner, misc([s], 2_000_000, 'no-such-user-here'));
  assert.ok(unknown.kind === 'failed' && /unknown user/.test(unknown.reason));
});

test('FILE_CHECK reads the value as keepalived does; a missing file reads 0', async () => {
  const f = join(dir, 'track');
  const read = () => probeOnce(runner, { kind: 'file', path: f });
  assert.equal(existsSync(f), false);
  assert.deepEqual(await read(), { kind: 'file', value: 0 });
  for (const [text, value] of [['5\n', 5], ['-3', -3], ['0x10', 16], ['junk', 0], ['99999999999', undefined]] as const) {
    writeFileSync(f, text);
    assert.deepEqual(await read(), { kind: 'file', value }, text);
  }
});
