// keepalived's process model in keepalived-ts (root, network namespaces): the supervising parent
// (-p) and its worker (-r), the real executable. What keepalived 2.2.7 does, measured with the
// same kill sequences (see src/daemon/supervisor.ts): a worker killed with SIGKILL is respawned
// ("VRRP child process(PID) died: Respawning") and VRRP resumes; with -R the parent stops
// instead; SIGKILL of the parent makes the worker stop GRACEFULLY (priority 0 on the wire,
// decoded by tshark; VIP removed); SIGTERM of the parent stops both and removes every pid file;
// SIGHUP to the parent reloads the worker; without -n the detached process supervises.

import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tsharkFields } from '../captures/tshark.ts';
import { AF_UNIX, NativeSocket, SOCK_DGRAM } from '../../src/os/native-socket.ts';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { VrrpLab, instanceConf, waitFor, type TsProc } from '../support/lab.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const labs: VrrpLab[] = [];
after(async () => { for (const l of labs) await l.destroy(); });

function ready(t: TestContext, capture = false): boolean {
  return need(t, isRoot(), 'root for network namespaces')
    && (!capture || need(t, hasCommand('tcpdump') && hasCommand('tshark'), 'tcpdump and tshark'));
}

const conf = (priority: number): string => instanceConf({ priority, version: 3, advertInt: 0.1 });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The parent pid of pid, from /proc/PID/stat (field 4, after the command in brackets). */
function ppidOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** d2 backup at 100, d1 master at 150 (supervised, with extra options); d1 holds the VIP. */
async function pair(l: VrrpLab, extra: readonly string[] = [], env?: NodeJS.ProcessEnv): Promise<{ d1: TsProc; d2: TsProc; worker: number }> {
  const d2 = l.startTs('d2', conf(100));
  const d1 = l.startTs('d1', conf(150), extra, env);
  await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 as master');
  const worker = d1.workerPid();
  assert.ok(worker !== undefined && worker !== d1.pid, `a worker pid in -r: ${worker}`);
  assert.equal(ppidOf(worker), d1.pid, 'the worker is a child of the parent');
  return { d1, d2, worker };
}

test('kill -9 of the worker: respawned with a new pid in -r, VRRP resumes, the VIP comes back on the master', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('supR');
  labs.push(l);
  // systemd's side of Type=notify: every READY=1 must name the parent as MAINPID, or systemd
  // would take the worker for the service and see its death as the service's.
  const notifyPath = join(l.dir, 'notify.sock');
  const sd = NativeSocket.open(AF_UNIX, SOCK_DGRAM, 0);
  sd.bind({ family: 'unix', path: notifyPath });
  const sdMessages: string[] = [];
  sd.on('message', (m) => sdMessages.push(m.bytes.toString()));
  sd.start();
  t.after(() => sd.close());
  const { d1, worker } = await pair(l, [], { NOTIFY_SOCKET: notifyPath });
  process.kill(worker, 'SIGKILL');
  // No priority 0 from a killed worker: d2 takes over on its master-down timer.
  await waitFor(() => l.hasAddr('d2'), 5000, 'd2 to take over from the dead worker');
  await waitFor(() => { const w = d1.workerPid(); return w !== undefined && w !== worker; }, 10_000, 'a new worker pid in -r');
  const next = d1.workerPid()!;
  assert.equal(ppidOf(next), d1.pid, 'the new worker is a child of the same parent');
  await waitFor(() => l.soleHolder() === 'd1', 15_000, 'the new worker to preempt back (the VIP on d1 again)');
  assert.equal(d1.exited(), false, 'the parent stays');
  await waitFor(() => sdMessages.filter((m) => m.startsWith('READY=1')).length === 2, 3000, 'READY=1 from each worker');
  for (const m of sdMessages) {
    const mainPid = /^MAINPID=(\d+)$/m.exec(m)?.[1];
    if (mainPid !== undefined) assert.equal(mainPid, String(d1.pid), `MAINPID is the parent's in ${JSON.stringify(m)}`);
  }
  const log = d1.log();
  assert.match(log, new RegExp(`pid ${worker} exited due to signal 9 \\(Killed\\)`));
  assert.match(log, new RegExp(`VRRP child process\\(${worker}\\) died: Respawning`));
  assert.match(log, new RegExp(`Starting VRRP child process, pid=${next}\\b`));
  // The log arrives through a pipe, possibly after the VIP: waited for, bounded.
  await waitFor(() => /\(VI_1\) Entering MASTER STATE/.test(d1.log().slice(d1.log().indexOf(`pid=${next}`))), 3000, 'the new worker to log MASTER');
});

