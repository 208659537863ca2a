// Table entries for the common case: a keyword whose value lands, typed, in the model field of
// the same name (`vrrp_strict` -> draft.vrrp_strict = true). The key is checked against the
// model type, so a table cannot name a field the model lacks or give it the wrong type.
import type { Statement } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import { kw, type KeywordSpec } from './keyword-table.ts';
import { arg, noExtraArgs, readBool, readInt, readIp, readSeconds } from './read-value.ts';

/** Keys of D whose (non-undefined) type accepts T. */
export type KeyOf<D, T> = { [K in keyof D]-?: T extends NonNullable<D[K]> ? K : never }[keyof D] & string;

function set<D>(draft: D, key: string, value: unknown): void {
  (draft as Record<string, unknown>)[key] = value;
}

/** Generic: read with `read`, store under `key` (defaults to the keyword). */
export function field<D, T>(
  name: string,
  key: KeyOf<D, T>,
  read: (ctx: ConfigContext, stmt: Statement) => T | undefined,
  extraArgs = 1,
): KeywordSpec<D> {
  return kw<D>(name, (ctx, stmt, draft) => {
    const v = read(ctx, stmt);
    if (v !== undefined) set(draft, key, v);
    if (extraArgs >= 0) noExtraArgs(ctx, stmt, extraArgs);
  });
}

export function boolField<D>(name: KeyOf<D, boolean>, key: KeyOf<D, boolean> = name): KeywordSpec<D> {
  return field<D, boolean>(name, key, (ctx, stmt) => readBool(ctx, stmt));
}

/** A keyword that only switches something on and takes no argument (`nopreempt`). */
export function flagField<D>(name: KeyOf<D, boolean>, key: KeyOf<D, boolean> = name, value = true): KeywordSpec<D> {
  return field<D, boolean>(name, key, () => value, 0);
}

export function intField<D>(name: KeyOf<D, number>, min: number, max: number, key: KeyOf<D, number> = name): KeywordSpec<D> {
  return field<D, number>(name, key, (ctx, stmt) => readInt(ctx, stmt, min, max));
}

export function secondsField<D>(name: KeyOf<D, number>, min: number, max: number, key: KeyOf<D, number> = name): KeywordSpec<D> {
  return field<D, number>(name, key, (ctx, stmt) => readSeconds(ctx, stmt, min, max));
}

export function stringField<D>(name: KeyOf<D, string>, key: KeyOf<D, string> = name): KeywordSpec<D> {
  return field<D, string>(name, key, (ctx, stmt) => arg(ctx, stmt, 0)?.text);
}

export function ipField<D>(name: KeyOf<D, string>, key: KeyOf<D, string> = name): KeywordSpec<D> {
  return field<D, string>(name, key, (ctx, stmt) => readIp(ctx, stmt)?.address);
}

/** Integer list (`vrrp_cpu_affinity 0 1 2`). */
export function intListField<D>(name: KeyOf<D, readonly number[]>, min: number, max: number): KeywordSpec<D> {
  return field<D, readonly number[]>(
    name,
    name,
    (ctx, stmt) => {
      const out: number[] = [];
      for (let i = 0; i < stmt.args.length; i++) {
        const n = readInt(ctx, stmt, min, max, i);
        if (n !== undefined) out.push(n);
      }
      return out;
    },
    -1,
  );
}
