// The LVS daemon's stop and restart against a real IPVS kernel (a user-mode guest through
// run-in-vm.sh), at a CI scale of 100 virtual servers x 20 real servers. The guest side is
// test/kernel/guest/lvs-lab-guest.ts, mode `test` (read its header); the oracles read the kernel:
//  - restart: the daemon stopped with -I and started again on the table it left; every netlink
//    message in the director's namespace is captured on an nlmon device and the IPVS requests
//    counted from the pcap: no table-changing request (NEW/SET/DEL service or dest, ZERO, FLUSH),
//    one GET_DEST per service, `ipvsadm -S -n` identical before and after; a client holding 20
//    TCP connections to a NAT and a DR service and opening 10 new ones a second per service
//    sees no failure across the restart;
//  - stop: SIGTERM on the full table leaves none of our 2,100 entries (`ipvsadm -Ln`) and keeps
//    a service (with its real server) someone else added with ipvsadm.
// bench/lvs-stop-restart.ts runs the same scenarios at 1000 x 20 beside keepalived 2.2.7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { isRoot, need } from '../support/env.ts';
import { ADDON, RUN_IN_VM, runLvsLab } from './guest/lvs-lab-runner.ts';

const NAMES = [
  'restart on a matching table issues 0 table-changing IPVS requests (nlmon capture) and keeps the table',
  'restart drops 0 connections (held and new, NAT and DR)',
  'stop leaves 0 of our entries and keeps a foreign service',
];

test('LVS daemon stop and restart on a 100 x 20 table in an IPVS guest', { timeout: 300_000 }, async (t) => {
  if (!need(t, isRoot(), 'root (run-in-vm.sh installs its packages and runs the guest)')) return;
  if (!need(t, existsSync(RUN_IN_VM), RUN_IN_VM)) return;
  if (!need(t, existsSync(ADDON), 'the native addon (npm run build)')) return;
  const out = await runLvsLab('test', { SERVICES: '100', DESTS: '20', CONNS: '20' }, { timeoutS: 240, memMiB: 1024 });
  for (const b of out.benches) t.diagnostic(JSON.stringify(b));
  for (const name of NAMES) {
    await t.test(name, () => {
      const r = out.results.find((x) => x.name === name);
      assert.ok(r, `the guest did not report this step (run-in-vm exit ${out.code}):\n${out.text.slice(-4000)}`);
      assert.ok(r.ok, `${r.detail}\n--- guest output (tail)\n${out.text.slice(-3000)}`);
    });
  }
  assert.deepEqual(out.results.filter((r) => !NAMES.includes(r.name)), [], 'no harness failure');
  assert.equal(out.code, 0, `run-in-vm exit ${out.code}`);
});
