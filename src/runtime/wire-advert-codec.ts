// The AdvertCodec port over the real VRRP wire codec (src/vrrp/wire): the payload of IP protocol
// 112, checksummed per keepalived's rules for the given source, destination and per-instance
// knobs. Used by the daemon and by the simulator, so simulated directors exchange real bytes.

import type { IpAddress } from '../base/ip.ts';
import type { Advert, RxMeta } from '../vrrp/wire/advert.ts';
import { decodeAdvert } from '../vrrp/wire/decode-advert.ts';
import { encodeAdvert } from '../vrrp/wire/encode-advert.ts';
import type { AdvertCodec, CodecOptions } from './ports.ts';

export function wireAdvertCodec(mcastGroup4?: IpAddress): AdvertCodec {
  return {
    encode(advert: Advert, src: IpAddress, dst: IpAddress, options: CodecOptions = {}): Uint8Array {
      return encodeAdvert(advert, { src, dst, v3ChecksumAsV2: options.v3ChecksumAsV2, oldUnicastChecksum: options.oldUnicastChecksum, mcastGroup4 });
    },
    decode(payload: Uint8Array, meta: RxMeta, options: CodecOptions = {}) {
      const r = decodeAdvert(payload, {
        src: meta.src, dst: meta.dst, v3ChecksumAsV2: options.v3ChecksumAsV2, oldUnicastChecksum: options.oldUnicastChecksum, mcastGroup4,
      });
      return r.ok ? { ok: true as const, advert: r.advert } : { ok: false as const, reason: r.reason };
    },
  };
}
