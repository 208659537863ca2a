// One line of virtual_rules / static_rules (keepalived/vrrp/vrrp_iprule.c parse_rule),
// ip-rule syntax. from/to/table/preference are typed; the rest is kept as written.
import type { Word } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import type { Draft } from './model-common.ts';
import type { VirtualRule } from './model-vrrp.ts';
import { readIntWord, readPrefixWord } from './read-value.ts';

const ONE_ARG = new Set([
  'from', 'to', 'table', 'lookup', 'preference', 'order', 'priority', 'tos', 'dsfield', 'fwmark', 'realms',
  'suppress_prefixlength', 'sup_pl', 'suppress_ifgroup', 'sup_group', 'iif', 'oif', 'tunnel-id', 'uidrange',
  'protocol', 'ipproto', 'sport', 'dport', 'goto', 'type', 'track_group', 'no_track_group',
]);
const FLAGS = new Set(['inet', 'inet6', 'l3mdev', 'nop', 'no_track', 'not', 'blackhole', 'prohibit', 'unreachable']);

export function parseRuleSpec(ctx: ConfigContext, words: readonly Word[], kind: 'vip' | 'static'): VirtualRule | undefined {
  const first = words[0];
  if (!first) return undefined;
  const options: Record<string, string> = {};
  const out: Draft<VirtualRule> = { options, no_track: false, origin: { file: first.pos.file, line: first.pos.line } };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const t = w.text;
    if (FLAGS.has(t)) {
      if (t === 'inet') out.family = 4;
      else if (t === 'inet6') out.family = 6;
      else if (t === 'no_track') {
        if (kind === 'vip') out.no_track = true;
        else ctx.error('invalid-value', w, "'no_track' only applies to a virtual_rule");
      } else options[t] = 'true';
      continue;
    }
    if (!ONE_ARG.has(t)) {
      ctx.error('invalid-value', w, `unknown rule option '${t}' - ignored`);
      continue;
    }
    const v = words[i + 1];
    if (!v) { ctx.error('missing-value', w, `rule option '${t}' needs a value`); break; }
    i++;
    switch (t) {
      case 'from': case 'to': {
        // ip-rule: `all` / `default` / `any` mean the whole address space.
        if (v.text === 'all' || v.text === 'default' || v.text === 'any') { out[t] = 'all'; break; }
        const p = readPrefixWord(ctx, v);
        if (p) {
          out[t] = `${p.address}/${p.prefix_len}`;
          if (out.family !== undefined && out.family !== p.family) ctx.error('address-family', v, `rule mixes IPv4 and IPv6`);
          out.family = p.family;
        }
        break;
      }
      case 'table': case 'lookup': out.table = v.text; break;
      case 'preference': case 'order': case 'priority': {
        const n = readIntWord(ctx, v, 0, 2 ** 32 - 1);
        if (n !== undefined) out.preference = n;
        break;
      }
      case 'track_group':
        if (kind === 'static') out.track_group = v.text;
        else ctx.error('invalid-value', w, "'track_group' only applies to a static_rule");
        break;
      default: options[t] = v.text;
    }
  }
  return out;
}
