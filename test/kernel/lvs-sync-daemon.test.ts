// global_defs lvs_sync_daemon against a real IPVS kernel (the run-in-vm.sh guest; this host has
// no IPVS): two directors in namespaces, keepalived 2.2.7 first, then keepalived-ts (also on the
// sync daemons a crashed run left), each read with `ipvsadm -L --daemon` in both namespaces and
// compared with keepalived's readings (the guest side, with the steps, is
// test/kernel/guest/lvs-sync-guest.ts). The CLI and the guest script are bundled with esbuild:
// tsx in the one-CPU user-mode guest costs ~15 s per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleForGuest } from '../support/guest-bundle.ts';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { REPO_ROOT } from '../support/paths.ts';
import { ADDON, RUN_IN_VM } from './guest/lvs-lab-runner.ts';

const NAMES = ['keepalived', 'keepalived-ts', 'keepalived-ts (leftovers of a crash)'].flatMap((who) => [
  `${who}: master daemon in the master's namespace, backup daemon in the backup's`,
  `${who}: SIGTERM on the master: the backup's namespace shows a master daemon, the old master's none`,
  `${who}: SIGTERM on the last director leaves no sync daemon`,
]).concat([
  'keepalived-ts (leftovers of a crash): SIGHUP with a new id restarts the master daemon with that syncid',
  'keepalived-ts: every step reads as keepalived 2.2.7 in both namespaces',
]);

test('lvs_sync_daemon follows the VRRP instance in an IPVS guest, as keepalived 2.2.7', { timeout: 400_000 }, async (t) => {
  if (!need(t, isRoot(), 'root (run-in-vm.sh installs its packages and runs the guest)')) return;
  if (!need(t, existsSync(RUN_IN_VM), RUN_IN_VM)) return;
  if (!need(t, existsSync(ADDON), 'the native addon (npm run build)')) return;
  if (!need(t, hasCommand('keepalived'), 'keepalived 2.2.7 (the reference)')) return;
  const dir = mkdtempSync(join(tmpdir(), `kts-lvs-sync-${process.pid}-`));
  try {
    const out = await bundleForGuest(dir, { 'lvs-sync-guest': 'test/kernel/guest/lvs-sync-guest.ts', 'keepalived-ts': 'src/cli/main.ts' }, { splitting: true });
    const lines: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn(RUN_IN_VM, [`node ${join(out, 'lvs-sync-guest.mjs')} ${join(out, 'keepalived-ts.mjs')} ${dir}`], {
        cwd: REPO_ROOT,
        env: { ...process.env, KTS_LVS_SYNC_GUEST: '1', VM_RW: `${REPO_ROOT}:${dir}`, VM_TIMEOUT: '360', VM_MEM: '1024' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      createInterface({ input: p.stdout }).on('line', (l) => lines.push(l));
      createInterface({ input: p.stderr }).on('line', (l) => lines.push(l));
      p.on('close', (c) => resolve(c));
    });
    const text = lines.join('\n');
    const results = lines.filter((l) => l.startsWith('KTS-RESULT ')).map((l) => JSON.parse(l.slice(11)) as { name: string; ok: boolean; detail: string });
    for (const name of NAMES) {
      await t.test(name, (st) => {
        const r = results.find((x) => x.name === name);
        assert.ok(r, `the guest did not report this step (run-in-vm exit ${code}):\n${text.slice(-4000)}`);
        for (const l of r.detail.split('\n').slice(0, 2)) st.diagnostic(l);
        assert.ok(r.ok, `${r.detail}\n--- guest output (tail)\n${text.slice(-3000)}`);
      });
    }
    assert.deepEqual(results.filter((r) => !NAMES.includes(r.name)), [], 'no harness failure');
    assert.equal(code, 0, `run-in-vm exit ${code}\n${text.slice(-3000)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
