// Sequence and list lines (man5 "Sequence blocks", "List blocks"; lib/parser.c add_seq()).
//
// `~SEQ(var, start, step, end) rest` repeats `rest` with $var = start, start+step, ... while not
// past end; `~SEQ(var, end)` and `~SEQ(var, start, end)` pick step +-1 (and start +-1) as
// keepalived does; `~SEQx` formats the value in lower-case hex. Numbers are read like strtol(.., 0)
// (so 0x90 and 017 work) after the parameters themselves were substituted.
// `~LST(var, a, b, c) rest` repeats with $var = a, b, c; `~LST({v1, v2}, {1, 2}, {3, 4}) rest`
// sets several variables at a time. `rest` may start with another ~SEQ/~LST: the leftmost is
// the outermost loop.
import { sliceLine, type SrcLine } from './source-line.ts';

export interface Sequence {
  readonly vars: readonly string[];
  /** Lazily produced tuples (a ~SEQ over 0..65535 is not materialised). */
  readonly values: Iterator<readonly string[]>;
  /** The rest of the line to repeat. */
  readonly text: SrcLine;
}

export type SequenceResult = { ok: true; seq: Sequence } | { ok: false; message: string };

/** strtol(s, &end, 0) on s starting at i: [value, index after the number] (i when none). */
export function strtol0(s: string, i: number): [number, number] {
  let p = i;
  while (p < s.length && (s.charCodeAt(p) === 32 || s.charCodeAt(p) === 9 || s.charCodeAt(p) === 10)) p++;
  let neg = false;
  if (s[p] === '+' || s[p] === '-') {
    neg = s[p] === '-';
    p++;
  }
  let base = 10;
  if (s[p] === '0' && (s[p + 1] === 'x' || s[p + 1] === 'X') && /[0-9a-fA-F]/.test(s[p + 2] ?? '')) {
    base = 16;
    p += 2;
  } else if (s[p] === '0') base = 8;
  const start = p;
  let v = 0;
  while (p < s.length) {
    const d = Number.parseInt(s[p]!, base);
    if (Number.isNaN(d)) break;
    v = v * base + d;
    p++;
  }
  if (p === start) return [0, i];
  return [neg ? -v : v, p];
}

function skipBlanks(s: string, p: number): number {
  while (p < s.length && (s.charCodeAt(p) === 32 || s.charCodeAt(p) === 9)) p++;
  return p;
}

/**
 * Parses a line starting `~SEQ`, `~SEQx` or `~LST`. `subst` substitutes definitions in the
 * parameter text (keepalived runs replace_param on it).
 */
export function parseSequence(l: SrcLine, subst: (params: string) => string): SequenceResult {
  const t = l.text;
  if (t.startsWith('~LST')) return parseList(l, subst);
  let p = 4;
  const hex = t[p] === 'x';
  if (hex) p++;
  p = skipBlanks(t, p);
  if (t[p] !== '(') return { ok: false, message: `Invalid ~SEQ definition '${t}'` };
  p = skipBlanks(t, p + 1);
  const varStart = p;
  while (p < t.length && !' \t,)'.includes(t[p]!)) p++;
  const name = t.slice(varStart, p);
  p = skipBlanks(t, p);
  if (p >= t.length || t[p] === ')' || name === '') return { ok: false, message: `Invalid ~SEQ definition '${t}'` };
  p = skipBlanks(t, p + 1);
  const close = t.indexOf(')', p);
  if (close < 0) return { ok: false, message: `Invalid ~SEQ definition '${t}' (no ')')` };
  const params = subst(t.slice(p, close + 1));
  let start: number;
  let step: number;
  let end: number;
  const [one, q1] = strtol0(params, 0);
  let q = skipBlanks(params, q1);
  if (params[q] === ')') {
    end = one;
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else {
    if (params[q] !== ',') return { ok: false, message: `Invalid ~SEQ definition '${t}'` };
    const [two, q2] = strtol0(params, q + 1);
    q = skipBlanks(params, q2);
    if (params[q] === ')') {
      start = one;
      end = two;
      step = start <= end ? 1 : -1;
    } else {
      if (params[q] !== ',') return { ok: false, message: `Invalid ~SEQ definition '${t}'` };
      const [three, q3] = strtol0(params, q + 1);
      q = skipBlanks(params, q3);
      if (params[q] !== ')') return { ok: false, message: `Invalid ~SEQ definition '${t}'` };
      start = one;
      step = two;
      end = three;
      if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) return { ok: false, message: `Invalid ~SEQ values '${t}'` };
    }
  }
  if (hex && (start < 0 || end < 0)) return { ok: false, message: `~SEQx is only valid for positive numbers '${t}'` };
  const rest = sliceLine(l, skipBlanks(t, close + 1));
  function* gen(): Generator<readonly string[]> {
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) yield [hex ? v.toString(16) : String(v)];
  }
  // keepalived emits the first value unconditionally (start == end passes the checks above)
  return { ok: true, seq: { vars: [name], values: gen(), text: rest } };
}

/** Splits on commas outside {...}. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(from, i));
      from = i + 1;
    }
  }
  out.push(s.slice(from));
  return out.map((x) => x.trim());
}

function tuple(item: string): string[] | undefined {
  if (!item.startsWith('{')) return undefined;
  if (!item.endsWith('}')) return [];
  return item.slice(1, -1).split(',').map((x) => x.trim());
}

function parseList(l: SrcLine, subst: (params: string) => string): SequenceResult {
  const t = l.text;
  let p = skipBlanks(t, 4);
  if (t[p] !== '(') return { ok: false, message: `Invalid ~LST definition '${t}'` };
  let depth = 0;
  let close = -1;
  for (let i = p + 1; i < t.length; i++) {
    if (t[i] === '{') depth++;
    else if (t[i] === '}') depth--;
    else if (t[i] === ')' && depth <= 0) {
      close = i;
      break;
    }
  }
  if (close < 0) return { ok: false, message: `Invalid ~LST definition '${t}' (no ')')` };
  const items = splitTop(subst(t.slice(p + 1, close)));
  const head = items[0] ?? '';
  const vars = tuple(head) ?? [head];
  const nameOk = (v: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(v);
  if (vars.length === 0 || !vars.every(nameOk)) return { ok: false, message: `Invalid ~LST variable(s) '${head}'` };
  const values: string[][] = [];
  for (const item of items.slice(1)) {
    const tv = tuple(item);
    const row = tv ?? [item];
    if (row.length !== vars.length) return { ok: false, message: `~LST value '${item}' does not match ${vars.length} variable(s)` };
    values.push(row);
  }
  if (values.length === 0) return { ok: false, message: `~LST needs at least one value '${t}'` };
  p = skipBlanks(t, close + 1);
  return { ok: true, seq: { vars, values: values[Symbol.iterator](), text: sliceLine(l, p) } };
}
