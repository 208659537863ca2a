// `keepalived-ts realserver` (the bundled executable) on a real server in a network namespace,
// with a second namespace on a veth as its LAN neighbour (the director's side), judged by what
// nobody here wrote: busybox arping from the neighbour (does the real server answer ARP for the
// VIP?), `sysctl -n` and `ip -j addr show dev lo` inside the namespace.
//  1. the ARP problem itself: VIP on lo by hand, sysctls at 0 -> the neighbour gets an ARP reply
//     for the VIP from the real server's MAC (a control address nobody holds gets none), and
//     still does with only the lo sysctls set (the `all` ones are what count);
//  2. check lists the four sysctls as missing (exit 1); apply sets them and adds the IPv6 VIP,
//     reporting each change and the IPv4 VIP as already there; check exits 0; a second apply
//     changes nothing; now the neighbour gets no reply for the VIP, but still one for the RIP;
//  3. remove of some VIPs keeps the sysctls while another VIP is on lo; removing the last puts
//     them back to 0; check then exits 1 listing every piece;
//  4. a bad VIP (exit 2, its position, a hint) and a non-root apply (exit 1, a hint): no stack.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { Netns, destroyAll, vethPair } from '../support/netns.ts';
import { REPO_ROOT } from '../support/paths.ts';

after(destroyAll);

const BIN = join(REPO_ROOT, 'bin/keepalived-ts');
const RIP = '10.97.0.2';
const VIP = '10.97.0.100';
const VIP2 = '10.97.0.101';
const VIP6 = '2001:db8:97::100';
const SYSCTLS = ['net.ipv4.conf.lo.arp_ignore', 'net.ipv4.conf.lo.arp_announce', 'net.ipv4.conf.all.arp_ignore', 'net.ipv4.conf.all.arp_announce'];

interface Run { status: number | null; stdout: string; stderr: string }
interface Step { kind: string; subject: string; status: string; before?: string; after?: string }

