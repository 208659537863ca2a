// fast-check generators for IPVS tables over a small universe of keys, so that desired and
// observed tables overlap often (same keys, different attributes) -- the interesting cases.
import fc from 'fast-check';
import type { IpAddress } from '../../../src/base/ip.ts';
import {
  buildTable, normalizeDestAttrs, type DestAttrs, type IpvsDest, type IpvsService, type IpvsTable, type ServiceAttrs, type ServiceKey,
} from '../../../src/ipvs/model.ts';

const v4 = (a: number, b: number, c: number, d: number): IpAddress => ({ family: 4, bytes: Uint8Array.from([a, b, c, d]) });
const v6 = (last: number): IpAddress => {
  const bytes = new Uint8Array(16);
  bytes[0] = 0x20; bytes[1] = 0x01; bytes[2] = 0x0d; bytes[3] = 0xb8; bytes[15] = last;
  return { family: 6, bytes };
};

export const SERVICE_KEYS: ServiceKey[] = [
  { kind: 'addr', protocol: 'tcp', addr: v4(10, 0, 0, 1), port: 80 },
  { kind: 'addr', protocol: 'udp', addr: v4(10, 0, 0, 1), port: 53 },
  { kind: 'addr', protocol: 'tcp', addr: v4(10, 0, 0, 2), port: 443 },
  { kind: 'addr', protocol: 'sctp', addr: v4(10, 0, 0, 3), port: 9 },
  { kind: 'addr', protocol: 'tcp', addr: v6(1), port: 80 },
  { kind: 'fwmark', fwmark: 7, family: 4 },
  { kind: 'fwmark', fwmark: 7, family: 6 },
];

const destAddrs: IpAddress[] = [v4(192, 168, 1, 1), v4(192, 168, 1, 2), v4(192, 168, 1, 3), v6(0x11), v6(0x12)];

export const arbServiceAttrs: fc.Arbitrary<ServiceAttrs> = fc.record({
  scheduler: fc.constantFrom('rr', 'wrr', 'wlc', 'sh', 'mh'),
  flags: fc.constantFrom(0, 1, 0x8, 0x18, 0x4),
  timeoutS: fc.constantFrom(0, 300),
  netmask: fc.constantFrom(0xffffffff, 0xffffff00),
  peName: fc.constantFrom('', 'sip'),
});

export const arbDestAttrs: fc.Arbitrary<DestAttrs> = fc.record({
  fwd: fc.constantFrom('nat' as const, 'dr' as const, 'tun' as const),
  weight: fc.constantFrom(0, 1, 5, 100),
  uThreshold: fc.constantFrom(0, 10),
  lThreshold: fc.constantFrom(0, 2),
  tunType: fc.constantFrom('ipip' as const, 'gue' as const),
  tunPort: fc.constantFrom(0, 6080),
  tunFlags: fc.constantFrom(0, 1),
}).map(normalizeDestAttrs); // the kernel only ever reports (and holds) normalised tunnel fields

const arbDests: fc.Arbitrary<IpvsDest[]> = fc
  .subarray(destAddrs.flatMap((addr) => [80, 8080].map((port) => ({ addr, port }))), { maxLength: 6 })
  .chain((keys) => fc.tuple(...keys.map(() => arbDestAttrs)).map((attrs) => keys.map((key, i) => ({ key, attrs: attrs[i]! }))));

export const arbTable: fc.Arbitrary<IpvsTable> = fc
  .subarray(SERVICE_KEYS)
  .chain((keys) => fc.tuple(...keys.map(() => fc.tuple(arbServiceAttrs, arbDests))).map((parts) =>
    buildTable(keys.map((key, i) => {
      const [attrs, dests] = parts[i]!;
      const service: IpvsService = { key, attrs };
      return { service, dests };
    }))));
