// The retry rules of the single-probe checkers (TCP, UDP, PING, SMTP, DNS, MISC) as one pure
// transition, the sibling of http-epilog.ts. After each probe:
//   success                 -> retry count 0; up if it was down; next probe after delay_loop
//   failure, retries left   -> retry count + 1; next probe after delay_before_retry
//   failure, none left      -> down if it was up; retry count 0; next after delay_loop
// 'always' (TCP_CHECK check_tcp.c tcp_epilog, SMTP_CHECK check_smtp.c): retries are spent even
// while down, so a dead server costs retry + 1 connects per delay_loop.
// 'whileUp' (UDP, DNS, PING, MISC: check_udp.c udp_epilog, check_dns.c, check_ping.c
// icmp_epilog, check_misc.c): retries only while up or before the first probe; a down checker
// simply probes every delay_loop.
// TCP, SMTP, UDP and DNS were checked against keepalived 2.2.7 itself
// (test/check/keepalived-differential.test.ts); PING and MISC follow the 2.2 sources.

export type RetryPolicy = 'always' | 'whileUp';

export interface RetryState {
  readonly up: boolean;
  readonly hasRun: boolean;
  readonly retryIt: number;
}

export interface RetryTiming {
  readonly retry: number;
  readonly delayLoopUs: number;
  readonly delayBeforeRetryUs: number;
  readonly policy: RetryPolicy;
}

export interface RetryStep {
  readonly next: RetryState;
  readonly delayUs: number;
  /** Set when the checker changes state. */
  readonly becomesUp?: boolean;
  /** Retries spent before this verdict (for the reason text). */
  readonly retriesSpent: number;
}

export function retryEpilog(s: RetryState, ok: boolean, t: RetryTiming): RetryStep {
  if (ok) {
    return {
      next: { up: true, hasRun: true, retryIt: 0 }, delayUs: t.delayLoopUs, retriesSpent: s.retryIt,
      ...(s.up ? {} : { becomesUp: true }),
    };
  }
  const mayRetry = t.policy === 'always' || s.up || !s.hasRun;
  if (mayRetry && s.retryIt < t.retry) {
    return { next: { up: s.up, hasRun: true, retryIt: s.retryIt + 1 }, delayUs: t.delayBeforeRetryUs, retriesSpent: s.retryIt };
  }
  return {
    next: { up: false, hasRun: true, retryIt: 0 }, delayUs: t.delayLoopUs, retriesSpent: s.retryIt,
    ...(s.up ? { becomesUp: false } : {}),
  };
}

export function retryPolicyOf(type: string): RetryPolicy {
  return type === 'TCP_CHECK' || type === 'SMTP_CHECK' ? 'always' : 'whileUp';
}
