import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckerSpec, ProbeSpec } from '../../../src/check/checker-spec.ts';
import { BOOTSTRAP_DELAY_US, PROBE_GRACE_US } from '../../../src/check/checker-scheduler.ts';
import { Harness, S, fail, ok, rs, tcp, vs1 } from './scheduler-harness.ts';

const healthyUntil = (t: number, recoverAt = Infinity) => (now: number) =>
  ({ latencyUs: 1000, outcome: now >= t && now < recoverAt ? fail : ok });

test('retry and delay_before_retry: down after retry extra failures, spaced delay_before_retry', () => {
  // delay_loop 10 s, retry 2, delay_before_retry 3 s; the server dies at 30 s, comes back at 45 s.
  const h = new Harness([vs1], [rs('r1')], [tcp('c1', 'r1', { retry: 2, delayBeforeRetryUs: 3 * S })],
    healthyUntil(30 * S, 45 * S));
  h.runUntil(70 * S);
  const starts = h.probeTimes();
  const boot = BOOTSTRAP_DELAY_US;
  // Each probe answers 1 ms after it starts; the next timer counts from the answer (tcp_epilog).
  const ms = 1000;
  assert.deepEqual(starts.slice(0, 7), [
    boot, boot + 10 * S + ms, boot + 20 * S + 2 * ms, // healthy, every delay_loop
    boot + 30 * S + 3 * ms, // first failure
    boot + 33 * S + 4 * ms, boot + 36 * S + 5 * ms, // two retries after delay_before_retry
    boot + 46 * S + 6 * ms, // down: back to delay_loop; the server is back, so this one succeeds
  ]);
  const changes = h.of('HealthChanged').map((l) => [l.at, l.action.up]);
  assert.deepEqual(changes, [[0, true], [boot + 36 * S + 6 * ms, false], [boot + 46 * S + 7 * ms, true]]);
  const down = h.of('HealthChanged')[1]!.action;
  assert.match(down.reason, /connection refused after 2 retries/);
  assert.equal(h.sched.realServerStatus('r1')!.reason, h.of('HealthChanged')[2]!.action.reason);
});

test('retry 0: the first failure takes the real server down; a down checker does not spend retries', () => {
  const h = new Harness([vs1], [rs('r1')], [tcp('c1', 'r1', { retry: 0 })], healthyUntil(5 * S));
  h.runUntil(40 * S);
  const changes = h.of('HealthChanged').map((l) => l.action.up);
  assert.deepEqual(changes, [true, false]);
  // Every probe after the down is a delay_loop apart (no retry spacing while down).
  const starts = h.probeTimes();
  for (let i = 2; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 10 * S);
});

test('alpha: the real server starts down and comes up on the first success', () => {
  const h = new Harness([vs1], [rs('r1', { alpha: true })], [tcp('c1', 'r1')], () => ({ latencyUs: 500, outcome: ok }));
  const first = h.of('HealthChanged');
  assert.equal(first.length, 1);
  assert.equal(first[0]!.action.up, false);
  h.runUntil(5 * S);
  const changes = h.of('HealthChanged');
  assert.deepEqual(changes.map((l) => [l.at, l.action.up]), [[0, false], [BOOTSTRAP_DELAY_US + 500, true]]);
});

test('alpha: a failing checker never brings its real server up; TCP spends its retries every cycle even while down', () => {
  const h = new Harness([vs1], [rs('r1', { alpha: true })], [tcp('c1', 'r1', { retry: 3 })], () => ({ latencyUs: 1, outcome: fail }));
  h.runUntil(60 * S);
  assert.deepEqual(h.of('HealthChanged').map((l) => l.action.up), [false]);
  // check_tcp.c tcp_epilog: retry_it counts up to `retry` whatever the state, then delay_loop.
  const starts = h.probeTimes();
  const gaps = starts.slice(1).map((t, i) => Math.round((t - starts[i]!) / S));
  assert.deepEqual(gaps.slice(0, 8), [1, 1, 1, 10, 1, 1, 1, 10]);
});

