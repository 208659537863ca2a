// HTTP_GET / SSL_GET url walking and retries: keepalived 2.2's check_http.c epilog() and
// timeout_epilog() as one pure transition. One probe checks one url; after it:
//   success  -> next url (retry count 0). Past the last url with no failed url: the checker is
//               up (if it was not). If a url had failed, its success only clears the failure and
//               restarts the walk from the first url: coming back needs a full clean pass.
//               Next probe after delay_loop (every url is delay_loop apart, up or not).
//   failure while up (or before the first full pass) -> retry count + 1; beyond `retry` the
//               checker goes down and the url is marked failed. While down, failures change
//               nothing. Next probe after delay_before_retry, or max(delay_before_retry,
//               delay_loop) once a url is marked failed.
//   fast_recovery: no delay at all before the first full pass, or while down with no failed url.
// Before the first full pass each success sets the retry count to `retry`, so a later url's
// first failure takes the checker down at once (check_http.c: `if (!has_run) retry_it = retry`).

export interface HttpWalkState {
  readonly up: boolean;
  readonly hasRun: boolean;
  readonly retryIt: number;
  readonly urlIndex: number;
  readonly failedUrl: boolean;
}

export interface HttpWalkTiming {
  readonly urlCount: number;
  readonly retry: number;
  readonly delayLoopUs: number;
  readonly delayBeforeRetryUs: number;
  readonly fastRecovery: boolean;
}

export interface HttpWalkStep {
  readonly next: HttpWalkState;
  readonly delayUs: number;
  /** Set when the checker changes state. */
  readonly becomesUp?: boolean;
}

export const HTTP_WALK_START = (up: boolean): HttpWalkState => ({ up, hasRun: false, retryIt: 0, urlIndex: 0, failedUrl: false });

export function httpEpilog(s: HttpWalkState, ok: boolean, t: HttpWalkTiming): HttpWalkStep {
  let { up, hasRun, retryIt, urlIndex, failedUrl } = s;
  let becomesUp: boolean | undefined;
  let delayUs: number;
  if (ok) {
    urlIndex++;
    retryIt = 0;
    if (urlIndex >= t.urlCount && !failedUrl) {
      if (!up || !hasRun) {
        if (!up) becomesUp = true;
        up = true;
        hasRun = true;
      }
      urlIndex = 0;
    } else if (failedUrl) {
      failedUrl = false;
      urlIndex = 0;
    }
    delayUs = t.delayLoopUs;
    if (!hasRun) retryIt = t.retry;
  } else {
    if (up || !hasRun) {
      // timeout_epilog marks the checker as run before epilog(REGISTER_CHECKER_RETRY).
      hasRun = true;
      retryIt++;
      if (retryIt > t.retry) {
        if (up) becomesUp = false;
        up = false;
        failedUrl = true;
      }
    }
    delayUs = failedUrl ? Math.max(t.delayBeforeRetryUs, t.delayLoopUs) : t.delayBeforeRetryUs;
  }
  if (t.fastRecovery && (!hasRun || (!up && !failedUrl))) delayUs = 0;
  const next = { up, hasRun, retryIt, urlIndex, failedUrl };
  return becomesUp === undefined ? { next, delayUs } : { next, delayUs, becomesUp };
}
