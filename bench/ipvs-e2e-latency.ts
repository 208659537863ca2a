// bench/ipvs-e2e-latency: one real server's change, from its HTTP server dying (or coming back)
// to the kernel's IPVS table, through the whole LVS daemon -- ours against keepalived 2.2.7 with
// the same keepalived.conf, in the same user-mode-linux guest and namespace layout.
//
//   node --import tsx bench/ipvs-e2e-latency.ts                  (host: bundles, boots the guest, reports)
//   FILLER=200 FLIPS=10 node --import tsx bench/ipvs-e2e-latency.ts
//
// Layout: a director namespace holding the daemon, a bridge to r1 (the server that flips) and r2
// (always up). VS 10.0.1.100:80 has r1 + r2 (HTTP_GET, delay_loop 1, retry 0); FILLER more
// virtual servers (TCP_CHECK on r2, delay_loop 5) make the table and the checker load bigger.
// Measured per flip:
//   kill/start -> kernel: polling /proc/<daemon pid>/net/ip_vs every 5 ms (no process spawned);
//     it includes the wait for the next probe (uniform in [0, delay_loop]), so it is compared as
//     a distribution, ours vs keepalived;
//   verdict -> ACK (ours only): the daemon's own events, health verdict to the kernel's ACK.
// Figures are for this guest (1 emulated CPU); ratios matter, not absolute numbers.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const FILLER = Number(process.env.FILLER ?? 100);
const FLIPS = Number(process.env.FLIPS ?? 10);

// ------------------------------------------------------------------------------------ guest side

const sh = (cmd: string): string => execFileSync('bash', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function config(): string {
  const filler: string[] = [];
  for (let i = 0; i < FILLER; i++) {
    filler.push(`virtual_server 10.0.3.${1 + (i % 250)} ${1000 + Math.floor(i / 250)} {
  delay_loop 5
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  real_server 10.0.2.12 80 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}`);
  }
  return `
virtual_server 10.0.1.100 80 {
  delay_loop 1
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  real_server 10.0.2.11 80 {
    weight 1
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      connect_timeout 1
      retry 0
      warmup 0
    }
  }
  real_server 10.0.2.12 80 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 0
      warmup 0
    }
  }
}
${filler.join('\n')}
`;
}

function setup(p: string): void {
  const lines = ['set -e', `ip netns add ${p}d`, `ip -n ${p}d link set lo up`,
    `ip -n ${p}d link add br0 type bridge; ip -n ${p}d addr add 10.0.2.1/24 dev br0; ip -n ${p}d link set br0 up`];
  for (const i of [1, 2]) {
    lines.push(`ip netns add ${p}r${i}`, `ip link add eth0 netns ${p}r${i} type veth peer name r${i} netns ${p}d`,
      `ip -n ${p}d link set r${i} master br0; ip -n ${p}d link set r${i} up`,
      `ip -n ${p}r${i} addr add 10.0.2.1${i}/24 dev eth0; ip -n ${p}r${i} link set eth0 up; ip -n ${p}r${i} link set lo up`);
  }
  sh(lines.join('\n'));
}

function startHttp(ns: string): Promise<ChildProcess> {
  const c = spawn('ip', ['netns', 'exec', ns, 'node', '-e', "require('http').createServer((q,s)=>s.end('x')).listen(80,()=>console.log('up'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((res, rej) => {
    createInterface({ input: c.stdout! }).once('line', () => res(c));
    c.once('exit', (code) => rej(new Error(`http server exited ${code}`)));
  });
}

/** r1's line in /proc/<pid>/net/ip_vs: present with weight 1, or absent. */
function r1Present(pid: number): boolean | undefined {
  try {
    // /proc/net/ip_vs prints addresses in hex: 10.0.2.11:80 -> 0A00020B:0050
    return readFileSync(`/proc/${pid}/net/ip_vs`, 'utf8').includes('-> 0A00020B:0050');
  } catch {
    return undefined;
  }
}

async function waitR1(pid: number, want: boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (r1Present(pid) !== want) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`r1 ${want ? 'in' : 'out'}: timeout`);
    await sleep(5);
  }
  return performance.now() - t0;
}

interface Run { pid: number; stop(): Promise<void>; events: Record<string, unknown>[] }

