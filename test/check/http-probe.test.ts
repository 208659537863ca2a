// HTTP_GET / SSL_GET probes against Node servers on loopback, with keepalived's own genhash
// (keepalived 2.2.7) as the reference for the body digest and for the request headers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import type { HttpUrlSpec, ProbeSpec, TlsSpec } from '../../src/check/checker-spec.ts';
import { OsProbeRunner } from '../../src/os/probes/os-probe-runner.ts';
import { hasCommand, need } from '../support/env.ts';
import { loop, probeOnce, selfSigned } from './probe-support.ts';

const run = promisify(execFile);
const runner = new OsProbeRunner({ maxConcurrent: 8 });
after(() => runner.close());

const BODY = Buffer.from('<html><body>keepalived-ts checker page: service OK ' + 'x'.repeat(5000) + '</body></html>\n');

interface Seen { path: string; headers: http.IncomingHttpHeaders; remotePort: number; sni?: string | false }

function handler(seen: Seen[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const sock = req.socket as TLSSocket & { servername?: string | false };
    seen.push({ path: req.url ?? '', headers: req.headers, remotePort: sock.remotePort ?? 0, sni: sock.servername });
    if (req.url === '/ok') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(BODY); }
    else if (req.url === '/chunked') { res.writeHead(200); res.write(BODY.subarray(0, 100)); setTimeout(() => res.end(BODY.subarray(100)), 20); }
    else if (req.url === '/err') { res.writeHead(503); res.end('down'); }
    else if (req.url === '/hang') { /* never answers */ }
    else { res.writeHead(404); res.end(); }
  };
}

