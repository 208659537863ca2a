// The LVS half's USR1 dump (keepalived_check.data) against the file keepalived 2.2.7's checker
// process wrote for the same configuration in a kernel with IPVS (test/fixtures/dumps/README.md):
// same section headers, and line for line equal in the global, LVS topology and health checker
// sections once the states are the same (both real servers failed, quorum lost, the service
// still in the kernel).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpDataLvs } from '../../../src/daemon/dump-data-lvs.ts';
import { fixture, lvsFixtureView } from '../../fixtures/dumps/fixture-view.ts';

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

// keepalived's nftables build lines (we install no nftables rules), as in the VRRP dump.
const OMITTED_LINE = [/^ nftables /, /^ libnftnl version/];

test('check data: keepalived 2.2.7 sections and lines, with our health and checker states', async () => {
  const { view, lvs } = await lvsFixtureView();
  assert.deepEqual(lvs.spec.virtualServers[0]!.realServers.map((rs) => lvs.health(rs.checkKey)), ['down', 'down']);
  const ours = sections(dumpDataLvs(view, { hostname: 'unused', uidGid: () => '0:0' }));
  const theirs = sections(fixture('keepalived-2.2.7-check.data'));
  assert.deepEqual([...ours.keys()], [...theirs.keys()]);
  // Where in its retry cycle a failing checker is depends on the moment of the dump.
  const cycle = (l: string): string => l.replace(/^( {3}Retries iterations = )\d+$/, '$1N');
  for (const [name, lines] of theirs) {
    assert.deepEqual(ours.get(name)!.map(cycle), lines.filter((l) => !OMITTED_LINE.some((re) => re.test(l))).map(cycle), `section ${name}`);
  }
});

test('check data: nothing when the LVS half does not run', async () => {
  const { view } = await lvsFixtureView();
  assert.equal(dumpDataLvs({ ...view, lvs: () => undefined }, { hostname: 'h' }), '');
});
