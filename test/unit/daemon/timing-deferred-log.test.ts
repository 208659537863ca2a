// timingDeferredLog: the VRRP log's lines are written after the current callback (the director's
// step) returns, in order, none dropped; everything else on the logger passes through; pino's
// level methods are looked up at the flush (pino swaps them when the level changes), checked
// against a real pino logger writing to a sink.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { timingDeferredLog } from '../../../src/daemon/timing-deferred-log.ts';

test('deferred log: lines follow the synchronous step, in order, with their levels', async () => {
  const out: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'debug', base: undefined }, { write: (s: string) => { out.push(JSON.parse(s) as { level: number; msg: string }); } });
  const d = timingDeferredLog(log);
  const sent: string[] = [];
  d.info('Entering MASTER STATE');
  d.debug('BACKUP -> MASTER: master-down');
  sent.push('garp');
  d.warn('careful');
  d.error('bad');
  assert.equal(out.length, 0, 'nothing written inside the step');
  assert.deepEqual(sent, ['garp']);
  await Promise.resolve();
  assert.deepEqual(out.map((l) => [l.level, l.msg]), [[30, 'Entering MASTER STATE'], [20, 'BACKUP -> MASTER: master-down'], [40, 'careful'], [50, 'bad']]);
  // Not a level method: passes through (child loggers, level reads and writes).
  assert.equal(d.level, 'debug');
  assert.equal(typeof d.child, 'function');
  assert.equal(d.isLevelEnabled('debug'), true);
});

test('deferred log: the level at the flush decides (pino swaps its level methods on a level change)', async () => {
  const out: string[] = [];
  const log = pino({ level: 'info', base: undefined }, { write: (s: string) => { out.push((JSON.parse(s) as { msg: string }).msg); } });
  const d = timingDeferredLog(log);
  d.debug('queued at info, flushed at debug');
  log.level = 'debug';
  await Promise.resolve();
  d.debug('queued at debug, flushed at info');
  log.level = 'info';
  d.info('info');
  await Promise.resolve();
  assert.deepEqual(out, ['queued at info, flushed at debug', 'info']);
});