test('-R: the parent stops when its worker dies', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('supN');
  labs.push(l);
  const pid = join(l.dir, 'd1.main.pid');
  const { d1, worker } = await pair(l, ['-R', '-p', pid]);
  assert.equal(readFileSync(pid, 'utf8').trim(), String(d1.pid));
  process.kill(worker, 'SIGKILL');
  await waitFor(() => d1.exited(), 10_000, 'the parent to exit');
  assert.equal(d1.child.exitCode, 0, 'as keepalived 2.2.7 -R (measured: exit 0)');
  assert.match(d1.log(), new RegExp(`VRRP child process\\(${worker}\\) died: Exiting`));
  assert.doesNotMatch(d1.log(), /Respawning/);
  assert.equal(existsSync(pid), false, '-p removed');
  assert.equal(existsSync(d1.pidFile), false, 'the dead worker\'s -r removed');
});

test('SIGKILL of the parent: the worker stops gracefully (priority 0 on the wire, VIP removed, -r removed)', async (t) => {
  if (!ready(t, true)) return;
  const l = new VrrpLab('supK');
  labs.push(l);
  const pcap = await l.captureStart();
  const { d1, worker } = await pair(l);
  process.kill(d1.pid, 'SIGKILL');
  await waitFor(() => !alive(worker), 10_000, 'the worker to stop after its parent died');
  assert.equal(l.hasAddr('d1'), false, 'the worker removed the VIP');
  assert.equal(existsSync(d1.pidFile), false, 'the worker removed -r');
  await waitFor(() => l.hasAddr('d2'), 3000, 'd2 to take over');
  await l.captureStop();
  const zero = tsharkFields(pcap, ['ip.src', 'vrrp.prio'], [], 'vrrp.prio == 0').rows;
  assert.ok(zero.some((r) => r['ip.src'] === l.node('d1').ip4), `a priority-0 advert from d1: ${JSON.stringify(zero)}`);
  assert.match(d1.log(), /\(VI_1\) sent 0 priority/);
});

test('SIGTERM of the parent stops both and removes every pid file; SIGHUP to the parent reloads the worker', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('supT');
  labs.push(l);
  const pid = join(l.dir, 'd1.main.pid');
  const chk = join(l.dir, 'd1.chk.pid');
  const { d1, worker } = await pair(l, ['-p', pid, '-c', chk]);

  // Reload through the parent: d1 drops to 50, the VIP moves to d2, the worker is the same one.
  writeFileSync(join(l.dir, 'd1-ts.conf'), conf(50));
  process.kill(d1.pid, 'SIGHUP');
  await waitFor(() => /Reload finished/.test(d1.log()), 5000, 'the worker to reload');
  await waitFor(() => l.soleHolder() === 'd2', 5000, 'the VIP to move to d2 (d1 now 50)');
  await waitFor(() => /\(VI_1\) Entering BACKUP STATE/.test(d1.log().slice(d1.log().indexOf('Reloading'))), 3000, 'the transition after the reload in the log');
  assert.equal(d1.workerPid(), worker, 'reloaded, not respawned');

  await d1.stop('SIGTERM');
  assert.equal(d1.child.exitCode, 0, d1.log());
  assert.equal(alive(worker), false, 'the worker is gone');
  for (const p of [pid, d1.pidFile, chk]) assert.equal(existsSync(p), false, `${p} removed`);
});

test('without -n the detached process supervises: -p names it, SIGTERM to it stops both', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('supD', ['d1']);
  labs.push(l);
  const file = l.file('d1-ts.conf', instanceConf({ priority: 150, state: 'MASTER', version: 3, advertInt: 0.1 }));
  const pid = join(l.dir, 'd1.main.pid');
  const vrrp = join(l.dir, 'd1.vrrp.pid');
  const r = spawnSync('ip', ['netns', 'exec', l.node('d1').ns.name, join(ROOT, 'bin/keepalived-ts'), '-P', '-f', file, '-p', pid, '-r', vrrp], { timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr.toString());
  const read = (p: string): number => Number(readFileSync(p, 'utf8').trim());
  let parent = 0;
  let worker = 0;
  try {
    await waitFor(() => existsSync(pid) && existsSync(vrrp) && l.hasAddr('d1'), 30_000, 'the detached daemon to hold the VIP');
    parent = read(pid);
    worker = read(vrrp);
    assert.equal(ppidOf(worker), parent, 'the -r process is a child of the -p process');
    process.kill(parent, 'SIGTERM');
    await waitFor(() => !alive(parent) && !alive(worker), 15_000, 'both to stop');
    assert.equal(l.hasAddr('d1'), false, 'VIP removed');
    assert.equal(existsSync(pid) || existsSync(vrrp), false, 'pid files removed');
  } finally {
    if (parent === 0 && existsSync(pid)) parent = read(pid);
    if (worker === 0 && existsSync(vrrp)) worker = read(vrrp);
    for (const p of [worker, parent]) if (p > 0 && alive(p)) process.kill(p, 'SIGKILL');
  }
});
