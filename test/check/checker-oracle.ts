// One side of the keepalived differential test, run inside the IPVS guest (run-in-vm.sh):
//   node --import tsx test/check/checker-oracle.ts keepalived|ours
// A Node HTTP server on 127.0.0.1 logs every request with the status it answered. The same
// keepalived.conf (HTTP_GET, retry 2, delay_before_retry 1, delay_loop 1) is checked either by
// keepalived 2.2.7 (`keepalived -C`, notify scripts append to a file) or by our stack (config
// parser -> schedulerInputFromConfig -> CheckerScheduler -> OsProbeRunner). The server answers
// 200, then 500 until the real server is notified down, then 200 until it is notified up.
// Prints one JSON line: {t1 (switch to 500), t2 (switch back), requests, events}, times in ms.
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parse } from 'keepalived-conf-parser';
import { Prng } from '../../src/base/prng.ts';
import { CheckerScheduler } from '../../src/check/checker-scheduler.ts';
import { schedulerInputFromConfig } from '../../src/check/scheduler-input-from-config.ts';
import { buildConfig } from '../../src/config/index.ts';
import { nodeConfigFs } from '../../src/os/config-fs.ts';
import { OsProbeRunner } from '../../src/os/probes/os-probe-runner.ts';

const who = process.argv[2];
const dir = process.env.ORACLE_DIR ?? '/tmp';
const evFile = `${dir}/oracle-events`;
let status = 200;
const requests: { t: number; status: number }[] = [];
const server = http.createServer((_req, res) => {
  requests.push({ t: Date.now(), status });
  res.writeHead(status);
  res.end('oracle\n');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;

const notify = `${dir}/oracle-notify.sh`;
writeFileSync(notify, `#!/bin/sh\necho "$1 $(date +%s%N)" >> ${evFile}\n`);
chmodSync(notify, 0o755);
writeFileSync(evFile, '');
const conf = `
global_defs {
  script_user root
  enable_script_security
}
virtual_server 10.0.0.1 80 {
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  delay_loop 1
  real_server 127.0.0.1 ${port} {
    weight 1
    notify_up "${notify} up"
    notify_down "${notify} down"
    HTTP_GET {
      url {
        path /health
        status_code 200
      }
      connect_timeout 1
      retry 2
      delay_before_retry 1
      warmup 0
    }
  }
}
`;
const confFile = `${dir}/oracle.conf`;
writeFileSync(confFile, conf);

const events = (): { event: string; t: number }[] =>
  readFileSync(evFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
    const [event, ns] = l.split(' ');
    return { event: event!, t: Number(BigInt(ns!) / 1_000_000n) };
  });

let stop: () => Promise<void>;
if (who === 'keepalived') {
  const child = spawn('keepalived', ['-C', '-n', '-l', '-D', '-f', confFile, '-p', `${dir}/ka.pid`, '-c', `${dir}/kc.pid`], { stdio: 'ignore' });
  stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => { child.once('exit', r); setTimeout(r, 5000); });
  };
} else {
  const p = parse(conf, confFile, { fs: nodeConfigFs, configId: 'oracle' });
  const { input } = schedulerInputFromConfig(buildConfig(p.statements).config);
  const sched = new CheckerScheduler(input, new Prng(1));
  const runner = new OsProbeRunner({ maxConcurrent: 4 });
  const t0 = performance.now();
  const nowUs = () => Math.round((performance.now() - t0) * 1000);
  let timer: NodeJS.Timeout | undefined;
  let running = true;
  const pump = (): void => {
    for (let a = sched.pollAction(); a; a = sched.pollAction()) {
      if (a.type === 'StartProbe') {
        const id = a.id;
        runner.start(id, a.spec, (o) => { sched.handleProbeResult(nowUs(), id, o); pump(); });
      } else if (a.type === 'CancelProbe') runner.cancel(a.id);
      // Recorded when the core decides, not after a fork: forking a big node process under
      // user-mode Linux takes a second and would blur the comparison.
      else if (a.type === 'Notify') appendFileSync(evFile, `${a.script.argv[1]} ${BigInt(Date.now()) * 1_000_000n}\n`);
    }
    clearTimeout(timer);
    const at = sched.nextDeadline();
    if (at !== undefined && running) timer = setTimeout(() => { sched.handleTimeout(nowUs()); pump(); }, Math.max(0, (at - nowUs()) / 1000));
  };
  sched.start(nowUs());
  pump();
  stop = async () => { running = false; clearTimeout(timer); await runner.close(); };
}

async function waitFor(pred: () => boolean, limitMs: number, what: string): Promise<void> {
  const end = Date.now() + limitMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`${who}: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let out: unknown;
try {
  await waitFor(() => requests.length >= 2, 15_000, 'two healthy probes');
  status = 500;
  const t1 = Date.now();
  await waitFor(() => events().some((e) => e.event === 'down'), 20_000, 'notify_down');
  status = 200;
  const t2 = Date.now();
  await waitFor(() => events().some((e) => e.event === 'up' && e.t >= t2), 20_000, 'notify_up');
  await new Promise((r) => setTimeout(r, 300));
  out = { who, t1, t2, requests, events: events() };
} finally {
  await stop();
  server.closeAllConnections();
  server.close();
}
console.log(JSON.stringify(out));
