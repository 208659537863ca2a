// The keepalived-ts daemon as a process (root, network namespaces): what `ip -j addr` shows for
// VIP options (label, brd +, scope), notify / notify_master scripts and the notify FIFO with
// keepalived's arguments and lines, pid files, -V keeping the VIPs at stop, and refusing to
// start on configuration errors or a live pid file.

import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { constants, existsSync, openSync, readFileSync, readSync, closeSync, writeFileSync, chmodSync } from 'node:fs';
import { AF_UNIX, NativeSocket, SOCK_DGRAM } from '../../src/os/native-socket.ts';
import { isRoot, need } from '../support/env.ts';
import { VIP4, VrrpLab, instanceConf, waitFor } from '../support/lab.ts';

const labs: VrrpLab[] = [];
after(async () => { for (const l of labs) await l.destroy(); });

function ready(t: TestContext): boolean {
  return need(t, isRoot(), 'root for network namespaces');
}

interface IpAddrInfo { local?: string; prefixlen?: number; broadcast?: string; scope?: string; label?: string }

function addrInfo(l: VrrpLab, node: string, addr: string): IpAddrInfo | undefined {
  const j = l.node(node).ns.ipJson('addr', 'show', 'dev', 'eth0') as { addr_info?: IpAddrInfo[] }[];
  return j.flatMap((x) => x.addr_info ?? []).find((a) => a.local === addr);
}

function readFifo(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(65536);
    let n = 0;
    try { n = readSync(fd, buf, 0, buf.length, null); } catch { n = 0; }
    return buf.subarray(0, n).toString();
  } finally {
    closeSync(fd);
  }
}

test('VIP options as ip shows them, notify scripts and FIFO, pid files, clean stop', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('dmn', ['d1']);
  labs.push(l);
  const out = `${l.dir}/notify.out`;
  const script = l.file('notify.sh', `#!/bin/sh\necho "$@" >> ${out}\n`);
  chmodSync(script, 0o755);
  const masterMark = `${l.dir}/master.mark`;
  const fifo = `${l.dir}/notify.fifo`;
  const pid = `${l.dir}/kts.pid`;
  const vrrpPid = `${l.dir}/kts-vrrp.pid`;
  const conf = `global_defs {\n    enable_script_security\n    script_user root\n    vrrp_notify_fifo ${fifo}\n}\n` + instanceConf({
    priority: 150, state: 'MASTER', version: 3, advertInt: 0.1,
    vips: [`${VIP4}/24 brd + label eth0:vip`, '10.99.0.201/32 scope link'],
    extra: `    notify ${script}\n    notify_master "/usr/bin/touch ${masterMark}"`,
  });
  const d = l.startTs('d1', conf, ['-p', pid, '-r', vrrpPid]);
  await waitFor(() => l.hasAddr('d1', VIP4) && l.hasAddr('d1', '10.99.0.201'), 30_000, 'd1 to add both VIPs');
  const a = addrInfo(l, 'd1', VIP4);
  assert.equal(a?.prefixlen, 24);
  assert.equal(a?.broadcast, '10.99.0.255');
  assert.equal(a?.label, 'eth0:vip');
  assert.equal(addrInfo(l, 'd1', '10.99.0.201')?.scope, 'link');
  assert.equal(readFileSync(pid, 'utf8').trim(), String(d.pid));
  // -p is the supervising parent's, -r its worker's (a child of the parent, as keepalived's).
  const worker = Number(readFileSync(vrrpPid, 'utf8').trim());
  assert.notEqual(worker, d.pid);
  assert.equal(readFileSync(`/proc/${worker}/stat`, 'utf8').split(') ')[1]?.split(' ')[1], String(d.pid), 'the -r process is a child of the -p process');
  await waitFor(() => existsSync(out) && /INSTANCE VI_1 MASTER 150/.test(readFileSync(out, 'utf8')), 5000, 'notify with INSTANCE VI_1 MASTER 150');
  assert.match(readFileSync(out, 'utf8'), /^INSTANCE VI_1 BACKUP 150$/m, 'BACKUP first (start-up state)');
  await waitFor(() => existsSync(masterMark), 5000, 'notify_master to run');
  const lines = readFifo(fifo);
  assert.match(lines, /^INSTANCE "VI_1" BACKUP 150$/m);
  assert.match(lines, /^INSTANCE "VI_1" MASTER 150$/m);

  await d.stop('SIGTERM');
  assert.equal(d.child.exitCode, 0, d.log());
  // Every netlink change finished before the socket closed (no "del ...: EBADF" after "Stopped").
  assert.doesNotMatch(d.log(), /EBADF|portError/, d.log());
  assert.equal(l.hasAddr('d1', VIP4), false, 'VIP removed at stop');
  assert.equal(l.hasAddr('d1', '10.99.0.201'), false);
  assert.equal(existsSync(pid), false, 'pid file removed');
  assert.equal(existsSync(vrrpPid), false);
  await waitFor(() => /INSTANCE VI_1 STOP 150/.test(readFileSync(out, 'utf8')), 5000, 'notify with STOP');
});

