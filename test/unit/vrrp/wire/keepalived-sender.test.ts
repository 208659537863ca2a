// keepalived 2.2.7 as the sender, for what the shared captures do not hold: VRRPv3 over IPv6
// (checksum filled by the kernel via IPV6_CHECKSUM), its unsolicited neighbour advertisements,
// and VRRPv3 unicast over IPv4 (peer in the pseudo-header; group with old_unicast_checksum).
// keepalived runs as MASTER in namespace B; namespace A receives the way our daemon will, on raw
// IP sockets (IPPROTO_VRRP joined to ff02::12, ICMPv6; IPv4 raw delivers the IP header), with
// the hop limit from IPV6_HOPLIMIT. No packet capture: only sockets in our own namespaces.

import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { formatIp, parseIp, type IpAddress } from '../../../../src/base/ip.ts';
import { parseMac } from '../../../../src/base/mac-address.ts';
import { decodeAdvert } from '../../../../src/vrrp/wire/decode-advert.ts';
import { decodeIpv4Advert } from '../../../../src/vrrp/wire/decode-ipv4-advert.ts';
import { encodeAdvert } from '../../../../src/vrrp/wire/encode-advert.ts';
import { encodeIpv4Packet } from '../../../../src/vrrp/wire/ipv4-packet.ts';
import { encodeUnsolicitedNa } from '../../../../src/vrrp/wire/unsolicited-na.ts';
import { need } from '../../../support/env.ts';
import { NetnsPair, netnsUsable } from './netns-pair.ts';

const ip = (s: string): IpAddress => parseIp(s)!;
const MAC_B = parseMac('02:99:00:00:00:12')!;

let pair: NetnsPair | undefined;
before(() => { if (netnsUsable) pair = new NetnsPair(); });
after(async () => { await pair?.dispose(); });

function canRun(t: TestContext): boolean {
  return need(t, pair !== undefined, 'root, keepalived, python3 and iproute2 (network namespaces)');
}

// Prints one JSON line per packet: {sock, src, dst, hops, hex}. Stops after `secs` or `max` packets.
const RECV_PY = `
import socket, sys, select, time, struct, json
mode, ifname, secs, maxn = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
socks = []
if mode == 'v6':
    idx = socket.if_nametoindex(ifname)
    v = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
    v.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, 'ff02::12') + struct.pack('@I', idx))
    i = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    for s in (v, i):
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    socks = [('vrrp6', v), ('icmp6', i)]
else:
    socks = [('vrrp4', socket.socket(socket.AF_INET, socket.SOCK_RAW, 112))]
print(json.dumps({'sock': 'ready'}), flush=True)
end = time.time() + secs
n = 0
while n < maxn and time.time() < end:
    r, _, _ = select.select([s for _, s in socks], [], [], max(0.0, end - time.time()))
    for name, s in socks:
        if s not in r:
            continue
        data, anc, flags, addr = s.recvmsg(65535, 1024)
        hops, dst = None, None
        for lvl, typ, d in anc:
            if lvl == socket.IPPROTO_IPV6 and typ == socket.IPV6_HOPLIMIT:
                hops = struct.unpack('@i', d[:4])[0]
            if lvl == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO:
                dst = socket.inet_ntop(socket.AF_INET6, d[:16])
        print(json.dumps({'sock': name, 'src': addr[0].split('%')[0], 'dst': dst, 'hops': hops, 'hex': data.hex()}), flush=True)
        n += 1
`;

interface Rx { sock: string; src: string; dst: string | null; hops: number | null; hex: string }