async function listen(server: http.Server | https.Server, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

function closeAll(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const httpSpec = (port: number, url: HttpUrlSpec, extra: Partial<Extract<ProbeSpec, { kind: 'http' }>> = {}, host = '127.0.0.1'): ProbeSpec =>
  ({ kind: 'http', connect: loop(port, { host }), url, protocol: '1.0', ...extra });

async function genhash(args: string[]): Promise<string> {
  const { stdout } = await run('genhash', args, { timeout: 10_000 });
  return stdout.trim().split('\n').pop()!.trim();
}

test('HTTP_GET: digest equals genhash, status codes, regex, timeouts, closed port', async (t) => {
  const seen: Seen[] = [];
  const server = http.createServer(handler(seen));
  const port = await listen(server);
  try {
    let digest = '';
    if (need(t, hasCommand('genhash'), 'genhash (keepalived)')) digest = await genhash(['-s', '127.0.0.1', '-p', String(port), '-u', '/ok']);
    else digest = (await import('node:crypto')).createHash('md5').update(BODY).digest('hex');
    assert.match(digest, /^[0-9a-f]{32}$/);
    assert.deepEqual(await probeOnce(runner, httpSpec(port, { path: '/ok', digest })), { kind: 'ok', detail: 'status 200' });
    assert.deepEqual(await probeOnce(runner, httpSpec(port, { path: '/chunked', digest })), { kind: 'ok', detail: 'status 200' });
    const wrong = await probeOnce(runner, httpSpec(port, { path: '/ok', digest: 'f'.repeat(32) }));
    assert.equal(wrong.kind, 'failed');
    const e503 = await probeOnce(runner, httpSpec(port, { path: '/err' }));
    assert.ok(e503.kind === 'failed' && /status_code \[503\]/.test(e503.reason));
    assert.equal((await probeOnce(runner, httpSpec(port, { path: '/err', statusRanges: [[500, 599]] }))).kind, 'ok');
    assert.equal((await probeOnce(runner, httpSpec(port, { path: '/ok', regex: 'service (OK|UP)' }))).kind, 'ok');
    assert.equal((await probeOnce(runner, httpSpec(port, { path: '/ok', regex: 'service OK', regexNoMatch: true }))).kind, 'failed');
    const hang = await probeOnce(runner, { ...httpSpec(port, { path: '/hang' }), connect: loop(port, { timeoutUs: 300_000 }) } as ProbeSpec);
    assert.equal(hang.kind, 'timeout');
    await closeAll(server);
    const refused = await probeOnce(runner, httpSpec(port, { path: '/ok' }));
    assert.ok(refused.kind === 'failed' && /ECONNREFUSED/.test(refused.reason), JSON.stringify(refused));
  } finally {
    await closeAll(server).catch(() => undefined);
  }
});

test('HTTP_GET sends what genhash sends (Host, User-Agent), closes every connection, honours bindto/bind_port and IPv6', async (t) => {
  if (!need(t, hasCommand('genhash'), 'genhash (keepalived)')) return;
  const seen: Seen[] = [];
  const server = http.createServer(handler(seen));
  let connections = 0;
  server.on('connection', () => connections++);
  const port = await listen(server);
  try {
    await genhash(['-s', '127.0.0.1', '-p', String(port), '-u', '/ok', '-V', 'www.example.test']);
    await probeOnce(runner, httpSpec(port, { path: '/ok', virtualhost: 'www.example.test' }));
    const [g, ours] = seen.slice(-2);
    assert.equal(ours!.headers.host, g!.headers.host);
    assert.equal(ours!.headers['user-agent'], g!.headers['user-agent']);
    await genhash(['-s', '127.0.0.1', '-p', String(port), '-u', '/ok']);
    await probeOnce(runner, httpSpec(port, { path: '/ok' }));
    const [g2, ours2] = seen.slice(-2);
    assert.equal(ours2!.headers.host, g2!.headers.host);
    const before = connections;
    for (let i = 0; i < 3; i++) await probeOnce(runner, httpSpec(port, { path: '/ok' }));
    assert.equal(connections - before, 3, 'one connection per probe (keep-alive off)');
    assert.equal(seen.at(-1)!.headers.connection, 'close');
    const bound = await probeOnce(runner, { ...httpSpec(port, { path: '/ok' }), connect: loop(port, { bindTo: '127.0.0.1', bindPort: 0 }) } as ProbeSpec);
    assert.equal(bound.kind, 'ok');
  } finally {
    await closeAll(server);
  }
  const server6 = http.createServer(handler(seen));
  try {
    const port6 = await listen(server6, '::1');
    assert.equal((await probeOnce(runner, httpSpec(port6, { path: '/ok' }, {}, '::1'))).kind, 'ok');
    assert.equal(seen.at(-1)!.headers.host, `[::1]:${port6}`);
  } finally {
    await closeAll(server6);
  }
});

test('SSL_GET: no verification by default, CA verification, SNI, digest equals genhash -S', async (t) => {
  const cert = selfSigned();
  if (!need(t, cert !== undefined, 'openssl to make a self-signed certificate (HTTPS probe test)')) return;
  const seen: Seen[] = [];
  const server = https.createServer({ cert: cert!.certPem, key: cert!.keyPem }, handler(seen));
  const port = await listen(server);
  const ssl = (tls: TlsSpec, url: HttpUrlSpec = { path: '/ok' }) => httpSpec(port, url, { tls });
  try {
    assert.equal((await probeOnce(runner, ssl({ verify: false }))).kind, 'ok');
    assert.equal(seen.at(-1)!.sni, false, 'no SNI unless enable_sni');
    const unverified = await probeOnce(runner, ssl({ verify: true }));
    assert.ok(unverified.kind === 'failed' && /self[- ]signed|SELF_SIGNED/i.test(unverified.reason), JSON.stringify(unverified));
    assert.equal((await probeOnce(runner, ssl({ verify: true, caPem: cert!.certPem }))).kind, 'ok');
    assert.equal((await probeOnce(runner, ssl({ verify: true, caPem: cert!.certPem, servername: 'checker.test' }))).kind, 'ok');
    assert.equal(seen.at(-1)!.sni, 'checker.test');
    const wrongName = await probeOnce(runner, ssl({ verify: true, caPem: cert!.certPem, servername: 'other.test' }));
    assert.equal(wrongName.kind, 'failed');
    if (hasCommand('genhash')) {
      const digest = await genhash(['-S', '-s', '127.0.0.1', '-p', String(port), '-u', '/ok']);
      assert.equal((await probeOnce(runner, ssl({ verify: false }, { path: '/ok', digest }))).kind, 'ok');
    }
  } finally {
    await closeAll(server);
  }
});
