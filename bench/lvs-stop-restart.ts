// bench/lvs-stop-restart: the LVS daemon's stop and restart on a full table (1000 virtual
// servers x 20 real servers = 21,000 entries), keepalived-ts against keepalived 2.2.7 on the same
// keepalived.conf in the same user-mode IPVS guest (test/kernel/guest/lvs-lab-guest.ts, modes
// `stop` and `restart`, read its header for the set-up).
//
//   node --import tsx bench/lvs-stop-restart.ts
//   SERVICES=200 DESTS=10 CONNS=20 KA_WAIT_S=0 node --import tsx bench/lvs-stop-restart.ts
//
// Stop: SIGTERM on the full table beside a foreign service; entries left behind (`ipvsadm -Ln`
// after the process exited) and SIGTERM -> exit. keepalived's parent SIGKILLs its checker after
// child_wait_time (default 5 s) whatever it has removed by then; KA_WAIT_S (default 900) adds a run
// with child_wait_time KA_WAIT_S: how long keepalived needs to clean the whole table.
// Restart: stopped with -I (table kept), started again on the matching table with CONNS held TCP
// connections per service (NAT and DR) and 10 new connections/s per service: IPVS requests as
// captured on an nlmon device in the director's namespace, failed connections.
import { labRows, main, ratio, table } from './lvs-report.ts';

const env = {
  SERVICES: process.env.SERVICES ?? '1000', DESTS: process.env.DESTS ?? '20', CONNS: process.env.CONNS ?? '50',
  KA_WAIT_S: process.env.KA_WAIT_S ?? '900',
};

await main(async () => {
  const stop = await labRows('stop', env, Number(env.KA_WAIT_S) > 0 ? 3 : 2);
  const restart = await labRows('restart', env, 2);
  const ours = stop.find((r) => r.who === 'keepalived-ts')!;
  const ka = stop.find((r) => r.who === 'keepalived')!;
  console.log(`\nStop (SIGTERM) on a full table: ${ours.entries} entries of ours + 1 foreign service with 1 real server`);
  table(['program', 'entries left behind', 'SIGTERM -> exit ms', 'foreign kept', 'exited'],
    stop.map((r) => [String(r.who), `${r.leftBehind} of ${r.entries}`, Number(r.stopMs), String(r.foreignKept), String(r.exited)]));
  console.log(`ratio keepalived / keepalived-ts: left behind ${ratio(Number(ka.leftBehind), Number(ours.leftBehind))}, stop time ${ratio(Number(ka.stopMs), Number(ours.stopMs))}`);

  const ro = restart.find((r) => r.who === 'keepalived-ts')!;
  const rk = restart.find((r) => r.who === 'keepalived')!;
  console.log(`\nRestart on a matching table (${ro.entries} entries; stopped with -I, started again; ${ro.conns} held connections, NAT + DR)`);
  const req = (r: Record<string, unknown>) => Object.entries(r.ipvsRequests as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ');
  const err = (r: Record<string, unknown>) => Object.entries(r.replyErrnos as Record<string, number>).map(([k, v]) => `${k === '0' ? 'ACK' : `errno ${k}`} x${v}`).join(', ') || '-';
  table(['program', 'table-changing requests sent / applied', 'all IPVS requests (nlmon)', 'replies', 'capture dropped', 'table same', 'held conns failed', 'new conns failed/ok', 'answers > 1 s (worst ms)', 'restart -> netlink quiet ms'],
    restart.map((r) => [String(r.who), `${r.changingRequests} / ${r.changingApplied}`, req(r), err(r), Number(r.captureDropped), String(r.tableUnchanged), `${r.persistentFailed} of ${r.conns}`,
      `${r.newFailed}/${r.newOk}`, `${r.slowAnswers} (${r.worstAnswerMs})`, Number(r.restartToQuietMs)]));
  console.log(`ratio keepalived / keepalived-ts: table-changing requests ${ratio(Number(rk.changingRequests), Number(ro.changingRequests))}, restart -> quiet ${ratio(Number(rk.restartToQuietMs), Number(ro.restartToQuietMs))}`);
  console.log(`keepalived-ts's own account: ${ro.daemonSentMessages} netlink messages sent, synced ops ${JSON.stringify(ro.daemonSyncedOps)}`);
  for (const r of restart) if ((r.failures as string[]).length) console.log(`${r.who} connection failures (first 10): ${JSON.stringify(r.failures)}`);
});
