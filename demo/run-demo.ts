// `npm run demo` (as root): two keepalived-ts directors with VRRP and LVS in network namespaces,
// three real servers and a client; the master is crashed, the backup takes over, the master comes
// back. This is the host side: it bundles the scenario (demo/demo-lab.ts), its two helper
// programs and the real CLI (src/cli/main.ts, bundled exactly as scripts/build.mjs does) with
// esbuild, then runs the scenario where IPVS exists:
//   1. this kernel, if it has IPVS (/proc/net/ip_vs, or `modprobe -n ip_vs` finds the module);
//   2. else a user-mode Linux guest that has it (../shared/tools/run-in-vm.sh; the directors,
//      servers and client are namespaces inside the guest, which has one slow CPU - hence
//      bundles and not tsx);
//   3. else, if the guest cannot start either, the VRRP half alone on this host (-P; each
//      director answers HTTP itself), saying what was skipped.
// Ctrl-C / SIGTERM: the scenario tears its lab down (host), or the guest is ended (with
// everything in it); the bundle folder is removed in every case.
//
//   node --import tsx demo/run-demo.ts [--where auto|host|vm] [--vrrp-only]
//        [--conf1 F --conf2 F] [--interval-ms 20] [--timeout-ms 1000]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, stop as stopEsbuild } from 'esbuild';
import { descendants, startTime } from './proc-tree.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUN_IN_VM = process.env.KTS_RUN_IN_VM ?? resolve(ROOT, process.env.KTS_SHARED ?? '../shared', 'tools/run-in-vm.sh');
/** The guest's overall limit: the scenario needs about a minute there. */
const VM_TIMEOUT_S = 600;

const { values: opt } = parseArgs({
  options: {
    where: { type: 'string', default: 'auto' },
    'vrrp-only': { type: 'boolean', default: false },
    conf1: { type: 'string', default: join(ROOT, 'examples/lvs-dr/director1.conf') },
    conf2: { type: 'string', default: join(ROOT, 'examples/lvs-dr/director2.conf') },
    'interval-ms': { type: 'string', default: '20' },
    // Each request's deadline: short enough that an outage shows as failures, long enough that a
    // loaded one-CPU guest's slow answer is not one.
    'timeout-ms': { type: 'string', default: '1000' },
  },
});

function hostHasIpvs(): boolean {
  if (existsSync('/proc/net/ip_vs')) return true;
  if (spawnSync('modprobe', ['-n', 'ip_vs'], { stdio: 'ignore' }).status !== 0) return false;
  spawnSync('modprobe', ['ip_vs'], { stdio: 'ignore' });
  return existsSync('/proc/net/ip_vs');
}

