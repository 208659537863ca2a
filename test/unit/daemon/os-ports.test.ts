// The Linux ports that need no namespace: the script runner against real children (exit codes,
// signals, SIGTERM on timeout, exec failure counted as keepalived counts it, script_user), the
// notifier's FIFO lines and notify arguments, the rtnetlink address spec for VIP options, pid
// files and the clock.

import { test } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatIp, parseIp } from '../../../src/base/ip.ts';
import { addressSpecOf, broadcastOf } from '../../../src/os/address-port.ts';
import { MonotonicClock } from '../../../src/os/clock.ts';
import { ScriptNotifier, fifoLine } from '../../../src/os/notifier.ts';
import { ChildScriptRunner } from '../../../src/os/script-runner.ts';
import { lookupUser } from '../../../src/os/system-users.ts';
import { removePidFile, writePidFile } from '../../../src/daemon/pid-file.ts';
import { IFA_F_NODAD, IFA_F_NOPREFIXROUTE } from '../../../src/netlink/rtnl-addr.ts';
import type { ScriptOutcome, ScriptSpec } from '../../../src/vrrp/script-scheduler.ts';
import { isRoot } from '../../support/env.ts';

const quiet = { warn: () => {}, info: () => {} };
const spec = (name: string): ScriptSpec => ({ name, command: name, intervalUs: 1e6, timeoutUs: 1e6, rise: 1, fall: 1, initFail: false });

function runOnce(r: ChildScriptRunner, name: string, id: number): Promise<ScriptOutcome> {
  return new Promise((resolve) => r.run(id, spec(name), resolve));
}

test('script runner: exit codes, exec failure = 0 (keepalived #2126), SIGTERM on kill, script user', async () => {
  const argv: Record<string, string[]> = {
    ok: ['/bin/sh', '-c', 'exit 0'],
    three: ['/bin/sh', '-c', 'exit 3'],
    missing: ['/nonexistent/kts-script'],
    slow: ['/bin/sleep', '30'],
    whoami: ['/bin/sh', '-c', 'test "$(id -u)" = 65534'],
  };
  const nobody = lookupUser('nobody');
  const r = new ChildScriptRunner((s) => ({
    argv: argv[s.name]!,
    ...(s.name === 'whoami' && nobody ? { uid: nobody.uid, gid: nobody.gid } : {}),
  }), quiet);
  assert.deepEqual(await runOnce(r, 'ok', 1), { kind: 'exited', code: 0 });
  assert.deepEqual(await runOnce(r, 'three', 2), { kind: 'exited', code: 3 });
  assert.deepEqual(await runOnce(r, 'missing', 3), { kind: 'exited', code: 0 });
  const slow = runOnce(r, 'slow', 4);
  await new Promise((res) => setTimeout(res, 100));
  r.kill(4);
  // The scheduler ignores a killed run's result; the child itself must be gone.
  const outcome = await Promise.race([slow, new Promise((res) => setTimeout(() => res('still running'), 3000))]);
  assert.deepEqual(outcome, { kind: 'signaled', signal: 'SIGTERM' });
  if (isRoot() && nobody) assert.deepEqual(await runOnce(r, 'whoami', 5), { kind: 'exited', code: 0 });
});

