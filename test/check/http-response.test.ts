// HTTP_GET's own client: the response reader on every split of its input, and the wire compared
// with keepalived 2.2.7's genhash (the request it sends, the digest it computes, chunked included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import { promisify } from 'node:util';
import type { ProbeOutcome, ProbeSpec } from '../../src/check/checker-spec.ts';
import { HttpClients, httpProbe, type HttpSpec } from '../../src/os/probes/http-probe.ts';
import { HttpResponseReader, MAX_HEADER_BYTES, type FeedResult } from '../../src/os/probes/http-response-reader.ts';
import { hasCommand, need } from '../support/env.ts';
import { loop, portOf, selfSigned } from './probe-support.ts';

/** Feeds `wire` in pieces cut at `cuts`, then EOF if still unfinished; returns the result and the body. */
function read(wire: string, cuts: number[] = []): { r: FeedResult; status: number; body: string } {
  const parts: Buffer[] = [];
  const reader = new HttpResponseReader((b) => parts.push(Buffer.from(b)));
  const bytes = Buffer.from(wire, 'latin1');
  let at = 0;
  let r: FeedResult = 'more';
  for (const cut of [...cuts, bytes.length]) {
    r = reader.feed(bytes.subarray(at, cut));
    at = cut;
    if (r !== 'more') break;
  }
  if (r === 'more') r = reader.end();
  return { r, status: reader.status, body: Buffer.concat(parts).toString('latin1') };
}

const CHUNKED_BODY = '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n';
const CASES: [string, string, FeedResult, string, number][] = [
  ['content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA', 'done', 'hello', 200],
  ['until EOF', 'HTTP/1.0 503 Service Unavailable\r\nServer: x\r\n\r\nbody text', 'done', 'body text', 503],
  ['chunked (raw bytes kept)', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n${CHUNKED_BODY}`, 'done', CHUNKED_BODY, 200],
  ['204 has no body', 'HTTP/1.1 204 No Content\r\n\r\n', 'done', '', 204],
];

test('HttpResponseReader: the same result whatever way the bytes are split', () => {
  for (const [name, wire, result, body, status] of CASES) {
    for (let cut = 0; cut <= wire.length; cut++) {
      for (const second of [cut, Math.min(wire.length, cut + 7)]) {
        const got = read(wire, [cut, second]);
        assert.deepEqual({ r: got.r, body: got.body, status: got.status }, { r: result, body, status }, `${name}, cut at ${cut}/${second}`);
      }
    }
  }
});

test('HttpResponseReader: malformed or cut responses are reasons, never exceptions', () => {
  const bad = (wire: string) => { const { r } = read(wire); assert.ok(typeof r === 'object', `${JSON.stringify(wire.slice(0, 60))} -> ${JSON.stringify(r)}`); };
  bad('SSH-2.0-OpenSSH\r\n\r\n');
  bad('HTTP/1.1 200 OK\r\nContent-Le');
  bad('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort');
  bad('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n');
  bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
  bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello');
  bad(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEADER_BYTES)}`);
});

const probe = (clients: HttpClients, spec: HttpSpec): Promise<ProbeOutcome> =>
  new Promise((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('probe did not report within 5 s')), 5000);
    httpProbe(clients)(spec, (o) => { clearTimeout(guard); resolve(o); });
  });

test('HTTP_GET request and digest equal genhash\'s, chunked HTTP/1.1 included', async (t) => {
  if (!need(t, hasCommand('genhash'), 'genhash (keepalived)')) return;
  const requests: string[] = [];
  const reply = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`;
  const server = net.createServer((c) => {
    let got = '';
    c.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) { requests.push(got); c.end(reply); }
    });
    c.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = portOf(server);
  try {
    const { stdout } = await promisify(execFile)('genhash', ['-s', '127.0.0.1', '-p', String(port), '-u', '/page?q=1'], { timeout: 10_000 });
    const digest = stdout.trim().split('\n').pop()!.trim();
    assert.match(digest, /^[0-9a-f]{32}$/);
    assert.equal(digest, createHash('md5').update(CHUNKED_BODY).digest('hex'), 'genhash digests the raw chunked bytes');
    const clients = new HttpClients();
    for (const protocol of ['1.0', '1.1'] as const) {
      const spec: HttpSpec = { kind: 'http', connect: loop(port), url: { path: '/page?q=1', digest }, protocol };
      assert.deepEqual(await probe(clients, spec), { kind: 'ok', detail: 'status 200' }, protocol);
    }
    const [g, ours10, ours11] = requests;
    // Ours is genhash's request plus "Connection: close" (one connection per probe, always).
    assert.equal(ours10, g!.replace(/\r\n\r\n$/, '\r\nConnection: close\r\n\r\n'));
    assert.equal(ours11, ours10!.replace(' HTTP/1.0\r\n', ' HTTP/1.1\r\n'));
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('SSL_GET builds its TLS context once per target, not once per probe', async (t) => {
  const cert = selfSigned();
  if (!need(t, cert !== undefined, 'openssl')) return;
  const server = https.createServer({ cert: cert!.certPem, key: cert!.keyPem }, (_q, r) => { r.writeHead(200); r.end('ok'); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const clients = new HttpClients();
    const spec: ProbeSpec = { kind: 'http', connect: loop(portOf(server)), url: { path: '/' }, protocol: '1.0', tls: { verify: true, caPem: cert!.certPem, servername: 'checker.test' } };
    for (let i = 0; i < 3; i++) assert.equal((await probe(clients, spec)).kind, 'ok');
    assert.equal(clients.size, 1);
    const other: ProbeSpec = { ...spec, tls: { verify: false, keyPem: 'not a key', certPem: 'not a cert' } };
    const o = await probe(clients, other);
    assert.ok(o.kind === 'failed' && /TLS configuration/.test(o.reason), JSON.stringify(o));
    assert.equal(clients.size, 2);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
