// TCP, SMTP, DNS and UDP probes against tiny responders on loopback (127.0.0.1 / ::1 only).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { ByteWriter } from '../../src/base/bytes.ts';
import { decodeDnsMessage, encodeDnsName } from '../../src/check/dns-message.ts';
import { parseHexPattern } from '../../src/check/udp-verdict.ts';
import { OsProbeRunner } from '../../src/os/probes/os-probe-runner.ts';
import { loop, portOf, probeOnce } from './probe-support.ts';

const runner = new OsProbeRunner({ maxConcurrent: 4 });
after(() => runner.close());

async function tcpServer(onConn: (s: net.Socket) => void, host = '127.0.0.1'): Promise<net.Server> {
  const server = net.createServer(onConn);
  await new Promise<void>((r) => server.listen(0, host, r));
  return server;
}
const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

/** A port nobody listens on: bind, read the port, close. */
async function deadPort(): Promise<number> {
  const s = await tcpServer(() => undefined);
  const p = portOf(s);
  await close(s);
  return p;
}

test('TCP_CHECK: connect ok on v4 and v6, refused on a closed port, bindto/bind_port used as the source', async () => {
  const peers: { addr?: string; port?: number }[] = [];
  const s4 = await tcpServer((s) => { peers.push({ addr: s.remoteAddress, port: s.remotePort }); s.destroy(); });
  const s6 = await tcpServer((s) => s.destroy(), '::1');
  try {
    assert.equal((await probeOnce(runner, { kind: 'tcp', connect: loop(portOf(s4)) })).kind, 'ok');
    assert.equal((await probeOnce(runner, { kind: 'tcp', connect: loop(portOf(s6), { host: '::1' }) })).kind, 'ok');
    // Source 127.0.0.2 and a fixed source port: the server must see exactly those.
    const srcPort = await deadPort();
    assert.equal((await probeOnce(runner, { kind: 'tcp', connect: loop(portOf(s4), { bindTo: '127.0.0.2', bindPort: srcPort }) })).kind, 'ok');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(peers.at(-1), { addr: '127.0.0.2', port: srcPort });
    // Again from the same source port: no TIME_WAIT left behind to refuse it (RST close).
    for (let i = 0; i < 2; i++) {
      assert.equal((await probeOnce(runner, { kind: 'tcp', connect: loop(portOf(s4), { bindTo: '127.0.0.2', bindPort: srcPort }) })).kind, 'ok');
    }
    const refused = await probeOnce(runner, { kind: 'tcp', connect: loop(await deadPort()) });
    assert.ok(refused.kind === 'failed' && /ECONNREFUSED/.test(refused.reason));
  } finally {
    await close(s4);
    await close(s6);
  }
});

/** An SMTP responder: `script` maps the phase to the reply line (undefined = stay silent). */
function smtpServer(script: { banner?: string; helo?: string; quit?: string }, log: string[]): Promise<net.Server> {
  return tcpServer((s) => {
    s.setEncoding('latin1');
    if (script.banner) s.write(script.banner);
    let buf = '';
    s.on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        log.push(line);
        if (line.startsWith('HELO') && script.helo) s.write(script.helo);
        if (line === 'QUIT' && script.quit) { s.write(script.quit); s.end(); }
      }
    });
    s.on('error', () => undefined);
  });
}

test('SMTP_CHECK: full dialogue, multi-line banner, refusals, silent server times out', async () => {
  const log: string[] = [];
  const good = await smtpServer({ banner: '220-mx.test ESMTP\r\n220 ready\r\n', helo: '250 mx.test\r\n', quit: '221 bye\r\n' }, log);
  const busy = await smtpServer({ banner: '554 go away\r\n' }, log);
  const noHelo = await smtpServer({ banner: '220 ok\r\n', helo: '502 no\r\n' }, log);
  const silent = await smtpServer({}, log);
  try {
    const smtp = (port: number, timeoutUs = 1_000_000) => ({ kind: 'smtp' as const, connect: loop(port, { timeoutUs }), heloName: 'checker.test' });
    assert.equal((await probeOnce(runner, smtp(portOf(good)))).kind, 'ok');
    assert.deepEqual(log.slice(0, 2), ['HELO checker.test', 'QUIT']);
    const b = await probeOnce(runner, smtp(portOf(busy)));
    assert.ok(b.kind === 'failed' && /bad banner: 554/.test(b.reason));
    const h = await probeOnce(runner, smtp(portOf(noHelo)));
    assert.ok(h.kind === 'failed' && /HELO refused/.test(h.reason));
    const s = await probeOnce(runner, smtp(portOf(silent), 200_000));
    assert.ok(s.kind === 'timeout' && /banner/.test(s.reason ?? ''));
  } finally {
    for (const srv of [good, busy, noHelo, silent]) await close(srv);
  }
});

