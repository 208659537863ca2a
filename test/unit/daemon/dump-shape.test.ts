// The three signal dumps against the files keepalived 2.2.7 itself wrote for the same
// configuration (test/fixtures/dumps/, see its README): the same configuration file is read by
// our loader, run by a real Director (fake ports, a hand-driven clock) into the same states as
// keepalived was (fixture-view.ts), and our dumps are compared with keepalived's: stats line for
// line, JSON key for key with equal values wherever the value follows from configuration and
// state, the text dump line for line in every section we write.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonView } from '../../../src/daemon/daemon-view.ts';
import { dumpStats } from '../../../src/daemon/dump-stats.ts';
import { dumpJson } from '../../../src/daemon/dump-json.ts';
import { dumpData, keepalivedTime } from '../../../src/daemon/dump-data.ts';
import { fixture, fixtureView, ipv6FixtureView, notifyFixtureView } from '../../fixtures/dumps/fixture-view.ts';

test('the rig reaches the states keepalived was in when it wrote the fixtures', async () => {
  const { director } = await fixtureView();
  assert.deepEqual(director.instances.map((i) => [i.name, i.state]), [['VI_1', 'MASTER'], ['VI_2', 'MASTER'], ['VI_3', 'BACKUP']]);
});

test('stats: keepalived 2.2.7 lines, in its order, with our counters', async () => {
  const { view, director, advertsToVi3 } = await fixtureView();
  const ours = dumpStats(view);
  const theirs = fixture('keepalived-2.2.7.stats');
  const shape = (t: string): string[] => t.split('\n').map((l) => l.replace(/: \d+$/, ': N'));
  assert.deepEqual(shape(ours), shape(theirs));
  assert.ok(ours.endsWith('\n') && theirs.endsWith('\n'));
  // The numbers are the instances' own counters.
  const vi3 = ours.split('VRRP Instance: VI_3\n')[1]!.split('\n');
  assert.equal(vi3[1], `    Received: ${advertsToVi3}`);
  assert.equal(vi3[2], '    Sent: 0');
  const vi1 = director.instance('VI_1')!;
  assert.ok(vi1.stats.advertsSent > 0);
  assert.match(ours, new RegExp(`VRRP Instance: VI_1\\n  Advertisements:\\n    Received: 0\\n    Sent: ${vi1.stats.advertsSent}\\n  Became master: 1\\n`));
});

test('stats: a rejected advert lands in keepalived\'s line for it', async () => {
  const { view, director } = await fixtureView();
  director.instance('VI_1')!.stats.rejected.authFailure = 3;
  director.instance('VI_1')!.stats.rejected.ttl = 2;
  const vi1 = dumpStats(view).split('VRRP Instance: VI_2')[0]!;
  assert.match(vi1, /Packet Errors:\n {4}Length: 0\n {4}TTL: 2\n/);
  assert.match(vi1, /Authentication Errors:\n {4}Invalid Type: 0\n {4}Type Mismatch: 0\n {4}Failure: 3\n/);
});

type Obj = Record<string, unknown>;

/** Keys in keepalived's order; values equal except those that depend on time or that we do not record. */
function compareJson(text: string, theirsText: string, notWritten: readonly string[] = []): Array<{ data: Obj; stats: Obj }> {
  // keepalived escapes "/" and ends with one newline.
  assert.ok(text.endsWith(']\n') && theirsText.endsWith(']\n'));
  assert.ok(!/[^\\]\//.test(text), 'every / is escaped');
  const ours = JSON.parse(text) as Array<{ data: Obj; stats: Obj }>;
  const theirs = JSON.parse(theirsText) as Array<{ data: Obj; stats: Obj }>;
  for (const t of theirs) for (const k of notWritten) delete t.data[k];
  assert.equal(ours.length, theirs.length);
  const VARYING = new Set(['last_transition', 'master_priority', 'track_script']);
  theirs.forEach((t, i) => {
    const o = ours[i]!;
    assert.deepEqual(Object.keys(o), Object.keys(t));
    assert.deepEqual(Object.keys(o.data), Object.keys(t.data), `data keys of ${String(t.data.iname)}`);
    assert.deepEqual(Object.keys(o.stats), Object.keys(t.stats));
    for (const k of Object.keys(t.data)) {
      if (!VARYING.has(k)) assert.deepEqual(o.data[k], t.data[k], `${String(t.data.iname)}.${k}`);
      assert.equal(typeof o.data[k], typeof t.data[k], `${String(t.data.iname)}.${k} type`);
    }
  });
  return ours;
}

test('json: keepalived 2.2.7 keys in its order; configuration and state values equal to its own', async () => {
  const { view, advertsToVi3 } = await fixtureView();
  const ours = compareJson(dumpJson(view), fixture('keepalived-2.2.7.json'));
  // keepalived resolved /bin/true to /usr/bin/true; we print the command as configured.
  assert.deepEqual(ours[2]!.data.track_script, ["'/bin/true'"]);
  assert.equal(ours[2]!.stats.advert_rcvd, advertsToVi3);
  const lt = ours[0]!.data.last_transition as number;
  assert.ok(Math.abs(lt * 1000 - Date.now()) < 60_000, 'last_transition is wall-clock seconds');
});

test('json, IPv6 VRRPv3 at 0.5 s: keepalived 2.2.7 keys and values (lifetimes on the VIPs, fractional intervals)', async () => {
  const { view } = await ipv6FixtureView();
  const ours = compareJson(dumpJson(view), fixture('keepalived-2.2.7-ipv6.json'));
  assert.deepEqual(ours[0]!.data.vips, ['2001:db8:77::100/64 dev ka0 scope global preferred_lft forever set', '2001:db8:77::101 dev ka0 scope global deprecated set']);
});

test('stats, IPv6: the same lines', async () => {
  const { view } = await ipv6FixtureView();
  const shape = (t: string): string[] => t.split('\n').map((l) => l.replace(/: \d+$/, ': N'));
  assert.deepEqual(shape(dumpStats(view)), shape(fixture('keepalived-2.2.7-ipv6.stats')));
});

/** Sections of a data dump: header -> lines. */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] = [];
  for (const line of text.split('\n')) {
    const h = /^------< (.*) >------$/.exec(line);
    if (h) out.set(h[1]!, (cur = []));
    else if (line !== '') cur.push(line);
  }
  return out;
}

