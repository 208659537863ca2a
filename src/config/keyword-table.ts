// Keyword tables, as keepalived's install_keyword()/install_sublevel() tables (lib/parser.c):
// one table per block, each entry naming a keyword, what follows it (plain value, a block of
// keywords, a block of free-form value lines) and the handler that turns the statement into
// model fields. applyTable() walks one block's statements against its table.
//
// What keepalived does and we keep: an unknown keyword is reported and ignored (the rest of the
// config still loads). What we do better: its whole `{...}` block is skipped (keepalived 2.2.7
// reads such a block's lines as keywords of the enclosing level and lets its `}` close the
// enclosing block), the diagnostic carries a "did you mean" from the keywords of that very
// block, and a keyword that only exists in a keepalived built with an option we lack (snmp,
// dbus, bfd, nftables...) is recognised and reported as not supported rather than unknown.
import type { Statement } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import { didYouMean } from './did-you-mean.ts';

export type Handler<D> = (ctx: ConfigContext, stmt: Statement, draft: D) => void;

/** What may follow the keyword: nothing but arguments, a block of keywords, a block of value lines. */
export type BlockKind = 'none' | 'keywords' | 'values';

export interface KeywordSpec<D> {
  readonly name: string;
  readonly block: BlockKind;
  /** Absent for keywords that are recognised but have no effect here (not-supported ones). */
  readonly handle?: Handler<D>;
  /** keepalived build option without which keepalived itself lacks the keyword (snmp, dbus...). */
  readonly notSupported?: string;
  /** Deprecated spelling: the keyword to use instead. */
  readonly replacedBy?: string;
  /** keepalived reports this deprecation as a config error (-t exits 5), e.g. nb_get_retry. */
  readonly deprecationIsError?: boolean;
}

/** keyword -> names of the blocks whose table has it (for "X belongs in Y" hints). */
const blocksOf = new Map<string, Set<string>>();

export class KeywordTable<D> {
  private readonly byName = new Map<string, KeywordSpec<D>>();

  /** `blockName` is how diagnostics name the block ("vrrp_instance", "HTTP_GET"). */
  constructor(readonly blockName: string, specs: readonly KeywordSpec<D>[]) {
    for (const s of specs) {
      this.byName.set(s.name, s);
      let set = blocksOf.get(s.name);
      if (!set) blocksOf.set(s.name, (set = new Set()));
      set.add(blockName);
    }
  }

  get(name: string): KeywordSpec<D> | undefined {
    return this.byName.get(name);
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }
}

/** Plain keyword: `name args...`. */
export function kw<D>(name: string, handle: Handler<D>, extra?: Partial<KeywordSpec<D>>): KeywordSpec<D> {
  return { name, block: 'none', handle, ...extra };
}

/** Keyword opening a block of keywords: `name args { ... }`. */
export function sub<D>(name: string, handle: Handler<D>, extra?: Partial<KeywordSpec<D>>): KeywordSpec<D> {
  return { name, block: 'keywords', handle, ...extra };
}

/** Keyword opening a block of value lines: `name { item ... }` (alloc_value_block). */
export function values<D>(name: string, handle: Handler<D>, extra?: Partial<KeywordSpec<D>>): KeywordSpec<D> {
  return { name, block: 'values', handle, ...extra };
}

/** Same handler under an older name, with a deprecation warning pointing at the new one. */
export function deprecatedAlias<D>(name: string, of: KeywordSpec<D>, deprecationIsError = false): KeywordSpec<D> {
  return { ...of, name, replacedBy: of.name, deprecationIsError };
}

/** Silent alias (keepalived documents both spellings as equal, e.g. lvs_sched / lb_algo). */
export function alias<D>(name: string, of: KeywordSpec<D>): KeywordSpec<D> {
  return { ...of, name };
}

/** Keyword of an optional keepalived build (`[build:X]`): accepted, reported, ignored. */
export function unsupported<D>(name: string, option: string, block: BlockKind = 'none'): KeywordSpec<D> {
  return { name, block, notSupported: option };
}

export function applyTable<D>(ctx: ConfigContext, table: KeywordTable<D>, statements: readonly Statement[], draft: D): void {
  for (const stmt of statements) applyStatement(ctx, table, stmt, draft);
}

export function applyStatement<D>(ctx: ConfigContext, table: KeywordTable<D>, stmt: Statement, draft: D): void {
  const word = stmt.keyword.text;
  const spec = table.get(word);
  if (spec === undefined) {
    const suggestion = didYouMean(word, table.names());
    const elsewhere = blocksOf.get(word);
    const hint = suggestion !== undefined
      ? `did you mean '${suggestion}'?`
      : elsewhere ? `'${word}' belongs in ${[...elsewhere].slice(0, 3).join(' / ')}, not in ${table.blockName}` : undefined;
    ctx.error(
      'unknown-keyword',
      stmt.keyword,
      `unknown keyword '${word}' in ${table.blockName}${stmt.block ? ' (its block is skipped)' : ''}`,
      hint,
    );
    return;
  }
  if (spec.notSupported !== undefined) {
    ctx.warn(
      'not-supported',
      stmt.keyword,
      `'${word}' needs keepalived built with ${spec.notSupported}; keepalived-ts does not support it - ignored`,
    );
    return;
  }
  if (spec.replacedBy !== undefined) {
    ctx.report(spec.deprecationIsError ? 'error' : 'warning', 'deprecated', stmt.keyword.pos, `'${word}' is deprecated`, `use '${spec.replacedBy}'`);
  }
  if (spec.block === 'none' && stmt.block !== undefined) {
    ctx.error('unexpected-block', stmt.block.open, `'${word}' takes no '{' block - block ignored`);
  } else if (spec.block !== 'none' && stmt.block === undefined) {
    ctx.error('missing-block', stmt.keyword, `'${word}' needs a '{ ... }' block`);
    if (spec.block === 'values') return;
  }
  spec.handle?.(ctx, stmt, draft);
}
