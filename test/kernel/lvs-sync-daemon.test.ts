// global_defs lvs_sync_daemon against a real IPVS kernel (the run-in-vm.sh guest; this host has
// no IPVS): two directors in namespaces, keepalived 2.2.7 first, then keepalived-ts (also on the
// sync daemons a crashed run left), each read with `ipvsadm -L --daemon` in both namespaces and
// compared with keepalived's readings (the guest side, with the steps, is
// test/kernel/guest/lvs-sync-guest.ts). The CLI and the guest script are bundled with esbuild:
// tsx in the one-CPU user-mode guest costs ~15 s per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
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
    // DIR/a/b: the addon's '../../build/Release' and node_modules resolve through symlinks at DIR.
    const out = join(dir, 'a', 'b');
    mkdirSync(out, { recursive: true });
    symlinkSync(join(REPO_ROOT, 'build'), join(dir, 'build'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    await build({
      entryPoints: { 'lvs-sync-guest': join(REPO_ROOT, 'test/kernel/guest/lvs-sync-guest.ts'), 'keepalived-ts': join(REPO_ROOT, 'src/cli/main.ts') },
      outdir: out, outExtension: { '.js': '.mjs' }, bundle: true, splitting: true, chunkNames: 'chunk-[name]-[hash]',
      platform: 'node', format: 'esm', target: 'node20', external: ['pino', 'pino-pretty', 'undici', 'esbuild'],
      banner: { js: "import { createRequire as __ktsCreateRequire } from 'node:module'; const require = __ktsCreateRequire(import.meta.url);" },
      logLevel: 'error',
    });
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
