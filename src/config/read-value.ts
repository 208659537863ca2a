// Readers for keyword arguments, as keepalived reads them (lib/parser.c read_int/read_unsigned/
// read_decimal_unsigned/read_timer, check_true_false): each returns the typed value or
// undefined after reporting why, so a bad value leaves the model's default in place exactly as
// keepalived ignores a keyword whose value it cannot read.
import type { Statement, Word } from 'keepalived-conf-parser';
import { formatIp, parseIp, parsePrefix, type IpAddress, type IpFamily } from '../base/ip.ts';
import type { ConfigContext } from './config-context.ts';

/** Argument `i` of the statement, or a 'missing-value' error naming what was expected. */
export function arg(ctx: ConfigContext, stmt: Statement, i: number, what = 'a value'): Word | undefined {
  const w = stmt.args[i];
  if (w === undefined) {
    ctx.error('missing-value', stmt.keyword, `'${stmt.keyword.text}' needs ${what}`);
  }
  return w;
}

/** Extra arguments keepalived would ignore: a warning, since they are usually a mistake. */
export function noExtraArgs(ctx: ConfigContext, stmt: Statement, allowed: number): void {
  const extra = stmt.args[allowed];
  if (extra !== undefined) {
    ctx.warn('extra-arguments', extra, `'${stmt.keyword.text}': extra argument '${extra.text}' ignored`);
  }
}

const INT_RE = /^[+-]?[0-9]+$/;

/** Decimal integer in [min, max] (read_int_strvec / read_unsigned_strvec). */
export function readIntWord(ctx: ConfigContext, w: Word, min: number, max: number): number | undefined {
  if (!INT_RE.test(w.text)) {
    ctx.error('invalid-number', w, `invalid number '${w.text}'`);
    return undefined;
  }
  const n = Number(w.text);
  if (n < min || n > max) {
    ctx.error('out-of-range', w, `number '${w.text}' outside range [${min}, ${max}]`);
    return undefined;
  }
  return n;
}

export function readInt(ctx: ConfigContext, stmt: Statement, min: number, max: number, i = 0): number | undefined {
  const w = arg(ctx, stmt, i, `a number in [${min}, ${max}]`);
  return w === undefined ? undefined : readIntWord(ctx, w, min, max);
}

const DECIMAL_RE = /^[+]?([0-9]+)(?:\.([0-9]*))?$|^[+]?\.([0-9]+)$/;

/**
 * Decimal seconds with microsecond resolution (read_timer: TIMER_HZ = 1,000,000), returned in
 * seconds rounded to the microsecond. keepalived rejects more than 6 decimal places.
 */
export function readSecondsWord(ctx: ConfigContext, w: Word, minS: number, maxS: number): number | undefined {
  const m = DECIMAL_RE.exec(w.text);
  if (!m) {
    ctx.error('invalid-number', w, `invalid duration '${w.text}' (decimal seconds expected)`);
    return undefined;
  }
  const frac = m[2] ?? m[3] ?? '';
  if (frac.length > 6) {
    ctx.error('invalid-number', w, `'${w.text}': more than 6 decimal places (microsecond resolution)`);
    return undefined;
  }
  const us = Number(m[1] ?? '0') * 1_000_000 + Number((frac + '000000').slice(0, 6));
  const s = us / 1_000_000;
  if (s < minS || s > maxS) {
    ctx.error('out-of-range', w, `duration '${w.text}' outside range [${minS}, ${maxS}] seconds`);
    return undefined;
  }
  return s;
}

export function readSeconds(ctx: ConfigContext, stmt: Statement, minS: number, maxS: number, i = 0): number | undefined {
  const w = arg(ctx, stmt, i, 'a duration in seconds');
  return w === undefined ? undefined : readSecondsWord(ctx, w, minS, maxS);
}

