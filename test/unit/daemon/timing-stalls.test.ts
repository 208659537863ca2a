// TimingStalls: a wake more than STALL_US late is logged with the main thread's run-queue wait
// over the same span (the kernel's schedstat, injected here as a counter the test sets) and the
// line parses back for the soak bench; a wake on time is not logged; the real schedstat reader
// returns the kernel's cumulative run_delay, which never goes down.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { STALL_US, TimingStalls, parseStallLine } from '../../../src/daemon/timing-stalls.ts';

test('stalls: a late wake is logged with the run-queue wait since the previous wake', async () => {
  const lines: string[] = [];
  let runDelayNs = 5_000_000;
  const s = new TimingStalls({ info: (m) => lines.push(m) }, () => runDelayNs);
  try {
    runDelayNs += 100_000;
    s.afterWake(1_000_000, 1_000_050); // on time: not logged, but the counter moves on
    runDelayNs += 40_000_000;
    s.afterWake(1_010_000, 1_010_000 + STALL_US + 32_000);
    assert.equal(lines.length, 0, 'logged from a later turn, not inside the step');
    await new Promise((r) => setImmediate(r));
    assert.equal(lines.length, 1);
    assert.equal(s.stalls, 1);
    const p = parseStallLine(lines[0]!);
    assert.ok(p, lines[0]);
    assert.equal(p.lateUs, STALL_US + 32_000);
    assert.equal(p.runDelayUs, 40_000);
    assert.ok(p.gcMs >= 0);
    assert.ok(Math.abs(p.epochMs - Date.now()) < 5000);
    assert.equal(parseStallLine('timing: (VI_1) MASTER epoch_ms=1 cause="x"'), undefined);
  } finally {
    s.stop();
  }
});

test('stalls: the real reader follows /proc/thread-self/schedstat', { skip: !readFileSafe('/proc/thread-self/schedstat') && 'no schedstat' }, () => {
  const lines: string[] = [];
  const s = new TimingStalls({ info: (m) => lines.push(m) });
  s.afterWake(0, 1);
  s.stop();
  const f = readFileSafe('/proc/thread-self/schedstat')!.split(' ');
  assert.ok(Number(f[1]) >= 0);
  assert.deepEqual(lines, []);
});

function readFileSafe(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}
