// `keepalived-ts status` end to end (root, network namespaces): two keepalived-ts directors from
// test/support/lab.ts (the real bin/keepalived-ts), each with its own --control-socket; the
// status command (also the real executable) run against each, text and --json. What it says is
// compared with what `ip` shows (the VIP on the master's eth0) and with the other director's
// address. Then: a third daemon given the first one's socket must not take it; a stopped daemon
// leaves no socket and `status` exits 3 with its message; a crashed daemon's stale socket is
// replaced by the next daemon.
// In an IPVS guest (run-in-vm.sh: the host kernel has no ip_vs), a daemon running the LVS half
// is asked for its status and each line of its IPVS table must extend the line `ipvsadm -Ln`
// prints for the same kernel table, with the health of the real servers on the right.
// The protocol's edges (malformed, oversized, half-closed requests, a path that is not a
// socket) are checked in-process at the end, without root.

import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlServer } from '../../src/daemon/control-server.ts';
import type { DaemonLogger } from '../../src/daemon/daemon-log.ts';
import type { DaemonView } from '../../src/daemon/daemon-view.ts';
import { EventHistory } from '../../src/daemon/event-history.ts';
import type { DaemonStatus } from '../../src/daemon/status-model.ts';
import { isRoot, need } from '../support/env.ts';
import { VIP4, VrrpLab, instanceConf, waitFor } from '../support/lab.ts';
import { TOOLS } from '../support/paths.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const labs: VrrpLab[] = [];
after(async () => { for (const l of labs) await l.destroy(); });

interface Run { code: number | null; stdout: string; stderr: string }

