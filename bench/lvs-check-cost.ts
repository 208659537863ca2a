// bench/lvs-check-cost: CPU per 1000 health-check probes, TCP_CHECK and HTTP_GET, keepalived-ts's
// daemon process against keepalived 2.2.7's checker process on the same keepalived.conf in the
// same user-mode IPVS guest (test/kernel/guest/lvs-lab-guest.ts, mode `cost`).
//
//   node --import tsx bench/lvs-check-cost.ts
//   CHECKS=400 WINDOW_S=60 node --import tsx bench/lvs-check-cost.ts
//
// CHECKS real servers (20 per virtual server), delay_loop 1, against one real-server namespace
// that answers for all of 10.200.0.0/14 (TCP :81 accepts, HTTP :80 answers 200). The probes are
// counted by that server (nobody's checker code), the CPU is user+system from /proc/<pid>/stat
// over WINDOW_S once every checker cycles. bench/check-cost.ts measures our probe runner alone,
// on the host, without a daemon.
// Issue 4 (2026-11-21, ms CPU per 1000 probes, ours vs keepalived in the same run): TCP_CHECK
// 4116 vs 775 before; 1767 vs 967 with the probe rewrites; 254 vs 808 with the LVS wake grid.
// HTTP_GET 8466 vs 2901 before; 2322 vs 1352 with the own HTTP client; 2804 vs 2144 with the grid.
// keepalived's own figure moves by up to 1.6x between runs (host load): compare within a run.
import { labRows, main, ratio, table } from './lvs-report.ts';

// 20 checks a second: on one emulated CPU keepalived-ts's HTTP_GET saturates the guest at ~40 a second (first runs).
const env = { CHECKS: process.env.CHECKS ?? '20', WINDOW_S: process.env.WINDOW_S ?? '60', SERVICES: '0', DESTS: '0' };

await main(async () => {
  const rows = await labRows('cost', env, 4);
  console.log(`\nChecker CPU, ${env.CHECKS} real servers at delay_loop 1, ${env.WINDOW_S} s window, same guest (1 emulated CPU)`);
  table(['check', 'program', 'probes', 'probes/s', 'CPU s', 'ms CPU / 1000 probes', 'all processes ms / 1000', 'table stayed full'],
    rows.map((r) => [String(r.kind), String(r.who), Number(r.probes), Number(r.probesPerS), Number(r.cpuS), Number(r.msCpuPer1000), Number(r.allProcessesMsCpuPer1000), String(r.tableStayedFull)]));
  for (const kind of ['tcp', 'http']) {
    const o = rows.find((r) => r.kind === kind && r.who === 'keepalived-ts')!;
    const k = rows.find((r) => r.kind === kind && r.who === 'keepalived')!;
    console.log(`${kind === 'tcp' ? 'TCP_CHECK' : 'HTTP_GET '}: keepalived-ts / keepalived checker process = ${ratio(Number(o.msCpuPer1000), Number(k.msCpuPer1000))}`);
  }
});
