// The IPVS table of `keepalived-ts status` against real `ipvsadm -Ln` output
// (test/fixtures/status/*.txt: ipvsadm 1.31 on an IPVS kernel, captured with
// /work/shared/tools/run-in-vm.sh; each file says how). The kernel's own order comes from the
// `--nosort` capture of the same table: read into rows, formatted by us, it must give ipvsadm's
// sorted text byte for byte -- layout, flags, persistence, masks, IPv6, fwmark, SCTP, and the
// order that libipvs's overflowing comparators produce under glibc's merge sort
// (200.0.0.1 before 10.0.0.1). With our health columns on, every line still starts with
// ipvsadm's line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SvcFlag } from '../../../src/ipvs/numbers.ts';
import { formatIpvsTable, formatStatus, glibcMergeSort, serviceLine } from '../../../src/cli/status-format.ts';
import type { DaemonStatus, IpvsDestRow, IpvsServiceRow } from '../../../src/daemon/status-model.ts';

const FIXTURES = new URL('../../fixtures/status/', import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

const FWD: Record<string, string> = { Masq: 'nat', Route: 'dr', Tunnel: 'tun', Local: 'local' };
const FLAG: Record<string, number> = {
  'flag-1': SvcFlag.SCHED1, 'sh-fallback': SvcFlag.SCHED1, 'mh-fallback': SvcFlag.SCHED1,
  'flag-2': SvcFlag.SCHED2, 'sh-port': SvcFlag.SCHED2, 'mh-port': SvcFlag.SCHED2, 'flag-3': SvcFlag.SCHED3,
};

function maskOf(text: string, family: 4 | 6): number {
  if (family === 6) return Number(text);
  return text.split('.').reduce((m, o) => ((m << 8) | Number(o)) >>> 0, 0);
}

/** ipvsadm -Ln text -> the rows the status model would hold for that kernel table, in text order. */
function parseIpvsadm(text: string): IpvsServiceRow[] {
  const rows: { row: IpvsServiceRow; dests: IpvsDestRow[] }[] = [];
  for (const line of text.split('\n').slice(3)) {
    if (line === '') continue;
    const d = /^ {2}-> (\S+) +(\S+) +(\d+) +(\d+) +(\d+) +$/.exec(line);
    if (d) {
      const [, hp, fwd, weight] = d;
      const m = /^\[?(.*?)\]?:(\d+)$/.exec(hp!)!;
      rows.at(-1)!.dests.push({
        address: m[1]!, port: Number(m[2]), fwd: FWD[fwd!]!, weight: Number(weight), uThreshold: 0, lThreshold: 0,
        health: null, reason: null, changedAtMs: null,
      });
      continue;
    }
    const s = /^(?:(TCP|UDP|SCTP) +(\S+)|FWM {2}(\d+)( IPv6)?) (\S+)(?: \(([^)]*)\))?(?: persistent (\d+))?(?: mask (\S+))?( ops)?$/.exec(line);
    if (!s) assert.fail(`unparsed line ${JSON.stringify(line)}`);
    const [, proto, hp, fwmark, v6, sched, flagNames, persistent, mask, ops] = s;
    let family: 4 | 6 = v6 ? 6 : 4;
    let address: string | null = null;
    let port = 0;
    if (hp) {
      const m = /^\[?(.*?)\]?:(\d+)$/.exec(hp)!;
      address = m[1]!;
      port = Number(m[2]);
      family = address.includes(':') ? 6 : 4;
    }
    let flags = 0;
    for (const f of flagNames?.split(',') ?? []) flags |= FLAG[f]!;
    if (persistent) flags |= SvcFlag.PERSISTENT;
    if (ops) flags |= SvcFlag.ONEPACKET;
    const row: IpvsServiceRow = {
      id: line, family, protocol: proto ? proto.toLowerCase() : null, address, port, fwmark: fwmark ? Number(fwmark) : 0,
      scheduler: sched!, flags, timeoutS: persistent ? Number(persistent) : 0,
      netmask: mask ? maskOf(mask, family) : family === 4 ? 0xffffffff : 128, dests: [],
    };
    rows.push({ row, dests: row.dests as IpvsDestRow[] });
  }
  return rows.map((r) => r.row);
}

for (const name of ['a', 'b']) {
  test(`fixture ${name}: the kernel's order (--nosort) formatted by us is ipvsadm -Ln byte for byte`, () => {
    const sorted = fixture(`ipvsadm-Ln-${name}.txt`);
    const unsorted = fixture(`ipvsadm-Ln-${name}-nosort.txt`);
    const rows = parseIpvsadm(unsorted);
    assert.ok(rows.length >= 7, `${rows.length} services`);
    const versionLine = sorted.split('\n')[0]!;
    assert.equal(formatIpvsTable(rows, { extras: false, versionLine }), sorted);
    // The order is ours to compute: reversing the input must not change a consistent order...
    if (name === 'a') assert.equal(formatIpvsTable([...rows].reverse(), { extras: false, versionLine }), sorted);
  });
}

