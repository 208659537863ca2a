// The supervising parent (src/daemon/supervisor.ts) driving a stand-in worker: a tiny node
// script whose behaviour per start comes from FAKE_PLAN (kill itself, exit N, wait, ignore
// SIGTERM). No root needed; the real daemon under the supervisor is test/netns/supervisor.test.ts.
// What is checked: respawn after a signal death with keepalived's log words (measured on
// keepalived 2.2.7: "pid N exited due to signal 9 (Killed)", "VRRP child process(N) died:
// Respawning"), -R stops instead ("died: Exiting", exit 0), exit 4 stops with 4, SIGHUP is
// forwarded, a stop reaches the worker, a worker that ignores it is killed after the timeout,
// the -p pid file is written and removed, and a live -r refuses to start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeExit, runSupervisor, type SupervisorOptions } from '../../../src/daemon/supervisor.ts';

const WORKER = `
const fs = require('fs');
const dir = process.env.FAKE_DIR;
const n = fs.readdirSync(dir).filter((f) => f.startsWith('run')).length;
fs.writeFileSync(dir + '/run' + n, String(process.pid));
const plan = process.env.FAKE_PLAN.split(',')[n] || 'wait';
if (plan === 'kill') process.kill(process.pid, 'SIGKILL');
else if (plan.startsWith('exit')) process.exit(Number(plan.slice(4)));
else if (plan === 'say0') process.send({ kind: 'exit', code: 0 }, () => process.exit(0));
else {
  process.on('SIGHUP', () => fs.writeFileSync(dir + '/hup' + n, ''));
  process.on('SIGTERM', () => { if (plan !== 'stubborn') process.exit(0); });
  fs.writeFileSync(dir + '/ready' + n, '');
  setInterval(() => {}, 1000);
}
`;

interface Run { code: Promise<number>; dir: string; log: () => string; stop: AbortController }

function supervise(plan: string, extra: Partial<SupervisorOptions> = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), `kts-sup-${process.pid}-`));
  let out = '';
  const stop = new AbortController();
  const code = runSupervisor({
    worker: { file: process.execPath, args: ['-e', WORKER], env: { ...process.env, FAKE_DIR: dir, FAKE_PLAN: plan } },
    dontRespawn: false, checkOnly: false, vrrpOnly: true, logConsole: true, logDetail: false,
    sink: { write: (s: string) => { out += s; } },
    stopSignal: stop.signal,
    ...extra,
  });
  return { code, dir, log: () => out, stop };
}

async function waitFile(dir: string, name: string, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!existsSync(join(dir, name))) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${name}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const runs = (dir: string): number => readdirSync(dir).filter((f) => f.startsWith('run')).length;