test('-V keeps the VIPs at stop; a live pid file and configuration errors refuse to start', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('dmnV', ['d1']);
  labs.push(l);
  const pid = `${l.dir}/kts.pid`;
  const conf = instanceConf({ priority: 150, state: 'MASTER', version: 3, advertInt: 0.1 });
  const d = l.startTs('d1', conf, ['-V', '-p', pid]);
  await waitFor(() => l.hasAddr('d1'), 30_000, 'd1 to add the VIP');

  const second = l.startTs('d1', conf, ['-p', pid]);
  await waitFor(() => second.exited(), 30_000, 'the second daemon to refuse');
  assert.equal(second.child.exitCode, 1);
  assert.match(second.log(), /already running/);

  await d.stop('SIGTERM');
  assert.equal(d.child.exitCode, 0, d.log());
  assert.equal(l.hasAddr('d1'), true, '-V: the VIP stays');

  const bad = l.startTs('d1', conf.replace('priority 150', 'priority 150\n    frobnicate 1'));
  await waitFor(() => bad.exited(), 30_000, 'a daemon with a bad config to exit');
  assert.equal(bad.child.exitCode, 4);
  assert.match(bad.log(), /d1-ts\.conf:\d+:\d+: error: .*frobnicate/);
  assert.match(bad.log(), /not starting/);
  writeFileSync(pid, ''); // keep the lab's directory tidy for destroy()
});

test('SIGHUP reloads as a diff: a new priority moves the VIP, a new instance starts, a broken file is refused; systemd hears READY/RELOADING/STOPPING', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('dmnH');
  labs.push(l);
  const notifyPath = `${l.dir}/notify.sock`;
  const sd = NativeSocket.open(AF_UNIX, SOCK_DGRAM, 0);
  sd.bind({ family: 'unix', path: notifyPath });
  const sdMessages: string[] = [];
  sd.on('message', (m) => sdMessages.push(m.bytes.toString()));
  sd.start();
  t.after(() => sd.close());
  const vi1 = (p: number): string => instanceConf({ priority: p, version: 3, advertInt: 0.1 });
  l.startTs('d2', vi1(100));
  await waitFor(() => l.soleHolder() === 'd2', 30_000, 'd2 as master');
  const d1 = l.startTs('d1', vi1(150), [], { NOTIFY_SOCKET: notifyPath });
  await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 to preempt');
  await waitFor(() => sdMessages.some((m) => m.startsWith(`READY=1\nMAINPID=${d1.pid}`)), 3000, 'READY=1 with our pid');
  const file = `${l.dir}/d1-ts.conf`;

  // A file with errors: the running configuration stays.
  writeFileSync(file, vi1(50).replace('priority 50', 'priority 50\n    frobnicate'));
  d1.child.kill('SIGHUP');
  await waitFor(() => /Reload aborted/.test(d1.log()), 5000, 'the broken reload to be refused');
  assert.equal(l.soleHolder(), 'd1');

  // Lower priority + a second instance.
  writeFileSync(file, vi1(50) + instanceConf({ name: 'VI_2', vrid: 52, priority: 120, version: 3, advertInt: 0.1, vips: ['10.99.0.203/24'] }));
  d1.child.kill('SIGHUP');
  await waitFor(() => /Reload finished/.test(d1.log()), 5000, 'the reload to finish');
  await waitFor(() => l.soleHolder() === 'd2', 5000, 'the VIP to move to d2 (d1 now 50)');
  await waitFor(() => l.soleHolder('10.99.0.203') === 'd1', 5000, 'VI_2 to start on d1');
  assert.equal(d1.exited(), false);
  await d1.stop('SIGTERM');
  await waitFor(() => sdMessages.includes('STOPPING=1'), 3000, 'STOPPING=1');
  const kinds = sdMessages.map((m) => m.split('\n')[0]);
  assert.deepEqual(kinds, ['READY=1', 'RELOADING=1', 'READY=1', 'RELOADING=1', 'READY=1', 'STOPPING=1']);
});