test('UDP/PING/MISC/DNS spend retries only while up: a down DNS checker probes every delay_loop', () => {
  const dns: CheckerSpec = {
    id: 'd', realServer: 'r1', type: 'DNS_CHECK', delayLoopUs: 10 * S, retry: 3, delayBeforeRetryUs: S, warmupUs: 0,
    probe: { kind: 'dns', connect: { host: '127.0.0.1', port: 53, timeoutUs: S }, qtype: 'SOA', qname: '.', queryId: 0 },
  };
  const h = new Harness([vs1], [rs('r1')], [dns], () => ({ latencyUs: 1, outcome: fail }));
  h.runUntil(60 * S);
  assert.deepEqual(h.of('HealthChanged').map((l) => l.action.up), [true, false]);
  const starts = h.probeTimes();
  const gaps = starts.slice(1).map((t, i) => Math.round((t - starts[i]!) / S));
  assert.deepEqual(gaps.slice(0, 6), [1, 1, 1, 10, 10, 10]);
});

test('non-alpha checker-level alpha overrides the real server', () => {
  const h = new Harness([vs1], [rs('r1', { alpha: true })], [tcp('c1', 'r1', { alpha: false })], () => undefined);
  assert.equal(h.of('HealthChanged')[0]!.action.up, true);
});

test('warmup: first probe uniform in [bootstrap, bootstrap + warmup], reproducible from the seed', () => {
  const checkers = Array.from({ length: 50 }, (_, i) => tcp(`c${i}`, 'r1', { warmupUs: 10 * S }));
  const firstProbes = (seed: number) => {
    const h = new Harness([vs1], [rs('r1')], checkers, () => undefined, seed);
    h.runUntil(12 * S);
    return checkers.map((c) => h.probeTimes(c.id)[0]!);
  };
  const a = firstProbes(7);
  assert.deepEqual(firstProbes(7), a);
  assert.notDeepEqual(firstProbes(8), a);
  for (const t of a) assert.ok(t >= BOOTSTRAP_DELAY_US && t <= BOOTSTRAP_DELAY_US + 10 * S);
  // Spread: not all in one half of the window.
  const early = a.filter((t) => t < BOOTSTRAP_DELAY_US + 5 * S).length;
  assert.ok(early > 10 && early < 40, `early=${early}`);
});

test('aggregation: a real server is up only when every one of its checkers is up', () => {
  let c2Healthy = true;
  const h = new Harness([vs1], [rs('r1'), rs('r2')],
    [tcp('c1', 'r1'), tcp('c2', 'r1', { retry: 0 }), tcp('c3', 'r2')],
    (_now, _spec, checker) => ({ latencyUs: 1, outcome: checker === 'c2' && !c2Healthy ? fail : ok }));
  h.runUntil(15 * S);
  c2Healthy = false;
  h.runUntil(25 * S);
  assert.deepEqual(h.of('HealthChanged').filter((l) => l.at > 0).map((l) => [l.action.realServer, l.action.up]), [['r1', false]]);
  const st = h.sched.realServerStatus('r1')!;
  assert.deepEqual(st.checkers.map((c) => c.up), [true, false]);
  assert.deepEqual(h.sched.realServerStatuses().map((r) => [r.key, r.up]), [['r1', false], ['r2', true]]);
  c2Healthy = true;
  h.runUntil(40 * S);
  assert.deepEqual(h.of('HealthChanged').filter((l) => l.at > 0).map((l) => [l.action.realServer, l.action.up]), [['r1', false], ['r1', true]]);
});

const misc = (id: string, dynamic: boolean): CheckerSpec => ({
  id, realServer: 'r1', type: 'MISC_CHECK', miscDynamic: dynamic,
  probe: { kind: 'misc', script: { argv: ['/bin/check'] }, timeoutUs: 5 * S },
  delayLoopUs: 10 * S, retry: 0, delayBeforeRetryUs: S, warmupUs: 0,
});

