// End to end, inside a kernel with IPVS: the LVS half of keepalived-ts (checkers + IPVS netlink)
// as a daemon in a director namespace, real HTTP servers behind it, a client in front; DR and NAT.
// The guest-side scenario is test/kernel/e2e-lvs-guest.ts (read its header); this file bundles
// it and the daemon entry (src/daemon/lvs-main-for-tests.ts) with esbuild -- a user-mode guest
// has one slow CPU, and loading TypeScript through tsx there costs ~15 s per process -- then
// starts run-in-vm.sh (../shared/tools) and turns each `KTS-RESULT` line into a subtest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleForGuest } from '../support/guest-bundle.ts';
import { isRoot, need } from '../support/env.ts';
import { REPO_ROOT, TOOLS } from '../support/paths.ts';

const RUN_IN_VM = join(TOOLS, 'run-in-vm.sh');
const ADDON = join(REPO_ROOT, 'build/Release/ktsnative.node');

async function bundle(dir: string): Promise<{ guest: string; daemon: string }> {
  const out = await bundleForGuest(dir, { 'e2e-lvs-guest': 'test/kernel/e2e-lvs-guest.ts', 'lvs-main': 'src/daemon/lvs-main-for-tests.ts' });
  return { guest: join(out, 'e2e-lvs-guest.mjs'), daemon: join(out, 'lvs-main.mjs') };
}

test('LVS end to end in an IPVS guest: same table as keepalived, DR and NAT, weights, failure, recovery, quorum, stop, restart, reload', { timeout: 300_000 }, async (t) => {
  if (!need(t, isRoot(), 'root (run-in-vm.sh installs its packages and runs the guest)')) return;
  if (!need(t, existsSync(RUN_IN_VM), `${RUN_IN_VM}`)) return;
  if (!need(t, existsSync(ADDON), 'the native addon (npm run build)')) return;
  const dir = mkdtempSync(join(tmpdir(), `kts-lvs-e2e-${process.pid}-`));
  try {
    const { guest, daemon } = await bundle(dir);
    const out: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn(RUN_IN_VM, [`node ${guest} ${daemon} ${dir}`], {
        cwd: REPO_ROOT,
        env: { ...process.env, KTS_E2E_GUEST: '1', VM_RW: `${REPO_ROOT}:${dir}`, VM_TIMEOUT: '240' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      p.stdout.on('data', (d: Buffer) => out.push(d.toString()));
      p.stderr.on('data', (d: Buffer) => out.push(d.toString()));
      p.on('exit', (c) => resolve(c));
    });
    const text = out.join('');
    const results = text.split('\n').filter((l) => l.startsWith('KTS-RESULT ')).map((l) => JSON.parse(l.slice(11)) as { name: string; ok: boolean; detail: string });
    const figures = text.split('\n').find((l) => l.startsWith('KTS-FIGURE '));
    if (figures) t.diagnostic(figures);
    assert.ok(results.length > 0, `the guest reported nothing (run-in-vm exit ${code}):\n${text.slice(-4000)}`);
    for (const r of results) {
      await t.test(r.name, () => {
        assert.ok(r.ok, `${r.detail}\n--- guest output (tail)\n${text.slice(-3000)}`);
      });
    }
    assert.equal(results.length, 9, `expected 9 steps, got ${results.map((r) => r.name).join(', ')}`);
    assert.equal(code, 0, `run-in-vm exit ${code}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
