// A stand-in AdvertCodec for the simulator: the Advert as JSON bytes. It lets the director be
// exercised before (and independently of) the wire codec in src/vrrp/wire; the simulator can be
// handed the real codec instead through SimHostOptions.codec. Decoding garbage fails, never throws.

import type { IpAddress } from '../base/ip.ts';
import type { AdvertCodec } from '../runtime/ports.ts';
import type { Advert } from '../vrrp/wire/advert.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Json {
  v: 2 | 3; f: 4 | 6; id: number; p: number; i: number; at: number; ad: number[]; a: number[][];
}

export const objectCodec: AdvertCodec = {
  encode(a: Advert): Uint8Array {
    const j: Json = {
      v: a.version, f: a.family, id: a.vrid, p: a.priority, i: a.advertIntervalCs, at: a.authType,
      ad: Array.from(a.authData), a: a.addresses.map((x) => Array.from(x.bytes)),
    };
    return enc.encode(JSON.stringify(j));
  },
  decode(payload: Uint8Array) {
    try {
      const j = JSON.parse(dec.decode(payload)) as Json;
      const addresses: IpAddress[] = j.a.map((b) => ({ family: b.length === 4 ? 4 : 6, bytes: Uint8Array.from(b) }));
      const advert: Advert = {
        version: j.v, family: j.f, vrid: j.id, priority: j.p, advertIntervalCs: j.i, authType: j.at,
        authData: Uint8Array.from(j.ad), addresses, checksum: 0,
      };
      return { ok: true, advert };
    } catch (e) {
      return { ok: false, reason: `undecodable: ${String(e)}` };
    }
  },
};