test('misc_dynamic: exit 2..255 sets weight to code - 2, exit 0 restores the configured weight, exit 1 fails', () => {
  const codes = [12, 12, 255, 0, 1, 2];
  let i = 0;
  const h = new Harness([vs1], [rs('r1', { weight: 5 })], [misc('m', true)],
    () => ({ latencyUs: 1, outcome: { kind: 'exit', code: codes[Math.min(i++, codes.length - 1)]! } }));
  h.runUntil(65 * S);
  assert.deepEqual(h.of('WeightChanged').map((l) => l.action.weight), [10, 253, 5, 0]);
  assert.deepEqual(h.of('HealthChanged').map((l) => l.action.up), [true, false, true]);
  assert.equal(h.sched.realServerStatus('r1')!.weight, 0);
});

test('MISC_CHECK without misc_dynamic: exit 3 is a failure and the weight never moves', () => {
  const h = new Harness([vs1], [rs('r1')], [misc('m', false)], () => ({ latencyUs: 1, outcome: { kind: 'exit', code: 3 } }));
  h.runUntil(15 * S);
  assert.equal(h.of('WeightChanged').length, 0);
  assert.deepEqual(h.of('HealthChanged').map((l) => l.action.up), [true, false]);
  assert.match(h.of('HealthChanged')[1]!.action.reason, /exited with status 3/);
});

const http = (fastRecovery: boolean, alpha: boolean): CheckerSpec => ({
  id: 'h', realServer: 'r1', type: 'HTTP_GET', fastRecovery, alpha,
  urls: ['/a', '/b', '/c'].map((path) => ({
    kind: 'http' as const, connect: { host: '127.0.0.1', port: 80, timeoutUs: 5 * S }, url: { path }, protocol: '1.0' as const,
  })),
  delayLoopUs: 10 * S, retry: 1, delayBeforeRetryUs: 3 * S, warmupUs: 0,
});

test('HTTP_GET walks one url per delay_loop; fast_recovery skips the delay before the first full pass', () => {
  const paths = (h: Harness) => h.of('StartProbe').map((l) => [l.at, (l.action.spec as Extract<ProbeSpec, { kind: 'http' }>).url.path]);
  const slow = new Harness([vs1], [rs('r1')], [http(false, true)], () => ({ latencyUs: 0, outcome: ok }));
  slow.runUntil(25 * S);
  const b = BOOTSTRAP_DELAY_US;
  assert.deepEqual(paths(slow), [[b, '/a'], [b + 10 * S, '/b'], [b + 20 * S, '/c']]);
  assert.deepEqual(slow.of('HealthChanged').map((l) => [l.at, l.action.up]), [[0, false], [b + 20 * S, true]]);
  const fast = new Harness([vs1], [rs('r1')], [http(true, true)], () => ({ latencyUs: 0, outcome: ok }));
  fast.runUntil(12 * S);
  assert.deepEqual(paths(fast), [[b, '/a'], [b, '/b'], [b, '/c'], [b + 10 * S, '/a']]);
  assert.deepEqual(fast.of('HealthChanged').map((l) => [l.at, l.action.up]), [[0, false], [b, true]]);
  // Up: still one url per delay_loop (check_http.c epilog: REGISTER_CHECKER_NEW -> delay_loop).
  const up = new Harness([vs1], [rs('r1')], [http(false, false)], () => ({ latencyUs: 0, outcome: ok }));
  up.runUntil(25 * S);
  assert.deepEqual(paths(up), [[b, '/a'], [b + 10 * S, '/b'], [b + 20 * S, '/c']]);
});

