// The dump service in this very process: real signals (USR1, USR2 and 36, which has no Node
// name) sent to ourselves produce the three files; signal 36 no longer has its default action
// (this test process would die); an unwritable target is logged and the next dump still works;
// a burst of signals yields whole files, never a torn one. The dump paths are pointed into a
// private directory with keepalived's *_dump_file keywords, so nothing touches /tmp/keepalived.*.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeepalivedConfig } from '../../../src/config/model.ts';
import { createDaemonLogger } from '../../../src/daemon/daemon-log.ts';
import type { DaemonView } from '../../../src/daemon/daemon-view.ts';
import { SIGJSON, SIGSTATS_CLEAR, startDumpService, writeDumpFile } from '../../../src/daemon/dump-service.ts';
import { watchSignal, SignalWatchError } from '../../../src/os/signal-watch.ts';
import { fixtureView } from '../../fixtures/dumps/fixture-view.ts';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function redirected(view: DaemonView, dir: string, over: Partial<KeepalivedConfig['global_defs']> = {}): DaemonView {
  const base = view.config();
  const config: KeepalivedConfig = {
    ...base,
    global_defs: { ...base.global_defs, state_dump_file: `${dir}/`, stats_dump_file: `${dir}/keepalived.stats`, json_dump_file: `${dir}/keepalived.json`, ...over },
  };
  return { ...view, config: () => config };
}

test('USR1, USR2 and signal 36 write the three files; 36 does not kill us', async () => {
  const { view } = await fixtureView();
  const dir = mkdtempSync(join(tmpdir(), 'kts-dumpsvc-'));
  const logged: string[] = [];
  const log = createDaemonLogger({ logConsole: true, logDetail: false, sink: { write: (s: string) => logged.push(s) } });
  const stop = await startDumpService(redirected(view, dir), {}, log);
  assert.ok(stop);
  try {
    // data_use_instance + instance ktsdump (the fixture configuration): the data file carries it.
    const data = join(dir, 'keepalived.ktsdump.data');
    process.kill(process.pid, 'SIGUSR1');
    process.kill(process.pid, 'SIGUSR2');
    process.kill(process.pid, SIGJSON);
    await waitFor(() => ['keepalived.ktsdump.data', 'keepalived.stats', 'keepalived.json'].every((f) => existsSync(join(dir, f))), 'the three dumps');
    await sleep(50);
    assert.match(readFileSync(data, 'utf8'), /^------< Global definitions >------\n[\s\S]*------< VRRP Topology >------\n VRRP Instance = VI_1\n/);
    assert.match(readFileSync(join(dir, 'keepalived.stats'), 'utf8'), /^VRRP Instance: VI_1\n {2}Advertisements:\n/);
    const json = JSON.parse(readFileSync(join(dir, 'keepalived.json'), 'utf8')) as Array<{ data: { iname: string } }>;
    assert.deepEqual(json.map((j) => j.data.iname), ['VI_1', 'VI_2', 'VI_3']);
    // keepalived's mode, and no temporary file left behind.
    assert.equal(statSync(data).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).sort(), ['keepalived.json', 'keepalived.ktsdump.data', 'keepalived.stats']);
    assert.ok(logged.some((l) => l.includes(`json dump written to ${join(dir, 'keepalived.json')}`)), logged.join(''));
    // keepalived's own log lines for the three signals.
    for (const what of ['VRRP data', 'VRRP stats', 'VRRP as json']) {
      assert.ok(logged.some((l) => l.includes(`Printing ${what} for process(${process.pid}) on signal`)), what);
    }

    // A burst: every read sees a whole file.
    for (let k = 0; k < 20; k++) process.kill(process.pid, SIGJSON);
    for (let k = 0; k < 20; k++) {
      JSON.parse(readFileSync(join(dir, 'keepalived.json'), 'utf8'));
      await sleep(2);
    }
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('signal 63 (STATS_CLEAR) writes the stats, then zeroes the counters, as keepalived 2.2.7 does', async () => {
  const { view, director } = await fixtureView();
  const dir = mkdtempSync(join(tmpdir(), 'kts-dumpsvc-'));
  const log = createDaemonLogger({ logConsole: true, logDetail: false, sink: { write: () => {} } });
  const stop = await startDumpService(redirected(view, dir), {}, log);
  const stats = join(dir, 'keepalived.stats');
  try {
    const vi3 = director.instance('VI_3')!;
    const received = vi3.stats.advertsReceived;
    assert.ok(received > 0);
    process.kill(process.pid, SIGSTATS_CLEAR);
    await waitFor(() => existsSync(stats), 'the stats file');
    assert.match(readFileSync(stats, 'utf8'), new RegExp(`VRRP Instance: VI_3\\n  Advertisements:\\n    Received: ${received}\\n`));
    assert.equal(vi3.stats.advertsReceived, 0);
    assert.equal(director.instance('VI_1')!.stats.advertsSent, 0);
    rmSync(stats);
    process.kill(process.pid, 'SIGUSR2');
    await waitFor(() => existsSync(stats), 'the stats file after USR2');
    assert.match(readFileSync(stats, 'utf8'), /VRRP Instance: VI_3\n  Advertisements:\n    Received: 0\n/);
  } finally {
    await stop!();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unwritable target is logged, not thrown; the next dump works', async () => {
  const { view } = await fixtureView();
  const dir = mkdtempSync(join(tmpdir(), 'kts-dumpsvc-'));
  const logged: string[] = [];
  const log = createDaemonLogger({ logConsole: true, logDetail: false, sink: { write: (s: string) => logged.push(s) } });
  let target = join(dir, 'missing-dir', 'keepalived.stats');
  const base = redirected(view, dir);
  const config = (): KeepalivedConfig => ({ ...base.config(), global_defs: { ...base.config().global_defs, stats_dump_file: target } });
  const stop = await startDumpService({ ...view, config }, {}, log);
  try {
    process.kill(process.pid, 'SIGUSR2');
    await waitFor(() => logged.some((l) => l.includes('cannot write stats dump')), 'the failure in the log');
    assert.match(logged.join(''), /ENOENT/);
    target = join(dir, 'keepalived.stats');
    process.kill(process.pid, 'SIGUSR2');
    await waitFor(() => existsSync(target), 'the stats file after the failure');
  } finally {
    await stop!();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeDumpFile replaces a symlink planted at the target instead of writing through it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-dumpsvc-'));
  try {
    const { symlinkSync, writeFileSync, lstatSync } = await import('node:fs');
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(dir, 'keepalived.stats'));
    assert.equal(await writeDumpFile(join(dir, 'keepalived.stats'), 'dump\n'), undefined);
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    assert.ok(lstatSync(join(dir, 'keepalived.stats')).isFile());
    assert.match((await writeDumpFile(join(dir, 'no', 'such'), 'x')) ?? '', /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('watchSignal refuses what cannot be caught, with a typed error', () => {
  assert.throws(() => watchSignal(9, () => {}), (e: unknown) => e instanceof SignalWatchError && e.code === 'EINVAL');
  assert.throws(() => watchSignal(0, () => {}), SignalWatchError);
  assert.throws(() => watchSignal(65, () => {}), SignalWatchError);
  const w = watchSignal(SIGJSON, () => {});
  w.close();
  w.close(); // idempotent
});
