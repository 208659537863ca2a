import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteWriter } from '../../../src/base/bytes.ts';
import { internetChecksum } from '../../../src/base/checksum.ts';
import { buildDnsQuery, decodeDnsMessage, dnsReplyVerdict, encodeDnsName } from '../../../src/check/dns-message.ts';
import { hasCommand, need } from '../../support/env.ts';

/** A hand-built reply: question echoed, answers using compression pointers to offset 12. */
function reply(id: number, flags: number, name: string, qtype: number, answers: { type: number; rdata: number[] }[]): Uint8Array {
  const w = new ByteWriter();
  w.u16be(id).u16be(flags).u16be(1).u16be(answers.length).u16be(0).u16be(0);
  w.bytes(encodeDnsName(name)!).u16be(qtype).u16be(1);
  for (const a of answers) {
    w.u16be(0xc00c).u16be(a.type).u16be(1).u32be(300).u16be(a.rdata.length).bytes(Uint8Array.from(a.rdata));
  }
  return w.finish();
}

test('query bytes: id, RD only, one question, labels, type, class IN', () => {
  const q = buildDnsQuery(0xbeef, 'www.example.com', 'A')!;
  assert.deepEqual([...q.subarray(0, 12)], [0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...q.subarray(12)], [3, 119, 119, 119, 7, ...Buffer.from('example'), 3, 99, 111, 109, 0, 0, 1, 0, 1]);
  // Root (the default name) is one zero byte; a trailing dot changes nothing; default type SOA=6.
  assert.deepEqual([...buildDnsQuery(1, '.', 'soa')!.subarray(12)], [0, 0, 6, 0, 1]);
  assert.deepEqual(buildDnsQuery(1, 'a.b.', 'MX'), buildDnsQuery(1, 'a.b', 'MX'));
  assert.equal(buildDnsQuery(1, 'a..b', 'A'), undefined);
  assert.equal(buildDnsQuery(1, 'x', 'SRV'), undefined);
  assert.equal(buildDnsQuery(1, 'a'.repeat(64), 'A'), undefined);
});

test('reply verdicts: rcode, id, QR, question echo, truncation', () => {
  const ok = reply(7, 0x8180, 'example.com', 1, [{ type: 1, rdata: [192, 0, 2, 1] }]);
  assert.deepEqual(dnsReplyVerdict(ok, 7, 'example.com.', 'A'), { kind: 'ok', detail: 'rcode 0, 1 answer(s)' });
  assert.equal(dnsReplyVerdict(ok, 8, 'example.com', 'A').kind, 'ignore');
  assert.equal(dnsReplyVerdict(ok, 7, 'example.com', 'AAAA').kind, 'ignore');
  assert.equal(dnsReplyVerdict(reply(7, 0x0100, 'example.com', 1, []), 7, 'example.com', 'A').kind, 'ignore');
  const nx = dnsReplyVerdict(reply(7, 0x8183, 'example.com', 1, []), 7, 'example.com', 'A');
  assert.deepEqual(nx, { kind: 'failed', reason: 'error in reply (rcode = 3)' });
  assert.equal(dnsReplyVerdict(ok.subarray(0, 11), 7, 'example.com', 'A').kind, 'ignore');
  // A reply cut inside the answers still has rcode 0: keepalived calls that a success.
  assert.equal(dnsReplyVerdict(ok.subarray(0, ok.length - 2), 7, 'example.com', 'A').kind, 'ok');
  const d = decodeDnsMessage(ok);
  assert.ok(d.ok);
  assert.equal(d.msg.answers[0]!.name, 'example.com');
  // A pointer loop is a decode failure, not a hang or a throw.
  const loop = new Uint8Array([0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  assert.equal(decodeDnsMessage(loop).ok, false);
});

/** IPv4 + UDP around a payload, in a pcap with LINKTYPE_RAW (101) so tshark dissects DNS. */
function pcapOf(payloads: { udp: Uint8Array; sport: number; dport: number }[]): Uint8Array {
  const w = new ByteWriter();
  w.u32le(0xa1b2c3d4).u16le(2).u16le(4).u32le(0).u32le(0).u32le(65535).u32le(101);
  for (const [i, p] of payloads.entries()) {
    const ip = new ByteWriter();
    const total = 20 + 8 + p.udp.length;
    ip.u8(0x45).u8(0).u16be(total).u16be(i).u16be(0).u8(64).u8(17).u16be(0).bytes(Uint8Array.from([127, 0, 0, 1, 127, 0, 0, 1]));
    const hdr = ip.finish();
    const sum = internetChecksum(hdr);
    hdr[10] = sum >> 8;
    hdr[11] = sum & 0xff;
    const pkt = new ByteWriter().bytes(hdr).u16be(p.sport).u16be(p.dport).u16be(8 + p.udp.length).u16be(0).bytes(p.udp).finish();
    w.u32le(1_700_000_000 + i).u32le(0).u32le(pkt.length).u32le(pkt.length).bytes(pkt);
  }
  return w.finish();
}

test('tshark decodes our query and our hand-built reply the way we do', (t) => {
  if (!need(t, hasCommand('tshark'), 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'dns-pcap-'));
  try {
    const q = buildDnsQuery(0x1234, 'mail.example.org', 'MX')!;
    const r = reply(0x1234, 0x8180, 'mail.example.org', 15, [{ type: 15, rdata: [0, 10, 0xc0, 12] }]);
    const file = join(dir, 'dns.pcap');
    writeFileSync(file, pcapOf([{ udp: q, sport: 40000, dport: 53 }, { udp: r, sport: 53, dport: 40000 }]));
    const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|',
      '-e', 'dns.id', '-e', 'dns.flags.response', '-e', 'dns.flags.recdesired', '-e', 'dns.qry.name',
      '-e', 'dns.qry.type', '-e', 'dns.qry.class', '-e', 'dns.count.answers', '-e', 'dns.flags.rcode', '-e', 'dns.mx.mail_exchange'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
    const [qLine, rLine] = out.map((l) => l.split('|'));
    assert.deepEqual(qLine!.slice(0, 7), ['0x1234', 'False', 'True', 'mail.example.org', '15', '0x0001', '0'].map((v, i) => normaliseTshark(v, qLine![i]!)));
    assert.equal(rLine![3], 'mail.example.org');
    assert.equal(rLine![6], '1');
    assert.equal(rLine![7], '0');
    assert.equal(rLine![8], 'mail.example.org');
    assert.equal(dnsReplyVerdict(r, 0x1234, 'mail.example.org', 'MX').kind, 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** tshark versions print booleans as True/1 and classes as 0x0001/1: accept either spelling. */
function normaliseTshark(want: string, got: string): string {
  const alias: Record<string, string[]> = { False: ['False', '0'], True: ['True', '1'], '0x0001': ['0x0001', '1'] };
  return (alias[want] ?? [want]).includes(got) ? got : want;
}
