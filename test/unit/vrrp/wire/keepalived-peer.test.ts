// keepalived 2.2.7 and the Linux kernel as the receivers of our bytes. Two network namespaces
// joined by a veth pair: keepalived runs as BACKUP (priority 100) in B; from A we send whole
// Ethernet frames we built (Ethernet + IPv4/IPv6 header + advert, GARP, NA) on an AF_PACKET
// socket. An advert keepalived accepts (priority 200) keeps it in BACKUP; one it rejects is
// logged ("Invalid VRRPv3 checksum", "received an invalid passwd!") or, for IPv6 where the
// kernel checks the checksum (IPV6_CHECKSUM) and drops silently, lets it become MASTER.
// Every scenario has a negative control, so "nothing happened" cannot pass by accident.
// GARP and NA are judged by the kernel's neighbour tables in B (stale entries overridden).
//
// Root only; namespaces are named after our pid and removed in `after`, keepalived is ended by
// its own pid, every wait is bounded. Nothing is sent outside the two namespaces.

import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIp, type IpAddress } from '../../../../src/base/ip.ts';
import { parseMac, type MacAddress } from '../../../../src/base/mac-address.ts';
import type { Advert } from '../../../../src/vrrp/wire/advert.ts';
import type { AdvertContext } from '../../../../src/vrrp/wire/advert-context.ts';
import { encodeAdvert } from '../../../../src/vrrp/wire/encode-advert.ts';
import { encodeEthernetFrame, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../../../../src/vrrp/wire/ethernet-frame.ts';
import { encodeGratuitousArp } from '../../../../src/vrrp/wire/gratuitous-arp.ts';
import { encodeIpv4Packet } from '../../../../src/vrrp/wire/ipv4-packet.ts';
import { encodeIpv6Packet } from '../../../../src/vrrp/wire/ipv6-packet.ts';
import { passAuthData } from '../../../../src/vrrp/wire/pass-auth.ts';
import { encodeUnsolicitedNa } from '../../../../src/vrrp/wire/unsolicited-na.ts';
import { multicastMac } from '../../../../src/vrrp/wire/vrrp-mac.ts';
import { hasCommand, isRoot, need } from '../../../support/env.ts';

const ip = (s: string): IpAddress => parseIp(s)!;
const mac = (s: string): MacAddress => parseMac(s)!;
const NS_A = `kts-wire-${process.pid}-a`;
const NS_B = `kts-wire-${process.pid}-b`;
const MAC_A = mac('02:99:00:00:00:11');
const MAC_B = mac('02:99:00:00:00:12');
const A4 = ip('10.99.0.11');
const B4 = ip('10.99.0.12');
const A6 = ip('fe80::99:ff:fe00:11');
const GROUP4 = ip('224.0.0.18');
const GROUP6 = ip('ff02::12');

const usable = isRoot() && hasCommand('keepalived') && hasCommand('python3') && hasCommand('ip');
let ready = false;
let dir = '';

function sh(args: string[], ns?: string): void {
  const full = ns ? ['netns', 'exec', ns, ...args] : args;
  const r = spawnSync(ns ? 'ip' : args[0]!, ns ? full : args.slice(1), { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`${full.join(' ')}: ${r.stderr}${r.error ?? ''}`);
}

function out(args: string[], ns: string): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8', timeout: 10_000 });
  return r.stdout;
}

before(() => {
  if (!usable) return;
  dir = mkdtempSync(join(tmpdir(), `kts-wire-${process.pid}-`));
  sh(['ip', 'netns', 'add', NS_A]);
  sh(['ip', 'netns', 'add', NS_B]);
  for (const ns of [NS_A, NS_B]) {
    // No DAD: keepalived needs its link-local address usable at once.
    sh(['sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'], ns);
    sh(['ip', 'link', 'set', 'lo', 'up'], ns);
  }
  sh(['ip', 'link', 'add', 'va', 'netns', NS_A, 'address', '02:99:00:00:00:11', 'type', 'veth',
    'peer', 'name', 'vb', 'netns', NS_B, 'address', '02:99:00:00:00:12']);
  sh(['ip', 'addr', 'add', '10.99.0.11/24', 'dev', 'va'], NS_A);
  sh(['ip', 'addr', 'add', '10.99.0.12/24', 'dev', 'vb'], NS_B);
  sh(['ip', '-6', 'addr', 'add', '2001:db8::12/64', 'dev', 'vb', 'nodad'], NS_B);
  sh(['ip', 'link', 'set', 'va', 'up'], NS_A);
  sh(['ip', 'link', 'set', 'vb', 'up'], NS_B);
  ready = true;
});

after(() => {
  // Deleting a namespace deletes the veth pair with it.
  for (const ns of [NS_A, NS_B]) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function canRun(t: TestContext): boolean {
  return need(t, usable && ready, 'root, keepalived, python3 and iproute2 (network namespaces)');
}

const SEND_PY = [
  'import socket, sys, time',
  'ifname, interval, rounds = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])',
  'frames = [bytes.fromhex(h) for h in sys.argv[4:]]',
  's = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)',
  's.bind((ifname, 0))',
  'for i in range(rounds):',
  '    for f in frames: s.send(f)',
  '    time.sleep(interval)',
].join('\n');

/** Sends the frames from A, `rounds` times, `intervalS` apart (blocking, bounded). */
function sendFromA(frames: Uint8Array[], intervalS: number, rounds: number): void {
  const hex = frames.map((f) => Buffer.from(f).toString('hex'));
  const r = spawnSync('ip', ['netns', 'exec', NS_A, 'python3', '-c', SEND_PY, 'va', String(intervalS), String(rounds), ...hex],
    { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`sending frames: ${r.stderr}${r.error ?? ''}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

interface Keepalived { proc: ChildProcess; log: () => string }

async function startKeepalived(name: string, instance: string): Promise<Keepalived> {
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, `global_defs {\n  router_id ${name}\n}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface vb\n  virtual_router_id 51\n  priority 100\n${instance}\n}\n`);
  const proc = spawn('ip', ['netns', 'exec', NS_B, 'keepalived', '-f', conf, '-P', '-l', '-D', '-n', '-G',
    '-p', join(dir, `${name}.pid`), '-r', join(dir, `${name}.vrrp.pid`)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  proc.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { text += d.toString(); });
  const k = { proc, log: () => text };
  await waitFor(k, /Entering BACKUP STATE/, 10_000);
  return k;
}

async function waitFor(k: Keepalived, re: RegExp, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (re.test(k.log())) return true;
    if (k.proc.exitCode !== null) throw new Error(`keepalived exited:\n${k.log()}`);
    await sleep(50);
  }
  return re.test(k.log());
}

async function stopKeepalived(k: Keepalived): Promise<void> {
  if (k.proc.exitCode !== null || k.proc.pid === undefined) return;
  const exited = new Promise<void>((res) => k.proc.once('exit', () => res()));
  k.proc.kill('SIGTERM');
  const timer = setTimeout(() => k.proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function advert4(version: 2 | 3, p: Partial<Advert> = {}): Advert {
  return { version, family: 4, vrid: 51, priority: 200, advertIntervalCs: version === 2 ? 100 : 10, authType: 0,
    authData: new Uint8Array(0), addresses: [ip('10.99.0.200')], checksum: 0, ...p };
}

let ipId = 0;
function frame4(a: Advert, ctx: AdvertContext, dstMac: MacAddress, corrupt = false): Uint8Array {
  const payload = encodeAdvert(a, ctx);
  if (corrupt) payload[7]! ^= 0x01;
  const pkt = encodeIpv4Packet({ src: ctx.src, dst: ctx.dst, id: ++ipId & 0xffff, payload });
  return encodeEthernetFrame({ dst: dstMac, src: MAC_A, etherType: ETHERTYPE_IPV4, payload: pkt });
}

test('keepalived 2.2.7 accepts our VRRPv2 PASS adverts, and rejects a wrong password and a bad checksum', async (t) => {
  if (!canRun(t)) return;
  const k = await startKeepalived('v2', '  advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass secret12\n  }\n  virtual_ipaddress {\n    10.99.0.200/24\n  }');
  try {
    const ctx = { src: A4, dst: GROUP4 };
    const good = advert4(2, { authType: 1, authData: passAuthData('secret12') });
    // 4.5 s > master-down 3.6 s: without our adverts it would have become MASTER.
    sendFromA([frame4(good, ctx, multicastMac(GROUP4))], 0.5, 9);
    assert.doesNotMatch(k.log(), /Entering MASTER STATE|[Ii]nvalid|mismatch/, k.log());
    sendFromA([frame4({ ...good, authData: passAuthData('secret13') }, ctx, multicastMac(GROUP4))], 0, 1);
    assert.ok(await waitFor(k, /received an invalid passwd/, 2_000), k.log());
    sendFromA([frame4(good, ctx, multicastMac(GROUP4), true)], 0, 1);
    assert.ok(await waitFor(k, /Invalid VRRPv2 checksum/, 2_000), k.log());
  } finally {
    await stopKeepalived(k);
  }
});

test('keepalived 2.2.7 accepts our VRRPv3 IPv4 multicast adverts (pseudo-header), rejects the v3_checksum_as_v2 form', async (t) => {
  if (!canRun(t)) return;
  const k = await startKeepalived('v3mc', '  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    10.99.0.200/24\n  }');
  try {
    const ctx = { src: A4, dst: GROUP4 };
    sendFromA([frame4(advert4(3), ctx, multicastMac(GROUP4))], 0.05, 30); // 1.5 s >> 0.36 s master-down
    assert.doesNotMatch(k.log(), /Entering MASTER STATE|[Ii]nvalid/, k.log());
    sendFromA([frame4(advert4(3), { ...ctx, v3ChecksumAsV2: true }, multicastMac(GROUP4))], 0, 1);
    assert.ok(await waitFor(k, /Invalid VRRPv3 checksum/, 2_000), k.log());
  } finally {
    await stopKeepalived(k);
  }
});

test('keepalived 2.2.7 unicast: accepts our v3 checksum with the peer in the pseudo-header, auto-detects the old one', async (t) => {
  if (!canRun(t)) return;
  const k = await startKeepalived('v3uc',
    '  version 3\n  advert_int 0.1\n  unicast_src_ip 10.99.0.12\n  unicast_peer {\n    10.99.0.11\n  }\n  virtual_ipaddress {\n    10.99.0.200/24\n  }');
  try {
    const ctx = { src: A4, dst: B4 };
    sendFromA([frame4(advert4(3), ctx, MAC_B)], 0.05, 30);
    assert.doesNotMatch(k.log(), /Entering MASTER STATE|[Ii]nvalid|old version/, k.log());
    sendFromA([frame4(advert4(3), { ...ctx, oldUnicastChecksum: 'always' }, MAC_B)], 0, 1);
    assert.ok(await waitFor(k, /Setting unicast VRRPv3 checksum to old version/, 2_000), k.log());
  } finally {
    await stopKeepalived(k);
  }
});

test('keepalived 2.2.7 over IPv6: the kernel passes our pseudo-header checksum, and drops a corrupted one', async (t) => {
  if (!canRun(t)) return;
  const k = await startKeepalived('v3v6', '  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    2001:db8::200/64\n  }');
  try {
    const ctx = { src: A6, dst: GROUP6 };
    const a: Advert = { version: 3, family: 6, vrid: 51, priority: 200, advertIntervalCs: 10, authType: 0,
      authData: new Uint8Array(0), addresses: [ip('2001:db8::200')], checksum: 0 };
    const frame = (corrupt: boolean): Uint8Array => {
      const payload = encodeAdvert(a, ctx);
      if (corrupt) payload[7]! ^= 0x01;
      const pkt = encodeIpv6Packet({ src: ctx.src, dst: ctx.dst, payload });
      return encodeEthernetFrame({ dst: multicastMac(GROUP6), src: MAC_A, etherType: ETHERTYPE_IPV6, payload: pkt });
    };
    sendFromA([frame(false)], 0.05, 30);
    assert.doesNotMatch(k.log(), /Entering MASTER STATE|[Ii]nvalid/, k.log());
    // Corrupted: dropped before keepalived sees it, so its master-down timer runs out.
    sendFromA([frame(true)], 0.05, 20);
    assert.ok(await waitFor(k, /Entering MASTER STATE/, 2_000), k.log());
  } finally {
    await stopKeepalived(k);
  }
});

test('the kernel takes our gratuitous ARP and unsolicited NA: stale neighbour entries now point at our MAC', (t) => {
  if (!canRun(t)) return;
  sh(['ip', 'neigh', 'replace', '10.99.0.200', 'lladdr', '02:00:00:00:00:99', 'dev', 'vb', 'nud', 'stale'], NS_B);
  sh(['ip', '-6', 'neigh', 'replace', '2001:db8::200', 'lladdr', '02:00:00:00:00:99', 'dev', 'vb', 'nud', 'stale'], NS_B);
  sendFromA([encodeGratuitousArp(MAC_A, ip('10.99.0.200')), encodeUnsolicitedNa(MAC_A, ip('2001:db8::200'))], 0, 1);
  let v4 = '';
  let v6 = '';
  for (let i = 0; i < 40; i++) {
    v4 = out(['ip', 'neigh', 'show', '10.99.0.200', 'dev', 'vb'], NS_B);
    v6 = out(['ip', '-6', 'neigh', 'show', '2001:db8::200', 'dev', 'vb'], NS_B);
    if (v4.includes('02:99:00:00:00:11') && v6.includes('02:99:00:00:00:11')) break;
    spawnSync('sleep', ['0.05']);
  }
  assert.match(v4, /lladdr 02:99:00:00:00:11/, `ARP entry: ${v4}`);
  assert.match(v6, /lladdr 02:99:00:00:00:11/, `NDP entry: ${v6}`);
  // Negative control: an NA whose checksum is off by one is dropped by the kernel.
  sh(['ip', '-6', 'neigh', 'replace', '2001:db8::201', 'lladdr', '02:00:00:00:00:99', 'dev', 'vb', 'nud', 'stale'], NS_B);
  const bad = encodeUnsolicitedNa(MAC_A, ip('2001:db8::201'));
  bad[14 + 40 + 3]! ^= 0x01;
  sendFromA([bad], 0, 1);
  spawnSync('sleep', ['0.3']);
  assert.match(out(['ip', '-6', 'neigh', 'show', '2001:db8::201', 'dev', 'vb'], NS_B), /lladdr 02:00:00:00:00:99/);
});
