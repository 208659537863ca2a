// The metrics daemon service over real loopback HTTP: --metrics-listen parsing (defaults, IPv6 in
// brackets, clear errors), GET /metrics with the 0.0.4 content type and a body the strict parser
// accepts, HEAD, 404 elsewhere, 405 for other methods, a scrape that throws answers 500; no
// option = nothing listens; a busy port or a bad value is logged and the daemon goes on without
// metrics (the service resolves to undefined instead of throwing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { DaemonLogger } from '../../../src/daemon/daemon-log.ts';
import type { DaemonView } from '../../../src/daemon/daemon-view.ts';
import { EventHistory } from '../../../src/daemon/event-history.ts';
import { parseMetricsListen, startMetricsServer } from '../../../src/daemon/metrics-server.ts';
import { parseExposition, sampleOf } from '../../fixtures/metrics/exposition-parser.ts';

function fakeLog(): { log: DaemonLogger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (m: unknown) => { lines.push(`${level}: ${String(m)}`); };
  const log = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as unknown as DaemonLogger;
  return { log, lines };
}

function view(over: Partial<DaemonView> = {}): DaemonView {
  return {
    pid: 1, version: '1.2.3', configFile: '/x.conf', startedAtMs: 1_700_000_000_000,
    config: () => { throw new Error('unused'); }, vrrp: () => undefined, lvs: () => undefined,
    history: new EventHistory(() => 0), ...over,
  };
}

function listenOn(host: string, port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host, port, exclusive: true }, () => resolve(s));
  });
}

async function freePort(host = '127.0.0.1'): Promise<number> {
  const s = await listenOn(host);
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('--metrics-listen values: defaults, IPv4, IPv6 in brackets, host names, and clear errors', () => {
  assert.deepEqual(parseMetricsListen('9165'), { ok: true, host: '127.0.0.1', port: 9165 });
  assert.deepEqual(parseMetricsListen('0.0.0.0:9165'), { ok: true, host: '0.0.0.0', port: 9165 });
  assert.deepEqual(parseMetricsListen('[::1]:9165'), { ok: true, host: '::1', port: 9165 });
  assert.deepEqual(parseMetricsListen('[::]:80'), { ok: true, host: '::', port: 80 });
  assert.deepEqual(parseMetricsListen('[2001:DB8::0:1]:9100'), { ok: true, host: '2001:db8::1', port: 9100 });
  assert.deepEqual(parseMetricsListen('localhost:65535'), { ok: true, host: 'localhost', port: 65535 });
  const errors: Array<[string, RegExp]> = [
    ['', /empty/],
    ['abc', /not a port/],
    ['0', /out of range/],
    ['65536', /out of range/],
    ['127.0.0.1:', /not a port/],
    ['127.0.0.1:80x', /not a port/],
    ['::1:9165', /brackets/],
    ['[::1]9165', /\[IPV6\]:PORT/],
    ['[10.0.0.1]:80', /not an IPv6 address/],
    ['bad_host!:80', /not an address or host name/],
  ];
  for (const [v, re] of errors) {
    const r = parseMetricsListen(v);
    assert.equal(r.ok, false, v);
    if (!r.ok) assert.match(r.error, re, v);
  }
});

test('no --metrics-listen: no endpoint at all', async () => {
  const { log, lines } = fakeLog();
  assert.equal(await startMetricsServer(view(), {}, log), undefined);
  assert.deepEqual(lines, []);
});

test('GET /metrics, HEAD, 404, 405, 500 on a failing scrape, and stop closes the port', async () => {
  const port = await freePort();
  const { log, lines } = fakeLog();
  let failing = false;
  const v = view({ vrrp: () => { if (failing) throw new Error('boom'); return undefined; } });
  const stop = await startMetricsServer(v, { metricsListen: String(port) }, log);
  assert.ok(stop, lines.join('\n'));
  assert.ok(lines.some((l) => l.includes(`info: Prometheus metrics on http://127.0.0.1:${port}/metrics`)), lines.join('\n'));
  try {
    const base = `http://127.0.0.1:${port}`;
    const r = await fetch(`${base}/metrics`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const body = await r.text();
    const p = parseExposition(body);
    assert.equal(sampleOf(p, 'keepalived_up').value, 1);
    assert.equal(sampleOf(p, 'keepalived_ts_build_info', { version: '1.2.3' }).value, 1);
    assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(body));

    const h = await fetch(`${base}/metrics`, { method: 'HEAD' });
    assert.equal(h.status, 200);
    assert.equal(h.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(await h.text(), '');
    assert.equal((await fetch(`${base}/metrics?name[]=x`)).status, 200);

    for (const path of ['/', '/metrics/', '/metricsx', '/favicon.ico']) {
      const n = await fetch(`${base}${path}`);
      assert.equal(n.status, 404, path);
      await n.text();
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const m = await fetch(`${base}/metrics`, { method, body: method === 'DELETE' ? undefined : 'x' });
      assert.equal(m.status, 405, method);
      assert.equal(m.headers.get('allow'), 'GET, HEAD');
      await m.text();
    }
    failing = true;
    const e = await fetch(`${base}/metrics`);
    assert.equal(e.status, 500);
    await e.text();
    assert.ok(lines.some((l) => /error: metrics: scrape failed: boom/.test(l)), lines.join('\n'));
    failing = false;
    assert.equal((await fetch(`${base}/metrics`)).status, 200, 'the endpoint survives a failed scrape');
  } finally {
    await stop();
  }
  await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`));
});

test('IPv6 loopback in brackets', async (t) => {
  let probe: Server;
  try { probe = await listenOn('::1'); } catch { t.skip('no IPv6 loopback on this machine'); return; }
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const { log, lines } = fakeLog();
  const stop = await startMetricsServer(view(), { metricsListen: `[::1]:${port}` }, log);
  assert.ok(stop, lines.join('\n'));
  try {
    const r = await fetch(`http://[::1]:${port}/metrics`);
    assert.equal(r.status, 200);
    await r.text();
    assert.ok(lines.some((l) => l.includes(`http://[::1]:${port}/metrics`)));
  } finally {
    await stop();
  }
});

test('a busy port or a bad value is logged as an error and the daemon runs on without metrics', async () => {
  const busy = await listenOn('127.0.0.1');
  const port = (busy.address() as AddressInfo).port;
  try {
    const { log, lines } = fakeLog();
    const stop = await startMetricsServer(view(), { metricsListen: `127.0.0.1:${port}` }, log);
    assert.equal(stop, undefined);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, new RegExp(`^error: metrics: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.* - running without metrics$`));
  } finally {
    await new Promise<void>((r) => busy.close(() => r()));
  }
  const { log, lines } = fakeLog();
  assert.equal(await startMetricsServer(view(), { metricsListen: 'nope' }, log), undefined);
  assert.deepEqual(lines, ['error: --metrics-listen=nope: "nope" is not a port number (1-65535) - running without metrics']);
  // An address this host does not have.
  const other = fakeLog();
  assert.equal(await startMetricsServer(view(), { metricsListen: '192.0.2.123:9165' }, other.log), undefined);
  assert.match(other.lines[0] ?? '', /cannot listen on 192\.0\.2\.123:9165: .*EADDRNOTAVAIL/);
});
