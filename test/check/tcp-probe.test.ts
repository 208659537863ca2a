// TCP_CHECK's two paths (the libuv handle used directly, and net.Socket as the fallback) against
// the same loopback servers: the same outcomes and reasons, no descriptor left open, cancel silent.
// The kernel is the judge: whether a connect succeeds, is refused, or cannot bind is its answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { spawn } from 'node:child_process';
import type { ProbeOutcome } from '../../src/check/checker-spec.ts';
import { netTcpProbe, tcpProbe, type TcpSpec } from '../../src/os/probes/tcp-probe.ts';
import { hasCommand, need } from '../support/env.ts';
import { loop, portOf } from './probe-support.ts';

const run = (impl: typeof tcpProbe, spec: TcpSpec): Promise<ProbeOutcome> =>
  new Promise((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('probe did not report within 5 s')), 5000);
    impl(spec, (o) => { clearTimeout(guard); resolve(o); });
  });

const fds = (): number => readdirSync('/proc/self/fd').length;

async function server(host = '127.0.0.1'): Promise<net.Server> {
  const s = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => s.listen(0, host, r));
  return s;
}
const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

test('TCP_CHECK direct handle and net.Socket agree: ok v4/v6, refused, bind failure; nothing left open', async () => {
  const s4 = await server();
  const s6 = await server('::1');
  const dead = await server();
  const deadPort = portOf(dead);
  await close(dead);
  try {
    const before = fds();
    const cases: [string, TcpSpec][] = [
      ['ok v4', { kind: 'tcp', connect: loop(portOf(s4)) }],
      ['ok v6', { kind: 'tcp', connect: loop(portOf(s6), { host: '::1' }) }],
      ['refused', { kind: 'tcp', connect: loop(deadPort) }],
      // 192.0.2.1 (TEST-NET-1) is not ours: the kernel refuses to bind it, nothing is sent.
      ['bind', { kind: 'tcp', connect: loop(portOf(s4), { bindTo: '192.0.2.1' }) }],
    ];
    for (const [name, spec] of cases) {
      const a = await run(tcpProbe, spec);
      const b = await run(netTcpProbe, spec);
      assert.equal(a.kind, b.kind, `${name}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      if (a.kind === 'failed' && b.kind === 'failed') {
        const code = (r: string) => /: ([A-Z]+)/.exec(r)?.[1];
        assert.equal(code(a.reason), code(b.reason), `${name}: ${a.reason} vs ${b.reason}`);
      }
    }
    const refused = await run(tcpProbe, cases[2]![1]);
    assert.ok(refused.kind === 'failed' && /ECONNREFUSED/.test(refused.reason), JSON.stringify(refused));
    const unbound = await run(tcpProbe, cases[3]![1]);
    assert.ok(unbound.kind === 'failed' && /EADDRNOTAVAIL/.test(unbound.reason), JSON.stringify(unbound));
    // Many probes, then every descriptor is closed again (close callbacks run on the next turn).
    for (let i = 0; i < 200; i++) assert.equal((await run(tcpProbe, cases[i % 2]![1])).kind, 'ok');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fds(), before);
  } finally {
    await close(s4);
    await close(s6);
  }
});

test('TCP_CHECK direct handle: cancel before the handshake never reports and closes the socket', async () => {
  const s = await server();
  try {
    const before = fds();
    let reported = 0;
    for (let i = 0; i < 50; i++) {
      const cancel = tcpProbe({ kind: 'tcp', connect: loop(portOf(s)) }, () => { reported++; });
      cancel();
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(reported, 0);
    assert.equal(fds(), before);
  } finally {
    await close(s);
  }
});

test('TCP_CHECK direct handle: timeout when the handshake never completes', async (t) => {
  // A listener that never accepts, its queue full: the kernel drops further SYNs (loopback only).
  if (!need(t, hasCommand('python3'), 'python3')) return;
  const py = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const fillers: net.Socket[] = [];
  try {
    const port = await new Promise<number>((r) => py.stdout.once('data', (d: Buffer) => r(Number(String(d).trim()))));
    for (let i = 0; i < 4; i++) fillers.push(net.connect(port, '127.0.0.1').on('error', () => undefined));
    await new Promise((r) => setTimeout(r, 100));
    const before = fds();
    const o = await run(tcpProbe, { kind: 'tcp', connect: loop(port, { timeoutUs: 300_000 }) });
    assert.equal(o.kind, 'timeout', JSON.stringify(o));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fds(), before);
  } finally {
    for (const f of fillers) f.destroy();
    py.kill('SIGKILL');
  }
});
