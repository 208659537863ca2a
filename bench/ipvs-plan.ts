// bench/ipvs-plan: the CPU side of an IPVS apply, on the host (no kernel): desiredTable, plan
// from empty, plan of equal tables (what adoption and every steady-state tick costs), encoding
// every request and decoding the kernel's dump messages of the whole table.
//   node --import tsx bench/ipvs-plan.ts          SERVICES=1000 DESTS=20 by default
import { parseIp } from '../src/base/ip.ts';
import { desiredTable } from '../src/ipvs/desired-table.ts';
import { plan } from '../src/ipvs/plan.ts';
import { encodeIpvsRequest } from '../src/ipvs/ipvs-codec.ts';
import { ipvsWire } from '../src/ipvs/ipvs-wire.ts';

const SERVICES = Number(process.env.SERVICES ?? 1000);
const DESTS = Number(process.env.DESTS ?? 20);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const vs = Array.from({ length: SERVICES }, (_, i) => ({
  id: `vs${i}`, target: { kind: 'addr' as const, addr: parseIp(`10.${100 + (i >> 8)}.${i & 255}.1`)!, port: 80 }, scheduler: 'wrr',
  realServers: Array.from({ length: DESTS }, (_, j) => ({ addr: parseIp(`10.${200 + (i >> 8)}.${i & 255}.${j + 1}`)!, port: 8080, weight: 1 + (j % 5), health: 'up' as const })),
}));

function best(f: () => void): number {
  let b = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    f();
    b = Math.min(b, performance.now() - t);
  }
  return b;
}

let table = desiredTable({ virtualServers: vs, state: new Map() }).table;
const tDesired = best(() => { table = desiredTable({ virtualServers: vs, state: new Map() }).table; });
let ops = plan(table, new Map(), new Set());
const tPlanEmpty = best(() => { ops = plan(table, new Map(), new Set()); });
const tPlanEqual = best(() => { plan(table, table, new Set(table.keys())); });
let bytes: Uint8Array[] = [];
const tEncode = best(() => {
  bytes = ops.map((op, i) => op.op === 'add-service'
    ? encodeIpvsRequest({ cmd: 'new-service', service: op.service }, 28, i)
    : op.op === 'add-dest' ? encodeIpvsRequest({ cmd: 'new-dest', service: op.service, dest: op.dest }, 28, i) : new Uint8Array());
});
// NEW_SERVICE / NEW_DEST requests have the layout of the kernel's dump messages.
const tDecode = best(() => { for (const b of bytes) ipvsWire.decode(b); });
const n = SERVICES * (DESTS + 1);
const f = (ms: number) => `${ms.toFixed(1)} ms (${((ms * 1000) / n).toFixed(2)} us per entry)`;
console.log(`IPVS CPU costs, ${SERVICES} services x ${DESTS} dests = ${n} entries, best of ${ROUNDS}:`);
console.log(`  desiredTable          ${f(tDesired)}`);
console.log(`  plan from empty       ${f(tPlanEmpty)} -> ${ops.length} ops`);
console.log(`  plan of equal tables  ${f(tPlanEqual)} -> 0 ops`);
console.log(`  encode all requests   ${f(tEncode)}`);
console.log(`  decode as dump parts  ${f(tDecode)}`);
