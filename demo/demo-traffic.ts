// DemoTraffic: the client's request log (one entry per finished request, from load-client's
// `R sent done ok what` lines) and the questions the demo asks of it: how many in a window,
// how many failed, which servers answered, the first success after an instant.
export interface RequestResult {
  readonly sentMs: number;
  readonly doneMs: number;
  readonly ok: boolean;
  /** The server's name when ok, else the error code (TIMEOUT, ECONNREFUSED...). */
  readonly what: string;
}

export function parseRequestLine(line: string): RequestResult | undefined {
  const m = /^R (\d+) (\d+) ([01]) (\S+)$/.exec(line);
  if (!m) return undefined;
  return { sentMs: Number(m[1]), doneMs: Number(m[2]), ok: m[3] === '1', what: m[4]! };
}

export class DemoTraffic {
  readonly all: RequestResult[] = [];

  add(r: RequestResult): void {
    this.all.push(r);
  }

  /** Requests sent in [fromMs, toMs). */
  sentIn(fromMs: number, toMs = Infinity): RequestResult[] {
    return this.all.filter((r) => r.sentMs >= fromMs && r.sentMs < toMs);
  }

  /** The first request sent at or after fromMs that succeeded (by completion time). */
  firstSuccessAfter(fromMs: number): RequestResult | undefined {
    let best: RequestResult | undefined;
    for (const r of this.all) if (r.ok && r.sentMs >= fromMs && (!best || r.doneMs < best.doneMs)) best = r;
    return best;
  }
}

export interface Spread {
  readonly sent: number;
  readonly failed: number;
  /** Successful answers per server name. */
  readonly byServer: ReadonlyMap<string, number>;
  /** Failures per error code. */
  readonly byError: ReadonlyMap<string, number>;
}

export function spread(rs: readonly RequestResult[]): Spread {
  const byServer = new Map<string, number>();
  const byError = new Map<string, number>();
  let failed = 0;
  for (const r of rs) {
    const m = r.ok ? byServer : byError;
    if (!r.ok) failed++;
    m.set(r.what, (m.get(r.what) ?? 0) + 1);
  }
  return { sent: rs.length, failed, byServer, byError };
}

/** "150 requests, 0 failed: r1 75, r2 50, r3 25" */
export function formatSpread(s: Spread): string {
  const servers = [...s.byServer].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ');
  const errors = [...s.byError].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${s.sent} requests, ${s.failed} failed${errors ? ` (${errors})` : ''}: ${servers || 'no server answered'}`;
}
