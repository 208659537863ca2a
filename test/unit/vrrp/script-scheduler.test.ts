// vrrp_script scheduling and rise/fall hysteresis (keepalived vrrp_scheduler.c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptScheduler, type ScriptAction, type ScriptSpec } from '../../../src/vrrp/script-scheduler.ts';

const S = 1_000_000;
const spec = (over: Partial<ScriptSpec> = {}): ScriptSpec => ({ name: 'chk', command: 'chk', intervalUs: S, timeoutUs: S / 2, rise: 2, fall: 3, initFail: false, ...over });

function drain(s: ScriptScheduler): ScriptAction[] {
  const out: ScriptAction[] = [];
  for (let a = s.pollAction(); a; a = s.pollAction()) out.push(a);
  return out;
}

/** Runs the script once per interval with the given outcomes; returns the status after each. */
function feed(s: ScriptScheduler, results: boolean[], start = 0): boolean[] {
  const out: boolean[] = [];
  results.forEach((ok, i) => {
    const now = start + i * S;
    s.handleTimeout(now);
    const run = drain(s).find((a) => a.kind === 'run');
    assert.ok(run && run.kind === 'run');
    s.handleResult(now + 10, run.runId, { kind: 'exited', code: ok ? 0 : 1 });
    drain(s);
    out.push(s.status('chk'));
  });
  return out;
}

test('first result decides; then fall failures to go down and rise successes to come up', () => {
  const s = new ScriptScheduler([spec()]);
  s.start(0);
  assert.deepEqual(feed(s, [true, false, false, false, true, true, false]), [true, true, true, false, false, true, true]);
  const f = new ScriptScheduler([spec()]);
  f.start(0);
  assert.deepEqual(feed(f, [false, true, true]), [false, false, true]);
});

test('init_fail starts failed and needs rise successes', () => {
  const s = new ScriptScheduler([spec({ initFail: true, rise: 3 })]);
  assert.equal(s.status('chk'), false);
  s.start(0);
  assert.deepEqual(feed(s, [true, true, true]), [false, false, true]);
});

test('status changes come out as actions', () => {
  const s = new ScriptScheduler([spec({ rise: 1, fall: 1 })]);
  s.start(0);
  s.handleTimeout(0);
  const run = drain(s)[0]!;
  assert.equal(run.kind, 'run');
  s.handleResult(5, (run as { runId: number }).runId, { kind: 'signaled', signal: 'SIGSEGV' });
  assert.deepEqual(drain(s), [{ kind: 'status', name: 'chk', ok: false }]);
});

test('timeout kills the run and counts as a failure; its late result is ignored; busy runs are skipped', () => {
  const s = new ScriptScheduler([spec({ rise: 1, fall: 1, timeoutUs: 3 * S })]);
  s.start(0);
  s.handleTimeout(0);
  const run = drain(s)[0] as { runId: number };
  assert.equal(s.nextDeadline(), S);
  s.handleTimeout(S);
  assert.deepEqual(drain(s), [], 'still running at the next interval: skipped');
  s.handleTimeout(2 * S);
  s.handleTimeout(3 * S);
  const acts = drain(s);
  assert.deepEqual(acts.slice(0, 2).map((a) => a.kind), ['kill', 'status']);
  assert.equal(s.status('chk'), false);
  s.handleResult(3 * S + 1, run.runId, { kind: 'exited', code: 0 });
  assert.equal(s.status('chk'), false);
});

test('stop kills running scripts and clears the schedule', () => {
  const s = new ScriptScheduler([spec()]);
  s.start(0);
  s.handleTimeout(0);
  drain(s);
  s.stop();
  assert.deepEqual(drain(s).map((a) => a.kind), ['kill']);
  assert.equal(s.nextDeadline(), undefined);
});
