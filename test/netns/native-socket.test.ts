// The addon and its TS wrapper against the kernel itself: constants against the C headers,
// AF_UNIX datagrams (sd_notify's abstract '@' names), error paths, listener exceptions reaching
// 'uncaughtException', ref/unref, idempotent close. Needs no root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as S from '../../src/os/native-socket.ts';
import { NativeSocket, type SocketMessage } from '../../src/os/native-socket.ts';

const MODULE = new URL('../../src/os/native-socket.ts', import.meta.url).pathname;

function nextMessage(s: NativeSocket, timeoutMs = 2000): Promise<SocketMessage> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout waiting for a datagram')), timeoutMs);
    s.once('message', (m) => {
      clearTimeout(t);
      resolve(m);
    });
  });
}

test('every named constant equals the value from the system headers', () => {
  const c = S.loadAddon().constants;
  let checked = 0;
  for (const [name, value] of Object.entries(c)) {
    const ours = (S as unknown as Record<string, unknown>)[name];
    assert.equal(ours, value, name);
    checked++;
  }
  assert.ok(checked > 50, `checked ${checked}`);
});

test('AF_UNIX datagram to an abstract name: bytes and sender address arrive', async () => {
  const name = `@kts-native-${process.pid}`;
  const rx = NativeSocket.open(S.AF_UNIX, S.SOCK_DGRAM, 0);
  const tx = NativeSocket.open(S.AF_UNIX, S.SOCK_DGRAM, 0);
  try {
    rx.bind({ family: 'unix', path: name });
    tx.bind({ family: 'unix', path: `${name}-tx` });
    assert.deepEqual(rx.localAddress(), { family: 'unix', path: name });
    rx.start();
    const got = nextMessage(rx);
    assert.equal(tx.send(Buffer.from('READY=1'), { family: 'unix', path: name }), 0);
    const m = await got;
    assert.equal(m.bytes.toString(), 'READY=1');
    assert.deepEqual(m.from, { family: 'unix', path: `${name}-tx` });
    assert.equal(m.truncated, false);
  } finally {
    rx.close();
    tx.close();
  }
});

test('a datagram larger than the receive buffer is flagged truncated', async () => {
  const name = `@kts-native-trunc-${process.pid}`;
  const rx = NativeSocket.open(S.AF_UNIX, S.SOCK_DGRAM, 0, { recvBufferBytes: 2048 });
  const tx = NativeSocket.open(S.AF_UNIX, S.SOCK_DGRAM, 0);
  try {
    rx.bind({ family: 'unix', path: name });
    rx.start();
    const got = nextMessage(rx);
    assert.equal(tx.send(Buffer.alloc(5000, 7), { family: 'unix', path: name }), 0);
    const m = await got;
    assert.equal(m.bytes.length, 2048);
    assert.equal(m.truncated, true);
  } finally {
    rx.close();
    tx.close();
  }
});

test('failures are errnos, never crashes; close is idempotent', () => {
  assert.throws(() => NativeSocket.open(12345, S.SOCK_DGRAM, 0), (e: unknown) => e instanceof S.SocketError && e.code === 'EAFNOSUPPORT');
  const s = NativeSocket.open(S.AF_UNIX, S.SOCK_DGRAM, 0);
  // Sending to nobody: ECONNREFUSED/ENOENT comes back as a number.
  const r = s.send(Buffer.from('x'), { family: 'unix', path: `/nonexistent/kts-${process.pid}` });
  assert.equal(S.errnoCode(r), 'ENOENT');
  assert.throws(() => s.setOption(S.SOL_SOCKET, 9999, 1), (e: unknown) => e instanceof S.SocketError && e.code === 'ENOPROTOOPT');
  s.setOption(S.SOL_SOCKET, S.SO_RCVBUF, 65536);
  assert.ok(s.getIntOption(S.SOL_SOCKET, S.SO_RCVBUF) >= 65536); // the kernel doubles it (socket(7))
  s.close();
  s.close();
  assert.equal(s.fd, -1);
  assert.equal(S.errnoCode(s.send(Buffer.from('x'), { family: 'unix', path: '@x' })), 'EBADF');
  assert.equal(S.ifNameToIndex('lo'), 1);
  assert.equal(S.ifIndexToName(1), 'lo');
  assert.equal(S.ifNameToIndex(`nosuch${process.pid}`), 0);
});