test('HTTP_GET after a failure: retries at delay_before_retry, then max(dbr, delay_loop); back up only after a clean pass', () => {
  const full = http(false, false) as Extract<CheckerSpec, { type: 'HTTP_GET' | 'SSL_GET' }>;
  const one: CheckerSpec = { ...full, urls: full.urls.slice(0, 1) };
  const h = new Harness([vs1], [rs('r1')], [one], healthyUntil(30 * S, 40 * S));
  h.runUntil(70 * S);
  const b = BOOTSTRAP_DELAY_US;
  const rel = h.probeTimes().map((t) => Math.round((t - b) / S));
  assert.deepEqual(rel.slice(0, 8), [0, 10, 20, 30, 33, 43, 53, 63]);
  // Down after the retry at 33; the success at 43 only clears the failed url; up at 53.
  assert.deepEqual(h.of('HealthChanged').map((l) => [Math.round((l.at - (l.at ? b : 0)) / S), l.action.up]), [[0, true], [33, false], [53, true]]);
  assert.match(h.of('HealthChanged')[1]!.action.reason, /after 1 retries/);
});

test('a probe that never answers is cut off by the watchdog and counts as a failure', () => {
  const h = new Harness([vs1], [rs('r1')], [tcp('c1', 'r1', { retry: 0 })], () => undefined);
  h.runUntil(10 * S);
  const cancel = h.of('CancelProbe');
  assert.equal(cancel.length, 1);
  assert.equal(cancel[0]!.at, BOOTSTRAP_DELAY_US + 5 * S + PROBE_GRACE_US);
  assert.deepEqual(h.of('HealthChanged').map((l) => l.action.up), [true, false]);
});

test('a late result for a cancelled probe is ignored', () => {
  const h = new Harness([vs1], [rs('r1')], [tcp('c1', 'r1', { retry: 0 })], () => undefined);
  h.runUntil(10 * S);
  const id = h.of('StartProbe')[0]!.action.id;
  h.sched.handleProbeResult(h.now, id, { kind: 'ok' });
  assert.equal(h.sched.pollAction(), undefined);
  assert.equal(h.sched.realServerStatus('r1')!.up, false);
});

test('quorum with hysteresis, quorum_up/down and notify_up/down scripts', () => {
  const vs = { key: 'vs1', quorum: 2, hysteresis: 1, omega: false, quorumUp: { argv: ['/q', 'up'] }, quorumDown: { argv: ['/q', 'down'] } };
  let downSet = new Set<string>();
  const h = new Harness([vs], ['r1', 'r2', 'r3'].map((k) => rs(k, { notifyDown: { argv: ['/n', k] } })),
    ['r1', 'r2', 'r3'].map((k) => tcp(k, k, { retry: 0 })),
    (_n, _s, checker) => ({ latencyUs: 1, outcome: downSet.has(checker) ? fail : ok }));
  assert.deepEqual(h.of('QuorumChanged').map((l) => l.action.up), [true]);
  downSet = new Set(['r1']);
  h.runUntil(5 * S);
  // 2 of weight left: still >= quorum - hysteresis (1): quorum holds.
  assert.deepEqual(h.of('QuorumChanged').map((l) => l.action.up), [true]);
  downSet = new Set(['r1', 'r2']);
  h.runUntil(15 * S);
  // 1 left: not below 1 yet, still up.
  assert.deepEqual(h.of('QuorumChanged').map((l) => l.action.up), [true]);
  downSet = new Set(['r1', 'r2', 'r3']);
  h.runUntil(25 * S);
  assert.deepEqual(h.of('QuorumChanged').map((l) => l.action.up), [true, false]);
  downSet = new Set(['r3']);
  h.runUntil(35 * S);
  // 2 back: needs quorum + hysteresis = 3 to come back up.
  assert.deepEqual(h.of('QuorumChanged').map((l) => l.action.up), [true, false]);
  const notes = h.of('Notify').map((l) => l.action.script.argv.join(' '));
  assert.deepEqual(notes, ['/n r1', '/n r2', '/n r3', '/q down']);
});

