// CPU cost of health checking: per 1000 TCP_CHECK and HTTP_GET probes on loopback, two ways:
//  - burst: N probes through the OsProbeRunner at the given concurrency (hot, JIT-optimised code);
//  - daemon pace: the LVS half as the daemon runs it (startLvs: LvsDirector, MonotonicClock,
//    OsProbeRunner; a silent IPVS port) with CHECKS real servers at delay_loop 1 for SECONDS.
//    This is the figure that matters: at a few probes per loop turn V8 never optimises the probe
//    path and every loop turn, timer and clock read is paid per probe (issue 4).
// and per 1000 scheduling decisions of the pure CheckerScheduler.
// The servers run in a child process so their CPU is not counted; we report this process's
// user+system CPU (process.cpuUsage) per 1000 probes (and the wall rate for the burst).
//
//   node --import tsx bench/check-cost.ts [probes=5000] [concurrency=64] [checks=20] [seconds=20]
// This is our probe runner alone on the host; the whole daemon beside keepalived 2.2.7's checker
// process, same configuration, same IPVS guest: bench/lvs-check-cost.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Prng } from '../src/base/prng.ts';
import type { CheckerSpec, ProbeSpec } from '../src/check/checker-spec.ts';
import { CheckerScheduler } from '../src/check/checker-scheduler.ts';
import type { DaemonLogger } from '../src/daemon/daemon-log.ts';
import { loadConfig } from '../src/daemon/load-config.ts';
import { startLvs } from '../src/daemon/lvs-start.ts';
import { OsProbeRunner } from '../src/os/probes/os-probe-runner.ts';

const N = Number(process.argv[2] ?? 5000);
const CONCURRENCY = Number(process.argv[3] ?? 64);
const CHECKS = Number(process.argv[4] ?? 20);
const SECONDS = Number(process.argv[5] ?? 20);

// COUNT HTTP and COUNT TCP listeners on 127.0.0.1; a line on stdin answers the connections served.
const SERVER = `
const http = require('node:http'); const net = require('node:net');
const body = Buffer.alloc(1024, 'a'); const count = Number(process.env.COUNT); const ports = { http: [], tcp: [] }; let served = 0;
const listen = (srv, list) => new Promise((r) => srv.listen(0, '127.0.0.1', () => { list.push(srv.address().port); r(); }));
(async () => {
  for (let i = 0; i < count; i++) {
    await listen(http.createServer((q, r) => { served++; r.writeHead(200); r.end(body); }), ports.http);
    await listen(net.createServer((s) => { served++; s.destroy(); }), ports.tcp);
  }
  process.stdout.write(JSON.stringify(ports) + '\\n');
  process.stdin.on('data', () => process.stdout.write(served + '\\n'));
})();`;

interface Servers { ports: { http: number[]; tcp: number[] }; served(): Promise<number>; stop(): void }

async function startServers(count: number): Promise<Servers> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, COUNT: String(count) } });
  const line = (): Promise<string> => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('servers did not answer')), 10_000);
    child.stdout.once('data', (d: Buffer) => { clearTimeout(t); resolve(d.toString()); });
  });
  const ports = JSON.parse(await line()) as Servers['ports'];
  return { ports, served: async () => { const l = line(); child.stdin.write('\n'); return Number(await l); }, stop: () => child.kill('SIGKILL') };
}

/** The LVS half at daemon pace: CPU per 1000 probes counted by the servers. */
async function daemonPace(servers: Servers, kind: 'tcp' | 'http'): Promise<{ probes: number; cpuMsPer1000: number; down: number }> {
  const check = (port: number) => kind === 'http'
    ? `    HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n      connect_port ${port}\n      connect_timeout 3\n    }\n`
    : `    TCP_CHECK {\n      connect_port ${port}\n      connect_timeout 3\n    }\n`;
  let text = 'global_defs {\n  router_id checkcost\n}\n';
  for (let i = 0; i < CHECKS; i++) {
    const port = servers.ports[kind][i]!;
    text += `virtual_server 10.1.${i >> 8}.${i & 255} 80 {\n  delay_loop 1\n  lvs_sched wrr\n  lvs_method NAT\n  protocol TCP\n  real_server 127.0.0.1 ${port} {\n    weight 1\n${check(port)}  }\n}\n`;
  }
  const dir = mkdtempSync(join(tmpdir(), 'check-cost-'));
  try {
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, text);
    const loaded = await loadConfig({ file, configId: '', allConfig: false, hostChecks: false });
    if (!loaded.config) throw new Error(`bench configuration: ${JSON.stringify(loaded.diagnostics)}`);
    const quiet = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false } as unknown as DaemonLogger;
    // No IPVS here: a port that never answers (the director retries now and then, the same before and after).
    const ipvs = { send() {}, onMessages() {}, onOverrun() {}, modprobe(_m: string, done: (ok: boolean) => void) { done(false); } };
    let down = 0;
    const lvs = startLvs(loaded.config, { log: quiet, ipvs, seed: 1, onEvent: (e) => { if (e.kind === 'health' && !e.up) down++; } });
    await sleep(2500); // past the warmup spread: every checker cycles
    const n0 = await servers.served();
    const cpu0 = process.cpuUsage();
    await sleep(SECONDS * 1000);
    const cpu = process.cpuUsage(cpu0);
    const probes = (await servers.served()) - n0;
    await lvs.stop();
    return { probes, cpuMsPer1000: ((cpu.user + cpu.system) / 1000 / probes) * 1000, down };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

const servers = await startServers(Math.max(1, CHECKS));
const { ports } = servers;
const runner = new OsProbeRunner({ maxConcurrent: CONCURRENCY });
try {
  const tcp: ProbeSpec = { kind: 'tcp', connect: { host: '127.0.0.1', port: ports.tcp[0]!, timeoutUs: 5e6 } };
  const http: ProbeSpec = { kind: 'http', connect: { host: '127.0.0.1', port: ports.http[0]!, timeoutUs: 5e6 }, url: { path: '/' }, protocol: '1.0' };
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
  if (CHECKS > 0) {
    for (const kind of ['tcp', 'http'] as const) {
      const p = await daemonPace(servers, kind);
      console.log(`daemon pace ${kind === 'tcp' ? 'TCP_CHECK' : 'HTTP_GET '}: ${fmt(p.cpuMsPer1000)} ms CPU per 1000 probes (${CHECKS} checks, delay_loop 1, ${p.probes} probes in ${SECONDS} s, ${p.down} down)`);
    }
  }
  console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
} finally {
  await runner.close();
  servers.stop();
}
