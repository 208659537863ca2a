// One side of the keepalived differential tests, run inside the IPVS guest (run-in-vm.sh) for
// keepalived, on the host for ours:
//   node --import tsx test/check/checker-oracle.ts keepalived|ours http|misc|tcp|udp|dns|smtp
// The same keepalived.conf is checked either by keepalived 2.2.7 (`keepalived -C`; notify
// scripts append to a file; weights read back with ipvsadm) or by our stack (config parser ->
// schedulerInputFromConfig -> CheckerScheduler -> OsProbeRunner, driven by a real clock).
//   http: HTTP_GET (retry 2, delay_before_retry 1, delay_loop 1) on a Node server that answers
//         200, then 500 until the real server is notified down, then 200 until notified up.
//   misc: MISC_CHECK misc_dynamic (weight 5) whose script exits with a code read from a file;
//         after each code has been seen twice, the real server's IPVS state is sampled.
//   tcp/udp: TCP_CHECK / UDP_CHECK (retry 2, delay_before_retry 1, delay_loop 3) on a socket that
//         is closed (refused / port unreachable) for two delay_loops, then reopened; tcpdump on
//         lo times every connect attempt / datagram, so retries while down are visible.
//   dns/smtp: DNS_CHECK / SMTP_CHECK, same timing, on responders that answer REFUSED / a 554
//         banner for two delay_loops and count the attempts themselves.
// Prints one JSON line; times in ms.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ByteWriter } from '../../src/base/bytes.ts';
import { decodeDnsMessage, encodeDnsName } from '../../src/check/dns-message.ts';

const who = process.argv[2];
const scenario = process.argv[3] ?? 'http';
const dir = process.env.ORACLE_DIR ?? '/tmp';
const evFile = `${dir}/oracle-events`;
const runsFile = `${dir}/oracle-misc-runs`;
const codeFile = `${dir}/oracle-misc-code`;
export const MISC_CODES = [0, 12, 255, 0, 1, 7, 2];