async function runOurs(daemon: string, conf: string, p: string): Promise<Run> {
  const c = spawn('ip', ['netns', 'exec', `${p}d`, 'node', daemon, '-f', conf, '--events', '--seed', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const events: Record<string, unknown>[] = [];
  createInterface({ input: c.stdout! }).on('line', (l) => { try { events.push(JSON.parse(l) as Record<string, unknown>); } catch { /* not an event */ } });
  for (let i = 0; i < 600 && !events.some((e) => e.kind === 'ready'); i++) await sleep(100);
  if (!events.some((e) => e.kind === 'ready')) throw new Error('our daemon did not get ready');
  return { pid: c.pid!, events, stop: () => new Promise((r) => { c.once('exit', () => r()); c.kill('SIGTERM'); }) };
}

async function runKeepalived(conf: string, p: string, dir: string): Promise<Run> {
  const c = spawn('ip', ['netns', 'exec', `${p}d`, 'keepalived', '-n', '-l', '-C', '-f', conf, '-p', join(dir, 'ka.pid'), '-c', join(dir, 'kac.pid')],
    { stdio: ['ignore', 'ignore', 'ignore'] });
  const t0 = Date.now();
  while (r1Present(c.pid!) !== true) {
    if (Date.now() - t0 > 60_000) throw new Error('keepalived did not load the table');
    await sleep(50);
  }
  return { pid: c.pid!, events: [], stop: () => new Promise((r) => { c.once('exit', () => r()); c.kill('SIGTERM'); }) };
}

const quantile = (xs: number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN; };
const fmt = (xs: number[]) => `median ${quantile(xs, 0.5).toFixed(1)} ms, p90 ${quantile(xs, 0.9).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (n=${xs.length})`;

async function flips(run: Run, p: string, ours: boolean): Promise<{ down: number[]; up: number[]; verdictToAck: number[] }> {
  const out = { down: [] as number[], up: [] as number[], verdictToAck: [] as number[] };
  for (let i = 0; i < FLIPS; i++) {
    // Random phase against the checker's cycle, so kill->kernel samples the whole delay_loop.
    await sleep(200 + Math.random() * 1000);
    const mark = run.events.length;
    execFileSync('bash', ['-c', `kill -9 $(ip netns pids ${p}r1)`]);
    out.down.push(await waitR1(run.pid, false, 20_000));
    const server = startHttp(`${p}r1`);
    await server;
    out.up.push(await waitR1(run.pid, true, 20_000));
    if (ours) {
      await sleep(100);
      const ev = run.events.slice(mark);
      for (const h of ev.filter((e) => e.kind === 'health' && String(e.realServer).includes('10.0.2.11'))) {
        const ack = ev.find((e) => e.kind === 'ipvs' && e.type === 'synced' && Number(e.ms) >= Number(h.ms));
        if (ack) out.verdictToAck.push(Number(ack.ms) - Number(h.ms));
      }
    }
  }
  return out;
}

async function guest(daemon: string, dir: string): Promise<void> {
  const p = `b${process.pid % 100000}`;
  const conf = join(dir, 'bench.conf');
  writeFileSync(conf, config());
  setup(p);
  try {
    await startHttp(`${p}r1`);
    await startHttp(`${p}r2`);
    const results: Record<string, string> = {};
    for (const who of ['ours', 'keepalived'] as const) {
      const run = who === 'ours' ? await runOurs(daemon, conf, p) : await runKeepalived(conf, p, dir);
      const r = await flips(run, p, who === 'ours');
      await run.stop();
      results[`${who} kill -> out of the kernel`] = fmt(r.down);
      results[`${who} start -> back in the kernel`] = fmt(r.up);
      if (who === 'ours') results['ours verdict -> kernel ACK'] = fmt(r.verdictToAck);
    }
    process.stdout.write(`BENCH ${JSON.stringify({ filler: FILLER, flips: FLIPS, ...results })}\n`);
  } finally {
    for (const n of ['d', 'r1', 'r2']) { try { sh(`ip netns pids ${p}${n} | xargs -r kill -9; ip netns del ${p}${n}`); } catch { /* gone */ } }
  }
}

// ------------------------------------------------------------------------------------- host side

async function host(): Promise<void> {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const runInVm = process.env.KTS_RUN_IN_VM ?? resolve(repo, '../shared/tools/run-in-vm.sh');
  if (!existsSync(runInVm)) throw new Error(`no ${runInVm}`);
  const dir = mkdtempSync(join(tmpdir(), 'kts-lvs-bench-'));
  try {
    const out = join(dir, 'a', 'b');
    mkdirSync(out, { recursive: true });
    symlinkSync(join(repo, 'build'), join(dir, 'build'));
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
    const { build } = await import('esbuild');
    await build({
      entryPoints: { bench: fileURLToPath(import.meta.url), 'lvs-main': join(repo, 'src/daemon/lvs-main-for-tests.ts') },
      outdir: out, outExtension: { '.js': '.mjs' }, bundle: true, platform: 'node', format: 'esm', target: 'node20',
      external: ['pino', 'pino-pretty', 'undici', 'esbuild'],
      banner: { js: "import { createRequire as __ktsCreateRequire } from 'node:module'; const require = __ktsCreateRequire(import.meta.url);" },
      logLevel: 'error',
    });
    const code = await new Promise<number | null>((res) => {
      const c = spawn(runInVm, [`node ${join(out, 'bench.mjs')} ${join(out, 'lvs-main.mjs')} ${dir}`], {
        cwd: repo, stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, KTS_BENCH_GUEST: '1', VM_RW: `${repo}:${dir}`, VM_TIMEOUT: '900', FILLER: String(FILLER), FLIPS: String(FLIPS) },
      });
      createInterface({ input: c.stdout! }).on('line', (l) => {
        if (l.startsWith('BENCH ')) {
          const r = JSON.parse(l.slice(6)) as Record<string, unknown>;
          for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(36)} ${String(v)}`);
        } else console.log(`[guest] ${l}`);
      });
      c.on('exit', res);
    });
    if (code !== 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.KTS_BENCH_GUEST === '1') {
  const [daemon, dir] = process.argv.slice(2);
  await guest(daemon!, dir!);
  process.exit(0);
} else {
  await host();
}
