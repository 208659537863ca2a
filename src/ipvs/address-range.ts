// Address ranges of a virtual_server_group (keepalived.conf(5), "Virtual server group(s)"):
//   192.168.200.1-10                 the last IPv4 byte (or last IPv6 group, hex) runs to 10
//   192.168.200.250-192.168.201.10   two full addresses
//   192.168.202.8/29                 every address of the prefix (all 8, network and broadcast too,
//                                    since IPVS services are not hosts)
// parseAddressRange never throws: bad text gives undefined.
import { parseIp, type IpAddress } from '../base/ip.ts';

export interface AddressRange {
  readonly first: IpAddress;
  readonly last: IpAddress;
}

function toBig(a: IpAddress): bigint {
  let v = 0n;
  for (const b of a.bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function fromBig(v: bigint, family: 4 | 6): IpAddress {
  const n = family === 4 ? 4 : 16;
  const bytes = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return { family, bytes };
}

export function parseAddressRange(text: string): AddressRange | undefined {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const addr = parseIp(text.slice(0, slash));
    const lenText = text.slice(slash + 1);
    if (!addr || !/^[0-9]{1,3}$/.test(lenText)) return undefined;
    const bits = addr.family === 4 ? 32 : 128;
    const len = Number(lenText);
    if (len > bits) return undefined;
    const host = (1n << BigInt(bits - len)) - 1n;
    const base = toBig(addr) & ~host;
    return { first: fromBig(base, addr.family), last: fromBig(base | host, addr.family) };
  }
  const dash = text.indexOf('-');
  if (dash < 0) {
    const addr = parseIp(text);
    return addr ? { first: addr, last: addr } : undefined;
  }
  const first = parseIp(text.slice(0, dash));
  const rest = text.slice(dash + 1);
  if (!first) return undefined;
  const full = parseIp(rest);
  if (full) {
    if (full.family !== first.family || toBig(full) < toBig(first)) return undefined;
    return { first, last: full };
  }
  // Short form: replaces the last byte (IPv4, decimal) or last group (IPv6, hex).
  if (first.family === 4) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(rest) || Number(rest) > 255) return undefined;
    const bytes = Uint8Array.from(first.bytes);
    bytes[3] = Number(rest);
    const last: IpAddress = { family: 4, bytes };
    return toBig(last) < toBig(first) ? undefined : { first, last };
  }
  if (!/^[0-9a-fA-F]{1,4}$/.test(rest)) return undefined;
  const bytes = Uint8Array.from(first.bytes);
  const g = parseInt(rest, 16);
  bytes[14] = g >> 8;
  bytes[15] = g & 0xff;
  const last: IpAddress = { family: 6, bytes };
  return toBig(last) < toBig(first) ? undefined : { first, last };
}

/** Every address of the range in order, or undefined when there are more than `max`. */
export function expandRange(range: AddressRange, max: number): IpAddress[] | undefined {
  const a = toBig(range.first);
  const b = toBig(range.last);
  if (range.first.family !== range.last.family || b < a) return [];
  if (b - a + 1n > BigInt(max)) return undefined;
  const out: IpAddress[] = [];
  for (let v = a; v <= b; v++) out.push(fromBig(v, range.first.family));
  return out;
}
