// One line of virtual_ipaddress / virtual_ipaddress_excluded / static_ipaddress
// (keepalived/vrrp/vrrp_ipaddress.c parse_ipaddress):
//   <IP>[/<LEN>] [brd <IP>|+|-] [dev <IF>] [use_vmac [NAME]] [scope S] [label L] [peer <IP>[/LEN]]
//   [home] [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track] [preferred_lft N|forever]
//   [track_group G]
// An unknown option is an error and the option is skipped, as keepalived does; a bad address
// drops the line.
import type { Word } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import type { Draft } from './model-common.ts';
import type { VirtualIpAddress } from './model-vrrp.ts';
import { readIntWord, readIpWord, readPrefixWord } from './read-value.ts';

const SCOPES = ['site', 'link', 'host', 'nowhere', 'global'];

export interface AddressSpecOptions {
  /** `no_track` only applies to VIPs; `track_group` only to static addresses. */
  readonly kind: 'vip' | 'static';
}

export function parseAddressSpec(ctx: ConfigContext, words: readonly Word[], opts: AddressSpecOptions): VirtualIpAddress | undefined {
  const first = words[0];
  if (!first) return undefined;
  const p = readPrefixWord(ctx, first);
  if (!p) return undefined;
  const out: Draft<VirtualIpAddress> = {
    address: p.address,
    family: p.family,
    prefix_len: p.prefix_len,
    no_track: false,
    origin: { file: first.pos.file, line: first.pos.line },
  };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const next = (): Word | undefined => {
      const v = words[i + 1];
      if (!v) ctx.error('missing-value', w, `address option '${w.text}' needs a value`);
      else i++;
      return v;
    };
    switch (w.text) {
      case 'brd':
      case 'broadcast': {
        const v = next();
        if (!v) break;
        if (v.text === '+' || v.text === '-') out.brd = v.text;
        else {
          const b = readIpWord(ctx, v, p.family);
          if (b) out.brd = b.address;
        }
        if (p.family === 6) ctx.error('invalid-value', w, 'brd is meaningless for an IPv6 address');
        break;
      }
      case 'dev': { const v = next(); if (v) out.dev = v.text; break; }
      case 'scope': {
        const v = next();
        if (!v) break;
        if (SCOPES.includes(v.text) || /^[0-9]+$/.test(v.text)) out.scope = v.text;
        else ctx.error('invalid-value', v, `invalid scope '${v.text}'`, `expected one of ${SCOPES.join(', ')}`);
        break;
      }
      case 'label': { const v = next(); if (v) out.label = v.text; break; }
      case 'peer': {
        const v = next();
        if (!v) break;
        const pp = readPrefixWord(ctx, v);
        if (pp) out.peer = v.text.includes('/') ? `${pp.address}/${pp.prefix_len}` : pp.address;
        break;
      }
      case 'home': out.home = true; break;
      case '-nodad': case 'nodad': out.nodad = true; break;
      case 'mngtmpaddr': out.mngtmpaddr = true; break;
      case 'noprefixroute': out.noprefixroute = true; break;
      case 'autojoin': out.autojoin = true; break;
      case 'no_track':
        if (opts.kind === 'vip') out.no_track = true;
        else ctx.error('invalid-value', w, "'no_track' only applies to a virtual_ipaddress");
        break;
      case 'preferred_lft': {
        const v = next();
        if (!v) break;
        if (v.text === 'forever') out.preferred_lft = 'forever';
        else {
          const n = readIntWord(ctx, v, 0, 2 ** 32 - 1);
          if (n !== undefined) out.preferred_lft = n;
        }
        break;
      }
      case 'use_vmac': {
        const v = words[i + 1];
        if (v && !KNOWN.has(v.text)) { out.use_vmac = v.text; i++; } else out.use_vmac = true;
        break;
      }
      case 'track_group': {
        const v = next();
        if (!v) break;
        if (opts.kind === 'static') out.track_group = v.text;
        else ctx.error('invalid-value', w, "'track_group' only applies to a static_ipaddress");
        break;
      }
      default:
        ctx.error('invalid-value', w, `unknown address option '${w.text}' - ignored`, `expected one of ${[...KNOWN].join(' ')}`);
    }
  }
  // keepalived adds an IPv6 /128 VIP as deprecated (preferred_lft 0) so it is never a source.
  if (p.family === 6 && p.prefix_len === 128 && out.preferred_lft === undefined && opts.kind === 'vip') out.preferred_lft = 0;
  return out;
}

const KNOWN = new Set([
  'brd', 'broadcast', 'dev', 'scope', 'label', 'peer', 'home', '-nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin',
  'no_track', 'preferred_lft', 'use_vmac', 'track_group',
]);