function status(socket: string, ...args: string[]): Run {
  const r = spawnSync(join(ROOT, 'bin/keepalived-ts'), ['status', `--control-socket=${socket}`, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function statusJson(socket: string): DaemonStatus | undefined {
  const r = status(socket, '--json');
  return r.code === 0 ? JSON.parse(r.stdout) as DaemonStatus : undefined;
}

test('status of a MASTER and a BACKUP, a socket that is not stolen, exit 3 once stopped, a stale socket replaced', async (t: TestContext) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  const l = new VrrpLab('sts', ['d1', 'd2', 'd3']);
  labs.push(l);
  const sock1 = join(l.dir, 'run', 'd1.sock'); // run/ does not exist: the daemon creates it 0755
  const sock2 = join(l.dir, 'd2.sock');
  const conf = (priority: number) => instanceConf({ priority, version: 3, advertInt: 0.1, state: priority > 100 ? 'MASTER' : 'BACKUP' });
  const d1 = l.startTs('d1', conf(150), [`--control-socket=${sock1}`]);
  const d2 = l.startTs('d2', conf(100), [`--control-socket=${sock2}`]);
  // lab.startTs writes each director's file as <dir>/<node>-ts.conf; status reports it.
  const conf1 = join(l.dir, 'd1-ts.conf');
  await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 to hold the VIP alone');
  assert.equal(statSync(sock1).mode & 0o777, 0o600, 'socket mode 0600');
  assert.equal(statSync(join(l.dir, 'run')).mode & 0o777, 0o755, 'directory created 0755');

  // The backup names d1 as master once it has accepted an advert (at once: d1 advertises every 0.1 s).
  await waitFor(() => statusJson(sock2)?.vrrp?.instances[0]?.master?.address === l.node('d1').ip4, 10_000, 'd2 to see d1 as master');
  const s1 = statusJson(sock1)!;
  const s2 = statusJson(sock2)!;
  assert.equal(s1.format, 1);
  assert.equal(s1.daemon.configFile, conf1, 'the daemon behind sock1 is d1');
  const i1 = s1.vrrp!.instances[0]!;
  const i2 = s2.vrrp!.instances[0]!;
  assert.deepEqual([i1.name, i1.state, i1.vipsHeld, i1.effectivePriority], ['VI_1', 'MASTER', true, 150]);
  assert.deepEqual(i1.master, { address: l.node('d1').ip4, self: true });
  assert.deepEqual(i1.vips.map((v) => v.address), [`${VIP4}/24`]);
  assert.equal(l.hasAddr('d1', VIP4), true, 'ip agrees: d1 holds the VIP');
  assert.equal(i1.lastTransition?.to, 'MASTER');
  assert.ok(i1.adverts.sent > 0);
  assert.deepEqual([i2.state, i2.vipsHeld, i2.effectivePriority], ['BACKUP', false, 100]);
  assert.deepEqual(i2.master, { address: l.node('d1').ip4, self: false });
  assert.equal(l.hasAddr('d2', VIP4), false);
  assert.ok(i2.adverts.received > 0);
  assert.equal(s1.lvs, null, '-P: no LVS half');

  const text1 = status(sock1);
  assert.equal(text1.code, 0, text1.stderr);
  assert.match(text1.stdout, /VI_1: MASTER/);
  assert.match(text1.stdout, new RegExp(`master +${l.node('d1').ip4.replaceAll('.', '\\.')} \\(this node\\)`));
  assert.match(text1.stdout, new RegExp(`VIPs +${VIP4.replaceAll('.', '\\.')}/24 dev eth0: held`));
  assert.match(text1.stdout, /LVS: not running/);
  const text2 = status(sock2);
  assert.equal(text2.code, 0, text2.stderr);
  t.diagnostic(`status of d1:\n${text1.stdout}status of d2:\n${text2.stdout}`);
  assert.match(text2.stdout, /VI_1: BACKUP/);
  assert.match(text2.stdout, new RegExp(`master +${l.node('d1').ip4.replaceAll('.', '\\.')}\\n`));
  assert.match(text2.stdout, /VIPs +\S+ dev eth0: not held/);

  // A third daemon given d1's socket must not take it: it logs and runs without one.
  const d3 = l.startTs('d3', conf(50), [`--control-socket=${sock1}`]);
  await waitFor(() => /another daemon answers on/.test(d3.log()), 20_000, 'd3 to refuse the live socket');
  assert.equal(statusJson(sock1)?.daemon.configFile, conf1, 'd1 still answers on its socket');
  await d3.stop('SIGTERM');
  assert.equal(d3.child.exitCode, 0, d3.log());
  assert.ok(existsSync(sock1), 'd3 did not remove the socket it never owned');
  assert.equal(statusJson(sock1)?.daemon.configFile, conf1);

  // d1 stops: its socket goes, status exits 3 with the message; d2 takes over and says so.
  await d1.stop('SIGTERM');
  assert.equal(d1.child.exitCode, 0, d1.log());
  assert.equal(existsSync(sock1), false, 'socket removed on stop');
  const gone = status(sock1);
  assert.equal(gone.code, 3);
  assert.equal(gone.stdout, '');
  assert.match(gone.stderr, new RegExp(`no keepalived-ts daemon at ${sock1.replaceAll('.', '\\.')}: is it running\\? \\(start it with -n, or pass --control-socket\\)`));
  assert.doesNotMatch(gone.stderr, /at .*\.ts:\d+/, 'no stack trace');
  await waitFor(() => statusJson(sock2)?.vrrp?.instances[0]?.state === 'MASTER', 10_000, 'd2 to report MASTER');
  const after2 = statusJson(sock2)!.vrrp!.instances[0]!;
  assert.deepEqual(after2.master, { address: l.node('d2').ip4, self: true });
  assert.equal(after2.vipsHeld, true);
  assert.equal(l.hasAddr('d2', VIP4), true);

  // d2 crashes: its socket file stays behind, dead; the next daemon on that path replaces it.
  // The process answering (daemon.pid) may be a worker under a supervising parent (d2.pid):
  // the parent is frozen first so it neither respawns the worker nor stops it gracefully.
  const workerPid = statusJson(sock2)!.daemon.pid;
  process.kill(d2.pid, 'SIGSTOP');
  if (workerPid !== d2.pid) process.kill(workerPid, 'SIGKILL');
  await d2.stop('SIGKILL'); // also lets init reap the worker
  await waitFor(() => { try { process.kill(workerPid, 0); return false; } catch { return true; } }, 5000, 'the worker to be gone');
  assert.ok(lstatSync(sock2).isSocket(), 'a crash leaves the socket file');
  assert.equal(status(sock2).code, 3, 'nobody answers on a stale socket');
  const d2b = l.startTs('d2', conf(100), [`--control-socket=${sock2}`]);
  await waitFor(() => /control socket listening/.test(d2b.log()), 20_000, 'the restarted d2 to listen on the old path');
  const again = statusJson(sock2);
  assert.ok(again && again.daemon.pid !== s2.daemon.pid, 'a new daemon answers');
  assert.match(d2b.log(), /replaced the stale socket/);
});

// ---- the IPVS table against ipvsadm, in an IPVS guest -------------------------------------

const LVS_CONF = `virtual_server 10.0.0.1 80 {
    delay_loop 1
    lvs_sched wlc
    lvs_method NAT
    protocol TCP
    real_server 127.0.0.1 8080 {
        weight 3
        inhibit_on_failure
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
    real_server 127.0.0.2 8081 {
        weight 1
    }
}
virtual_server 200.0.0.1 443 {
    lvs_sched rr
    lvs_method DR
    persistence_timeout 120
    persistence_granularity 255.255.255.0
    protocol TCP
    real_server 10.1.0.5 443 {
        weight 2
    }
    real_server 192.168.7.7 443 {
        weight 1
    }
}
virtual_server fwmark 9 {
    lvs_sched sh
    sh-port
    lvs_method DR
    real_server 10.9.0.1 {
        weight 1
    }
}
virtual_server 10.0.0.2 53 {
    lvs_sched rr
    ops
    lvs_method NAT
    protocol UDP
    real_server 10.0.0.53 53 {
        weight 1
    }
}
`;

test('in an IPVS guest: the status table is ipvsadm -Ln line for line, plus health', { timeout: 300_000 }, async (t) => {
  const runInVm = join(TOOLS, 'run-in-vm.sh');
  if (!need(t, isRoot(), 'root (run-in-vm.sh installs its packages and runs the guest)')) return;
  if (!need(t, existsSync(runInVm), runInVm)) return;
  const dir = mkdtempSync(join(tmpdir(), `kts-status-vm-${process.pid}-`));
  try {
    writeFileSync(join(dir, 'lvs.conf'), LVS_CONF);
    const kts = join(ROOT, 'bin/keepalived-ts');
    // Nothing listens on 127.0.0.1:8080: that server goes down and, inhibited, stays at weight 0.
    writeFileSync(join(dir, 'guest.sh'), [
      `cd ${dir}`,
      `${kts} -n -C -l -f lvs.conf --control-socket=${dir}/ctl.sock > daemon.log 2>&1 &`,
      'D=$!',
      `for i in $(seq 90); do ${kts} status --json --control-socket=${dir}/ctl.sock > s.json 2>/dev/null && grep -q '"health":"down"' s.json && grep -q '"inSync":true' s.json && break; sleep 1; done`,
      'ipvsadm -Ln > ipvsadm.txt',
      `${kts} status --control-socket=${dir}/ctl.sock > status.txt; echo "status exit $?"`,
      'ipvsadm -Ln > ipvsadm-after.txt',
      'kill $D; wait $D; echo "daemon exit $?"',
    ].join('\n') + '\n');
    const r = spawnSync(runInVm, [`bash ${dir}/guest.sh`], {
      cwd: dir, encoding: 'utf8', timeout: 280_000, env: { ...process.env, VM_RW: dir, VM_TIMEOUT: '260' },
    });
    const guest = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, guest);
    assert.match(guest, /status exit 0/);
    assert.match(guest, /daemon exit 0/);
    const ipvsadm = readFileSync(join(dir, 'ipvsadm.txt'), 'utf8');
    assert.equal(readFileSync(join(dir, 'ipvsadm-after.txt'), 'utf8'), ipvsadm, 'the kernel table did not move meanwhile');
    const text = readFileSync(join(dir, 'status.txt'), 'utf8');
    const table = text.slice(text.indexOf('IP Virtual Server version')).trimEnd().split('\n');
    const want = ipvsadm.trimEnd().split('\n');
    assert.ok(want.length >= 12, ipvsadm);
    assert.equal(table.length, want.length, `${text}\n---\n${ipvsadm}`);
    want.forEach((line, i) => assert.ok(table[i]!.startsWith(line), `line ${i}:\n  ours:    ${JSON.stringify(table[i])}\n  ipvsadm: ${JSON.stringify(line)}`));
    assert.match(table.find((l) => l.includes('127.0.0.1:8080'))!, /Masq +0 +0 +0 +down +\d+s ago: .*ECONNREFUSED/);
    assert.match(table.find((l) => l.includes('127.0.0.2:8081'))!, /Masq +1 +0 +0 +up /);
    assert.match(text, /127\.0\.0\.1 port 8080: down since \d+s ago, weight 3, in kernel with weight 0 \(.*ECONNREFUSED/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- the protocol, in-process (no root) ----------------------------------------------------

function exchange(path: string, send: string, halfClose: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createConnection(path);
    let out = '';
    const t = setTimeout(() => { c.destroy(); reject(new Error('no reply')); }, 10_000);
    c.on('connect', () => { c.write(send); if (halfClose) c.end(); });
    c.on('data', (b: Buffer) => { out += b.toString(); });
    c.on('close', () => { clearTimeout(t); resolve(out); });
    c.on('error', () => { /* EPIPE after an oversized request: the reply still arrives */ });
  });
}

test('control socket protocol: one request line, one JSON reply; bad requests get JSON errors; a non-socket path is left alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), `kts-ctl-${process.pid}-`));
  chmodSync(dir, 0o755); // so that only the socket's own mode keeps other users out
  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(`I ${m}`), warn: (m: string) => logs.push(`W ${m}`), error: (m: string) => logs.push(`E ${m}`), debug: () => {} } as unknown as DaemonLogger;
  const view: DaemonView = {
    pid: 7, version: 'test', configFile: 'x.conf', startedAtMs: 1, config: () => { throw new Error('unused'); },
    vrrp: () => undefined, lvs: () => undefined, history: new EventHistory(),
  };
  try {
    const path = join(dir, 'ctl.sock');
    const stop = await startControlServer(view, { controlSocket: path }, log);
    assert.ok(stop);
    const ok = JSON.parse(await exchange(path, 'status\n', false)) as DaemonStatus;
    assert.deepEqual([ok.format, ok.daemon.pid, ok.vrrp, ok.lvs], [1, 7, null, null]);
    assert.equal(typeof ok.daemon.nowMs, 'number');
    // Without the newline, ended by a half-close.
    assert.equal((JSON.parse(await exchange(path, 'status', true)) as DaemonStatus).daemon.pid, 7);
    const bad = JSON.parse(await exchange(path, 'reload\n', false)) as { error: { code: string } };
    assert.equal(bad.error.code, 'unknown-request');
    const big = JSON.parse(await exchange(path, 'x'.repeat(100_000), false)) as { error: { code: string } };
    assert.equal(big.error.code, 'request-too-long');
    const binary = JSON.parse(await exchange(path, '\u0000\u00ff{"a":1}\n', false)) as { error: { code: string } };
    assert.equal(binary.error.code, 'unknown-request');
    // Still serving after all that.
    assert.equal((JSON.parse(await exchange(path, 'status\n', false)) as DaemonStatus).format, 1);
    if (isRoot()) {
      // Another user cannot connect (0600): exit 3, and the message says why.
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', join(ROOT, 'bin/keepalived-ts'), 'status', `--control-socket=${path}`], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 3, r.stderr);
      assert.match(r.stderr, /permission denied on .*ctl\.sock: the control socket is mode 0600/);
    }
    await stop();
    assert.equal(existsSync(path), false);

    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'precious');
    assert.equal(await startControlServer(view, { controlSocket: file }, log), undefined);
    assert.ok(statSync(file).isFile(), 'a regular file at the path is never removed');
    assert.ok(logs.some((m) => /exists and is not a socket/.test(m)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
