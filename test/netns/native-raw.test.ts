// Raw sockets through the addon between two namespaces A (kra) and B (krb), each joined by a
// veth pair to a bridge in a third namespace C (as directors on one LAN segment):
// VRRP (protocol 112) over IPv4 multicast 224.0.0.18 and IPv6 ff02::12 with pktinfo and
// TTL / hop-limit control messages and kernel-computed IPv6 checksums; ICMP echo for
// PING_CHECK; ICMPv6 neighbour advertisement; AF_PACKET gratuitous ARP checked both by an
// AF_PACKET receiver and by tcpdump + tshark. Root only. Nothing is sent in the root namespace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { Netns, bridge, destroyAll, vethPair } from '../support/netns.ts';
import * as S from '../../src/os/native-socket.ts';
import { NativeSocket, type SocketMessage } from '../../src/os/native-socket.ts';
import { formatIp, parseIp, type IpAddress } from '../../src/base/ip.ts';
import { formatMac, parseMac } from '../../src/base/mac-address.ts';
import { checksumFinish, checksumPartial, internetChecksum } from '../../src/base/checksum.ts';
import { pseudoHeaderSum } from '../../src/base/pseudo-header-sum.ts';

const ip = (s: string): IpAddress => parseIp(s) ?? assert.fail(s);
let A: Netns | undefined;
let B: Netns | undefined;
let idxA = 0;
let idxB = 0;
const open: NativeSocket[] = [];
const ready = isRoot();

before(() => {
  if (!ready) return;
  A = Netns.create('rawa');
  B = Netns.create('rawb');
  const C = Netns.create('rawc');
  for (const ns of [A, B, C]) {
    // No DAD: link-local sources must be usable at once for ff02::12.
    ns.exec('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0');
    ns.exec('sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0');
  }
  vethPair(A, 'kra', C, 'kpa');
  vethPair(B, 'krb', C, 'kpb');
  bridge(C, 'kbr', ['kpa', 'kpb']);
  A.ip('addr', 'add', '192.168.77.1/24', 'dev', 'kra');
  B.ip('addr', 'add', '192.168.77.2/24', 'dev', 'krb');
  A.ip('addr', 'add', 'fd77::1/64', 'dev', 'kra', 'nodad');
  B.ip('addr', 'add', 'fd77::2/64', 'dev', 'krb', 'nodad');
  idxA = A.run(() => S.ifNameToIndex('kra'));
  idxB = B.run(() => S.ifNameToIndex('krb'));
});
after(() => {
  for (const s of open) s.close();
  destroyAll();
});

function sock(ns: Netns, domain: number, type: number, proto: number): NativeSocket {
  const s = ns.run(() => NativeSocket.open(domain, type, proto));
  open.push(s);
  return s;
}

function next(s: NativeSocket, pred: (m: SocketMessage) => boolean = () => true, timeoutMs = 3000): Promise<SocketMessage> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: SocketMessage) => {
      if (!pred(m)) return;
      clearTimeout(timer);
      s.off('message', onMsg);
      resolve(m);
    };
    const timer = setTimeout(() => { s.off('message', onMsg); reject(new Error('timeout waiting for a packet')); }, timeoutMs);
    s.on('message', onMsg);
    s.start();
  });
}

const payload = Uint8Array.of(0x21, 51, 100, 1, 0, 1, 0, 0, 192, 168, 77, 100); // VRRPv2-shaped, checksum 0