/** Bundles into DIR/a/b; DIR/build and DIR/node_modules point at the checkout's, so the addon and pino resolve. */
async function bundle(dir: string): Promise<string> {
  const out = join(dir, 'a', 'b');
  mkdirSync(out, { recursive: true });
  symlinkSync(join(ROOT, 'build'), join(dir, 'build'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  await build({
    entryPoints: {
      'demo-lab': join(ROOT, 'demo/demo-lab.ts'),
      'load-client': join(ROOT, 'demo/load-client.ts'),
      'name-server': join(ROOT, 'demo/name-server.ts'),
      // The name matters: the CLI runs main() only when started as keepalived-ts.mjs.
      'keepalived-ts': join(ROOT, 'src/cli/main.ts'),
    },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['pino', 'pino-pretty', 'undici'],
    banner: { js: "import { createRequire as __ktsCreateRequire } from 'node:module'; const require = __ktsCreateRequire(import.meta.url);" },
    logLevel: 'error',
  });
  await stopEsbuild(); // its service process would otherwise live as long as the demo
  return out;
}

let child: ChildProcess | undefined;
let inVm = false;

/** Runs one command, forwarding its lines; resolves with its exit code and whether the scenario started. */
function runForwarding(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; started: boolean }> {
  return new Promise((done) => {
    let started = false;
    // Its own process group: a guest is a tree of processes that must end together.
    const c = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child = c;
    for (const s of [c.stdout, c.stderr]) {
      createInterface({ input: s }).on('line', (l) => {
        if (l.includes('keepalived-ts demo:')) started = true;
        process.stdout.write(`${l}\n`);
      });
    }
    c.on('exit', (code, sig) => { child = undefined; done({ code: code ?? (sig ? 128 : 1), started }); });
  });
}

const dir = mkdtempSync(join(tmpdir(), `kts-demo-bundle-${process.pid}-`));
let ending = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (ending) return;
    ending = true;
    const c = child;
    const vm = inVm;
    const finish = (): void => {
      rmSync(dir, { recursive: true, force: true });
      if (vm) process.stdout.write('demo: interrupted (the guest was ended, and its namespaces and processes with it)\n');
      process.exit(130);
    };
    if (c?.pid === undefined) { finish(); return; }
    // The host scenario tears its lab down itself on the signal; a guest is simply ended: every
    // process of run-in-vm.sh's tree (the user-mode kernel is several host processes).
    // Each pid with its start time, so a late SIGKILL never hits a recycled pid.
    const tree = (vm ? [c.pid, ...descendants(c.pid)] : [c.pid]).map((p) => ({ p, since: startTime(p) }));
    const killAll = (s: NodeJS.Signals): void => {
      for (const { p, since } of tree) if (since !== undefined && startTime(p) === since) { try { process.kill(p, s); } catch { /* gone */ } }
    };
    killAll(vm ? 'SIGTERM' : sig);
    const hard = setTimeout(() => killAll('SIGKILL'), vm ? 5000 : 20_000);
    c.once('exit', () => {
      clearTimeout(hard);
      if (vm) setTimeout(() => { killAll('SIGKILL'); finish(); }, 2000);
      else finish();
    });
  });
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('demo: needs root (network namespaces, raw sockets, IPVS): sudo npm run demo\n');
    return 1;
  }
  if (!existsSync(join(ROOT, 'build/Release/ktsnative.node'))) {
    process.stderr.write("demo: the native addon is missing: run 'npm ci' (or 'npm run build') first\n");
    return 1;
  }
  // What the lab runs besides Node (the guest sees this host's files, so the same check holds there).
  const missing = [['ip', 'iproute2'], ['tcpdump', 'tcpdump'], ['stdbuf', 'coreutils'], ...(opt['vrrp-only'] ? [] : [['ipvsadm', 'ipvsadm']])]
    .filter(([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0) {
    process.stderr.write(`demo: missing ${missing.map(([c]) => c).join(', ')}: apt-get install ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')}\n`);
    return 1;
  }
  const out = await bundle(dir);
  const lab = (mode: string, where: string): string[] => [join(out, 'demo-lab.mjs'), '--daemon', join(out, 'keepalived-ts.mjs'), '--bin', out,
    '--conf1', resolve(opt.conf1!), '--conf2', resolve(opt.conf2!), '--mode', mode, '--where', where,
    '--interval-ms', opt['interval-ms']!, '--timeout-ms', opt['timeout-ms']!];
  const mode = opt['vrrp-only'] ? 'vrrp' : 'lvs';
  const where = opt.where;
  if (where === 'host' || (where === 'auto' && (mode === 'vrrp' || hostHasIpvs()))) {
    if (mode === 'lvs' && !hostHasIpvs()) process.stdout.write('demo: this kernel has no IPVS (ip_vs): the LVS half will fail; try --where vm or --vrrp-only\n');
    return (await runForwarding(process.execPath, lab(mode, 'this host'), process.env)).code;
  }
  let why = `${RUN_IN_VM} not found`;
  if (existsSync(RUN_IN_VM)) {
    process.stdout.write('demo: this kernel has no IPVS: running the lab inside a user-mode Linux guest that has it (run-in-vm.sh; booting takes a few seconds)\n');
    inVm = true;
    const cmd = ['node', ...lab(mode, 'a user-mode Linux guest (the host kernel has no IPVS)')].map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(' ');
    const r = await runForwarding(RUN_IN_VM, [cmd], { ...process.env, VM_RW: dir, VM_TIMEOUT: String(VM_TIMEOUT_S) });
    inVm = false;
    if (r.started || where === 'vm' || ending) return r.code;
    why = `the guest did not start (run-in-vm.sh exit ${r.code})`;
  } else if (where === 'vm') {
    process.stdout.write(`demo: ${why}\n`);
    return 1;
  }
  process.stdout.write(`demo: SKIPPED the LVS half (no IPVS on this kernel and ${why}): running VRRP only on this host; requests are answered by the directors themselves\n`);
  return (await runForwarding(process.execPath, lab('vrrp', 'this host (VRRP only: no IPVS)'), process.env)).code;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  process.stderr.write(`demo: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
} finally {
  if (!ending) rmSync(dir, { recursive: true, force: true });
}
if (!ending) process.exit(code);