test('an empty table is the three header lines, as ipvsadm -C; ipvsadm -Ln prints', () => {
  const text = fixture('ipvsadm-Ln-empty.txt');
  assert.equal(formatIpvsTable([], { extras: false, versionLine: text.split('\n')[0]! }), text);
});

test('with health columns every line starts with the ipvsadm line; the reason and its age follow', () => {
  const sorted = fixture('ipvsadm-Ln-a.txt');
  const rows = parseIpvsadm(fixture('ipvsadm-Ln-a-nosort.txt')).map((r) => ({
    ...r,
    dests: r.dests.map((d, i) => ({ ...d, health: i % 2 === 0 ? 'up' as const : 'down' as const, reason: i % 2 ? 'connection refused' : 'connected', changedAtMs: 1_000_000 })),
  }));
  const out = formatIpvsTable(rows, { extras: true, versionLine: sorted.split('\n')[0]!, nowMs: 1_000_000 + 75_000 }).split('\n');
  const want = sorted.split('\n');
  assert.equal(out.length, want.length);
  out.forEach((line, i) => assert.ok(line.startsWith(want[i]!), `line ${i}: ${JSON.stringify(line)} extends ${JSON.stringify(want[i])}`));
  assert.match(out[2]!, /InActConn +Health +Last change$/);
  assert.ok(out.some((l) => / up +1m15s ago: connected$/.test(l)));
  assert.ok(out.some((l) => / down +1m15s ago: connection refused$/.test(l)));
});

test('sh and mh show their two named flags only (flag-3 hidden, as ipvsadm 1.31 prints "sh (sh-fallback)")', () => {
  const base: IpvsServiceRow = {
    id: 'x', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80, fwmark: 0, scheduler: 'sh',
    flags: SvcFlag.SCHED1 | SvcFlag.SCHED3, timeoutS: 0, netmask: 0xffffffff, dests: [],
  };
  assert.equal(serviceLine(base), 'TCP  10.0.0.1:80 sh (sh-fallback)');
  assert.equal(serviceLine({ ...base, scheduler: 'rr' }), 'TCP  10.0.0.1:80 rr (flag-1,flag-3)');
});

test('glibc merge sort: stable, left half first, as qsort in glibc 2.36', () => {
  const cmp = (a: { k: number }, b: { k: number }) => a.k - b.k;
  const items = [3, 1, 2, 1, 3, 0].map((k, i) => ({ k, i }));
  assert.deepEqual(glibcMergeSort(items, cmp).map((x) => x.i), [5, 1, 3, 2, 0, 4]);
});

test('the report names the master, the VIPs held and why the priority differs', () => {
  const s: DaemonStatus = {
    format: 1,
    daemon: { pid: 42, version: '0.1.0', configFile: '/etc/keepalived/keepalived.conf', startedAtMs: 0, nowMs: 90_000 },
    vrrp: {
      instances: [{
        name: 'VI_1', vrid: 51, interface: 'eth0', family: 4, version: 2, state: 'BACKUP', configuredPriority: 150,
        effectivePriority: 90, owner: false, unclampedPriority: 90, explained: true, faultReasons: [], syncFault: false,
        trackers: [{ kind: 'track_script', name: 'chk_db', weight: -60, reverse: false, state: 'failed', delta: -60, faults: false }],
        address: '10.0.0.11', master: { address: '10.0.0.12', self: false },
        vips: [{ address: '10.0.0.200/24', interface: 'eth0', excluded: false }], vipsHeld: false,
        lastTransition: { atMs: 30_000, from: 'MASTER', to: 'BACKUP', cause: 'higher priority advert from 10.0.0.12 (priority 100, ours 90)' },
        transitions: 3,
        adverts: { sent: 10, received: 20, priorityZeroSent: 0, priorityZeroReceived: 0, becameMaster: 1, releasedMaster: 1, lowerPriorityDiscarded: 0, rejected: {} },
        nopreempt: false, preemptDelayS: 0, advertIntervalS: 1, unicastPeers: [],
      }],
      syncGroups: [],
      scripts: [{ name: 'chk_db', command: '/bin/false', status: 'failed', changedAtMs: 29_000, intervalS: 1, rise: 1, fall: 1, users: [{ instance: 'VI_1', weight: -60 }] }],
    },
    lvs: null,
  };
  const text = formatStatus(s);
  assert.match(text, /VI_1: BACKUP/);
  assert.match(text, /priority +90 \(configured 150: track_script chk_db failed -60\)/);
  assert.match(text, /master +10\.0\.0\.12\n/);
  assert.match(text, /VIPs +10\.0\.0\.200\/24 dev eth0: not held/);
  assert.match(text, /last transition +MASTER -> BACKUP 1m0s ago: higher priority advert/);
  assert.match(text, /vrrp_script chk_db: failed since 1m1s ago/);
  assert.match(text, /LVS: not running/);
});