test('IPv4 protocol 112 to 224.0.0.18: bytes, source, pktinfo (ifindex, dst) and TTL 255 arrive', async (t) => {
  if (!need(t, ready, 'root for network namespaces')) return;
  const rx = sock(B!, S.AF_INET, S.SOCK_RAW, S.IPPROTO_VRRP);
  rx.setOption(S.IPPROTO_IP, S.IP_PKTINFO, 1);
  rx.setOption(S.IPPROTO_IP, S.IP_RECVTTL, 1);
  rx.setOption(S.IPPROTO_IP, S.IP_ADD_MEMBERSHIP, S.ipMreqn(ip('224.0.0.18'), idxB));
  rx.setOption(S.SOL_SOCKET, S.SO_BINDTODEVICE, 'krb');
  const tx = sock(A!, S.AF_INET, S.SOCK_RAW, S.IPPROTO_VRRP);
  tx.setOption(S.IPPROTO_IP, S.IP_MULTICAST_TTL, 255);
  tx.setOption(S.IPPROTO_IP, S.IP_MULTICAST_IF, S.ipMreqn(undefined, idxA));
  tx.setOption(S.IPPROTO_IP, S.IP_MULTICAST_LOOP, 0);
  const got = next(rx);
  assert.equal(tx.send(payload, { family: 'inet', addr: ip('224.0.0.18') }), 0);
  const m = await got;
  // A raw IPv4 socket hands over the IP header too (raw(7)).
  const ihl = (m.bytes[0]! & 0x0f) * 4;
  assert.deepEqual([m.bytes[8], m.bytes[9]], [255, 112]);
  assert.deepEqual([...m.bytes.subarray(ihl)], [...payload]);
  assert.equal(m.from?.family === 'inet' && formatIp(m.from.addr), '192.168.77.1');
  assert.equal(m.info.ifindex, idxB);
  assert.equal(m.info.dst && formatIp(m.info.dst), '224.0.0.18');
  assert.equal(m.info.ttl, 255);
});

test('IPv6 protocol 112 to ff02::12: hop limit 255, pktinfo, link-local source, kernel checksum at offset 6', async (t) => {
  if (!need(t, ready, 'root for network namespaces')) return;
  const rx = sock(B!, S.AF_INET6, S.SOCK_RAW, S.IPPROTO_VRRP);
  rx.setOption(S.IPPROTO_IPV6, S.IPV6_RECVPKTINFO, 1);
  rx.setOption(S.IPPROTO_IPV6, S.IPV6_RECVHOPLIMIT, 1);
  rx.setOption(S.IPPROTO_IPV6, S.IPV6_JOIN_GROUP, S.ipv6Mreq(ip('ff02::12'), idxB));
  const tx = sock(A!, S.AF_INET6, S.SOCK_RAW, S.IPPROTO_VRRP);
  tx.setOption(S.IPPROTO_IPV6, S.IPV6_MULTICAST_HOPS, 255);
  tx.setOption(S.IPPROTO_IPV6, S.IPV6_MULTICAST_IF, idxA);
  tx.setOption(S.IPPROTO_IPV6, S.IPV6_CHECKSUM, 6); // RFC 9568 5.2.8: checksum at byte 6
  const v3 = Uint8Array.of(0x31, 51, 100, 1, 0, 100, 0, 0, ...ip('fe80::77').bytes);
  const got = next(rx);
  assert.equal(tx.send(v3, { family: 'inet', addr: ip('ff02::12'), scopeId: idxA }), 0);
  const m = await got;
  assert.equal(m.info.ttl, 255);
  assert.equal(m.info.ifindex, idxB);
  assert.equal(m.info.dst && formatIp(m.info.dst), 'ff02::12');
  const from = m.from?.family === 'inet' ? m.from.addr : assert.fail();
  assert.ok(formatIp(from).startsWith('fe80::'), formatIp(from));
  assert.deepEqual([...m.bytes.subarray(0, 6)], [...v3.subarray(0, 6)]);
  assert.notEqual((m.bytes[6]! << 8) | m.bytes[7]!, 0);
  // The checksum the kernel wrote verifies over the RFC 8200 pseudo-header.
  assert.equal(checksumFinish(checksumPartial(m.bytes, pseudoHeaderSum(from, ip('ff02::12'), 112, m.bytes.length))), 0);
});

