// Shared by bench/lvs-*.ts: runs one mode of the LVS side-by-side lab in a fresh IPVS guest
// (test/kernel/guest/lvs-lab-runner.ts), prints the guest's progress, and hands back the rows;
// prints tables. A bench exits non-zero only when the measurement itself failed (guest error,
// missing rows), never because of what was measured.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { ADDON, RUN_IN_VM, runLvsLab } from '../test/kernel/guest/lvs-lab-runner.ts';
import { readFileSync } from 'node:fs';

export type Row = Record<string, unknown>;

export async function labRows(mode: string, env: Record<string, string>, want: number, o: { timeoutS?: number } = {}): Promise<Row[]> {
  if (!existsSync(RUN_IN_VM)) throw new Error(`no ${RUN_IN_VM}`);
  if (!existsSync(ADDON)) throw new Error(`no ${ADDON} (npm run build)`);
  if (process.getuid?.() !== 0) throw new Error('needs root (run-in-vm.sh)');
  const t0 = Date.now();
  console.log(`[${mode}] guest starting; host load ${readFileSync('/proc/loadavg', 'utf8').trim()}; ${JSON.stringify(env)}`);
  const r = await runLvsLab(mode, env, {
    ...(o.timeoutS ? { timeoutS: o.timeoutS } : {}),
    onLine: (l) => { if (l.startsWith('KTS-BENCH ') || l.startsWith('KTS-RESULT ') || l.startsWith('KTS-INFO ')) console.log(`[${mode}] ${l.slice(0, 600)}`); },
  });
  console.log(`[${mode}] guest done in ${Math.round((Date.now() - t0) / 1000)} s (exit ${r.code}); host load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const bad = r.results.filter((x) => !x.ok);
  if (r.code !== 0 || bad.length > 0 || r.benches.length < want) {
    process.stderr.write(`${r.text.slice(-6000)}\n`);
    throw new Error(`[${mode}] measurement failed: exit ${r.code}, ${r.benches.length}/${want} rows, ${bad.map((b) => b.detail.slice(0, 500)).join('; ')}`);
  }
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./out/lvs-${mode}${env.DELAY_LOOP_S ? `-${env.DELAY_LOOP_S}` : ''}.json`, import.meta.url), JSON.stringify({ env, info: r.info, rows: r.benches }, null, 2));
  return r.benches;
}

export function table(head: string[], rows: (string | number)[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) => r.map((c, i) => String(c).padEnd(w[i]!)).join('  ');
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of rows) console.log(line(r));
}

export const ratio = (a: number, b: number): string => (b === 0 ? (a === 0 ? '1 (both 0)' : 'inf') : (a / b).toFixed(2));

export async function main(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