/** Starts the receiver in A; resolves once its sockets are open, and `done` with what it got. */
async function receiveInA(p: NetnsPair, mode: 'v4' | 'v6', secs: number, max: number): Promise<{ done: Promise<Rx[]> }> {
  const proc = spawn('ip', ['netns', 'exec', p.a, 'python3', '-c', RECV_PY, mode, 'va', String(secs), String(max)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => { text += d.toString(); });
  proc.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const timer = setTimeout(() => proc.kill('SIGKILL'), (secs + 10) * 1000);
  const done = new Promise<Rx[]>((res, rej) => proc.once('exit', (code) => {
    clearTimeout(timer);
    if (code !== 0) rej(new Error(`receiver: ${code} ${err}`));
    else res(text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Rx).filter((r) => r.sock !== 'ready'));
  }));
  for (let i = 0; i < 100 && !text.includes('ready'); i++) {
    if (proc.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  if (!text.includes('ready')) throw new Error(`receiver did not start: ${err}`);
  return { done };
}

const hexBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

test('keepalived 2.2.7 VRRPv3 over IPv6 and its unsolicited NA: decoded, checksum verified, re-encoded byte for byte', async (t) => {
  const p = pair;
  if (!canRun(t) || !p) return;
  const rx = await receiveInA(p, 'v6', 4, 60);
  const k = await p.startKeepalived('tx6', '  state MASTER\n  priority 150\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    2001:db8::200/64\n  }',
    /Entering MASTER STATE/);
  let got: Rx[];
  try {
    got = await rx.done;
  } finally {
    await k.stop();
  }
  const adverts = got.filter((r) => r.sock === 'vrrp6');
  const nas = got.filter((r) => r.sock === 'icmp6' && r.hex.startsWith('88'));
  assert.ok(adverts.length >= 5, `${adverts.length} adverts:\n${k.log()}`);
  assert.ok(nas.length >= 1, `${nas.length} NAs (of ${got.length} packets)`);
  t.diagnostic(`${adverts.length} IPv6 adverts and ${nas.length} NAs from keepalived checked`);
  for (const r of adverts) {
    const bytes = hexBytes(r.hex);
    const ctx = { src: ip(r.src), dst: ip(r.dst ?? '') };
    assert.equal(r.dst, 'ff02::12');
    assert.equal(r.hops, 255, 'hop limit 255 (RFC 5798 section 5.1.2.3)');
    const d = decodeAdvert(bytes, ctx);
    assert.ok(d.ok, `${r.hex}: ${d.ok ? '' : d.reason}`);
    assert.equal(d.checksumKind, 'pseudo-header');
    assert.equal(d.advert.version, 3);
    assert.equal(d.advert.vrid, 51);
    assert.equal(d.advert.advertIntervalCs, 10);
    assert.ok(d.advert.priority === 150 || d.advert.priority === 0, `priority ${d.advert.priority}`);
    assert.deepEqual(d.advert.addresses.map(formatIp), ['2001:db8::200']);
    assert.deepEqual(encodeAdvert(d.advert, ctx), bytes, 'the kernel computed the same checksum we do');
    // The source is the interface's link-local address (EUI-64 of vb's MAC).
    assert.equal(r.src, 'fe80::99:ff:fe00:12');
  }
  for (const r of nas) {
    assert.equal(r.src, '2001:db8::200', 'NA sent from the VIP itself');
    assert.equal(r.dst, 'ff02::1');
    assert.equal(r.hops, 255);
    // The ICMPv6 part of our frame: after Ethernet (14) and IPv6 (40). Router flag off (no forwarding in B).
    const ours = encodeUnsolicitedNa(MAC_B, ip('2001:db8::200')).subarray(54);
    assert.equal(r.hex, Buffer.from(ours).toString('hex'), 'NA byte for byte');
  }
});

test('keepalived 2.2.7 VRRPv3 unicast over IPv4: peer in the pseudo-header; the group with old_unicast_checksum', async (t) => {
  const p = pair;
  if (!canRun(t) || !p) return;
  for (const old of [false, true]) {
    const rx = await receiveInA(p, 'v4', 2, 8);
    const k = await p.startKeepalived(old ? 'tx4old' : 'tx4',
      `  state MASTER\n  priority 150\n  version 3\n  advert_int 0.1\n${old ? '  old_unicast_checksum\n' : ''}  unicast_src_ip 10.99.0.12\n  unicast_peer {\n    10.99.0.11\n  }\n  virtual_ipaddress {\n    10.99.0.200/24\n  }`,
      /Entering MASTER STATE/);
    let got: Rx[];
    try {
      got = await rx.done;
    } finally {
      await k.stop();
    }
    assert.ok(got.length >= 3, `${got.length} adverts (old=${old}):\n${k.log()}`);
    t.diagnostic(`${got.length} unicast v3 adverts from keepalived (old_unicast_checksum ${old ? 'on' : 'off'}) checked, TTL ${got.map((r) => hexBytes(r.hex)[8]).join(',')}`);
    for (const r of got) {
      const pkt = hexBytes(r.hex);
      const d = decodeIpv4Advert(pkt, 1);
      assert.ok(d.ok, `${r.hex}: ${d.ok ? '' : d.reason}`);
      assert.equal(formatIp(d.meta.src), '10.99.0.12');
      assert.equal(formatIp(d.meta.dst), '10.99.0.11');
      assert.equal(d.ip.tos, 0xc0);
      assert.equal(d.checksumKind, old ? 'pseudo-header-mcast-group' : 'pseudo-header');
      const strict = decodeAdvert(pkt.subarray(20), { src: d.meta.src, dst: d.meta.dst, oldUnicastChecksum: 'never' });
      assert.equal(strict.ok, !old, 'never = only the current checksum');
      const ctx = { src: d.meta.src, dst: d.meta.dst, oldUnicastChecksum: old ? 'always' as const : 'never' as const };
      const again = encodeIpv4Packet({ src: d.meta.src, dst: d.meta.dst, id: d.ip.id, ttl: d.ip.ttl, payload: encodeAdvert(d.advert, ctx) });
      assert.deepEqual(again, pkt, 'IPv4 header + advert byte for byte');
    }
  }
});