test('ICMP echo (PING_CHECK) over a raw socket gets the reply', async (t) => {
  if (!need(t, ready, 'root for network namespaces')) return;
  const s = sock(A!, S.AF_INET, S.SOCK_RAW, S.IPPROTO_ICMP);
  const echo = Uint8Array.of(8, 0, 0, 0, 0x12, 0x34, 0, 1, 1, 2, 3, 4);
  const c = internetChecksum(echo);
  echo[2] = c >> 8;
  echo[3] = c & 0xff;
  const got = next(s, (m) => m.bytes[(m.bytes[0]! & 0x0f) * 4] === 0);
  assert.equal(s.send(echo, { family: 'inet', addr: ip('192.168.77.2') }), 0);
  const m = await got;
  const icmp = m.bytes.subarray((m.bytes[0]! & 0x0f) * 4);
  assert.deepEqual([icmp[0], icmp[4], icmp[5], icmp[7]], [0, 0x12, 0x34, 1]);
  assert.equal(m.from?.family === 'inet' && formatIp(m.from.addr), '192.168.77.2');
});

test('ICMPv6 unsolicited neighbour advertisement to ff02::1 arrives with hop limit 255', async (t) => {
  if (!need(t, ready, 'root for network namespaces')) return;
  const rx = sock(B!, S.AF_INET6, S.SOCK_RAW, S.IPPROTO_ICMPV6);
  rx.setOption(S.IPPROTO_IPV6, S.IPV6_RECVHOPLIMIT, 1);
  const tx = sock(A!, S.AF_INET6, S.SOCK_RAW, S.IPPROTO_ICMPV6);
  tx.setOption(S.IPPROTO_IPV6, S.IPV6_MULTICAST_HOPS, 255);
  tx.setOption(S.IPPROTO_IPV6, S.IPV6_MULTICAST_IF, idxA);
  const mac = parseMac('00:00:5e:00:02:07')!;
  // RFC 4861 4.4: type 136, override flag, target, target link-layer address option.
  const na = Uint8Array.of(136, 0, 0, 0, 0x20, 0, 0, 0, ...ip('fd77::99').bytes, 2, 1, ...mac);
  const got = next(rx, (m) => m.bytes[0] === 136);
  assert.equal(tx.send(na, { family: 'inet', addr: ip('ff02::1'), scopeId: idxA }), 0);
  const m = await got; // delivery implies the kernel-computed ICMPv6 checksum verified
  assert.equal(m.info.ttl, 255);
  assert.deepEqual([...m.bytes.subarray(8, 24)], [...ip('fd77::99').bytes]);
});