/** A plain decimal number (fractions allowed), e.g. advert_int before version rules apply. */
export function readDecimalWord(ctx: ConfigContext, w: Word): number | undefined {
  if (!DECIMAL_RE.test(w.text)) {
    ctx.error('invalid-number', w, `invalid number '${w.text}'`);
    return undefined;
  }
  return Number(w.text);
}

const TRUE_WORDS = new Set(['on', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', 'no']);

/** `<BOOL>`: on|off|true|false|yes|no; no argument means true (check_true_false). */
export function readBool(ctx: ConfigContext, stmt: Statement, i = 0): boolean | undefined {
  const w = stmt.args[i];
  if (w === undefined) return true;
  const t = w.text.toLowerCase();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  ctx.error('invalid-bool', w, `'${stmt.keyword.text}': invalid boolean '${w.text}'`, 'use on|off|true|false|yes|no');
  return undefined;
}

export function readString(ctx: ConfigContext, stmt: Statement, i = 0, what = 'a value'): string | undefined {
  return arg(ctx, stmt, i, what)?.text;
}

/** One of a fixed set of words (case-sensitive unless `fold` is set). */
export function readEnumWord<T extends string>(ctx: ConfigContext, w: Word, allowed: readonly T[], fold = false): T | undefined {
  const t = fold ? w.text.toUpperCase() : w.text;
  const found = allowed.find((a) => (fold ? a.toUpperCase() : a) === t);
  if (found === undefined) {
    ctx.error('invalid-value', w, `invalid value '${w.text}'`, `expected one of ${allowed.join(', ')}`);
  }
  return found;
}

export function readEnum<T extends string>(ctx: ConfigContext, stmt: Statement, allowed: readonly T[], fold = false, i = 0): T | undefined {
  const w = arg(ctx, stmt, i, `one of ${allowed.join('|')}`);
  return w === undefined ? undefined : readEnumWord(ctx, w, allowed, fold);
}

export interface ParsedIp {
  readonly address: string;
  readonly family: IpFamily;
  readonly ip: IpAddress;
}

/** An IP address, returned in canonical text form (RFC 5952 for IPv6). */
export function readIpWord(ctx: ConfigContext, w: Word, family?: IpFamily): ParsedIp | undefined {
  const ip = parseIp(w.text);
  if (!ip) {
    ctx.error('invalid-address', w, `invalid IP address '${w.text}'`);
    return undefined;
  }
  if (family !== undefined && ip.family !== family) {
    ctx.error('address-family', w, `'${w.text}' is not an IPv${family} address`);
    return undefined;
  }
  return { address: formatIp(ip), family: ip.family, ip };
}

export function readIp(ctx: ConfigContext, stmt: Statement, i = 0, family?: IpFamily): ParsedIp | undefined {
  const w = arg(ctx, stmt, i, 'an IP address');
  return w === undefined ? undefined : readIpWord(ctx, w, family);
}

export interface ParsedPrefix extends ParsedIp {
  readonly prefix_len: number;
}

/** `IP[/LEN]`; without a length the full host length (keepalived's default /32 or /128). */
export function readPrefixWord(ctx: ConfigContext, w: Word): ParsedPrefix | undefined {
  const p = parsePrefix(w.text);
  if (!p) {
    ctx.error('invalid-address', w, `invalid address or prefix '${w.text}'`);
    return undefined;
  }
  return { address: formatIp(p.addr), family: p.addr.family, ip: p.addr, prefix_len: p.prefixLen };
}

/** TCP/UDP port 0..65535 (keepalived accepts service names via getservbyname; we accept numbers and a few). */
const SERVICES: Readonly<Record<string, number>> = { http: 80, https: 443, smtp: 25, domain: 53, ssh: 22, ftp: 21, mysql: 3306 };

export function readPortWord(ctx: ConfigContext, w: Word): number | undefined {
  const named = SERVICES[w.text];
  if (named !== undefined) return named;
  return readIntWord(ctx, w, 0, 65535);
}
