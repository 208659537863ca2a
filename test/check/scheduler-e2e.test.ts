// End to end: the CheckerScheduler driven by a real clock with the Linux probes flips a real
// server down when its HTTP server stops and back up when it restarts. Bounds are loose and
// relative (delay_loop + retry x (delay_before_retry + timeout) + slack), never absolute times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Prng } from '../../src/base/prng.ts';
import type { CheckAction, CheckerSpec } from '../../src/check/checker-spec.ts';
import { CheckerScheduler } from '../../src/check/checker-scheduler.ts';
import { OsProbeRunner } from '../../src/os/probes/os-probe-runner.ts';

const MS = 1000;

/** The one-real-timer driver of DESIGN section 4, in miniature. */
class Driver {
  readonly events: { atMs: number; action: CheckAction }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly t0 = performance.now();
  private stopped = false;
  constructor(private readonly sched: CheckerScheduler, private readonly runner: OsProbeRunner) {}
  nowUs(): number { return Math.round((performance.now() - this.t0) * 1000); }
  start(): void { this.sched.start(this.nowUs()); this.pump(); }
  stop(): void { this.stopped = true; clearTimeout(this.timer); this.sched.shutdown(this.nowUs()); this.pump(); }
  private pump(): void {
    for (let a = this.sched.pollAction(); a; a = this.sched.pollAction()) {
      this.events.push({ atMs: this.nowUs() / MS, action: a });
      if (a.type === 'StartProbe') {
        const id = a.id;
        this.runner.start(id, a.spec, (o) => { this.sched.handleProbeResult(this.nowUs(), id, o); this.pump(); });
      } else if (a.type === 'CancelProbe') this.runner.cancel(a.id);
    }
    clearTimeout(this.timer);
    const at = this.sched.nextDeadline();
    if (at === undefined || this.stopped) return;
    this.timer = setTimeout(() => { this.sched.handleTimeout(this.nowUs()); this.pump(); }, Math.max(0, (at - this.nowUs()) / MS));
  }
  health(): { atMs: number; up: boolean }[] {
    return this.events.filter((e) => e.action.type === 'HealthChanged')
      .map((e) => ({ atMs: e.atMs, up: (e.action as Extract<CheckAction, { type: 'HealthChanged' }>).up }));
  }
  async waitFor(pred: () => boolean, limitMs: number, what: string): Promise<void> {
    const end = Date.now() + limitMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.health())}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

test('a real server goes down when its HTTP server stops and up when it restarts', async () => {
  const body = 'healthy\n';
  const serve = () => http.createServer((_req, res) => { res.writeHead(200); res.end(body); });
  let server = serve();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const delayLoopUs = 200 * MS, retry = 2, delayBeforeRetryUs = 100 * MS, timeoutUs = 300 * MS;
  const checker: CheckerSpec = {
    id: 'web', realServer: 'rs', type: 'HTTP_GET', fastRecovery: false, alpha: true,
    urls: [{ kind: 'http', connect: { host: '127.0.0.1', port, timeoutUs }, url: { path: '/', statusRanges: [[200, 200]] }, protocol: '1.1' }],
    delayLoopUs, retry, delayBeforeRetryUs, warmupUs: 0,
  };
  const sched = new CheckerScheduler({
    virtualServers: [{ key: 'vs', quorum: 1, hysteresis: 0, omega: false }],
    realServers: [{ key: 'rs', virtualServer: 'vs', weight: 1, alpha: true }],
    checkers: [checker],
  }, new Prng(42));
  const runner = new OsProbeRunner({ maxConcurrent: 4 });
  const driver = new Driver(sched, runner);
  const h = () => driver.health();
  try {
    driver.start();
    assert.deepEqual(h().map((e) => e.up), [false], 'alpha: starts down');
    // First probe after the 1 s bootstrap delay.
    await driver.waitFor(() => h().length === 2, 5000, 'first up');
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    const stoppedAt = driver.nowUs() / MS;
    await driver.waitFor(() => h().length === 3, 5000, 'down');
    const down = h()[2]!;
    assert.equal(down.up, false);
    const bound = (delayLoopUs + retry * (delayBeforeRetryUs + timeoutUs)) / MS;
    assert.ok(down.atMs >= stoppedAt, 'down after the stop');
    // Loose: the bound plus generous slack for a loaded machine.
    assert.ok(down.atMs - stoppedAt < bound + 2000, `down ${down.atMs - stoppedAt} ms after the stop, bound ${bound} ms`);
    // It took the retries, not one failure (retry + 1 probes; retry if one was in flight at the stop).
    const failedProbes = driver.events.filter((e) => e.action.type === 'StartProbe' && e.atMs >= stoppedAt && e.atMs <= down.atMs).length;
    assert.ok(failedProbes === retry + 1 || failedProbes === retry, `${failedProbes} probes between stop and down`);
    server = serve();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    const restartedAt = driver.nowUs() / MS;
    await driver.waitFor(() => h().length === 4, 5000, 'up again');
    const up = h()[3]!;
    assert.equal(up.up, true);
    assert.ok(up.atMs >= restartedAt && up.atMs - restartedAt < delayLoopUs / MS + 2000);
    assert.match(sched.realServerStatus('rs')!.reason, /HTTP_GET \/: status 200/);
  } finally {
    driver.stop();
    await runner.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
