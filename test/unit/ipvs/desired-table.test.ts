import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, formatIp, type IpAddress } from '../../../src/base/ip.ts';
import {
  desiredTable, type DesiredResult, type RealServerSpec, type VirtualServerSpec, type VsQuorumState,
} from '../../../src/ipvs/desired-table.ts';
import { parseAddressRange, expandRange } from '../../../src/ipvs/address-range.ts';
import { SvcFlag } from '../../../src/ipvs/numbers.ts';

const ip = (s: string): IpAddress => parseIp(s)!;
const rs = (a: string, health: RealServerSpec['health'], weight = 1, extra: Partial<RealServerSpec> = {}): RealServerSpec =>
  ({ addr: ip(a), port: 80, weight, health, ...extra });

function weights(r: DesiredResult, svc = 'tcp:10.0.0.1:80'): Record<string, number> {
  const e = r.table.get(svc);
  assert.ok(e, `service ${svc} present`);
  return Object.fromEntries([...e.dests].map(([id, d]) => [id, d.attrs.weight]));
}

const base: VirtualServerSpec = {
  id: 'vs1', target: { kind: 'addr', addr: ip('10.0.0.1'), port: 80 }, scheduler: 'wrr', realServers: [],
};

test('alive servers are in, dead ones out; inhibit_on_failure keeps them at weight 0', () => {
  const vs = { ...base, realServers: [rs('192.168.1.1', 'up', 3), rs('192.168.1.2', 'down', 3), rs('192.168.1.3', 'down', 2, { inhibitOnFailure: true })] };
  const r = desiredTable({ virtualServers: [vs], state: new Map() });
  assert.deepEqual(weights(r), { '192.168.1.1:80': 3, '192.168.1.3:80': 0 });
  const s = r.table.get('tcp:10.0.0.1:80')!.service;
  assert.equal(s.attrs.scheduler, 'wrr');
  assert.equal(s.attrs.netmask, 0xffffffff);
  // keepalived starts with quorum down and reports "Gained quorum" (quorum_up) at start-up.
  assert.deepEqual(r.actions, [{ kind: 'quorum-script', vs: 'vs1', transition: 'up', script: undefined }]);
});

test('effective weights are clamped to what IPVS accepts (0..INT32_MAX)', () => {
  const r = desiredTable({ virtualServers: [{ ...base, realServers: [rs('192.168.1.1', 'up', -5), rs('192.168.1.2', 'up', 2 ** 40), rs('192.168.1.3', 'up', 3)] }], state: new Map() });
  assert.deepEqual(weights(r), { '192.168.1.1:80': 0, '192.168.1.2:80': 0x7fffffff, '192.168.1.3:80': 3 });
});

test('unknown health: up without alpha, down with alpha (VS or per-RS)', () => {
  const servers = [rs('192.168.1.1', 'unknown'), rs('192.168.1.2', 'unknown', 1, { alpha: true })];
  const r1 = desiredTable({ virtualServers: [{ ...base, realServers: servers }], state: new Map() });
  assert.deepEqual(Object.keys(weights(r1)), ['192.168.1.1:80']);
  const r2 = desiredTable({ virtualServers: [{ ...base, alpha: true, realServers: servers }], state: new Map() });
  assert.deepEqual(weights(r2), {});
});

test('quorum with hysteresis: lost below quorum-h, regained at quorum+h, scripts as actions; sorry server swaps in', () => {
  const vs = (h: RealServerSpec['health'][]): VirtualServerSpec => ({
    ...base, quorum: 4, hysteresis: 1, quorumUpScript: '/bin/up', quorumDownScript: '/bin/down',
    sorryServer: { addr: ip('192.168.9.9'), port: 8080 },
    realServers: h.map((x, i) => rs(`192.168.1.${i + 1}`, x, 2)),
  });
  let state: ReadonlyMap<string, VsQuorumState> = new Map();
  const step = (h: RealServerSpec['health'][]) => {
    const r = desiredTable({ virtualServers: [vs(h)], state });
    state = r.state;
    return r;
  };
  let r = step(['up', 'up', 'up']); // start: 6 >= 4+1, gained
  assert.deepEqual(r.actions, [{ kind: 'quorum-script', vs: 'vs1', transition: 'up', script: '/bin/up' }]);
  r = step(['up', 'up', 'up']);
  assert.deepEqual(r.actions, []);
  assert.equal(Object.keys(weights(r)).length, 3);
  r = step(['up', 'up', 'down']); // 4 >= 3: still up
  assert.deepEqual(r.actions, []);
  r = step(['up', 'down', 'down']); // 2 < 3: lost
  assert.deepEqual(r.actions, [{ kind: 'quorum-script', vs: 'vs1', transition: 'down', script: '/bin/down' }]);
  assert.deepEqual(weights(r), { '192.168.9.9:8080': 1 });
  r = step(['up', 'up', 'down']); // 4 < 4+1: still down (hysteresis)
  assert.deepEqual(r.actions, []);
  assert.deepEqual(weights(r), { '192.168.9.9:8080': 1 });
  r = step(['up', 'up', 'up']); // 6 >= 5: gained
  assert.deepEqual(r.actions, [{ kind: 'quorum-script', vs: 'vs1', transition: 'up', script: '/bin/up' }]);
  assert.deepEqual(Object.keys(weights(r)).sort(), ['192.168.1.1:80', '192.168.1.2:80', '192.168.1.3:80']);
});

