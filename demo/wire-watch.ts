// WireWatch: the VRRP adverts on the demo's bridge, as tcpdump sees them, with the kernel's
// capture timestamps (-tt: wall-clock seconds, the same clock as Date.now()). Only a master sends
// adverts (RFC 3768 section 6.4.3), so a director's first advert after the crash is the moment it
// took over, and the dead master's last advert starts the backup's master_down_interval. Kernel
// timestamps do not suffer from the delay before a busy one-CPU guest schedules the reader.
export interface Advert {
  readonly atMs: number;
  readonly src: string;
  readonly vrid: number;
  readonly priority: number;
}

/** "1795271800.714779 IP 10.99.0.11 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, ..." */
export function parseAdvertLine(line: string): Advert | undefined {
  const m = /^(\d+)\.(\d{6}) IP (\S+) > \S+: VRRPv\d, Advertisement, vrid (\d+), prio (\d+)/.exec(line);
  if (!m) return undefined;
  return { atMs: Number(m[1]) * 1000 + Number(m[2]) / 1000, src: m[3]!, vrid: Number(m[4]), priority: Number(m[5]) };
}

/** tcpdump's argv: br0 inside the switch namespace, line-buffered, no name resolution. */
export const TCPDUMP_ARGV = ['tcpdump', '-i', 'br0', '-n', '-l', '-tt', '--immediate-mode', 'ip proto 112'];

export class WireWatch {
  readonly adverts: Advert[] = [];

  onLine(line: string): void {
    const a = parseAdvertLine(line);
    if (a) this.adverts.push(a);
  }

  /** The first advert from src at or after sinceMs (it became master then). */
  firstFrom(src: string, sinceMs: number): Advert | undefined {
    return this.adverts.find((a) => a.src === src && a.atMs >= sinceMs);
  }

  /** The last advert from src before beforeMs. */
  lastFrom(src: string, beforeMs: number): Advert | undefined {
    let last: Advert | undefined;
    for (const a of this.adverts) if (a.src === src && a.atMs < beforeMs) last = a;
    return last;
  }
}
