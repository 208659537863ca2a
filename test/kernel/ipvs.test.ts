// IPVS against a real kernel. This machine's kernel has no IPVS, so the scenarios run inside a
// throw-away user-mode-linux guest (shared/tools/run-in-vm.sh, about 3 s to boot) that sees
// this checkout; test/kernel/guest/ipvs-scenarios.ts prints one KTS-RESULT line per scenario
// and each becomes a subtest here. The oracles are ipvsadm 1.31, keepalived 2.2.7 and the
// kernel's own answers (see the scenario file). Only runs where the guest can: root + the
// tool; in CI a missing VM fails (need()).
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isRoot, need } from '../support/env.ts';
import { TOOLS } from '../support/paths.ts';

const RUN_IN_VM = process.env.KTS_RUN_IN_VM ?? join(TOOLS, 'run-in-vm.sh');
const SCENARIOS = [
  'info',
  'codec-programs-what-ipvsadm-programs',
  'decode-what-ipvsadm-programs',
  'edit-in-place-set-service-set-dest',
  'kernel-errors-come-back-as-errno',
  'ipvs-sync-converges-and-leaves-foreign-services',
  'overrun-leads-to-redump-and-convergence',
  'sync-daemon-new-get-del',
  'keepalived-same-table',
  'keepalived-same-table-as-servers-fail-and-recover',
];

function runGuest(cmd: string, env: Record<string, string>): Promise<{ code: number | null; text: string; results: Map<string, { ok: boolean; detail: string }> }> {
  return new Promise((resolve) => {
    const child = spawn(RUN_IN_VM, [cmd], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, VM_TIMEOUT: '220', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (b) => { text += b; });
    child.stderr.on('data', (b) => { text += b; });
    child.on('close', (code) => {
      const results = new Map<string, { ok: boolean; detail: string }>();
      for (const line of text.split('\n')) {
        if (!line.startsWith('KTS-RESULT ')) continue;
        const r = JSON.parse(line.slice('KTS-RESULT '.length)) as { name: string; ok: boolean; detail: string };
        results.set(r.name, r);
      }
      resolve({ code, text, results });
    });
  });
}

test('IPVS in a guest kernel', { timeout: 300_000 }, async (t) => {
  if (!need(t, isRoot() && existsSync(RUN_IN_VM), `root and ${RUN_IN_VM} (a user-mode-linux guest with IPVS)`)) return;
  const main = await runGuest('KTS_IPVS_GUEST=1 node --import tsx test/kernel/guest/ipvs-scenarios.ts', {});
  // A second guest without ip_vs preloaded and with module autoloading off.
  const bare = await runGuest('KTS_IPVS_GUEST=1 node --import tsx test/kernel/guest/ipvs-modprobe.ts', { VM_MODULES: 'veth' });
  const all = [...SCENARIOS.map((n) => [n, main] as const), ['modprobe-when-family-missing', bare] as const];
  for (const [name, out] of all) {
    await t.test(name, () => {
      const r = out.results.get(name);
      assert.ok(r, `scenario did not report (guest exit ${out.code}); guest output:\n${out.text.slice(-4000)}`);
      t.diagnostic(`${name}: ${r.detail.split('\n')[0]}`);
      assert.ok(r.ok, r.detail);
    });
  }
  assert.equal(main.code, 0, main.text.slice(-2000));
  assert.equal(bare.code, 0, bare.text.slice(-2000));
});