async function udpServer(onMsg: (msg: Buffer, reply: (b: Uint8Array) => void) => void, type: 'udp4' | 'udp6' = 'udp4'): Promise<dgram.Socket> {
  const s = dgram.createSocket(type);
  s.on('message', (msg, rinfo) => onMsg(msg, (b) => s.send(b, rinfo.port, rinfo.address)));
  await new Promise<void>((r) => s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', r));
  return s;
}
const closeUdp = (s: dgram.Socket) => new Promise<void>((r) => s.close(() => r()));

async function deadUdpPort(): Promise<number> {
  const s = await udpServer(() => undefined);
  const p = s.address().port;
  await closeUdp(s);
  return p;
}

/** A DNS responder: answers each query with the given rcode, echoing id and question. */
function dnsAnswer(query: Buffer, rcode: number, idDelta = 0): Uint8Array {
  const d = decodeDnsMessage(query);
  if (!d.ok) throw new Error('responder got an undecodable query');
  const q = d.msg.questions[0]!;
  const w = new ByteWriter();
  w.u16be((d.msg.id + idDelta) & 0xffff).u16be(0x8180 | rcode).u16be(1).u16be(rcode ? 0 : 1).u16be(0).u16be(0);
  w.bytes(encodeDnsName(q.name)!).u16be(q.type).u16be(1);
  if (!rcode) w.u16be(0xc00c).u16be(q.type).u16be(1).u32be(60).u16be(4).bytes(Uint8Array.from([192, 0, 2, 7]));
  return w.finish();
}

test('DNS_CHECK: answer ok, wrong id ignored, NXDOMAIN fails, closed port fails, silence times out', async () => {
  const queries: Buffer[] = [];
  // A SERVFAIL for another id comes first: it must be ignored.
  const good = await udpServer((m, reply) => { queries.push(m); reply(dnsAnswer(m, 2, 1)); reply(dnsAnswer(m, 0)); });
  const nx = await udpServer((m, reply) => reply(dnsAnswer(m, 3)));
  const silent = await udpServer(() => undefined);
  const v6 = await udpServer((m, reply) => reply(dnsAnswer(m, 0)), 'udp6');
  try {
    const dns = (port: number, extra = {}) => ({ kind: 'dns' as const, connect: loop(port, { timeoutUs: 500_000, ...extra }), qtype: 'A', qname: 'www.example.test', queryId: 4321 });
    assert.equal((await probeOnce(runner, dns(good.address().port))).kind, 'ok');
    const q = decodeDnsMessage(queries[0]!);
    assert.ok(q.ok && q.msg.id === 4321 && q.msg.questions[0]!.name === 'www.example.test' && q.msg.questions[0]!.type === 1);
    const n = await probeOnce(runner, dns(nx.address().port));
    assert.ok(n.kind === 'failed' && /rcode = 3/.test(n.reason));
    const dead = await probeOnce(runner, dns(await deadUdpPort()));
    assert.ok(dead.kind === 'failed' && /ECONNREFUSED/.test(dead.reason), JSON.stringify(dead));
    assert.equal((await probeOnce(runner, dns(silent.address().port))).kind, 'timeout');
    assert.equal((await probeOnce(runner, dns(v6.address().port, { host: '::1' }))).kind, 'ok');
  } finally {
    for (const s of [good, nx, silent, v6]) await closeUdp(s);
  }
});

test('UDP_CHECK: payload sent, require_reply pattern, no reply with and without require_reply, closed port', async () => {
  const got: Buffer[] = [];
  const echo = await udpServer((m, reply) => { got.push(m); reply(Buffer.concat([Buffer.from([0xca, 0xfe, got.length]), m])); });
  const silent = await udpServer(() => undefined);
  try {
    const udp = (port: number, extra = {}) => ({
      kind: 'udp' as const, connect: loop(port, { timeoutUs: 300_000 }), payload: Uint8Array.from([1, 2, 3]),
      requireReply: true, minReplyLength: 0, maxReplyLength: 255, ...extra,
    });
    const pattern = parseHexPattern('cafe XX 010203', true)!;
    assert.equal((await probeOnce(runner, udp(echo.address().port, { replyPattern: pattern }))).kind, 'ok');
    assert.deepEqual([...got[0]!], [1, 2, 3]);
    const mismatch = await probeOnce(runner, udp(echo.address().port, { replyPattern: parseHexPattern('cafe XX 0109', true)! }));
    assert.ok(mismatch.kind === 'failed' && /byte 4/.test(mismatch.reason));
    assert.equal((await probeOnce(runner, udp(echo.address().port, { maxReplyLength: 4 }))).kind, 'failed');
    assert.equal((await probeOnce(runner, udp(silent.address().port))).kind, 'timeout');
    assert.equal((await probeOnce(runner, udp(silent.address().port, { requireReply: false }))).kind, 'ok');
    const dead = await probeOnce(runner, udp(await deadUdpPort(), { requireReply: false }));
    assert.ok(dead.kind === 'failed' && /ECONNREFUSED/.test(dead.reason), JSON.stringify(dead));
    // No payload configured: random bytes are sent.
    const before = got.length;
    await probeOnce(runner, udp(echo.address().port, { payload: undefined }));
    assert.equal(got.length, before + 1);
    assert.ok(got.at(-1)!.length > 0);
  } finally {
    await closeUdp(echo);
    await closeUdp(silent);
  }
});

test('the runner bounds concurrency, queues the rest, and a cancelled queued probe never reports', async () => {
  const small = new OsProbeRunner({ maxConcurrent: 2 });
  const held: net.Socket[] = [];
  // An SMTP server that never speaks holds each probe until its timeout.
  const srv = await tcpServer((s) => { held.push(s); s.on('error', () => undefined); });
  try {
    const spec = { kind: 'smtp' as const, connect: loop(portOf(srv), { timeoutUs: 150_000 }), heloName: 'x' };
    const reports: string[] = [];
    const all = Array.from({ length: 8 }, (_, i) => new Promise<void>((resolve) => {
      small.start(`p${i}`, spec, () => { reports.push(`p${i}`); resolve(); });
    }));
    assert.equal(small.inFlight, 2);
    assert.equal(small.queued, 6);
    small.cancel('p7');
    assert.equal(small.queued, 5);
    await Promise.all(all.slice(0, 7));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(small.peakInFlight, 2);
    assert.deepEqual(reports.sort(), ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
  } finally {
    for (const s of held) s.destroy();
    await close(srv);
    await small.close();
  }
});