test('AF_PACKET gratuitous ARP: seen by an AF_PACKET receiver and decoded by tshark from tcpdump', async (t) => {
  if (!need(t, ready && hasCommand('tcpdump') && hasCommand('tshark'), 'root, tcpdump and tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'kts-arp-'));
  const pcap = join(dir, 'arp.pcap');
  const dump = B!.spawn('tcpdump', ['-i', 'krb', '-U', '-c', '1', '-w', pcap, 'arp']);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('tcpdump did not start')), 5000);
      dump.stderr!.on('data', (d: Buffer) => { if (d.toString().includes('listening')) { clearTimeout(timer); resolve(); } });
    });
    const rx = sock(B!, S.AF_PACKET, S.SOCK_RAW, S.ETH_P_ARP);
    rx.bind({ family: 'packet', ifindex: idxB, protocol: S.ETH_P_ARP });
    const tx = sock(A!, S.AF_PACKET, S.SOCK_RAW, S.ETH_P_ARP);
    const src = parseMac(JSON.parse(A!.ip('-j', 'link', 'show', 'kra'))[0].address)!;
    const bcast = Uint8Array.of(255, 255, 255, 255, 255, 255);
    const vip = ip('192.168.77.100').bytes;
    const frame = Uint8Array.of(...bcast, ...src, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1, ...src, ...vip, ...bcast, ...vip);
    const got = next(rx);
    assert.equal(tx.send(frame, { family: 'packet', ifindex: idxA, protocol: S.ETH_P_ARP, addr: bcast }), 0);
    const m = await got;
    assert.deepEqual([...m.bytes.subarray(0, frame.length)], [...frame]);
    assert.ok(m.from?.family === 'packet');
    if (m.from?.family === 'packet') {
      assert.deepEqual([m.from.ifindex, m.from.protocol, m.from.pkttype, formatMac(m.from.addr!)], [idxB, S.ETH_P_ARP, 1 /* PACKET_BROADCAST */, formatMac(src)]);
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('tcpdump did not exit')), 5000);
      dump.on('exit', () => { clearTimeout(timer); resolve(); });
    });
    const fields = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'arp.opcode', '-e', 'arp.src.hw_mac', '-e', 'arp.src.proto_ipv4', '-e', 'arp.dst.proto_ipv4', '-e', 'arp.isgratuitous'], { encoding: 'utf8' });
    const f = fields.trim().split('\t');
    assert.deepEqual(f.slice(0, 4), ['1', formatMac(src), '192.168.77.100', '192.168.77.100']);
    assert.ok(f[4] === '1' || f[4] === 'True', `tshark calls it gratuitous: ${f[4]}`);
  } finally {
    if (dump.exitCode === null) dump.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('IP_HDRINCL: our own IPv4 header (TTL 255, protocol 112) goes out as written', async (t) => {
  if (!need(t, ready, 'root for network namespaces')) return;
  const rx = sock(B!, S.AF_INET, S.SOCK_RAW, S.IPPROTO_VRRP);
  rx.setOption(S.IPPROTO_IP, S.IP_ADD_MEMBERSHIP, S.ipMreqn(ip('224.0.0.18'), idxB));
  const tx = sock(A!, S.AF_INET, S.SOCK_RAW, S.IPPROTO_RAW);
  tx.setOption(S.IPPROTO_IP, S.IP_HDRINCL, 1);
  tx.setOption(S.IPPROTO_IP, S.IP_MULTICAST_IF, S.ipMreqn(undefined, idxA));
  const hdr = Uint8Array.of(0x45, 0xc0, 0, 20 + payload.length, 0, 0, 0, 0, 255, 112, 0, 0, 192, 168, 77, 1, 224, 0, 0, 18);
  const got = next(rx, (m) => m.bytes[1] === 0xc0);
  assert.equal(tx.send(Uint8Array.of(...hdr, ...payload), { family: 'inet', addr: ip('224.0.0.18') }), 0);
  const m = await got;
  assert.deepEqual([m.bytes[1], m.bytes[8], m.bytes[9]], [0xc0, 255, 112]);
  assert.deepEqual([...m.bytes.subarray(20)], [...payload]);
});

test('socket errors (SO_ERROR and the IP_RECVERR error queue) become error events and receiving resumes', async (t) => {
  if (!need(t, ready, 'root for network namespaces')) return;
  const nextError = (s: NativeSocket) => new Promise<S.SocketErrorEvent>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no error event')), 3000);
    s.once('error', (e) => { clearTimeout(timer); resolve(e); });
    s.start();
  });
  const lo = ip('127.0.0.1');
  // A connected UDP socket: the ICMP port unreachable sets sk_err (POLLERR, read by SO_ERROR).
  const c = sock(A!, S.AF_INET, S.SOCK_DGRAM, 0);
  c.connect({ family: 'inet', addr: lo, port: 9 });
  for (let i = 0; i < 2; i++) {
    const e = nextError(c);
    assert.equal(c.send(Buffer.from('x')), 0);
    assert.equal((await e).code, 'ECONNREFUSED', `round ${i}`);
  }
  // An unconnected one with IP_RECVERR: the error is queued (POLLERR until MSG_ERRQUEUE drains it).
  const u = sock(A!, S.AF_INET, S.SOCK_DGRAM, 0);
  u.setOption(S.IPPROTO_IP, S.IP_RECVERR, 1);
  u.bind({ family: 'inet', addr: lo, port: 0 });
  const e = nextError(u);
  assert.equal(u.send(Buffer.from('x'), { family: 'inet', addr: lo, port: 9 }), 0);
  assert.equal((await e).code, 'ECONNREFUSED');
  const port = (u.localAddress() as { port: number }).port;
  const got = next(u);
  const other = sock(A!, S.AF_INET, S.SOCK_DGRAM, 0);
  assert.equal(other.send(Buffer.from('late'), { family: 'inet', addr: lo, port }), 0);
  assert.equal((await got).bytes.toString(), 'late');
});