test('notifier: FIFO lines and notify arguments as keepalived writes them; group notify when all members agree', async () => {
  assert.equal(fifoLine('INSTANCE', 'VI_1', 'master', 150), 'INSTANCE "VI_1" MASTER 150\n');
  assert.equal(fifoLine('GROUP', 'G', 'fault', 0), 'GROUP "G" FAULT 0\n');
  const dir = mkdtempSync(join(tmpdir(), 'kts-notify-'));
  try {
    const out = join(dir, 'out');
    const sh = join(dir, 'n.sh');
    writeFileSync(sh, `#!/bin/sh\necho "$@" >> ${out}\n`);
    chmodSync(sh, 0o755);
    const n = new ScriptNotifier({
      instances: new Map([['A', { generic: { argv: [sh, 'extra'] } }], ['B', {}]]),
      groups: [{ name: 'G', members: ['A', 'B'], hooks: { generic: { argv: [sh] } } }],
    }, quiet);
    n.notify({ instance: 'A', event: 'master', state: 'MASTER', priority: 150 });
    n.notify({ instance: 'B', event: 'master', state: 'MASTER', priority: 100 });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !(existsSync(out) && readFileSync(out, 'utf8').split('\n').length >= 3)) {
      await new Promise((res) => setTimeout(res, 20));
    }
    const lines = readFileSync(out, 'utf8').trim().split('\n').sort();
    assert.deepEqual(lines, ['GROUP G MASTER 0', 'extra INSTANCE A MASTER 150']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('address spec: brd + computed, explicit brd, label (IPv4 only), scope names, nodad/noprefixroute flags', () => {
  assert.equal(formatIp(broadcastOf(parseIp('10.99.0.200')!, 24)), '10.99.0.255');
  assert.equal(formatIp(broadcastOf(parseIp('10.99.0.200')!, 30)), '10.99.0.203');
  const v4 = { addr: parseIp('10.99.0.200')!, prefixLen: 24 };
  const a = addressSpecOf(7, v4, { brd: '+', label: 'eth0:vip', scope: 'link' });
  assert.equal(a.ifindex, 7);
  assert.equal(a.broadcast && formatIp(a.broadcast), '10.99.0.255');
  assert.equal(a.label, 'eth0:vip');
  assert.equal(a.scope, 253);
  assert.equal(addressSpecOf(7, v4, { brd: '10.99.0.127' }).broadcast && formatIp(addressSpecOf(7, v4, { brd: '10.99.0.127' }).broadcast!), '10.99.0.127');
  assert.equal(addressSpecOf(7, v4, { brd: '-' }).broadcast, undefined);
  const v6 = addressSpecOf(3, { addr: parseIp('fd00::1')!, prefixLen: 64 }, { label: 'x', noprefixroute: true, preferredLftS: 0 });
  assert.equal(v6.label, undefined);
  assert.equal(v6.flags, IFA_F_NODAD | IFA_F_NOPREFIXROUTE, 'IPv6 VIPs always nodad, as keepalived');
  assert.equal(addressSpecOf(3, v4, undefined).flags, undefined);
  assert.equal(v6.preferredLftS, 0);
});

test('pid file: written, refused while its process lives, removed only if ours', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-pid-'));
  try {
    const f = join(dir, 'sub', 'k.pid');
    assert.deepEqual(writePidFile(f), { ok: true });
    assert.equal(readFileSync(f, 'utf8'), `${process.pid}\n`);
    // A live daemon (its command line names keepalived) refuses; the same pid as a zombie (killed,
    // not yet reaped) or as an unrelated program does not.
    const daemon = spawn('bash', ['-c', 'exec -a keepalived-ts sleep 30'], { stdio: 'ignore' });
    // `sleep 0.5` becomes a zombie child of `sleep 30` (bash has exec'd by then), which never reaps it.
    const zombieMaker = spawn('bash', ['-c', 'sleep 0.5 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      writeFileSync(f, `${daemon.pid}\n`);
      const deadline = Date.now() + 5000;
      while (!readFileSync(`/proc/${daemon.pid}/cmdline`, 'utf8').startsWith('keepalived-ts') && Date.now() < deadline) { /* exec pending */ }
      const other = writePidFile(f, process.pid + 1_000_000);
      assert.equal(other.ok, false);
      assert.match(other.ok ? '' : other.error, new RegExp(`daemon is already running \\(pid ${daemon.pid} in `));
    } finally {
      daemon.kill('SIGKILL');
    }
    try {
      const zombie = await new Promise<number>((resolve) => zombieMaker.stdout!.once('data', (b: Buffer) => resolve(Number.parseInt(b.toString(), 10))));
      const state = (): string => { const st = readFileSync(`/proc/${zombie}/stat`, 'utf8'); return st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3); };
      const deadline = Date.now() + 5000;
      while (state() !== 'Z' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(state(), 'Z', 'a zombie to test with');
      writeFileSync(f, `${zombie}\n`);
      assert.deepEqual(writePidFile(f), { ok: true }, 'a zombie is not a running daemon');
    } finally {
      zombieMaker.kill('SIGKILL');
    }
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(f, `${sleeper.pid}\n`); // alive, but not a daemon: a reused pid
      assert.deepEqual(writePidFile(f), { ok: true });
    } finally {
      sleeper.kill('SIGKILL');
    }
    removePidFile(f, 12345);
    assert.ok(existsSync(f), 'not removed by someone else');
    removePidFile(f);
    assert.ok(!existsSync(f));
    writeFileSync(f, '999999999\n'); // a dead pid: overwritten
    assert.deepEqual(writePidFile(f), { ok: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('clock: monotonic microseconds, one timer (a new wakeAt replaces the old), never early', async () => {
  const c = new MonotonicClock();
  const fired: string[] = [];
  const t0 = c.now();
  c.wakeAt(t0 + 20_000, () => fired.push('first'));
  c.wakeAt(t0 + 30_000, () => fired.push(`second ${c.now() >= t0 + 30_000}`));
  for (let i = 0; i < 200 && fired.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
  await new Promise((res) => setTimeout(res, 30));
  assert.deepEqual(fired, ['second true']);
  c.wakeAt(c.now() + 10_000, () => fired.push('cancelled'));
  c.wakeAt(undefined, () => {});
  await new Promise((res) => setTimeout(res, 40));
  assert.deepEqual(fired, ['second true']);
});

test('track_file watcher: init_file, start value, writes and renames seen, deletion reads 0', async () => {
  const { TrackFileWatcher } = await import('../../../src/os/track-file-watcher.ts');
  const { renameSync, unlinkSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'kts-tf-'));
  const seen: Array<[string, number]> = [];
  const w = new TrackFileWatcher([
    { name: 'a', path: join(dir, 'a'), init: { value: 7, overwrite: false } },
    { name: 'b', path: join(dir, 'b') },
  ], (n, v) => seen.push([n, v]), quiet);
  const until = async (pred: () => boolean): Promise<void> => {
    for (let i = 0; i < 300 && !pred(); i++) await new Promise((res) => setTimeout(res, 10));
  };
  try {
    writeFileSync(join(dir, 'b'), '0x10\n');
    w.start();
    assert.deepEqual(seen, [['a', 7], ['b', 16]]);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8').trim(), '7');
    writeFileSync(join(dir, 'a'), '-3');
    await until(() => seen.some(([n, v]) => n === 'a' && v === -3));
    writeFileSync(join(dir, 'b.tmp'), '42');
    renameSync(join(dir, 'b.tmp'), join(dir, 'b'));
    await until(() => seen.some(([n, v]) => n === 'b' && v === 42));
    unlinkSync(join(dir, 'b'));
    await until(() => seen.at(-1)?.[0] === 'b' && seen.at(-1)?.[1] === 0);
    assert.deepEqual(seen.filter(([n]) => n === 'b').map(([, v]) => v), [16, 42, 0]);
    assert.deepEqual(seen.filter(([n]) => n === 'a').map(([, v]) => v), [7, -3]);
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
