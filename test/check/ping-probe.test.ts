// PING_CHECK: echo request bytes checked by tshark, replies parsed, and real pings to
// 127.0.0.1 / ::1 over the native raw socket (root).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteWriter } from '../../src/base/bytes.ts';
import { internetChecksum } from '../../src/base/checksum.ts';
import { buildEchoRequest, parseEchoReply } from '../../src/check/icmp-echo.ts';
import { OsProbeRunner } from '../../src/os/probes/os-probe-runner.ts';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { loop, probeOnce } from './probe-support.ts';

const runner = new OsProbeRunner({ maxConcurrent: 4 });
after(() => runner.close());

function ipv4(payload: Uint8Array, proto: number): Uint8Array {
  const h = new ByteWriter().u8(0x45).u8(0).u16be(20 + payload.length).u16be(1).u16be(0).u8(64).u8(proto).u16be(0)
    .bytes(Uint8Array.from([127, 0, 0, 1, 127, 0, 0, 1])).finish();
  const sum = internetChecksum(h);
  h[10] = sum >> 8;
  h[11] = sum & 0xff;
  return new ByteWriter().bytes(h).bytes(payload).finish();
}

test('echo request: tshark reads type 8, our id/seq and a good checksum', (t) => {
  if (!need(t, hasCommand('tshark'), 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'icmp-pcap-'));
  try {
    const pkt = ipv4(buildEchoRequest(4, 0xabcd, 7, Uint8Array.from([1, 2, 3, 4, 5])), 1);
    const w = new ByteWriter().u32le(0xa1b2c3d4).u16le(2).u16le(4).u32le(0).u32le(0).u32le(65535).u32le(101);
    w.u32le(1_700_000_000).u32le(0).u32le(pkt.length).u32le(pkt.length).bytes(pkt);
    writeFileSync(join(dir, 'p.pcap'), w.finish());
    const out = execFileSync('tshark', ['-r', join(dir, 'p.pcap'), '-T', 'fields', '-E', 'separator=|',
      '-e', 'icmp.type', '-e', 'icmp.ident', '-e', 'icmp.seq', '-e', 'icmp.checksum.status'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const [type, ident, seq, status] = out.split('|');
    assert.equal(type, '8');
    // Older tshark prints "ident (BE)|ident (LE)" style values: accept the big-endian one first.
    assert.ok(ident === '43981' || ident!.startsWith('43981') || ident === '0xabcd', ident);
    assert.ok(seq === '7' || seq!.startsWith('7'), seq);
    assert.equal(status, '1', 'checksum good');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('echo reply parsing: skips the IPv4 header, checks type and checksum', () => {
  const reply = buildEchoRequest(4, 0x1234, 9, Uint8Array.from([9, 9]));
  reply[0] = 0; // echo reply
  reply[2] = 0;
  reply[3] = 0;
  const sum = internetChecksum(reply);
  reply[2] = sum >> 8;
  reply[3] = sum & 0xff;
  assert.deepEqual(parseEchoReply(4, ipv4(reply, 1), true), { id: 0x1234, seq: 9, payload: Uint8Array.from([9, 9]) });
  const corrupt = Uint8Array.from(reply);
  corrupt[9] = corrupt[9]! ^ 1;
  assert.equal(parseEchoReply(4, ipv4(corrupt, 1), true), undefined);
  assert.equal(parseEchoReply(4, ipv4(buildEchoRequest(4, 1, 1, new Uint8Array()), 1), true), undefined, 'a request is not a reply');
  assert.equal(parseEchoReply(4, Uint8Array.from([0x45, 0]), true), undefined);
  const v6 = buildEchoRequest(6, 5, 6, new Uint8Array());
  v6[0] = 129;
  assert.deepEqual(parseEchoReply(6, v6, false), { id: 5, seq: 6, payload: new Uint8Array() });
});

test('PING_CHECK pings 127.0.0.1, ::1 and from 127.0.0.2; a bad bindto fails without sending', async (t) => {
  if (!need(t, isRoot(), 'root (raw ICMP socket)')) return;
  const ping = (extra = {}) => ({ kind: 'ping' as const, connect: loop(0, { timeoutUs: 1_000_000, ...extra }) });
  assert.deepEqual(await probeOnce(runner, ping()), { kind: 'ok', detail: 'echo reply' });
  assert.deepEqual(await probeOnce(runner, ping({ host: '::1' })), { kind: 'ok', detail: 'echo reply' });
  assert.equal((await probeOnce(runner, ping({ bindTo: '127.0.0.2' }))).kind, 'ok');
  const bad = await probeOnce(runner, ping({ bindTo: '192.0.2.99' }));
  assert.ok(bad.kind === 'failed' && /EADDRNOTAVAIL/.test(bad.reason), JSON.stringify(bad));
  // Several at once: each matches its own id/seq among the copies every raw socket receives.
  const many = await Promise.all(Array.from({ length: 8 }, () => probeOnce(runner, ping())));
  assert.ok(many.every((o) => o.kind === 'ok'));
});
