// UDP_CHECK (keepalived check_udp.c): send `payload` (or random bytes), then
//   - an ICMP error (port/host/net unreachable, seen as ECONNREFUSED etc. on the connected
//     socket) is a failure;
//   - no reply before connect_timeout: success unless require_reply is set;
//   - a reply: with require_reply its length must lie in [min_reply_length, max_reply_length]
//     and, with a require_reply HEX_STR, its bytes must match the pattern up to the shorter of
//     the two lengths, X nibbles matching anything.
// HEX_STR is free format (man keepalived.conf): white space separates groups, each group is read
// two digits per byte and an odd last digit is a byte on its own: "Ab12f 3 456" = AB 12 0F 03 45 06.

export interface HexPattern {
  readonly bytes: Uint8Array;
  /** 0xf0 / 0x0f / 0xff per byte: the nibbles that must match (X = wildcard nibble). */
  readonly mask: Uint8Array;
}

/** undefined for a character that is neither hex, X nor white space. */
export function parseHexPattern(text: string, allowWildcards: boolean): HexPattern | undefined {
  const bytes: number[] = [];
  const mask: number[] = [];
  const nibble = (ch: string): [number, number] | undefined => {
    if (/[0-9a-fA-F]/.test(ch)) return [parseInt(ch, 16), 0xf];
    if (allowWildcards && (ch === 'x' || ch === 'X')) return [0, 0];
    return undefined;
  };
  for (const group of text.trim().split(/\s+/)) {
    if (group === '') continue;
    for (let i = 0; i < group.length; i += 2) {
      const hi = nibble(group[i]!);
      if (!hi) return undefined;
      if (i + 1 < group.length) {
        const lo = nibble(group[i + 1]!);
        if (!lo) return undefined;
        bytes.push((hi[0] << 4) | lo[0]);
        mask.push((hi[1] << 4) | lo[1]);
      } else {
        bytes.push(hi[0]);
        mask.push(hi[1]);
      }
    }
  }
  return { bytes: Uint8Array.from(bytes), mask: Uint8Array.from(mask) };
}

export interface UdpReplyRules {
  readonly requireReply: boolean;
  readonly replyPattern?: HexPattern;
  readonly minReplyLength: number;
  readonly maxReplyLength: number;
}

export type UdpVerdict = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly reason: string };

export function udpNoReplyVerdict(rules: UdpReplyRules): UdpVerdict {
  return rules.requireReply ? { ok: false, reason: 'no reply before the timeout' } : { ok: true, detail: 'no ICMP error before the timeout' };
}

export function udpReplyVerdict(rules: UdpReplyRules, reply: Uint8Array): UdpVerdict {
  if (!rules.requireReply) return { ok: true, detail: `reply of ${reply.length} bytes` };
  if (reply.length < rules.minReplyLength || reply.length > rules.maxReplyLength) {
    return { ok: false, reason: `reply length ${reply.length} outside [${rules.minReplyLength}, ${rules.maxReplyLength}]` };
  }
  const p = rules.replyPattern;
  if (p) {
    const n = Math.min(reply.length, p.bytes.length);
    for (let i = 0; i < n; i++) {
      if (((reply[i]! ^ p.bytes[i]!) & p.mask[i]!) !== 0) return { ok: false, reason: `reply differs from require_reply at byte ${i}` };
    }
  }
  return { ok: true, detail: `reply of ${reply.length} bytes matches` };
}