test('virtual_routes follow the master (ip -j route in each namespace)', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('dmnR');
  labs.push(l);
  const conf = (p: number): string => instanceConf({
    priority: p, version: 3, advertInt: 0.1,
    extra: '    virtual_routes {\n        192.0.2.0/24 via 10.99.0.100\n        198.51.100.0/24 dev eth0 metric 7\n        blackhole 203.0.113.0/24\n    }',
  });
  type Route = { dst?: string; gateway?: string; dev?: string; metric?: number; type?: string };
  const routes = (node: string): Route[] => l.node(node).ns.ipJson('route', 'show', 'table', 'all') as Route[];
  const has = (node: string, dst: string): Route | undefined => routes(node).find((r) => r.dst === dst);
  l.startTs('d2', conf(100));
  const d1 = l.startTs('d1', conf(150));
  await waitFor(() => l.soleHolder() === 'd1' && has('d1', '192.0.2.0/24') !== undefined, 30_000, 'd1 master with its routes');
  assert.equal(has('d1', '192.0.2.0/24')?.gateway, '10.99.0.100');
  assert.equal(has('d1', '198.51.100.0/24')?.metric, 7);
  assert.equal(has('d1', '203.0.113.0/24')?.type, 'blackhole');
  assert.equal(has('d2', '192.0.2.0/24'), undefined, 'the backup has none');
  await d1.stop('SIGTERM');
  await waitFor(() => has('d2', '192.0.2.0/24') !== undefined && has('d2', '203.0.113.0/24') !== undefined, 3000, 'd2 to install the routes');
  assert.equal(has('d1', '192.0.2.0/24'), undefined, 'd1 removed its routes at stop');
  assert.equal(has('d1', '203.0.113.0/24'), undefined);
});

test('the LVS half alone (-C) tells systemd READY, RELOADING and STOPPING too (Type=notify would time out otherwise)', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('dmnC', ['d1']);
  labs.push(l);
  const notifyPath = `${l.dir}/notify.sock`;
  const sd = NativeSocket.open(AF_UNIX, SOCK_DGRAM, 0);
  sd.bind({ family: 'unix', path: notifyPath });
  const sdMessages: string[] = [];
  sd.on('message', (m) => sdMessages.push(m.bytes.toString()));
  sd.start();
  t.after(() => sd.close());
  // This kernel has no IPVS: the LVS half runs on and retries it, which is all this needs.
  const conf = l.file('lvs.conf', 'virtual_server 10.99.0.150 80 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n' +
    '    real_server 127.0.0.1 9 {\n        TCP_CHECK {\n            connect_timeout 1\n        }\n    }\n}\n');
  const { spawn } = await import('node:child_process');
  const { join } = await import('node:path');
  const { REPO_ROOT } = await import('../support/paths.ts');
  const child = spawn('ip', ['netns', 'exec', l.node('d1').ns.name, join(REPO_ROOT, 'bin/keepalived-ts'), '-n', '-C', '-l', '-f', conf], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NOTIFY_SOCKET: notifyPath },
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    await waitFor(() => sdMessages.some((m) => m.startsWith('READY=1')), 15_000, `READY=1 from the LVS half (log:\n${out})`);
    child.kill('SIGHUP');
    await waitFor(() => sdMessages.filter((m) => m.startsWith('READY=1')).length === 2, 10_000, `READY=1 after the reload (log:\n${out})`);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    assert.deepEqual(sdMessages.map((m) => m.split('\n')[0]), ['READY=1', 'RELOADING=1', 'READY=1', 'STOPPING=1']);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('vrrp_rt_priority puts every thread of the worker on SCHED_RR at that priority (chrt reads it back)', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('dmnRT', ['d1']);
  labs.push(l);
  const d1 = l.startTs('d1', 'global_defs {\n    vrrp_rt_priority 7\n}\n' + instanceConf({ priority: 150, version: 3, advertInt: 0.1 }));
  await waitFor(() => /vrrp_rt_priority 7: SCHED_RR set on every thread/.test(d1.log()), 30_000, `the worker to set SCHED_RR (log:\n${d1.log()})`);
  const worker = d1.workerPid();
  assert.ok(worker !== undefined && worker !== d1.pid, 'the worker, not the supervisor');
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('chrt', ['-a', '-p', String(worker)], { encoding: 'utf8' });
  const policies = out.split('\n').filter((x) => /scheduling policy/.test(x));
  assert.ok(policies.length > 1, `several threads: ${out}`);
  for (const p of policies) assert.match(p, /SCHED_RR/, out);
  for (const p of out.split('\n').filter((x) => /scheduling priority/.test(x))) assert.match(p, /: 7$/, out);
  // The supervisor keeps normal scheduling: only the VRRP work is real-time, as keepalived's VRRP child.
  assert.match(execFileSync('chrt', ['-p', String(d1.pid)], { encoding: 'utf8' }), /SCHED_OTHER/);
});

test('-d logs the configuration data at start (the text USR1 writes), as keepalived -d does', async (t) => {
  if (!ready(t)) return;
  const l = new VrrpLab('dmnD', ['d1']);
  labs.push(l);
  const d1 = l.startTs('d1', instanceConf({ priority: 150, version: 3, advertInt: 0.1 }), ['-d']);
  await waitFor(() => /VRRP Topology/.test(d1.log()), 30_000, `the dump in the log (log:\n${d1.log()})`);
  assert.match(d1.log(), /------< Global definitions >------/);
  assert.match(d1.log(), /VRRP Instance = VI_1/);
  await d1.stop('SIGTERM');
  assert.equal(d1.child.exitCode, 0, d1.log());
});
