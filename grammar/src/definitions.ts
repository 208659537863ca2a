// Parameter definitions and substitution: lib/parser.c check_definition(), find_definition(),
// replace_param() and the standard definitions (man5 "Parameter substitution",
// "Pre-defined definitions").
//
// - `$NAME=VALUE` must start the line, NAME is [A-Za-z_][A-Za-z0-9_]*, no blank before `=`;
//   a value ending in `\` starts a multiline definition (collected by the preprocessor).
// - A use is `$NAME` followed by blank, `,`, `)` or end of line, or `${NAME}` anywhere;
//   a multiline definition is only expanded when its use ends the line.
// - Substitution happens at use time and rescans the inserted text (recursive). keepalived loops
//   forever on `$IF=$IF` and refuses lines that grow past MAXBUF; we bound both and report.
import { pointLine, sliceLine, spliceLine, type SrcLine } from './source-line.ts';
import { Random } from './random.ts';

/** lib/parser.h MAXBUF: the longest line keepalived's buffers hold. */
export const MAXBUF = 1024;
/** More replacements than this on one line can only be a definition that refers to itself. */
const MAX_REPLACEMENTS = 4096;

export interface Definition {
  readonly name: string;
  /** Single-line: one element (the value, possibly empty). Multiline: the value's lines. */
  lines: SrcLine[];
  multiline: boolean;
  /** Standard definitions compute their value; a user definition of the same name overrides. */
  fn?: ((params: string | undefined) => string) | undefined;
  /** 'digits': `${_RANDOM 1 10}`; 'name': `${_ENV HOME}`. */
  params?: 'digits' | 'name' | undefined;
}

export interface SubstContext {
  /** Directory of the file being read, for ${_PWD}. */
  pwd(): string;
}

export type SubstResult =
  | { kind: 'unchanged' }
  | { kind: 'changed'; line: SrcLine; multiline: SrcLine[][] }
  | { kind: 'error'; code: 'self-reference' | 'line-too-long'; message: string; at: number };

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function isAlnum_(c: number): boolean {
  return isAlpha(c) || (c >= 48 && c <= 57) || c === 95;
}

export class Definitions {
  private readonly defs = new Map<string, Definition>();

  constructor(configId: string, env: Readonly<Record<string, string | undefined>>, randomSeed: number, ctx: SubstContext) {
    const rnd = new Random(randomSeed);
    this.std('_PWD', () => ctx.pwd());
    this.std('_INSTANCE', () => configId);
    this.std('_RANDOM', (params) => randomValue(rnd, params), 'digits');
    this.std('_ENV', (params) => (params === undefined ? '' : (env[params] ?? '')), 'name');
    this.std('_HASH', () => '#');
    this.std('_BANG', () => '!');
  }

  private std(name: string, fn: (params: string | undefined) => string, params?: 'digits' | 'name'): void {
    this.defs.set(name, { name, lines: [{ text: '', segs: [{ at: 0, file: 0, line: 1, col: 1, linear: false }] }], multiline: false, fn, params });
  }

  get(name: string): Definition | undefined {
    return this.defs.get(name);
  }

  /** set_definition(): used by ~SEQ / ~LST for their variable. */
  set(name: string, value: SrcLine): void {
    this.defs.set(name, { name, lines: [value], multiline: false });
  }

  /**
   * check_definition(): when `l` is `$NAME=VALUE`, records it and returns the definition
   * (multiline when VALUE ends in `\`); otherwise undefined.
   */
  define(l: SrcLine): Definition | undefined {
    const t = l.text;
    if (t.charCodeAt(0) !== 36 /* $ */) return undefined;
    const c1 = t.charCodeAt(1);
    if (!isAlpha(c1) && c1 !== 95) return undefined;
    let p = 2;
    while (p < t.length && t.charCodeAt(p) !== 61 /* = */) {
      if (!isAlnum_(t.charCodeAt(p))) return undefined;
      p++;
    }
    if (p >= t.length) return undefined;
    const name = t.slice(1, p);
    p++;
    while (p < t.length && (t.charCodeAt(p) === 32 || t.charCodeAt(p) === 9)) p++;
    let end = t.length;
    let multiline = false;
    if (end > p && t.charCodeAt(end - 1) === 92 /* \ */) {
      multiline = true;
      end--;
      while (end > p && (t.charCodeAt(end - 1) === 32 || t.charCodeAt(end - 1) === 9)) end--;
    }
    const value = p < end ? sliceLine(l, p, end) : pointLine('', l, Math.min(p, t.length - 1));
    const def: Definition = { name, lines: multiline && value.text === '' ? [] : [value], multiline };
    this.defs.set(name, def);
    return def;
  }

