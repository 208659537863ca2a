// CPU cost of health checking: per 1000 TCP_CHECK and HTTP_GET probes on loopback through the
// OsProbeRunner, and per 1000 scheduling decisions of the pure CheckerScheduler.
// The servers run in a child process so their CPU is not counted; we report this process's
// user+system CPU (process.cpuUsage) per 1000 probes, and the wall time at the given concurrency.
//
//   node --import tsx bench/check-cost.ts [probes=5000] [concurrency=64]
// This is our probe runner alone on the host; the whole daemon beside keepalived 2.2.7's checker
// process, same configuration, same IPVS guest: bench/lvs-check-cost.ts.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Prng } from '../src/base/prng.ts';
import type { CheckerSpec, ProbeSpec } from '../src/check/checker-spec.ts';
import { CheckerScheduler } from '../src/check/checker-scheduler.ts';
import { OsProbeRunner } from '../src/os/probes/os-probe-runner.ts';

const N = Number(process.argv[2] ?? 5000);
const CONCURRENCY = Number(process.argv[3] ?? 64);

const SERVER = `
const http = require('node:http'); const net = require('node:net');
const body = Buffer.alloc(1024, 'a');
const h = http.createServer((q, r) => { r.writeHead(200); r.end(body); }).listen(0, '127.0.0.1', () => {
  const t = net.createServer((s) => s.destroy()).listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ http: h.address().port, tcp: t.address().port }) + '\\n');
  });
});`;

async function startServers(): Promise<{ ports: { http: number; tcp: number }; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<{ http: number; tcp: number }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('servers did not start')), 10_000);
    child.stdout.once('data', (d: Buffer) => { clearTimeout(t); resolve(JSON.parse(d.toString())); });
  });
  return { ports, stop: () => child.kill('SIGKILL') };
}

async function measure(runner: OsProbeRunner, spec: ProbeSpec, n: number): Promise<{ cpuUsPer1000: number; wallMs: number; failures: number }> {
  let failures = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let left = n;
    for (let i = 0; i < n; i++) {
      runner.start(`b${spec.kind}${i}`, spec, (o) => {
        if (o.kind !== 'ok') failures++;
        if (--left === 0) resolve();
      });
    }
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUsPer1000: ((cpu.user + cpu.system) / n) * 1000, wallMs, failures };
}

function schedulerCost(checkers: number, seconds: number): { decisions: number; cpuUsPer1000: number } {
  const specs: CheckerSpec[] = Array.from({ length: checkers }, (_, i) => ({
    id: `c${i}`, realServer: `r${i % 1000}`, type: 'TCP_CHECK', probe: { kind: 'tcp', connect: { host: '127.0.0.1', port: 80, timeoutUs: 5e6 } },
    delayLoopUs: 5e6, retry: 1, delayBeforeRetryUs: 1e6, warmupUs: 5e6,
  }));
  const sched = new CheckerScheduler({
    virtualServers: [{ key: 'vs', quorum: 1, hysteresis: 0, omega: false }],
    realServers: Array.from({ length: 1000 }, (_, i) => ({ key: `r${i}`, virtualServer: 'vs', weight: 1, alpha: false })),
    checkers: specs,
  }, new Prng(1));
  const cpu0 = process.cpuUsage();
  sched.start(0);
  let decisions = 0;
  const prng = new Prng(2);
  for (;;) {
    const at = sched.nextDeadline();
    if (at === undefined || at > seconds * 1e6) break;
    sched.handleTimeout(at);
    for (let a = sched.pollAction(); a; a = sched.pollAction()) {
      if (a.type === 'StartProbe') {
        decisions++;
        sched.handleProbeResult(at, a.id, prng.chance(0.99) ? { kind: 'ok' } : { kind: 'failed', reason: 'x' });
      }
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return { decisions, cpuUsPer1000: ((cpu.user + cpu.system) / decisions) * 1000 };
}

const { ports, stop } = await startServers();
const runner = new OsProbeRunner({ maxConcurrent: CONCURRENCY });
try {
  const tcp: ProbeSpec = { kind: 'tcp', connect: { host: '127.0.0.1', port: ports.tcp, timeoutUs: 5e6 } };
  const http: ProbeSpec = { kind: 'http', connect: { host: '127.0.0.1', port: ports.http, timeoutUs: 5e6 }, url: { path: '/' }, protocol: '1.0' };
  await measure(runner, tcp, 500); // warm up the JIT
  await measure(runner, http, 500);
  const t = await measure(runner, tcp, N);
  const h = await measure(runner, http, N);
  const s = schedulerCost(20_000, 60);
  const fmt = (x: number) => x.toFixed(0);
  console.log(`node ${process.version}, ${N} probes each, concurrency ${CONCURRENCY}, peak in flight ${runner.peakInFlight}`);
  console.log(`TCP_CHECK: ${fmt(t.cpuUsPer1000 / 1000)} ms CPU per 1000 probes, ${fmt((N / t.wallMs) * 1000)} probes/s, ${t.failures} failures`);
  console.log(`HTTP_GET : ${fmt(h.cpuUsPer1000 / 1000)} ms CPU per 1000 probes, ${fmt((N / h.wallMs) * 1000)} probes/s, ${h.failures} failures`);
  console.log(`scheduler: ${s.decisions} decisions for 20000 checkers over 60 virtual s, ${(s.cpuUsPer1000 / 1000).toFixed(2)} ms CPU per 1000`);
} finally {
  await runner.close();
  stop();
}
