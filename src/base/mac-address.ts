// Ethernet (EUI-48) addresses as 6 bytes, with strict text parsing that never throws.

export type MacAddress = Uint8Array;

export const BROADCAST_MAC: MacAddress = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** "02:99:00:00:00:11" (or '-' separated); undefined for anything else. */
export function parseMac(text: string): MacAddress | undefined {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) return undefined;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const p = parts[i]!;
    if (!/^[0-9a-fA-F]{2}$/.test(p)) return undefined;
    out[i] = parseInt(p, 16);
  }
  return out;
}

export function formatMac(mac: MacAddress): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}