function runChild(code: string, timeoutMs = 20000): { status: number | null; stdout: string; stderr: string; signal: string | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

test('an exception thrown by a message listener reaches uncaughtException and the socket keeps working', () => {
  const r = runChild(`
    import { NativeSocket, AF_UNIX, SOCK_DGRAM } from ${JSON.stringify(MODULE)};
    const name = '@kts-throw-' + process.pid;
    const rx = NativeSocket.open(AF_UNIX, SOCK_DGRAM, 0); rx.bind({ family: 'unix', path: name }); rx.start();
    const tx = NativeSocket.open(AF_UNIX, SOCK_DGRAM, 0);
    let n = 0;
    process.on('uncaughtException', (e) => { console.log('caught', e.message); });
    rx.on('message', (m) => { n++; if (n === 1) throw new Error('boom ' + m.bytes.toString()); console.log('second', m.bytes.toString()); rx.close(); tx.close(); });
    tx.send(Buffer.from('one'), { family: 'unix', path: name });
    setTimeout(() => tx.send(Buffer.from('two'), { family: 'unix', path: name }), 50);
  `);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /caught boom one\nsecond two/);
});

test('unref lets the process exit with a polling socket; ref keeps it alive', async () => {
  const body = (ref: boolean): string => `
    import { NativeSocket, AF_UNIX, SOCK_DGRAM } from ${JSON.stringify(MODULE)};
    const rx = NativeSocket.open(AF_UNIX, SOCK_DGRAM, 0);
    rx.bind({ family: 'unix', path: '@kts-ref-' + process.pid }); rx.start(); ${ref ? '' : 'rx.unref();'}
    console.log('started');`;
  const unrefd = runChild(body(false), 20000);
  assert.equal(unrefd.status, 0, unrefd.stderr);
  assert.match(unrefd.stdout, /started/);
  // The referenced one: once it has started, it must still be running 700 ms later.
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body(true)], { stdio: 'pipe' });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('child did not start')), 20000);
      child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('started')) { clearTimeout(timer); resolve(); } });
      child.on('exit', () => { clearTimeout(timer); reject(new Error('child exited before starting')); });
    });
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(child.exitCode, null, 'a referenced polling socket must keep the loop alive');
  } finally {
    child.kill();
  }
});

test('no argument of any type, and no wrong receiver, can abort the process', () => {
  const addonPath = new URL('../../build/Release/ktsnative.node', import.meta.url).pathname;
  const r = runChild(`
    import { createRequire } from 'node:module';
    const a = createRequire(import.meta.url)(${JSON.stringify(addonPath)});
    const vals = [undefined, null, 1, -1, 'x', {}, [], Symbol('s'), Buffer.alloc(0), Buffer.alloc(200), 1e20, NaN, () => 1, 10n];
    const tryit = (f) => { try { f(); } catch {} };
    for (const v of vals) tryit(() => new a.Socket(v, v, v, v, v, v));
    const s = new a.Socket(1, 2, 0, () => {}, () => {}, 100);
    for (const m of ['setsockopt', 'getsockopt', 'bind', 'connect', 'sendto', 'getsockname', 'start', 'stop', 'ref', 'unref'])
      for (const v of vals) for (const w of vals) { tryit(() => s[m](v, w, v)); tryit(() => a.Socket.prototype[m].call(v, w, v, w)); }
    for (const v of vals) { tryit(() => a.ifNameToIndex(v)); tryit(() => a.ifIndexToName(v)); tryit(() => a.setns(v, -1)); }
    tryit(() => a.Socket(1, 2, 0, () => {}, () => {}, 100));
    s.close(); s.close();
    console.log('survived');
  `);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /survived/);
});
