// bench/lvs-memory: resident memory with 20,000 real servers checked by HTTP_GET (1000 virtual
// servers x 20), keepalived-ts's LVS daemon against keepalived 2.2.7 with all of its processes
// (parent, VRRP, checker: started without -C, as an operator runs it), same keepalived.conf,
// same user-mode IPVS guest (test/kernel/guest/lvs-lab-guest.ts, mode `memory`).
//
//   node --import tsx bench/lvs-memory.ts
//   SERVICES=200 DELAY_LOOP_S=30 node --import tsx bench/lvs-memory.ts     (DELAY_LOOP_S: a comma list, default 900,60)
//
// Every real server answers (one namespace owning 10.200.0.0/14). RSS (VmRSS) is summed over the
// daemon's process tree, sampled 5 times 2 s apart SAMPLE_AFTER_S (90) after the table was first
// full, largest sample kept. 20,000 HTTP_GET a minute is more than the one emulated CPU can probe
// (bench/lvs-check-cost.ts), so the probes served and the entries at sampling are printed too.
import { labRows, main, ratio, table } from './lvs-report.ts';

// delay_loop 900: a probe rate the guest sustains for both (the table stays full); 60 (keepalived's
// default): more HTTP_GET than keepalived-ts can probe on one emulated CPU -- its table collapses.
const LOOPS = (process.env.DELAY_LOOP_S ?? '900,60').split(',');

await main(async () => {
  for (const loop of LOOPS) {
    const env = { SERVICES: process.env.SERVICES ?? '1000', DESTS: process.env.DESTS ?? '20', DELAY_LOOP_S: loop, SAMPLE_AFTER_S: process.env.SAMPLE_AFTER_S ?? '90' };
    const rows = await labRows('memory', env, 2, { timeoutS: 2400 });
    console.log(`\nRSS with ${rows[0]!.realServers} real servers checked by HTTP_GET (delay_loop ${env.DELAY_LOOP_S} s), sampled ${env.SAMPLE_AFTER_S} s after the table was full, same guest`);
    table(['program', 'RSS MiB (all processes)', 'processes', 'per process MiB', 'start -> table full ms', 'probes before sampling', 'IPVS entries at sampling'],
      rows.map((r) => [String(r.who), Number(r.rssMiB), Number(r.processes), (r.perProcessMiB as number[]).join(' + '), Number(r.fillMs), Number(r.probesBeforeSampling), Number(r.entriesAtSampling)]));
    const o = rows.find((r) => r.who === 'keepalived-ts')!;
    const k = rows.find((r) => r.who === 'keepalived')!;
    console.log(`ratio keepalived-ts / keepalived (all processes) = ${ratio(Number(o.rssMiB), Number(k.rssMiB))}`);
  }
});
