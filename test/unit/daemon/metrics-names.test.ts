// Dashboard compatibility: every metric we export under a name an existing exporter uses is
// spelled, typed and labelled exactly as that exporter does it. The reference is
// test/fixtures/metrics/exporter-names.txt, copied from the exporters' own sources (its header
// cites repository, file and commit). Checked twice: on our family table, and on the families and
// label sets that actually come out of a scrape of a running MASTER/BACKUP pair on the simulator.
// Whatever is not an exporter's name must carry our keepalived_ts_ prefix. The names we do not
// provide are listed here on purpose, so adding or dropping one is a visible decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { US_PER_S } from '../../../src/base/time.ts';
import { EventHistory } from '../../../src/daemon/event-history.ts';
import { collectMetrics } from '../../../src/daemon/metrics-collect.ts';
import { ALL_FAMILIES } from '../../../src/daemon/metrics-families.ts';
import { SimCluster } from '../../../src/sim/sim-cluster.ts';
import { addNode, ip, script } from '../../sim/build.ts';
import type { IpvsCounterEntry } from '../../../src/daemon/metrics-ipvs-counters.ts';
import type { IpvsStats } from '../../../src/ipvs/ipvs-messages.ts';
import { parseExposition } from '../../fixtures/metrics/exposition-parser.ts';

interface Ref { readonly exporter: string; readonly name: string; readonly type: string; readonly labels: readonly string[] }

function loadRefs(): Ref[] {
  const text = readFileSync(new URL('../../fixtures/metrics/exporter-names.txt', import.meta.url), 'utf8');
  const out: Ref[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [exporter = '', name = '', type = '', labels = ''] = line.trim().split(/\s+/);
    out.push({ exporter, name, type, labels: labels === '-' ? [] : labels.split(',') });
  }
  return out;
}

const REFS = loadRefs();
const byName = new Map<string, Ref[]>();
for (const r of REFS) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);

/** Exporter names we do not publish, and why (the report lists them too). */
const NOT_PROVIDED: Record<string, string> = {
  keepalived_exporter_check_script_status: 'the exporter runs its own per-VIP check script; nothing of keepalived',
  keepalived_packet_length_errors_total: 'length errors are refused by the codec before any instance is known (keepalived_ts_vrrp_packet_errors_total{reason})',
  keepalived_invalid_type_received_total: 'same: refused by the codec, counted per reason in keepalived_ts_vrrp_packet_errors_total',
  keepalived_address_list_errors_total: 'the VIP list of an advert is not checked (keepalived >= 2.3.3 only warns)',
  keepalived_authentication_invalid_total: 'an unknown auth type is counted as an auth type mismatch',
  keepalived_script_state: 'the script scheduler does not expose whether a run is in progress',
  keepalived_vrrp_packet_len_err: 'as keepalived_packet_length_errors_total',
  keepalived_vrrp_invalid_type_rcvd: 'as keepalived_invalid_type_received_total',
  keepalived_vrrp_addr_list_err: 'as keepalived_address_list_errors_total',
  keepalived_vrrp_invalid_authtype: 'as keepalived_authentication_invalid_total',
};

test('the fixture is what the exporters publish (sanity: both exporters, known shapes)', () => {
  assert.equal(REFS.filter((r) => r.exporter === 'mehdy').length, 21);
  assert.equal(REFS.filter((r) => r.exporter === 'gen2brain').length, 25);
  for (const r of REFS) {
    assert.match(r.name, /^keepalived_[a-z_]+$/);
    assert.ok(r.type === 'counter' || r.type === 'gauge', r.name);
  }
  // keepalived_up is the one name both publish, the same way.
  assert.deepEqual(byName.get('keepalived_up')!.map((r) => `${r.type} ${r.labels.join(',')}`), ['gauge ', 'gauge ']);
});

test('every family of ours that an exporter also publishes has its exact type and labels; the rest are keepalived_ts_*', () => {
  const ours = new Set<string>();
  for (const f of ALL_FAMILIES) {
    ours.add(f.name);
    const refs = byName.get(f.name);
    if (!refs) {
      assert.match(f.name, /^keepalived_ts_[a-z_]+$/, `${f.name} is neither an exporter's name nor keepalived_ts_*`);
      continue;
    }
    for (const r of refs) {
      assert.equal(f.type, r.type, `${f.name}: type vs ${r.exporter}`);
      assert.deepEqual([...f.labels], [...r.labels], `${f.name}: labels vs ${r.exporter}`);
    }
  }
  const missing = [...byName.keys()].filter((n) => !ours.has(n)).sort();
  assert.deepEqual(missing, Object.keys(NOT_PROVIDED).sort());
});

test('a real scrape (MASTER/BACKUP on the simulator, plus IPVS counters) shows the exporters\' names with their label sets', () => {
  const c = new SimCluster(21);
  c.setFaults({ delayUs: 0 });
  const a = addNode(c, 1, { name: 'VI_1', priority: 150, excludedVips: [{ addr: ip('10.9.9.9'), prefixLen: 32 }], trackScripts: [{ name: 'chk', weight: 0, reverse: false }] },
    { scripts: [script('chk')] });
  const b = addNode(c, 2, { name: 'VI_1', priority: 100 });
  a.start(); b.start();
  c.world.runFor(6 * US_PER_S);
  // The kernel's IPVS counters as the endpoint reads them (metrics-ipvs-counters.ts).
  const st: IpvsStats = { conns: 1n, inPkts: 2n, outPkts: 3n, inBytes: 4n, outBytes: 5n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n };
  const ipvs: IpvsCounterEntry[] = [{ service: { kind: 'addr', protocol: 'tcp', addr: ip('10.0.0.100'), port: 80 }, stats: st, dests: [{ key: { addr: ip('10.0.0.2'), port: 80 }, stats: st }] }];
  const matched = new Map<string, Set<string>>();
  for (const h of [a, b]) {
    const text = collectMetrics({
      pid: 1, version: 'test', configFile: 'x', startedAtMs: 0, config: () => { throw new Error('unused'); },
      vrrp: () => h.director, lvs: () => undefined, history: new EventHistory(() => 0),
    }, { ipvs }).render();
    for (const [name, fam] of parseExposition(text)) {
      const refs = byName.get(name);
      if (!refs) { assert.match(name, /^keepalived_ts_/); continue; }
      for (const r of refs) {
        assert.equal(fam.type, r.type, `${name} TYPE`);
        for (const s of fam.samples) assert.deepEqual(Object.keys(s.labels), [...r.labels], `${name} labels`);
        if (!matched.has(r.exporter)) matched.set(r.exporter, new Set());
        matched.get(r.exporter)!.add(name);
      }
    }
  }
  // Every exporter name we define shows up in this scrape (none is dead code).
  for (const exporter of ['mehdy', 'gen2brain']) {
    const expected = REFS.filter((r) => r.exporter === exporter && ALL_FAMILIES.some((f) => f.name === r.name)).map((r) => r.name).sort();
    assert.deepEqual([...(matched.get(exporter) ?? [])].sort(), expected, exporter);
  }
  assert.equal(matched.get('mehdy')!.size, 15);
  assert.equal(matched.get('gen2brain')!.size, 21);
});