test('sorry_server_inhibit keeps the sorry server at weight 0 from start-up; inhibited RSs go to 0 under quorum loss', () => {
  const vs = (h: RealServerSpec['health']): VirtualServerSpec => ({
    ...base, inhibitOnFailure: true, sorryServer: { addr: ip('192.168.9.9'), inhibit: true, lvsMethod: { fwd: 'dr' } },
    realServers: [rs('192.168.1.1', h, 5)],
  });
  const r0 = desiredTable({ virtualServers: [vs('up')], state: new Map() });
  assert.deepEqual(weights(r0), { '192.168.1.1:80': 5, '192.168.9.9:80': 0 });
  const r1 = desiredTable({ virtualServers: [vs('down')], state: r0.state });
  assert.deepEqual(weights(r1), { '192.168.1.1:80': 0, '192.168.9.9:80': 1 });
  assert.equal(r1.table.get('tcp:10.0.0.1:80')!.dests.get('192.168.9.9:80')!.attrs.fwd, 'dr');
  const r2 = desiredTable({ virtualServers: [vs('up')], state: r1.state });
  assert.deepEqual(weights(r2), { '192.168.1.1:80': 5, '192.168.9.9:80': 0 });
});

test('alpha at start-up with a sorry server starts with quorum down and the sorry server in', () => {
  const vs: VirtualServerSpec = { ...base, alpha: true, sorryServer: { addr: ip('192.168.9.9'), port: 80 }, realServers: [rs('192.168.1.1', 'unknown')] };
  const r = desiredTable({ virtualServers: [vs], state: new Map() });
  assert.deepEqual(weights(r), { '192.168.9.9:80': 1 });
  assert.equal(r.actions[0]?.transition, 'down');
});

test('start-up without quorum: silent without a sorry server, reported with one; quorum capped at total weight', () => {
  const servers = [rs('192.168.1.1', 'up', 2), rs('192.168.1.2', 'down', 3)];
  const silent = desiredTable({ virtualServers: [{ ...base, quorum: 4, realServers: servers }], state: new Map() });
  assert.deepEqual(silent.actions, []);
  assert.deepEqual(weights(silent), { '192.168.1.1:80': 2 });
  const withSorry = desiredTable({ virtualServers: [{ ...base, quorum: 4, sorryServer: { addr: ip('10.9.9.9'), port: 8080, lvsMethod: { fwd: 'dr' } }, realServers: servers }], state: new Map() });
  assert.equal(withSorry.actions[0]?.transition, 'down');
  assert.deepEqual(weights(withSorry), { '10.9.9.9:80': 1 }); // DR sorry server takes the VS port
  // "quorum 10 exceeds total weight of real servers 5, reducing quorum to 5"
  const capped = desiredTable({ virtualServers: [{ ...base, quorum: 10, sorryServer: { addr: ip('10.9.9.9') }, realServers: [rs('192.168.1.1', 'up', 2), rs('192.168.1.2', 'up', 3)] }], state: new Map() });
  assert.equal(capped.actions[0]?.transition, 'up');
});

test('stopping: empty table; omega reports quorum down', () => {
  const vs: VirtualServerSpec = { ...base, omega: true, quorumDownScript: 'x', realServers: [rs('192.168.1.1', 'up')] };
  const r0 = desiredTable({ virtualServers: [vs], state: new Map() });
  const r = desiredTable({ virtualServers: [vs], state: r0.state, stopping: true });
  assert.equal(r.table.size, 0);
  assert.deepEqual(r.actions, [{ kind: 'quorum-script', vs: 'vs1', transition: 'down', script: 'x' }]);
  const noOmega = desiredTable({ virtualServers: [{ ...vs, omega: false }], state: r0.state, stopping: true });
  assert.deepEqual(noOmega.actions, []);
});