test('omega: shutdown runs notify_down for live real servers and quorum_down; without omega nothing', () => {
  for (const omega of [true, false]) {
    const vs = { key: 'vs1', quorum: 1, hysteresis: 0, omega, quorumDown: { argv: ['/q'] } };
    const h = new Harness([vs], [rs('r1', { notifyDown: { argv: ['/d'] } })], [tcp('c1', 'r1')], () => undefined);
    h.runUntil(2 * S);
    h.sched.shutdown(h.now);
    const after: string[] = [];
    for (let a = h.sched.pollAction(); a; a = h.sched.pollAction()) after.push(a.type === 'Notify' ? a.script.argv[0]! : a.type);
    assert.deepEqual(after, omega ? ['CancelProbe', '/d', '/q'] : ['CancelProbe']);
    assert.equal(h.sched.nextDeadline(), undefined);
  }
});

test('FILE_CHECK: weight and state follow the file value; alpha does not apply', () => {
  const values: (number | undefined)[] = [0, 3, undefined, -1, -5];
  let i = 0;
  const file: CheckerSpec = {
    id: 'f', realServer: 'r1', type: 'FILE_CHECK', alpha: true, weight: 2, reverse: false, pollIntervalUs: S,
    probe: { kind: 'file', path: '/x' },
  };
  const h = new Harness([vs1], [rs('r1', { weight: 10, alpha: true })], [file],
    () => ({ latencyUs: 0, outcome: { kind: 'file', value: values[Math.min(i++, values.length - 1)] } }));
  h.runUntil(5 * S);
  assert.deepEqual(h.of('WeightChanged').map((l) => l.action.weight), [16, 8, 0]);
  assert.deepEqual(h.of('HealthChanged').map((l) => l.action.up), [true]);
});

test('FILE_CHECK with weight 0: non-zero is down (reverse: zero is down)', () => {
  for (const reverse of [false, true]) {
    const values = [0, 7, 0];
    let i = 0;
    const file: CheckerSpec = {
      id: 'f', realServer: 'r1', type: 'FILE_CHECK', weight: 0, reverse, pollIntervalUs: S, probe: { kind: 'file', path: '/x' },
    };
    const h = new Harness([vs1], [rs('r1')], [file], () => ({ latencyUs: 0, outcome: { kind: 'file', value: values[Math.min(i++, 2)] } }));
    h.runUntil(3 * S);
    assert.deepEqual(h.of('HealthChanged').map((l) => l.action.up), reverse ? [true, false, true, false] : [true, false, true]);
  }
});

test('BFD_CHECK is reported unsupported and does not hold its real server', () => {
  const bfd: CheckerSpec = { id: 'b', realServer: 'r1', type: 'BFD_CHECK', bfdName: 'bfd1' };
  const h = new Harness([vs1], [rs('r1', { alpha: true })], [bfd], () => undefined);
  assert.deepEqual(h.of('Unsupported').map((l) => l.action.reason), ['BFD_CHECK bfd1: BFD is not supported']);
  assert.equal(h.of('HealthChanged')[0]!.action.up, true);
  assert.equal(h.sched.nextDeadline(), undefined);
});

test('DNS_CHECK gets a fresh query id from the seeded Prng for every probe', () => {
  const dns: CheckerSpec = {
    id: 'd', realServer: 'r1', type: 'DNS_CHECK', delayLoopUs: S, retry: 3, delayBeforeRetryUs: S, warmupUs: 0,
    probe: { kind: 'dns', connect: { host: '127.0.0.1', port: 53, timeoutUs: S }, qtype: 'SOA', qname: '.', queryId: 0 },
  };
  const h = new Harness([vs1], [rs('r1')], [dns], () => ({ latencyUs: 0, outcome: ok }));
  h.runUntil(6 * S);
  const ids = h.of('StartProbe').map((l) => (l.action.spec as Extract<ProbeSpec, { kind: 'dns' }>).queryId);
  assert.ok(ids.length >= 5);
  assert.ok(new Set(ids).size >= ids.length - 1);
});

