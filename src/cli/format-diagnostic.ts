// Diagnostics as compilers print them, so editors and CI annotations can jump to them:
//   file:line:col: error: message [code]
//     hint: did you mean 'priority'?
import { relative, isAbsolute } from 'node:path';
import type { Diagnostic } from 'keepalived-conf-parser';

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** Paths under the working directory print relative, as the user most likely typed them. */
function displayPath(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel.startsWith('..') ? file : rel;
}

export function formatDiagnostic(d: Diagnostic, cwd: string): string {
  const head = `${displayPath(d.file, cwd)}:${d.line}:${d.col}: ${d.severity}: ${d.message} [${d.code}]`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}

/** File order as read, then line and column; errors before warnings at the same place. */
export function sortDiagnostics(ds: readonly Diagnostic[], fileOrder: readonly string[]): Diagnostic[] {
  const order = new Map(fileOrder.map((f, i) => [f, i]));
  return [...ds].sort(
    (a, b) =>
      (order.get(a.file) ?? 1e9) - (order.get(b.file) ?? 1e9) ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      RANK[a.severity] - RANK[b.severity],
  );
}

export function summary(ds: readonly Diagnostic[]): string {
  const errors = ds.filter((d) => d.severity === 'error').length;
  const warnings = ds.filter((d) => d.severity === 'warning').length;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