test('virtual_server_group: ranges and fwmarks expand into services sharing the dests', () => {
  const r = desiredTable({
    groups: [{ name: 'g', entries: [
      { kind: 'range', range: parseAddressRange('10.0.0.1-3')!, port: 443 },
      { kind: 'range', range: parseAddressRange('10.0.1.8/31')! },
      { kind: 'fwmark', fwmark: 9 },
    ] }],
    virtualServers: [{ id: 'g', target: { kind: 'group', group: 'g' }, protocol: 'udp', scheduler: 'sh',
      schedFlags: { flag1: true, flag2: true, ops: true }, persistenceTimeoutS: 600, persistenceGranularity: 0xffffff00,
      realServers: [rs('192.168.1.1', 'up', 1, { port: 443, lvsMethod: { fwd: 'tun', tunType: 'gue', tunPort: 6080, tunFlags: 1 } })] }],
    state: new Map(),
  });
  assert.deepEqual([...r.table.keys()], [
    'udp:10.0.0.1:443', 'udp:10.0.0.2:443', 'udp:10.0.0.3:443', 'udp:10.0.1.8:0', 'udp:10.0.1.9:0', 'fwmark:4:9',
  ]);
  const e = r.table.get('fwmark:4:9')!;
  assert.equal(e.service.attrs.flags, SvcFlag.PERSISTENT | SvcFlag.SCHED1 | SvcFlag.SCHED2 | SvcFlag.ONEPACKET);
  assert.equal(e.service.attrs.timeoutS, 600);
  // Tunnelled: the dest takes the service's port (0 on fwmark services).
  assert.deepEqual([...r.table.get('udp:10.0.0.1:443')!.dests.keys()], ['192.168.1.1:443']);
  assert.deepEqual([...r.table.get('udp:10.0.1.8:0')!.dests.keys()], ['192.168.1.1:0']);
  assert.deepEqual({ ...e.dests.get('192.168.1.1:0')!.attrs },
    { fwd: 'tun', weight: 1, uThreshold: 0, lThreshold: 0, tunType: 'gue', tunPort: 6080, tunFlags: 1 });
  const missing = desiredTable({ virtualServers: [{ id: 'x', target: { kind: 'group', group: 'nope' }, realServers: [] }], state: new Map() });
  assert.equal(missing.diagnostics[0]?.code, 'unknown-group');
});

test('fwmark service family follows its tunnelled IPv6 real servers; non-tunnelled mixed families are refused', () => {
  const r = desiredTable({ virtualServers: [{ id: 'f', target: { kind: 'fwmark', fwmark: 3 }, lvsMethod: { fwd: 'tun' },
    realServers: [rs('2001:db8::1', 'up')] }], state: new Map() });
  assert.deepEqual([...r.table.keys()], ['fwmark:6:3']);
  assert.equal(r.table.get('fwmark:6:3')!.service.attrs.netmask, 128);
  const bad = desiredTable({ virtualServers: [{ ...base, realServers: [rs('2001:db8::1', 'up')] }], state: new Map() });
  assert.equal(bad.diagnostics[0]?.code, 'family-mismatch');
});

test('address ranges parse as keepalived documents them', () => {
  const list = (t: string) => expandRange(parseAddressRange(t)!, 100)!.map(formatIp);
  assert.deepEqual(list('192.168.200.1-3'), ['192.168.200.1', '192.168.200.2', '192.168.200.3']);
  assert.deepEqual(list('192.168.200.255-192.168.201.1'), ['192.168.200.255', '192.168.201.0', '192.168.201.1']);
  assert.equal(list('192.168.202.8/29').length, 8);
  assert.deepEqual(list('2001:db8::a-c'), ['2001:db8::a', '2001:db8::b', '2001:db8::c']);
  assert.equal(parseAddressRange('10.0.0.5-4'), undefined);
  assert.equal(parseAddressRange('10.0.0.5-300'), undefined);
  assert.equal(parseAddressRange('nonsense'), undefined);
  assert.equal(expandRange(parseAddressRange('10.0.0.0/8')!, 65536), undefined);
});