test('scale: 20,000 checkers keep one heap; deadlines stay monotone', () => {
  const checkers = Array.from({ length: 20000 }, (_, i) => tcp(`c${i}`, 'r1', { warmupUs: 10 * S }));
  const h = new Harness([vs1], [rs('r1')], checkers, () => ({ latencyUs: 100, outcome: ok }));
  h.runUntil(30 * S);
  const starts = h.probeTimes();
  assert.ok(starts.length >= 40000);
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! >= starts[i - 1]!);
});

test('reload keeps unchanged checkers (state, timers), restarts changed ones, cancels removed ones', () => {
  const healthy = new Set(['keep', 'change']); // 'drop' fails: r3 is down before the reload
  const respond = (_n: number, _s: ProbeSpec, checker: string) => (checker === 'slow' ? undefined : { latencyUs: 1, outcome: healthy.has(checker) ? ok : fail });
  const servers = [rs('r1'), rs('r2'), rs('r3')];
  const h = new Harness([vs1], servers, [tcp('keep', 'r1', { retry: 0 }), tcp('change', 'r2', { retry: 0 }), tcp('drop', 'r3'), tcp('slow', 'r3')], respond);
  healthy.delete('keep'); // r1 goes down before the reload
  h.runUntil(5 * S);
  assert.equal(h.sched.realServerStatus('r1')!.up, false);
  assert.equal(h.sched.realServerStatus('r3')!.up, false);
  const before = h.log.length;
  // Reload: 'keep' identical; 'change' gets a new delay_loop and alpha; 'drop' and 'slow' (in flight) removed;
  // r2 weight 1 -> 4; a new real server r4 and a new virtual server vs2 with r5.
  const vs2 = { key: 'vs2', quorum: 1, hysteresis: 0, omega: false };
  h.reload([vs1, vs2], [rs('r1'), rs('r2', { weight: 4 }), rs('r3'), rs('r4'), rs('r5', { virtualServer: 'vs2' })],
    [tcp('keep', 'r1', { retry: 0 }), tcp('change', 'r2', { retry: 0, delayLoopUs: 20 * S, alpha: true }), tcp('new', 'r4', { alpha: true })]);
  const after = h.log.slice(before).map((l) => l.action);
  const summary = after.map((a) => a.type === 'HealthChanged' ? `${a.realServer}:${a.up}:${a.reason}` : a.type === 'WeightChanged' ? `${a.realServer}=${a.weight}`
    : a.type === 'QuorumChanged' ? `q ${a.virtualServer}:${a.up}` : a.type);
  assert.deepEqual(summary, [
    'CancelProbe', // 'slow' was in flight
    'r2=4',
    'r2:false:reload: checkers changed', // 'change' restarted in alpha
    'r3:true:reload: checkers changed', // no checkers left: always up
    'r4:false:new in reload: alpha, waiting for checkers',
    'r5:true:new in reload',
    'q vs2:true',
  ]);
  // 'keep' kept its state and its timer: still down, next probe a delay_loop after its last
  // answer (1 s + 1 us + 10 s), not a new bootstrap.
  assert.equal(h.sched.realServerStatus('r1')!.up, false);
  healthy.add('new');
  h.runUntil(30 * S);
  const starts = (id: string) => h.probeTimes(id).filter((t) => t > 5 * S);
  assert.equal(starts('keep')[0], BOOTSTRAP_DELAY_US + 1 + 10 * S);
  assert.ok(starts('keep').length >= 2);
  assert.deepEqual(starts('drop'), []);
  assert.ok(starts('change')[0]! >= 5 * S + BOOTSTRAP_DELAY_US, 'a changed checker starts over with the bootstrap delay');
  assert.equal(h.sched.realServerStatus('r2')!.up, true);
  assert.equal(h.sched.realServerStatus('r4')!.up, true);
});
