// The two pure transitions, walked branch by branch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryEpilog, retryPolicyOf, type RetryTiming } from '../../../src/check/retry-epilog.ts';
import { HTTP_WALK_START, httpEpilog, type HttpWalkState, type HttpWalkTiming } from '../../../src/check/http-epilog.ts';

const t: RetryTiming = { retry: 2, delayLoopUs: 10, delayBeforeRetryUs: 3, policy: 'always' };

test('retryEpilog: every branch of both policies', () => {
  const upFresh = { up: true, hasRun: false, retryIt: 0 };
  assert.deepEqual(retryEpilog(upFresh, true, t), { next: { up: true, hasRun: true, retryIt: 0 }, delayUs: 10, retriesSpent: 0 });
  assert.deepEqual(retryEpilog(upFresh, false, t), { next: { up: true, hasRun: true, retryIt: 1 }, delayUs: 3, retriesSpent: 0 });
  assert.deepEqual(retryEpilog({ up: true, hasRun: true, retryIt: 2 }, false, t),
    { next: { up: false, hasRun: true, retryIt: 0 }, delayUs: 10, retriesSpent: 2, becomesUp: false });
  assert.deepEqual(retryEpilog({ up: false, hasRun: true, retryIt: 1 }, true, t),
    { next: { up: true, hasRun: true, retryIt: 0 }, delayUs: 10, retriesSpent: 1, becomesUp: true });
  // Down: 'always' still retries, 'whileUp' does not.
  const down = { up: false, hasRun: true, retryIt: 0 };
  assert.equal(retryEpilog(down, false, t).delayUs, 3);
  assert.deepEqual(retryEpilog(down, false, { ...t, policy: 'whileUp' }), { next: down, delayUs: 10, retriesSpent: 0 });
  // Alpha, not run yet: both retry the first failure.
  assert.equal(retryEpilog({ up: false, hasRun: false, retryIt: 0 }, false, { ...t, policy: 'whileUp' }).delayUs, 3);
  assert.deepEqual(['TCP_CHECK', 'UDP_CHECK', 'PING_CHECK', 'MISC_CHECK', 'DNS_CHECK', 'SMTP_CHECK'].map(retryPolicyOf),
    ['always', 'whileUp', 'whileUp', 'whileUp', 'whileUp', 'always']);
});

const h: HttpWalkTiming = { urlCount: 2, retry: 1, delayLoopUs: 10, delayBeforeRetryUs: 3, fastRecovery: false };

function walk(start: HttpWalkState, outcomes: boolean[], timing = h): { delays: number[]; changes: (boolean | undefined)[]; end: HttpWalkState } {
  let s = start;
  const delays: number[] = [];
  const changes: (boolean | undefined)[] = [];
  for (const ok of outcomes) {
    const step = httpEpilog(s, ok, timing);
    delays.push(step.delayUs);
    changes.push(step.becomesUp);
    s = step.next;
  }
  return { delays, changes, end: s };
}

test('httpEpilog: pass, retry, fail, failed url needs a clean pass', () => {
  // Non-alpha: a full pass keeps it up (no change), urls delay_loop apart.
  const pass = walk(HTTP_WALK_START(true), [true, true]);
  assert.deepEqual(pass.delays, [10, 10]);
  assert.deepEqual(pass.changes, [undefined, undefined]);
  assert.deepEqual(pass.end, { up: true, hasRun: true, retryIt: 0, urlIndex: 0, failedUrl: false });
  // Up, url 0 fails twice (retry 1): retry after 3, then down with the url marked failed.
  const fail = walk(pass.end, [false, false, false]);
  assert.deepEqual(fail.delays, [3, 10, 10]);
  assert.deepEqual(fail.changes, [undefined, false, undefined]);
  assert.equal(fail.end.failedUrl, true);
  // Recovery: the failed url's success clears it and restarts; then a clean pass of 2 urls.
  const back = walk(fail.end, [true, true, true]);
  assert.deepEqual(back.changes, [undefined, undefined, true]);
  assert.deepEqual(back.end, { up: true, hasRun: true, retryIt: 0, urlIndex: 0, failedUrl: false });
  // max(delay_before_retry, delay_loop) once failed, even if dbr is the longer.
  assert.equal(httpEpilog(fail.end, false, { ...h, delayBeforeRetryUs: 30 }).delayUs, 30);
  // Before the first full pass, a success primes retry_it = retry: a later url's failure is final.
  const first = walk(HTTP_WALK_START(true), [true, false]);
  assert.deepEqual(first.changes, [undefined, false]);
  // fast_recovery: no delay before the first pass, nor while down without a failed url.
  const fast = walk(HTTP_WALK_START(false), [true, true, true], { ...h, fastRecovery: true });
  assert.deepEqual(fast.delays, [0, 10, 10]);
  assert.deepEqual(fast.changes, [undefined, true, undefined]);
});
