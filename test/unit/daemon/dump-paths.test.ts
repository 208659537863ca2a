// Dump file names as keepalived 2.2.7 chose them when it wrote test/fixtures/dumps (README.md
// there): data_use_instance puts the instance name into the .data file only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildText } from '../config/build-text.ts';
import { dumpPaths } from '../../../src/daemon/dump-paths.ts';

test('defaults: /tmp/keepalived.{data,stats,json}', () => {
  const { config } = buildText('global_defs {\n router_id x\n}\n');
  assert.deepEqual(dumpPaths(config), {
    data: '/tmp/keepalived.data', checkData: '/tmp/keepalived_check.data', stats: '/tmp/keepalived.stats', json: '/tmp/keepalived.json',
  });
});

test('instance + data_use_instance: only the data file carries the name (as 2.2.7 wrote keepalived.ktsdump.data)', () => {
  const { config } = buildText('instance ktsdump\nglobal_defs {\n data_use_instance\n}\n');
  const p = dumpPaths(config);
  assert.equal(p.data, '/tmp/keepalived.ktsdump.data');
  assert.equal(p.checkData, '/tmp/keepalived_check.ktsdump.data');
  assert.equal(p.stats, '/tmp/keepalived.stats');
  assert.equal(p.json, '/tmp/keepalived.json');
  // Without data_use_instance the instance name changes nothing.
  assert.equal(dumpPaths(buildText('instance ktsdump\n').config).data, '/tmp/keepalived.data');
});

test('state_dump_file / stats_dump_file / json_dump_file: a file, or a directory when ending in /', () => {
  const { config } = buildText('instance i1\nglobal_defs {\n data_use_instance\n state_dump_file /run/kd/\n stats_dump_file /run/kd/s.txt\n json_dump_file /var/tmp/\n}\n');
  assert.deepEqual(dumpPaths(config), {
    data: '/run/kd/keepalived.i1.data', checkData: '/run/kd/keepalived_check.i1.data', stats: '/run/kd/s.txt', json: '/var/tmp/keepalived.json',
  });
});
