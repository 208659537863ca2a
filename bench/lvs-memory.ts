// bench/lvs-memory: resident memory with 20,000 real servers checked by HTTP_GET (1000 virtual
// servers x 20), keepalived-ts's LVS daemon against keepalived 2.2.7 with all of its processes
// (parent, VRRP, checker: started without -C, as an operator runs it), same keepalived.conf,
// same user-mode IPVS guest (test/kernel/guest/lvs-lab-guest.ts, mode `memory`).
//
//   node --import tsx bench/lvs-memory.ts
//   SERVICES=200 DELAY_LOOP_S=30 node --import tsx bench/lvs-memory.ts
//
// Every real server answers (one namespace owning 10.200.0.0/14), so the whole table stays in
// place; RSS (VmRSS) is summed over the daemon's process tree, sampled 5 times 2 s apart once
// every checker has probed (the server counted the requests), largest sample kept.
import { labRows, main, ratio, table } from './lvs-report.ts';

const env = { SERVICES: process.env.SERVICES ?? '1000', DESTS: process.env.DESTS ?? '20', DELAY_LOOP_S: process.env.DELAY_LOOP_S ?? '60' };

await main(async () => {
  const rows = await labRows('memory', env, 2, { timeoutS: 2400 });
  console.log(`\nRSS with ${rows[0]!.realServers} real servers checked by HTTP_GET (delay_loop ${env.DELAY_LOOP_S} s), same guest`);
  table(['program', 'RSS MiB (all processes)', 'processes', 'per process MiB', 'probes before sampling', 'IPVS entries at sampling'],
    rows.map((r) => [String(r.who), Number(r.rssMiB), Number(r.processes), (r.perProcessMiB as number[]).join(' + '), Number(r.probesBeforeSampling), Number(r.entriesAtSampling)]));
  const o = rows.find((r) => r.who === 'keepalived-ts')!;
  const k = rows.find((r) => r.who === 'keepalived')!;
  console.log(`ratio keepalived-ts / keepalived (all processes) = ${ratio(Number(o.rssMiB), Number(k.rssMiB))}`);
});
