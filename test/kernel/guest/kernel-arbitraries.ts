// Random IPVS tables the kernel accepts: IPv6 netmasks are prefix lengths, persistence and its
// timeout/netmask go together (so `ipvsadm -S` shows everything the model holds), a dest has
// its service's family unless tunnelled, fwmark services take port-0 dests.
import fc from 'fast-check';
import type { IpAddress } from '../../../src/base/ip.ts';
import {
  buildTable, normalizeDestAttrs, type DestAttrs, type IpvsDest, type IpvsTable, type ServiceAttrs, type ServiceKey,
} from '../../../src/ipvs/model.ts';

const v4 = (c: number, d: number): IpAddress => ({ family: 4, bytes: Uint8Array.from([10, 20, c, d]) });
const v6 = (last: number): IpAddress => {
  const bytes = new Uint8Array(16);
  bytes.set([0x20, 0x01, 0x0d, 0xb8]);
  bytes[15] = last;
  return { family: 6, bytes };
};

export const KERNEL_SERVICE_KEYS: ServiceKey[] = [
  { kind: 'addr', protocol: 'tcp', addr: v4(0, 1), port: 80 },
  { kind: 'addr', protocol: 'udp', addr: v4(0, 1), port: 53 },
  { kind: 'addr', protocol: 'tcp', addr: v4(0, 2), port: 443 },
  { kind: 'addr', protocol: 'sctp', addr: v4(0, 3), port: 9 },
  { kind: 'addr', protocol: 'tcp', addr: v6(1), port: 80 },
  { kind: 'fwmark', fwmark: 7, family: 4 },
  { kind: 'fwmark', fwmark: 7, family: 6 },
];

const fam = (k: ServiceKey) => (k.kind === 'addr' ? k.addr.family : k.family);

function arbAttrs(k: ServiceKey): fc.Arbitrary<ServiceAttrs> {
  const full = fam(k) === 4 ? 0xffffffff : 128;
  return fc.record({
    scheduler: fc.constantFrom('rr', 'wrr', 'wlc', 'sh', 'mh', 'lc'),
    sched: fc.constantFrom(0, 0x8, 0x18, 0x20),
    ops: fc.boolean(),
    persistent: fc.boolean(),
    mask: fc.constantFrom(full, fam(k) === 4 ? 0xffffff00 : 64),
    pe: fc.constantFrom('', 'sip'),
  }).map((r) => ({
    scheduler: r.scheduler,
    // ipvsadm names only sh-/mh-fallback and -port for sh and mh: flag-3 would be invisible to -S.
    flags: (['sh', 'mh'].includes(r.scheduler) ? r.sched & 0x18 : r.sched) | (r.persistent ? 1 : 0) | (r.ops && k.kind === 'addr' && k.protocol === 'udp' ? 4 : 0),
    timeoutS: r.persistent ? 300 : 0,
    netmask: r.persistent ? r.mask : full,
    peName: r.persistent && k.kind === 'addr' && k.protocol === 'udp' ? r.pe : '',
  }));
}

const arbDestAttrs: fc.Arbitrary<DestAttrs> = fc.record({
  fwd: fc.constantFrom('nat' as const, 'dr' as const, 'tun' as const),
  weight: fc.constantFrom(0, 1, 5, 100000),
  uThreshold: fc.constantFrom(0, 10),
  lThreshold: fc.constantFrom(0, 2),
  tunType: fc.constantFrom('ipip' as const, 'gue' as const, 'gre' as const),
  tunPort: fc.constantFrom(6080, 5555),
  tunFlags: fc.constantFrom(0, 1),
}).map((a) => normalizeDestAttrs(a.lThreshold > a.uThreshold ? { ...a, lThreshold: 0 } : a));

function arbDests(k: ServiceKey): fc.Arbitrary<IpvsDest[]> {
  const same = fam(k) === 4 ? [v4(1, 1), v4(1, 2), v4(1, 3)] : [v6(0x11), v6(0x12), v6(0x13)];
  const other = fam(k) === 4 ? v6(0x21) : v4(2, 1);
  const ports = k.kind === 'fwmark' ? [0] : [80, 8080];
  const candidates = [...same, other].flatMap((addr) => ports.map((port) => ({ addr, port })));
  return fc.subarray(candidates, { maxLength: Math.min(5, candidates.length) }).chain((keys) =>
    fc.tuple(...keys.map(() => arbDestAttrs)).map((attrs) => keys.map((key, i) => ({ key, attrs: attrs[i]! }))
      // Only tunnelled dests may differ in family from their service (ip_vs_add_dest: EINVAL).
      .map((d) => (d.key.addr.family !== fam(k) && d.attrs.fwd !== 'tun' ? { ...d, attrs: { ...d.attrs, fwd: 'tun' as const } } : d))
      .map((d) => ({ ...d, attrs: normalizeDestAttrs(d.attrs) }))));
}

export const arbKernelTable: fc.Arbitrary<IpvsTable> = fc.subarray(KERNEL_SERVICE_KEYS).chain((keys) =>
  fc.tuple(...keys.map((k) => fc.tuple(arbAttrs(k), arbDests(k)))).map((parts) =>
    buildTable(keys.map((key, i) => ({ service: { key, attrs: parts[i]![0] }, dests: parts[i]![1] })))));