function cli(ns: Netns, ...args: string[]): Run {
  const r = spawnSync('ip', ['netns', 'exec', ns.name, BIN, 'realserver', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function report(r: Run): { ok: boolean; steps: Step[] } {
  assert.doesNotThrow(() => JSON.parse(r.stdout), `not JSON: ${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as { ok: boolean; steps: Step[] };
}

function sysctls(ns: Netns): number[] {
  return SYSCTLS.map((s) => Number(ns.exec('sysctl', '-n', s).trim()));
}

/** The addresses on lo as `ip -j` shows them: "addr/prefix" (and nodad for IPv6). */
function onLo(ns: Netns): { local: string; prefixlen: number; label?: string; nodad?: boolean }[] {
  const j = ns.ipJson('addr', 'show', 'dev', 'lo') as { addr_info?: { local: string; prefixlen: number; label?: string; nodad?: boolean }[] }[];
  return j.flatMap((x) => x.addr_info ?? []);
}

/** busybox arping from the neighbour: true when the real server answered for `target`. */
function arpAnswered(peer: Netns, target: string): boolean {
  const r = spawnSync('ip', ['netns', 'exec', peer.name, 'busybox', 'arping', '-c', '2', '-w', '2', '-I', 'eth0', target], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && new RegExp(`reply from ${target.replaceAll('.', '\\.')}`).test(r.stdout);
}

function noStack(r: Run): void {
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'a stack trace');
  assert.doesNotMatch(r.stderr, /internal error/);
}

test('realserver apply/check/remove in a namespace: ARP for the VIP stops, sysctls and lo as ip shows them', (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  if (!need(t, hasCommand('busybox'), 'busybox (package busybox-static) for arping')) return;
  const rs = Netns.create('rs');
  const peer = Netns.create('rsp');
  try {
    vethPair(rs, 'eth0', peer, 'eth0');
    rs.ip('addr', 'add', `${RIP}/24`, 'dev', 'eth0');
    peer.ip('addr', 'add', '10.97.0.1/24', 'dev', 'eth0');

    // 1. The ARP problem: the VIP on lo by hand, nothing else.
    rs.ip('addr', 'add', `${VIP}/32`, 'dev', 'lo');
    assert.deepEqual(sysctls(rs), [0, 0, 0, 0]);
    assert.equal(arpAnswered(peer, VIP), true, 'with the sysctls at 0 the real server answers ARP for the VIP on lo');
    assert.equal(arpAnswered(peer, '10.97.0.99'), false, 'control: nobody answers for an unused address');
    // Why `all` is set too: the kernel uses max(all, <in-device>), and requests come in on eth0.
    rs.exec('sysctl', '-qw', 'net.ipv4.conf.lo.arp_ignore=1', 'net.ipv4.conf.lo.arp_announce=2');
    assert.equal(arpAnswered(peer, VIP), true, 'the lo sysctls alone do not stop the reply');
    rs.exec('sysctl', '-qw', 'net.ipv4.conf.lo.arp_ignore=0', 'net.ipv4.conf.lo.arp_announce=0');

    // 2. check, apply, check, apply again.
    const before = cli(rs, 'check', VIP, VIP6, '--json');
    assert.equal(before.status, 1, before.stderr);
    const b = report(before);
    assert.equal(b.ok, false);
    assert.deepEqual(b.steps.filter((s) => s.status === 'missing').map((s) => s.subject), [...SYSCTLS, `${VIP6}/128 dev lo`]);
    assert.equal(b.steps.find((s) => s.subject === `${VIP}/32 dev lo`)?.status, 'ok');

    const applied = cli(rs, 'apply', VIP, VIP6, '--json');
    assert.equal(applied.status, 0, applied.stderr);
    const a = report(applied);
    assert.deepEqual(a.steps.map((s) => [s.subject, s.status, s.before, s.after]), [
      [SYSCTLS[0], 'changed', '0', '1'], [SYSCTLS[1], 'changed', '0', '2'],
      [SYSCTLS[2], 'changed', '0', '1'], [SYSCTLS[3], 'changed', '0', '2'],
      [`${VIP}/32 dev lo`, 'ok', 'present', undefined], [`${VIP6}/128 dev lo`, 'changed', 'absent', 'present'],
    ]);
    assert.deepEqual(sysctls(rs), [1, 2, 1, 2], 'sysctl -n inside the namespace');
    const lo = onLo(rs);
    assert.ok(lo.some((x) => x.local === VIP && x.prefixlen === 32));
    assert.ok(lo.some((x) => x.local === VIP6 && x.prefixlen === 128 && x.nodad === true), JSON.stringify(lo));
    const ok = cli(rs, 'check', VIP, VIP6);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /everything in place/);
    const again = report(cli(rs, 'apply', VIP, VIP6, '--json'));
    assert.deepEqual(again.steps.filter((s) => s.status !== 'ok'), [], 'a second apply changes nothing');

    assert.equal(arpAnswered(peer, VIP), false, 'after apply the real server no longer answers ARP for the VIP');
    assert.equal(arpAnswered(peer, RIP), true, 'but still for its own address on eth0');

    // 3. remove: the sysctls stay while another VIP is on lo, go back to 0 with the last one.
    const second = cli(rs, 'apply', VIP2);
    assert.equal(second.status, 0, second.stderr);
    assert.ok(onLo(rs).some((x) => x.local === VIP2 && x.prefixlen === 32 && x.label === 'lo:0'), 'lo:0 is free again for VIP2 (the hand-added VIP has no label)');
    const partial = cli(rs, 'remove', VIP, VIP6);
    assert.equal(partial.status, 0, partial.stderr);
    assert.match(partial.stdout, new RegExp(`kept .*still needed by ${VIP2.replaceAll('.', '\\.')}/32 on lo`));
    assert.deepEqual(sysctls(rs), [1, 2, 1, 2]);
    assert.deepEqual(onLo(rs).filter((x) => [VIP, VIP6, VIP2].includes(x.local)).map((x) => x.local), [VIP2]);
    const last = cli(rs, 'remove', VIP2);
    assert.equal(last.status, 0, last.stderr);
    assert.deepEqual(sysctls(rs), [0, 0, 0, 0], 'restored to 0 with the last VIP');
    assert.deepEqual(onLo(rs).filter((x) => x.local !== '127.0.0.1' && x.local !== '::1'), []);
    const gone = cli(rs, 'remove', VIP2);
    assert.equal(gone.status, 0, 'removing again is fine');

    const missing = cli(rs, 'check', VIP, VIP6);
    assert.equal(missing.status, 1);
    for (const piece of [...SYSCTLS, `${VIP}/32 dev lo`, `${VIP6}/128 dev lo`]) {
      assert.match(missing.stdout, new RegExp(`missing\\s+${piece.replaceAll('.', '\\.')}`), piece);
    }
    assert.match(missing.stdout, /6 pieces missing/);
  } finally {
    rs.destroy();
    peer.destroy();
  }
});

test('realserver: a bad VIP, an unknown action, no such device, not root: a sentence and a hint, no stack', (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  const rs = Netns.create('rse');
  try {
    const bad = cli(rs, 'apply', VIP, '10.97.0.x');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /'10\.97\.0\.x' is not an IP address \(argument 3\)/);
    assert.match(bad.stderr, /\n\s+\^{9}\n/, 'a caret under the bad argument');
    assert.match(bad.stderr, /hint: /);
    noStack(bad);
    const prefix = cli(rs, 'apply', `${VIP}/24`);
    assert.equal(prefix.status, 2);
    assert.match(prefix.stderr, /not \/24 \(argument 2\)/);
    const typo = cli(rs, 'aply', VIP);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /did you mean 'apply'\?/);
    const nodev = cli(rs, 'check', VIP, '--dev', 'nosuch0');
    assert.equal(nodev.status, 1);
    assert.match(nodev.stderr, /no interface 'nosuch0'/);
    noStack(nodev);
    assert.deepEqual(onLo(rs).filter((x) => x.local === VIP), [], 'nothing was added by the failed commands');

    if (!need(t, hasCommand('setpriv'), 'setpriv (util-linux) to run as nobody')) return;
    const r = spawnSync('ip', ['netns', 'exec', rs.name, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', BIN, 'realserver', 'apply', VIP],
      { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /needs root/);
    assert.match(r.stderr, /hint: sudo keepalived-ts realserver apply/);
    noStack({ status: r.status, stdout: r.stdout, stderr: r.stderr });
    // check needs no root
    const asNobody = spawnSync('ip', ['netns', 'exec', rs.name, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', BIN, 'realserver', 'check', VIP],
      { encoding: 'utf8', timeout: 20_000 });
    assert.equal(asNobody.status, 1, asNobody.stderr);
    assert.match(asNobody.stdout, /missing\s+10\.97\.0\.100\/32 dev lo/);
  } finally {
    rs.destroy();
  }
});