// keepalived's lines about its own process we leave out, each said in dump-data.ts.
const OMITTED_LINE = [/^ nftables /, /^ libnftnl version/, /^ {3}Read timeout = /, /^ {3}fd_in \d+, fd_out \d+$/];
const OMITTED_SECTIONS = ['VRRP Sockpool', 'Interfaces'];

function normalise(line: string): string {
  return line
    .replace(/^( {3}Last transition = ).*$/, '$1T')
    .replace(/^( {3}Master priority = )\d+$/, '$1P')
    // keepalived resolves a script's path (/bin is a link to /usr/bin on Debian 12).
    .replaceAll("'/usr/bin/", "'/bin/");
}

function compareData(ours: string, theirs: string, fix: (line: string) => string = (l) => l): void {
  const o = sections(ours);
  const t = sections(theirs);
  for (const [k, v] of t) t.set(k, v.map(fix));
  assert.deepEqual([...o.keys()], [...t.keys()].filter((k) => !OMITTED_SECTIONS.includes(k)));
  for (const [name, lines] of o) {
    const expected = t.get(name)!.filter((l) => !OMITTED_LINE.some((re) => re.test(l))).map(normalise);
    if (name === 'VRRP Topology') {
      // keepalived's "Virtual Routes :" block is not reproduced (dump-data.ts).
      const at = expected.indexOf('   Virtual Routes :');
      if (at >= 0) expected.splice(at, 1 + expected.slice(at + 1).findIndex((l) => !l.startsWith('     ')));
    }
    assert.deepEqual(lines.map(normalise), expected, `section ${name}`);
  }
  assert.match(ours, /^ {3}Last transition = \d+\.\d{6} \(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{6} \d{4}\)$/m);
}

test('data: keepalived 2.2.7 section headers, and its lines in every section we write', async () => {
  const { view } = await fixtureView();
  compareData(dumpData(view, { hostname: 'unused', uidGid: (u) => (u.user === 'root' ? '0:0' : undefined) }), fixture('keepalived-2.2.7.data'));
});

test('data, IPv6: "Using Native IPv6", the group with its ifindex, VIP lifetimes', async () => {
  const { view } = await ipv6FixtureView();
  // ka0 had index 3 in keepalived's namespace (lo 1, ka0p 2).
  compareData(dumpData(view, { hostname: 'unused', ifindex: (n) => (n === 'ka0' ? 3 : undefined) }), fixture('keepalived-2.2.7-ipv6.data'));
});

test('data, notify scripts and options, BACKUP: keepalived 2.2.7\'s lines', async () => {
  const { view, director } = await notifyFixtureView();
  assert.equal(director.instances[0]!.state, 'BACKUP');
  // keepalived prints junk for the master of a BACKUP that has heard nobody (ff02::12 here);
  // we print the unspecified address.
  compareData(dumpData(view, { hostname: 'unused', uidGid: (u) => (u.user === 'root' ? '0:0' : undefined) }), fixture('keepalived-2.2.7-notify.data'),
    (l) => l.replace('   Master router = ff02::12', '   Master router = 0.0.0.0'));
});

test('json, notify scripts and options: keepalived 2.2.7 keys and values (vroutes not written yet)', async () => {
  const { view } = await notifyFixtureView();
  const text = dumpJson(view).replaceAll("'\\/bin\\/", "'\\/usr\\/bin\\/");
  const ours = compareJson(text, fixture('keepalived-2.2.7-notify.json'), ['vroutes']);
  assert.equal(ours[0]!.data.script_master, "'/usr/bin/echo' 'master'");
});

test('data: keepalived\'s timestamp format', () => {
  // 1795270630.852631 is the fixture's own VI_1 transition; the clock text is local time.
  const s = keepalivedTime(1795270630.852631);
  assert.match(s, /^1795270630\.852631 \(Sat Nov 2[01] \d\d:\d\d:10\.852631 2026\)$/);
  assert.match(keepalivedTime(1_700_000_000), /^1700000000\.000000 \(/);
});

test('data: a director with no VRRP writes nothing (keepalived writes this file from its VRRP process)', async () => {
  const { view } = await fixtureView();
  const none: DaemonView = { ...view, vrrp: () => undefined };
  assert.equal(dumpData(none, { hostname: 'h' }), '');
  assert.equal(dumpStats(none), '');
  assert.equal(dumpJson(none), '');
});