test('a worker killed by a signal is respawned (keepalived words); SIGHUP reaches the new one; a stop ends both, -p removed', async () => {
  const tmp = mkdtempSync(join(tmpdir(), `kts-supp-${process.pid}-`));
  const pidFile = join(tmp, 'parent.pid');
  const r = supervise('kill,wait', { pidFile });
  try {
    await waitFile(r.dir, 'ready1');
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(process.pid), '-p holds the parent');
    const first = readFileSync(join(r.dir, 'run0'), 'utf8');
    assert.match(r.log(), new RegExp(`Starting VRRP child process, pid=${first}\\n`));
    assert.match(r.log(), new RegExp(`pid ${first} exited due to signal 9 \\(Killed\\)`));
    assert.match(r.log(), new RegExp(`VRRP child process\\(${first}\\) died: Respawning`));
    assert.match(r.log(), /Restart of VRRP process delayed 1 seconds to limit respawn rate/);
    process.kill(process.pid, 'SIGHUP'); // the supervisor listens in this process
    await waitFile(r.dir, 'hup1');
    r.stop.abort();
    assert.equal(await r.code, 0);
    assert.equal(runs(r.dir), 2);
    assert.equal(existsSync(pidFile), false, '-p removed at stop');
  } finally {
    r.stop.abort();
    rmSync(r.dir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('-R: the parent stops (exit 0, "died: Exiting") when its worker dies', async () => {
  const r = supervise('kill,wait', { dontRespawn: true });
  try {
    assert.equal(await r.code, 0);
    assert.equal(runs(r.dir), 1, 'no respawn');
    assert.match(r.log(), /VRRP child process\(\d+\) died: Exiting/);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('exit 4 (configuration errors) stops the parent with 4; other statuses are respawned', async () => {
  const r = supervise('exit3,exit4');
  try {
    assert.equal(await r.code, 4);
    assert.equal(runs(r.dir), 2);
    assert.match(r.log(), /pid \d+ exited with status 3\n/);
    assert.match(r.log(), /pid \d+ exited with permanent error CONFIG\. Terminating/);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('an announced exit 0 stops the parent; an unannounced one (a signal Node cannot name) is a death', async () => {
  const r = supervise('exit0,say0');
  try {
    assert.equal(await r.code, 0);
    assert.equal(runs(r.dir), 2);
    assert.match(r.log(), /pid \d+ exited without saying why \(status 0: a signal Node cannot name\?\)\n.*died: Respawning/);
    assert.match(r.log(), /VRRP child process\(\d+\) exited normally: stopping/);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

for (const [signum, what] of [[36, 'SIGRTMIN+2, the JSON dump'], [63, 'STATS_CLEAR']] as const) {
  test(`signal ${signum} (${what}) is forwarded: a worker without a watch for it dies of it`, async () => {
    const r = supervise('wait', { dontRespawn: true });
    try {
      await waitFile(r.dir, 'ready0');
      process.kill(process.pid, signum); // the supervisor's native watch in this process takes it
      assert.equal(await r.code, 0);
      assert.match(r.log(), /VRRP child process\(\d+\) died: Exiting/);
    } finally {
      r.stop.abort();
      rmSync(r.dir, { recursive: true, force: true });
    }
  });
}

test('-C alone: keepalived calls the child its Healthcheck child', async () => {
  const r = supervise('kill', { dontRespawn: true, checkOnly: true, vrrpOnly: false });
  try {
    assert.equal(await r.code, 0);
    assert.match(r.log(), /Starting Healthcheck child process, pid=\d+/);
    assert.match(r.log(), /Healthcheck child process\(\d+\) died: Exiting/);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('a worker that ignores the stop is killed after the timeout', async () => {
  const r = supervise('stubborn', { stopTimeoutMs: 300 });
  try {
    await waitFile(r.dir, 'ready0');
    r.stop.abort();
    assert.equal(await r.code, 0);
    assert.match(r.log(), /did not stop within 0\.3 s: killing it/);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('a live -r refuses to start (keepalived checks every pid file before forking); a stale one does not', async () => {
  const tmp = mkdtempSync(join(tmpdir(), `kts-supr-${process.pid}-`));
  const vrrpPidFile = join(tmp, 'vrrp.pid');
  // A process that looks like ours (its command line names keepalived-ts).
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'keepalived-ts-stand-in'], { stdio: 'ignore' });
  const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
  let err = '';
  try {
    writeFileSync(vrrpPidFile, `${other.pid}\n`);
    const r = supervise('wait', { vrrpPidFile, errorOut: { write: (s: string) => { err += s; } } });
    assert.equal(await r.code, 1);
    assert.match(err, new RegExp(`daemon is already running \\(pid ${other.pid} in `));
    assert.equal(runs(r.dir), 0);
    rmSync(r.dir, { recursive: true, force: true });
    // A live pid that is some other program (a reused pid): not a running daemon.
    writeFileSync(vrrpPidFile, `${stranger.pid}\n`);
    const r2 = supervise('wait', { vrrpPidFile });
    await waitFile(r2.dir, 'ready0');
    r2.stop.abort();
    assert.equal(await r2.code, 0);
    rmSync(r2.dir, { recursive: true, force: true });
  } finally {
    other.kill('SIGKILL');
    stranger.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('describeExit words', () => {
  assert.equal(describeExit({ pid: 12, code: null, signal: 'SIGKILL' }), 'pid 12 exited due to signal 9 (Killed)');
  assert.equal(describeExit({ pid: 12, code: null, signal: 'SIGSEGV' }), 'pid 12 exited due to signal 11 (Segmentation fault)');
  assert.equal(describeExit({ pid: 12, code: 1, signal: null }), 'pid 12 exited with status 1');
});
