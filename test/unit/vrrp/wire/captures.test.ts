// The codec against packets keepalived 2.2.7 really sent (../shared/captures), with tshark as
// the judge of what each packet says: every VRRP packet in every file is decoded and compared
// field by field with tshark, then re-encoded (IPv4 header + advert) to the identical bytes;
// every gratuitous ARP is rebuilt byte for byte. v2-basic.pcap is damaged (records cut and
// spliced), so its packets are salvaged and handed to tshark in a clean file of our own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { formatIp, isMulticast, parseIp } from '../../../../src/base/ip.ts';
import { formatMac } from '../../../../src/base/mac-address.ts';
import { decodeAdvert } from '../../../../src/vrrp/wire/decode-advert.ts';
import { decodeIpv4Advert } from '../../../../src/vrrp/wire/decode-ipv4-advert.ts';
import { multicastMac } from '../../../../src/vrrp/wire/vrrp-mac.ts';
import { encodeAdvert } from '../../../../src/vrrp/wire/encode-advert.ts';
import { decodeIpv4Packet, encodeIpv4Packet } from '../../../../src/vrrp/wire/ipv4-packet.ts';
import { decodeEthernetFrame, ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../../../../src/vrrp/wire/ethernet-frame.ts';
import { encodeGratuitousArp } from '../../../../src/vrrp/wire/gratuitous-arp.ts';
import { passAuthData, verifyPassAuth } from '../../../../src/vrrp/wire/pass-auth.ts';
import { VRRP_IP_PROTOCOL } from '../../../../src/vrrp/wire/vrrp-protocol.ts';
import { readPcap, writePcap, type PcapFrame } from '../../../captures/pcap.ts';
import { haveTshark, tsharkFields } from '../../../captures/tshark.ts';
import { need } from '../../../support/env.ts';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../../../..');
const CAPTURES = resolve(ROOT, '../shared/captures');
const files = existsSync(CAPTURES) ? readdirSync(CAPTURES).filter((f) => f.endsWith('.pcap')).sort() : [];

const VRRP_FIELDS = [
  'frame.cap_len', 'frame.len', 'ip.src', 'ip.dst', 'ip.id', 'ip.ttl', 'ip.dsfield', 'ip.checksum.status',
  'vrrp.version', 'vrrp.type', 'vrrp.virt_rtr_id', 'vrrp.prio', 'vrrp.addr_count', 'vrrp.auth_type',
  'vrrp.adver_int', 'vrrp.short_adver_int', 'vrrp.checksum', 'vrrp.checksum.status', 'vrrp.ip_addr',
  'vrrp.auth_string', 'arp.isgratuitous', 'arp.src.hw_mac', 'arp.dst.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4',
];
const PREFS = ['ip.check_checksum:TRUE'];

function bytesOf(f: string): Uint8Array {
  return new Uint8Array(readFileSync(join(CAPTURES, f)));
}

/** The salvaged frames of a capture, written to a clean pcap and run through tshark. */
const dissected = new Map<string, { frames: PcapFrame[]; rows: Record<string, string>[] }>();
function salvageAndDissect(f: string): { frames: PcapFrame[]; rows: Record<string, string>[] } {
  const done = dissected.get(f);
  if (done) return done;
  const frames = readPcap(bytesOf(f), { salvage: true }).frames;
  const dir = mkdtempSync(join(tmpdir(), `vrrp-wire-${process.pid}-`));
  try {
    const path = join(dir, 'salvaged.pcap');
    writeFileSync(path, writePcap(frames));
    const run = tsharkFields(path, VRRP_FIELDS, PREFS);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.rows.length, frames.length, 'tshark sees every salvaged frame');
    dissected.set(f, { frames, rows: run.rows });
    return { frames, rows: run.rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the capture directory is there', (t) => {
  if (!need(t, files.length >= 6, `the keepalived captures in ${CAPTURES}`)) return;
});

test('pcap reader agrees with tshark on frame count and timestamps; writer rebuilds intact files', (t) => {
  if (!need(t, haveTshark && files.length > 0, 'tshark and the captures')) return;
  for (const f of files) {
    const bytes = bytesOf(f);
    const strict = readPcap(bytes);
    const run = tsharkFields(join(CAPTURES, f), ['frame.time_epoch', 'frame.cap_len']);
    assert.equal(strict.frames.length, run.rows.length, `${f}: frames read before any damage`);
    strict.frames.forEach((fr, i) => {
      const row = run.rows[i]!;
      // tshark prints seconds with 9 decimals; microsecond files end in 000.
      assert.equal(row['frame.time_epoch']!.replace('.', '').replace(/000$/, ''), String(fr.tsUs), `${f} #${i + 1} time`);
      assert.equal(Number(row['frame.cap_len']), fr.data.length, `${f} #${i + 1} length`);
    });
    if (strict.damage.length === 0) {
      assert.equal(run.status, 0, `${f}: tshark reads it whole`);
      assert.deepEqual(writePcap(strict.frames), bytes, `${f}: writePcap(readPcap(file)) is the file`);
    } else {
      // Damaged: tshark stops at the same record and says so.
      assert.notEqual(run.status, 0, `${f}: tshark also fails`);
      assert.match(run.stderr, /damaged or corrupt/);
    }
  }
});

test('v2-basic.pcap is damaged, and salvage recovers its records', (t) => {
  if (!need(t, files.includes('v2-basic.pcap'), 'v2-basic.pcap')) return;
  const strict = readPcap(bytesOf('v2-basic.pcap'));
  const salvaged = readPcap(bytesOf('v2-basic.pcap'), { salvage: true });
  assert.equal(strict.frames.length, 4);
  assert.equal(strict.damage[0]?.offset, 268);
  assert.equal(salvaged.frames.length, 36);
  assert.equal(salvaged.frames.filter((fr) => fr.cut).length, 4);
});

test('every VRRP advert in every capture: decode = tshark, re-encode = the same bytes', (t) => {
  if (!need(t, haveTshark && files.length > 0, 'tshark and the captures')) return;
  const pass = passAuthData('secret12');
  let total = 0;
  for (const f of files) {
    const { frames, rows } = salvageAndDissect(f);
    let inFile = 0;
    frames.forEach((fr, i) => {
      const row = rows[i]!;
      const where = `${f} frame ${i + 1} (offset ${fr.offset})`;
      const eth = decodeEthernetFrame(fr.data);
      assert.ok(eth, where);
      if (eth.etherType !== ETHERTYPE_IPV4) return;
      const ip = decodeIpv4Packet(eth.payload);
      if (fr.cut) {
        // A record the damage cut short: the IP header promises more than there is.
        assert.deepEqual(ip.ok ? 'ok' : ip.reason, 'truncated', where);
        return;
      }
      assert.ok(ip.ok, `${where}: ${ip.ok ? '' : ip.detail}`);
      if (ip.header.protocol !== VRRP_IP_PROTOCOL) return;
      assert.notEqual(row['vrrp.version'], '', `${where}: tshark sees VRRP`);
      inFile++;
      const ctx = { src: ip.header.src, dst: ip.header.dst };
      const r = decodeAdvert(ip.payload, ctx);
      assert.ok(r.ok, `${where}: ${r.ok ? '' : r.reason}`);
      const a = r.advert;
      // IP header as keepalived builds it (vrrp-notes.md: TOS 0xc0, TTL 255, IP ID +1 a packet).
      assert.equal(formatIp(ip.header.src), row['ip.src'], where);
      assert.equal(formatIp(ip.header.dst), row['ip.dst'], where);
      assert.equal(ip.header.id, Number(row['ip.id']), where);
      assert.equal(ip.header.ttl, 255, where);
      assert.equal(Number(row['ip.ttl']), 255, where);
      assert.equal(ip.header.tos, 0xc0, where);
      assert.equal(Number(row['ip.dsfield']), 0xc0, where);
      assert.equal(row['ip.checksum.status'], '1', `${where}: tshark: IP header checksum good`);
      // The advert, field by field.
      assert.equal(a.version, Number(row['vrrp.version']), where);
      assert.equal(Number(row['vrrp.type']), 1, where);
      assert.equal(a.vrid, Number(row['vrrp.virt_rtr_id']), where);
      assert.equal(a.priority, Number(row['vrrp.prio']), where);
      assert.equal(a.addresses.length, Number(row['vrrp.addr_count']), where);
      assert.equal(a.addresses.map(formatIp).join(','), row['vrrp.ip_addr'], where);
      assert.equal(a.checksum, Number(row['vrrp.checksum']), where);
      assert.equal(row['vrrp.checksum.status'], '1', `${where}: tshark: VRRP checksum good`);
      if (a.version === 2) {
        assert.equal(r.checksumKind, 'plain', where);
        assert.equal(a.authType, Number(row['vrrp.auth_type']), where);
        assert.equal(a.advertIntervalCs, Number(row['vrrp.adver_int']) * 100, where);
        assert.equal(new TextDecoder().decode(a.authData).replace(/\0+$/, ''), row['vrrp.auth_string'], where);
        assert.ok(verifyPassAuth(a.authData, pass), `${where}: PASS secret12`);
        assert.ok(!verifyPassAuth(a.authData, passAuthData('secret13')), where);
      } else {
        assert.equal(r.checksumKind, 'pseudo-header', where);
        assert.equal(a.authType, 0, where);
        assert.equal(a.advertIntervalCs, Number(row['vrrp.short_adver_int']), where);
        // The same bytes without the pseudo-header do not verify: keepalived 2.2.7 uses it.
        assert.equal(decodeAdvert(ip.payload, { ...ctx, v3ChecksumAsV2: true }).ok, false, where);
      }
      const rebuilt = encodeIpv4Packet({ src: ip.header.src, dst: ip.header.dst, id: ip.header.id, payload: encodeAdvert(a, ctx) });
      assert.deepEqual(rebuilt, eth.payload.subarray(0, ip.header.totalLength), `${where}: re-encoded bytes`);
      // Ethernet: the sender's own MAC (no use_vmac), to the group's MAC or the peer's.
      assert.match(formatMac(eth.src), /^02:99:00:00:00:1[12]$/, where);
      if (isMulticast(ip.header.dst)) assert.deepEqual(eth.dst, multicastMac(ip.header.dst), where);
      // The whole-datagram path the raw IPv4 socket uses gives the same advert and the RxMeta.
      const whole = decodeIpv4Advert(eth.payload, 3);
      assert.ok(whole.ok, where);
      assert.deepEqual(whole.advert, a, where);
      assert.deepEqual(whole.meta, { src: ip.header.src, dst: ip.header.dst, ttl: 255, ifindex: 3 }, where);
    });
    const tsharkCount = rows.filter((row) => row['vrrp.version'] !== '').length;
    const cut = frames.filter((fr, i) => fr.cut && rows[i]!['vrrp.version'] !== '').length;
    assert.equal(inFile, tsharkCount - cut, `${f}: every advert tshark sees was checked`);
    assert.ok(inFile > 0, `${f} has adverts`);
    total += inFile;
  }
  assert.ok(total >= 100, `${total} adverts checked`);
  t.diagnostic(`${total} adverts checked against tshark`);
});

test('every gratuitous ARP in every capture is rebuilt byte for byte', (t) => {
  if (!need(t, haveTshark && files.length > 0, 'tshark and the captures')) return;
  let garps = 0;
  for (const f of files) {
    const { frames, rows } = salvageAndDissect(f);
    frames.forEach((fr, i) => {
      const row = rows[i]!;
      const where = `${f} frame ${i + 1}`;
      const eth = decodeEthernetFrame(fr.data);
      if (!eth || eth.etherType !== ETHERTYPE_ARP || fr.cut) return;
      if (row['arp.isgratuitous'] !== '1') {
        // Ordinary ARP (who-has the peer, replies): not ours to build, and not a GARP.
        const vip = parseIp(row['arp.src.proto_ipv4']!);
        if (vip) assert.notDeepEqual(encodeGratuitousArp(eth.src, vip), fr.data, where);
        return;
      }
      garps++;
      const vip = parseIp(row['arp.src.proto_ipv4']!);
      assert.ok(vip, where);
      assert.equal(row['arp.dst.proto_ipv4'], row['arp.src.proto_ipv4'], where);
      assert.equal(row['arp.dst.hw_mac'], 'ff:ff:ff:ff:ff:ff', `${where}: target MAC`);
      assert.equal(formatMac(eth.dst), 'ff:ff:ff:ff:ff:ff', `${where}: Ethernet broadcast`);
      assert.deepEqual(encodeGratuitousArp(eth.src, vip), fr.data, where);
    });
  }
  assert.ok(garps >= 60, `${garps} GARPs rebuilt`);
  t.diagnostic(`${garps} gratuitous ARPs rebuilt`);
});