let status = 200;
const requests: { t: number; status: number }[] = [];
const server = http.createServer((_req, res) => {
  requests.push({ t: Date.now(), status });
  res.writeHead(status);
  res.end('oracle\n');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;

// tcp scenario: a listener that accepts and drops; closing it makes connects fail (RST).
// tcpdump on lo timestamps every SYN sent to it, so attempts are counted even while refused.
// udp scenario: the same with a UDP socket (closed = ICMP port unreachable = failure).
const tcpServer = net.createServer((s) => { s.on('error', () => undefined); s.destroy(); });
let udpServer: dgram.Socket | undefined;
let smtpServer: net.Server | undefined;
const openUdp = (p: number) => new Promise<number>((r) => {
  udpServer = dgram.createSocket('udp4');
  udpServer.bind(p, '127.0.0.1', () => r(udpServer!.address().port));
});
// dns/smtp scenarios: responders that answer well, or badly while `failing` (REFUSED / 554),
// and count the attempts themselves.
let failing = false;
const attemptsSeen: number[] = [];
let tcpPort = 0;
if (scenario === 'dns') {
  const srv = dgram.createSocket('udp4');
  srv.on('message', (m, rinfo) => {
    attemptsSeen.push(Date.now());
    const d = decodeDnsMessage(m);
    if (!d.ok || !d.msg.questions[0]) return;
    const q = d.msg.questions[0];
    const w = new ByteWriter().u16be(d.msg.id).u16be(0x8180 | (failing ? 5 : 0)).u16be(1).u16be(0).u16be(0).u16be(0);
    w.bytes(encodeDnsName(q.name)!).u16be(q.type).u16be(1);
    srv.send(w.finish(), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => srv.bind(0, '127.0.0.1', r));
  tcpPort = srv.address().port;
  udpServer = srv;
} else if (scenario === 'smtp') {
  const srv = net.createServer((c) => {
    attemptsSeen.push(Date.now());
    c.on('error', () => undefined);
    c.setEncoding('latin1');
    c.write(failing ? '554 not now\r\n' : '220 oracle ESMTP\r\n');
    c.on('data', (d: string) => {
      if (d.startsWith('HELO')) c.write('250 oracle\r\n');
      else if (d.startsWith('QUIT')) c.end('221 bye\r\n');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  tcpPort = (srv.address() as AddressInfo).port;
  smtpServer = srv;
} else if (scenario === 'tcp') {
  await new Promise<void>((r) => tcpServer.listen(0, '127.0.0.1', r));
  tcpPort = (tcpServer.address() as AddressInfo).port;
} else if (scenario === 'udp') {
  tcpPort = await openUdp(0);
}
const syns: number[] = [];
const filter = scenario === 'udp' ? `udp dst port ${tcpPort}` : `tcp dst port ${tcpPort} and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn`;
const tcpdump = scenario === 'tcp' || scenario === 'udp'
  ? spawn('tcpdump', ['-i', 'lo', '-n', '-l', '-tt', '--immediate-mode', filter], { stdio: ['ignore', 'pipe', 'ignore'] })
  : undefined;
// tcpdump's own capture time (-tt: epoch seconds), not the time its line reaches us.
tcpdump?.stdout!.on('data', (d: Buffer) => {
  for (const l of d.toString().split('\n')) {
    const m = /^(\d+)\.(\d{6}) .* > /.exec(l);
    if (m) syns.push(Number(m[1]) * 1000 + Math.floor(Number(m[2]) / 1000));
  }
});

const notify = `${dir}/oracle-notify.sh`;
writeFileSync(notify, `#!/bin/sh\necho "$1 $(date +%s%N)" >> ${evFile}\n`);
chmodSync(notify, 0o755);
writeFileSync(evFile, '');
const miscScript = `${dir}/oracle-misc.sh`;
writeFileSync(miscScript, `#!/bin/sh\necho run >> ${runsFile}\nexit $(cat ${codeFile})\n`);
chmodSync(miscScript, 0o755);
writeFileSync(runsFile, '');
writeFileSync(codeFile, '0');

const ATTEMPT_SCENARIOS = ['tcp', 'udp', 'dns', 'smtp'];
const checker = ATTEMPT_SCENARIOS.includes(scenario) ? `
    ${{ tcp: 'TCP_CHECK', udp: 'UDP_CHECK', dns: 'DNS_CHECK', smtp: 'SMTP_CHECK' }[scenario]} {${scenario === 'dns' ? '\n      type A\n      name www.example.test' : ''}
      connect_timeout 1
      retry 2
      delay_before_retry 1
      warmup 0
    }` : scenario === 'misc' ? `
    MISC_CHECK {
      misc_path "${miscScript}"
      misc_timeout 2
      misc_dynamic
      warmup 0
    }` : `
    HTTP_GET {
      url {
        path /health
        status_code 200
      }
      connect_timeout 1
      retry 2
      delay_before_retry 1
      warmup 0
    }`;
const conf = `
global_defs {
  script_user root
  enable_script_security
}
virtual_server 10.0.0.${{ http: 1, misc: 2, tcp: 3, udp: 4, dns: 5, smtp: 6 }[scenario] ?? 1} 80 {
  lvs_sched rr
  lvs_method NAT
  protocol ${scenario === 'udp' || scenario === 'dns' ? 'UDP' : 'TCP'}
  delay_loop ${ATTEMPT_SCENARIOS.includes(scenario) ? 3 : 1}
  real_server 127.0.0.1 ${tcpPort || port} {
    weight 5
    notify_up "${notify} up"
    notify_down "${notify} down"${checker}
  }
}
`;
const confFile = `${dir}/oracle.conf`;
writeFileSync(confFile, conf);

/** keepalived's own log lines, timed as they arrive (the http scenario's events, see below). */
const logEvents: { event: string; t: number }[] = [];
const events = (): { event: string; t: number }[] => (who === 'keepalived' && scenario !== 'misc') ? logEvents :
  readFileSync(evFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
    const [event, ns] = l.split(' ');
    return { event: event!, t: Number(BigInt(ns!) / 1_000_000n) };
  });
const runs = () => readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).length;

let stop: () => Promise<void>;
/** The real server's state as the load balancer sees it: its weight, or 'absent'. */
let sample: () => number | 'absent';
if (who === 'keepalived') {
  const child = spawn('keepalived', ['-C', '-n', '-l', '-D', '-f', confFile, '-p', `${dir}/ka.pid`, '-c', `${dir}/kc.pid`], { stdio: ['ignore', 'pipe', 'pipe'] });
  // The notify script's own timestamp comes after a fork+exec, which under a loaded
  // user-mode Linux can lag by more than a delay_loop; the checker's log line does not.
  let buffered = '';
  const onLog = (d: Buffer) => {
    buffered += d.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (/HTTP_CHECK on service .* failed/.test(line)) logEvents.push({ event: 'down', t: Date.now() });
      else if (/Remote Web server .* succeed on service/.test(line)) logEvents.push({ event: 'up', t: Date.now() });
      else if (/TCP_CHECK on service .* failed/.test(line)) logEvents.push({ event: 'down', t: Date.now() });
      else if (/TCP connection to .* success/.test(line)) logEvents.push({ event: 'up', t: Date.now() });
      else if (/UDP_CHECK on service .* failed/.test(line)) logEvents.push({ event: 'down', t: Date.now() });
      else if (/UDP connection to .* success/.test(line)) logEvents.push({ event: 'up', t: Date.now() });
      // Any checker: the real server leaving / joining IPVS (ipwrapper.c perform_svr_state).
      else if (/Removing service .* from VS/.test(line)) logEvents.push({ event: 'down', t: Date.now() });
      else if (/Adding service .* to VS/.test(line)) logEvents.push({ event: 'up', t: Date.now() });
    }
  };
  child.stdout!.on('data', onLog);
  child.stderr!.on('data', onLog);
  stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => { child.once('exit', r); setTimeout(r, 5000); });
  };
  sample = () => {
    const out = spawnSync('ipvsadm', ['-Ln'], { encoding: 'utf8' }).stdout;
    const m = new RegExp(`-> 127\\.0\\.0\\.1:${port}\\s+\\S+\\s+(\\d+)`).exec(out);
    return m ? Number(m[1]) : 'absent';
  };
} else {
  // Our stack is imported only on our side: loading the config parser under user-mode Linux
  // costs half a minute the keepalived side does not need.
  const { parse } = await import('keepalived-conf-parser');
  const { Prng } = await import('../../src/base/prng.ts');
  const { CheckerScheduler } = await import('../../src/check/checker-scheduler.ts');
  const { schedulerInputFromConfig } = await import('../../src/check/scheduler-input-from-config.ts');
  const { buildConfig } = await import('../../src/config/index.ts');
  const { nodeConfigFs } = await import('../../src/os/config-fs.ts');
  const { OsProbeRunner } = await import('../../src/os/probes/os-probe-runner.ts');
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
  sample = () => {
    const st = sched.realServerStatus(input.realServers[0]!.key)!;
    return st.up ? st.weight : 'absent';
  };
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
  if (ATTEMPT_SCENARIOS.includes(scenario)) {
    const seen = scenario === 'dns' || scenario === 'smtp' ? attemptsSeen : syns;
    await waitFor(() => seen.length >= 2, 20_000, 'two healthy probes');
    if (scenario === 'tcp') await new Promise<void>((r) => tcpServer.close(() => r()));
    else if (scenario === 'udp') await new Promise<void>((r) => udpServer!.close(() => r()));
    else failing = true;
    const t1 = Date.now();
    await waitFor(() => events().some((e) => e.event === 'down' && e.t >= t1), 20_000, 'down');
    // Two full delay_loops while down: how many connects does a dead server get?
    await new Promise((r) => setTimeout(r, 7000));
    const t2 = Date.now();
    if (scenario === 'tcp') await new Promise<void>((r) => tcpServer.listen(tcpPort, '127.0.0.1', r));
    else if (scenario === 'udp') await openUdp(tcpPort);
    else failing = false;
    await waitFor(() => events().some((e) => e.event === 'up' && e.t >= t2), 20_000, 'up again');
    out = { who, t1, t2, syns: seen, events: events() };
  } else if (scenario === 'misc') {
    const states: (number | 'absent')[] = [];
    await waitFor(() => runs() >= 1, 15_000, 'a first script run');
    for (const code of MISC_CODES) {
      writeFileSync(codeFile, String(code));
      const seen = runs();
      // Two runs started after the write: the first of them has finished and been applied.
      await waitFor(() => runs() >= seen + 2, 15_000, `two runs with exit ${code}`);
      await new Promise((r) => setTimeout(r, 200));
      states.push(sample());
    }
    out = { who, codes: MISC_CODES, states, events: events() };
  } else {
    await waitFor(() => requests.length >= 2, 15_000, 'two healthy probes');
    status = 500;
    const t1 = Date.now();
    await waitFor(() => events().some((e) => e.event === 'down'), 20_000, 'notify_down');
    status = 200;
    const t2 = Date.now();
    await waitFor(() => events().some((e) => e.event === 'up' && e.t >= t2), 20_000, 'notify_up');
    await new Promise((r) => setTimeout(r, 300));
    out = { who, t1, t2, requests, events: events() };
  }
} finally {
  tcpdump?.kill();
  tcpServer.close();
  try { udpServer?.close(); } catch { /* closed */ }
  smtpServer?.close();
  await stop();
  server.closeAllConnections();
  server.close();
}
console.log(JSON.stringify(out));
