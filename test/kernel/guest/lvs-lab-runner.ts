// Host side of the LVS side-by-side lab: bundles test/kernel/guest/lvs-lab-guest.ts and the LVS
// daemon entry (src/daemon/lvs-main-for-tests.ts) with esbuild -- loading TypeScript through tsx
// in the one-CPU user-mode guest costs ~15 s per process -- and runs the guest through
// run-in-vm.sh (../shared/tools). Used by bench/lvs-*.ts and test/kernel/lvs-stop-restart.test.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleForGuest } from '../../support/guest-bundle.ts';
import { REPO_ROOT, TOOLS } from '../../support/paths.ts';

export const RUN_IN_VM = process.env.KTS_RUN_IN_VM ?? join(TOOLS, 'run-in-vm.sh');
export const ADDON = join(REPO_ROOT, 'build/Release/ktsnative.node');

export interface LabOutput {
  readonly code: number | null;
  readonly text: string;
  readonly info: Record<string, unknown> | undefined;
  readonly benches: Record<string, unknown>[];
  readonly results: { name: string; ok: boolean; detail: string }[];
}

/** Runs `mode` in a fresh guest; `env` carries the mode's parameters; `onLine` sees every output line as it comes. */
export async function runLvsLab(mode: string, env: Record<string, string>, o: { timeoutS?: number; memMiB?: number; onLine?: (l: string) => void } = {}): Promise<LabOutput> {
  const dir = mkdtempSync(join(tmpdir(), `kts-lvs-lab-${process.pid}-`));
  try {
    const out = await bundleForGuest(dir, { 'lvs-lab-guest': 'test/kernel/guest/lvs-lab-guest.ts', 'lvs-main': 'src/daemon/lvs-main-for-tests.ts' });
    const lines: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn(RUN_IN_VM, [`node ${join(out, 'lvs-lab-guest.mjs')} ${mode} ${join(out, 'lvs-main.mjs')} ${dir}`], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env, KTS_LVS_LAB_GUEST: '1', VM_RW: `${REPO_ROOT}:${dir}`, VM_TIMEOUT: String(o.timeoutS ?? 1800), VM_MEM: String(o.memMiB ?? 2048) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      createInterface({ input: p.stdout }).on('line', (l) => { lines.push(l); o.onLine?.(l); });
      createInterface({ input: p.stderr }).on('line', (l) => { lines.push(l); o.onLine?.(l); });
      p.on('close', (c) => resolve(c));
    });
    const tagged = (tag: string) => lines.filter((l) => l.startsWith(`${tag} `)).map((l) => JSON.parse(l.slice(tag.length + 1)) as Record<string, unknown>);
    return {
      code, text: lines.join('\n'), info: tagged('KTS-INFO')[0], benches: tagged('KTS-BENCH'),
      results: tagged('KTS-RESULT') as unknown as LabOutput['results'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The host's load average, for the report beside the figures. */
export async function hostLoad(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  return readFileSync('/proc/loadavg', 'utf8').trim();
}