  /** replace_param(): substitute every use in `l`, rescanning inserted text. */
  substitute(l: SrcLine, ctx: SubstContext): SubstResult {
    let line = l;
    let cur = 0;
    let count = 0;
    let changed = false;
    const multiline: SrcLine[][] = [];
    void ctx;
    for (;;) {
      cur = line.text.indexOf('$', cur);
      if (cur < 0 || cur + 1 >= line.text.length) break;
      const use = this.findUse(line.text, cur);
      if (use === undefined) {
        cur++;
        continue;
      }
      if (++count > MAX_REPLACEMENTS)
        return { kind: 'error', code: 'self-reference', at: cur, message: `definition '$${use.def.name}' refers to itself (substitution never ends)` };
      changed = true;
      const def = use.def;
      let value: SrcLine;
      if (def.fn) value = pointLine(def.fn(use.params), line, cur);
      else if (def.multiline) {
        value = def.lines[0] ?? pointLine('', line, cur);
        if (def.lines.length > 1) multiline.push(def.lines.slice(1));
      } else value = pointLine(def.lines[0]?.text ?? '', line, cur);
      line = spliceLine(line, cur, use.end, value);
      if (line.text.length >= MAXBUF)
        return { kind: 'error', code: 'line-too-long', at: cur, message: `parameter substitution would exceed the maximum line length (${MAXBUF})` };
      const v = value.text;
      let k = 0;
      while (k < v.length && (v.charCodeAt(k) === 32 || v.charCodeAt(k) === 9)) k++;
      if (v.charCodeAt(k) === 126 /* ~ */) break;
    }
    return changed ? { kind: 'changed', line, multiline } : { kind: 'unchanged' };
  }

  /** find_definition() for a use at text[i] === '$'. */
  private findUse(t: string, i: number): { def: Definition; end: number; params: string | undefined } | undefined {
    let j = i + 1;
    const braces = t.charCodeAt(j) === 123;
    if (braces) j++;
    const c = t.charCodeAt(j);
    if (!isAlpha(c) && c !== 95) return undefined;
    let k = j + 1;
    while (k < t.length && isAlnum_(t.charCodeAt(k))) k++;
    const def = this.defs.get(t.slice(j, k));
    if (def === undefined) return undefined;
    let params: string | undefined;
    let end: number;
    if (braces) {
      if (def.params !== undefined && t.charCodeAt(k) === 32) {
        let q = k;
        if (def.params === 'digits') while (q < t.length && (t.charCodeAt(q) === 32 || (t.charCodeAt(q) >= 48 && t.charCodeAt(q) <= 57))) q++;
        else {
          while (t.charCodeAt(q) === 32) q++;
          while (q < t.length && isAlnum_(t.charCodeAt(q))) q++;
        }
        const raw = t.slice(k, q);
        if (raw.trim() !== '') {
          if (raw.charCodeAt(raw.length - 1) === 32) return undefined; // params may not end with a blank
          params = raw.trim();
        }
        k = q;
      }
      if (t.charCodeAt(k) !== 125) return undefined;
      end = k + 1;
    } else {
      const e = t.charCodeAt(k);
      if (k < t.length && e !== 32 && e !== 9 && e !== 44 && e !== 41) return undefined;
      end = k;
    }
    if (def.multiline && end !== t.length) return undefined;
    return { def, end, params };
  }
}

/** ${_RANDOM [MIN [MAX]]}: keepalived's random() % (max - min + 1) + min, defaults 0..32767. */
function randomValue(rnd: Random, params: string | undefined): string {
  let min = 0;
  let max = 32767;
  if (params !== undefined) {
    const parts = params.split(/ +/);
    if (parts[0] !== undefined && parts[0] !== '') min = Number.parseInt(parts[0], 10);
    if (parts[1] !== undefined) max = Number.parseInt(parts[1], 10);
  }
  if (!(max >= min)) return String(min);
  return String((rnd.nextU31() % (max - min + 1)) + min);
}
