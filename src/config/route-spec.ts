// One line of virtual_routes / static_routes (keepalived/vrrp/vrrp_iproute.c parse_route),
// ip-route syntax without abbreviations. The fields the runtime needs are typed; the rest of
// ip-route's options are kept as written in `options` (they are passed through to netlink).
import type { Word } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import type { Draft } from './model-common.ts';
import type { VirtualRoute } from './model-vrrp.ts';
import { readIntWord, readIpWord, readPrefixWord } from './read-value.ts';

const TYPES = new Set(['unicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'local', 'broadcast', 'multicast', 'anycast', 'nat']);
/** Options taking one value (stored in `options` unless typed below). */
const ONE_ARG = new Set([
  'table', 'tos', 'dsfield', 'protocol', 'metric', 'priority', 'preference', 'mtu', 'advmss', 'rtt', 'rttvar',
  'reordering', 'window', 'cwnd', 'realms', 'rto_min', 'initcwnd', 'initrwnd', 'features', 'congctl', 'pref',
  'ttl-propagate', 'fastopen_no_cookie', 'hoplimit', 'expires', 'vrf', 'scope', 'dev', 'oif', 'src', 'via', 'gw',
  'track_group', 'ssthresh', 'as', 'quickack',
]);
const FLAGS = new Set(['onlink', 'inet', 'inet6', 'add', 'prepend', 'append', 'no_track', 'lock']);

export function parseRouteSpec(ctx: ConfigContext, words: readonly Word[], kind: 'vip' | 'static'): VirtualRoute | undefined {
  const first = words[0];
  if (!first) return undefined;
  const options: Record<string, string> = {};
  const out: Draft<VirtualRoute> = { type: 'unicast', to: '', family: 4, options, no_track: false, origin: { file: first.pos.file, line: first.pos.line } };
  let famSet = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const t = w.text;
    if (t === 'nexthop' || t === 'encap') {
      // Everything after is multipath / encapsulation detail, kept verbatim.
      options[t] = words.slice(i + 1).map((x) => x.text).join(' ');
      break;
    }
    if (TYPES.has(t) && out.to === '') { out.type = t; continue; }
    if (FLAGS.has(t)) {
      if (t === 'no_track') {
        if (kind === 'vip') out.no_track = true;
        else ctx.error('invalid-value', w, "'no_track' only applies to a virtual_route");
      } else if (t === 'inet' || t === 'inet6') { out.family = t === 'inet' ? 4 : 6; famSet = true; }
      else options[t] = 'true';
      continue;
    }
    if (t === 'to') continue;
    if (ONE_ARG.has(t)) {
      const v = words[i + 1];
      if (!v) { ctx.error('missing-value', w, `route option '${t}' needs a value`); break; }
      i++;
      switch (t) {
        case 'src': { const a = readIpWord(ctx, v); if (a) out.src = a.address; break; }
        case 'via': case 'gw': {
          const fam = v.text === 'inet' || v.text === 'inet6' ? words[++i] : v;
          const a = fam ? readIpWord(ctx, fam) : undefined;
          if (a) out.via = a.address;
          break;
        }
        case 'dev': case 'oif': out.dev = v.text; break;
        case 'scope': out.scope = v.text; break;
        case 'table': out.table = v.text; break;
        case 'metric': case 'priority': case 'preference': {
          const n = readIntWord(ctx, v, 0, 2 ** 32 - 1);
          if (n !== undefined) out.metric = n;
          break;
        }
        case 'protocol': out.protocol = v.text; break;
        case 'tos': case 'dsfield': out.tos = v.text; break;
        case 'track_group':
          if (kind === 'static') out.track_group = v.text;
          else ctx.error('invalid-value', w, "'track_group' only applies to a static_route");
          break;
        default: options[t] = v.text;
      }
      continue;
    }
    if (out.to === '') {
      if (t === 'default' || t === 'default6' || t === 'all' || t === 'any') {
        out.to = 'default';
        if (t === 'default6') { out.family = 6; famSet = true; }
        continue;
      }
      const p = readPrefixWord(ctx, w);
      if (!p) return undefined;
      out.to = `${p.address}/${p.prefix_len}`;
      out.family = p.family;
      famSet = true;
      continue;
    }
    ctx.error('invalid-value', w, `unknown route option '${t}' - ignored`);
  }
  if (out.to === '') {
    ctx.error('missing-value', first, 'route has no destination');
    return undefined;
  }
  if (!famSet && out.via?.includes(':')) out.family = 6;
  return out;
}
