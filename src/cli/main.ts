// keepalived-ts's command line: keepalived's options (options.ts), then one of the modes:
// -h, -v, --signum, -t, --dump-config in this one process; the daemon as keepalived runs it,
// a supervising parent (daemon/supervisor.ts, -p) and its worker (daemon/run-daemon.ts, -r/-c),
// both this same executable; without -n the parent detaches first.
// This is the only layer that prints diagnostics; everything below returns them as data.
import { hostname } from 'node:os';
import { helpText, parseOptions, OPTIONS } from './options.ts';
import { signum } from './signum.ts';
import { spawn } from 'node:child_process';
import { SUBCOMMANDS, subcommandHelp } from './subcommands.ts';

export { VERSION } from '../daemon/version.ts';
import { VERSION } from '../daemon/version.ts';
import type { WorkerExitMessage } from '../daemon/supervisor.ts';

const DEFAULT_CONFIG = '/etc/keepalived/keepalived.conf';

/** keepalived's default config-id: the node name up to the first dot. */
export function defaultConfigId(): string {
  return hostname().split('.')[0] ?? '';
}

export async function main(argv: readonly string[]): Promise<number> {
  const sub = SUBCOMMANDS.get(argv[0] ?? '');
  if (sub) return (await sub.load())(argv.slice(1));
  const parsed = parseOptions(argv);
  if (!parsed.ok) {
    process.stderr.write(`keepalived-ts: ${parsed.message}\nTry 'keepalived-ts --help' for more information.\n`);
    return 1;
  }
  const o = parsed.options;
  if (parsed.operands.length > 0) {
    process.stderr.write(`keepalived-ts: unexpected argument '${parsed.operands[0]}'\n`);
    return 1;
  }
  if (o.help) {
    // keepalived prints its help and version on stderr; scripts that read them keep working.
    process.stderr.write(helpText() + subcommandHelp());
    return 0;
  }
  if (o.version) {
    process.stderr.write(`keepalived-ts v${VERSION} (keepalived 2.2.7 compatible)\n`);
    return 0;
  }
  if (typeof o.signum === 'string') {
    const n = signum(o.signum);
    if (n === undefined) {
      process.stderr.write(`Unknown sigfunc ${o.signum}\n`);
      return 1;
    }
    process.stdout.write(`${n}\n`);
    return 0;
  }
  for (const spec of OPTIONS) {
    if (spec.unsupported && o[spec.key] !== undefined) {
      process.stderr.write(`keepalived-ts: ${spec.unsupported} (option ${spec.short ? `-${spec.short}/` : ''}--${spec.long})\n`);
      return 4;
    }
  }
  const common = {
    file: typeof o.useFile === 'string' ? o.useFile : DEFAULT_CONFIG,
    configId: typeof o.configId === 'string' ? o.configId : defaultConfigId(),
    allConfig: o.allConfig === true,
    hostChecks: o.noHostChecks !== true,
  };
  // Loaded only when used: the supervising parent starts its worker without evaluating the
  // configuration stack (chevrotain's parser is built when its module is evaluated).
  if (o.dumpConfig) return (await import('./config-test.ts')).runDumpConfig(common);
  if (o.configTest !== undefined) {
    const { runConfigTest } = await import('./config-test.ts');
    return runConfigTest({ ...common, logFile: typeof o.configTest === 'string' && o.configTest !== '' ? o.configTest : undefined });
  }
  // -u: keepalived's umask for the files it creates (pid files, dumps, FIFOs), numeric.
  if (typeof o.umask === 'string') {
    const mask = /^0?[0-7]{1,4}$/.test(o.umask) ? Number.parseInt(o.umask, 8) : Number.NaN;
    if (Number.isNaN(mask)) {
      process.stderr.write(`keepalived-ts: invalid umask '${o.umask}' (expected an octal number such as 022)\n`);
      return 1;
    }
    process.umask(mask);
  }
  // Options keepalived-ts reads but whose effect it does not provide: said once, at start, by
  // the supervisor (the worker runs the same command line and stays quiet about them).
  if (process.env[WORKER_ENV] !== '1') {
    for (const [key, why] of INERT_OPTIONS) {
      if (o[key] !== undefined) process.stderr.write(`keepalived-ts: warning: ${why}\n`);
    }
  }
  // The worker (see supervisor.ts) is this same command line started by the supervisor with
  // WORKER_ENV set; the marker is removed at once so scripts we run do not inherit it.
  const isWorker = process.env[WORKER_ENV] === '1';
  delete process.env[WORKER_ENV];
  if (!isWorker && o.dontFork !== true) return detach(argv);
  const cwd = process.cwd();
  const pidFiles = {
    ...(typeof o.vrrpPid === 'string' ? { vrrpPidFile: o.vrrpPid } : {}),
    ...(typeof o.checkersPid === 'string' ? { checkersPidFile: o.checkersPid } : {}),
  };
  if (!isWorker) {
    // keepalived -n still runs a parent and its children; the parent writes -p, the worker -r/-c.
    const { runSupervisor } = await import('../daemon/supervisor.ts');
    return runSupervisor({
      worker: {
        file: process.execPath,
        args: [...process.execArgv, ...workerV8Flags(process.execArgv, { vrrpOnly: o.vrrp === true }), process.argv[1]!, ...argv],
        env: { ...process.env, [WORKER_ENV]: '1' },
      },
      ...(typeof o.pid === 'string' ? { pidFile: o.pid } : {}),
      ...pidFiles,
      dontRespawn: o.dontRespawn === true,
      checkOnly: o.check === true,
      vrrpOnly: o.vrrp === true,
      logConsole: o.logConsole === true,
      logDetail: o.logDetail === true,
    });
  }
  // Loaded only when the daemon runs: `-t` need not load pino, undici and the sockets.
  const { runDaemon } = await import('../daemon/run-daemon.ts');
  const { formatDiagnostic } = await import('./format-diagnostic.ts');
  const code = await runDaemon({
    ...common,
    logConsole: o.logConsole === true,
    logDetail: o.logDetail === true,
    vrrpOnly: o.vrrp === true,
    checkOnly: o.check === true,
    dontReleaseVrrp: o.dontReleaseVrrp === true,
    dontReleaseIpvs: o.dontReleaseIpvs === true,
    dumpConf: o.dumpConf === true,
    ...(typeof o.namespace === 'string' ? { namespace: o.namespace } : {}),
    ...pidFiles,
    ...(typeof o.controlSocket === 'string' ? { controlSocket: o.controlSocket } : {}),
    ...(typeof o.metricsListen === 'string' ? { metricsListen: o.metricsListen } : {}),
    formatDiagnostic: (d) => formatDiagnostic(d, cwd),
    stopSignal: await whenParentDies(),
  });
  await tellParent(code);
  return code;
}

/** The supervisor treats an exit 0 it was not told about as a death (supervisor.ts). */
async function tellParent(code: number): Promise<void> {
  if (!process.send || !process.connected) return;
  const msg: WorkerExitMessage = { kind: 'exit', code };
  await new Promise<void>((resolve) => {
    try {
      process.send!(msg, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
  if (process.connected) process.disconnect();
}

/** Accepted for keepalived's command lines, without effect here (each said at start). */
const INERT_OPTIONS: ReadonlyArray<readonly [key: string, why: string]> = [
  ['releaseVips', '-X/--release-vips has no effect: VIPs are released on stop unless -V'],
  ['addressMonitoring', '-a/--address-monitoring has no effect: address changes are not logged'],
  ['coreDump', '-m/--core-dump has no effect: Node.js writes no core by default (use ulimit -c and --abort-on-uncaught-exception)'],
  ['coreDumpPattern', '-M/--core-dump-pattern has no effect: /proc/sys/kernel/core_pattern is left alone'],
  ['logFacility', '-S/--log-facility has no effect: logs go to stdout (journald) or the console (-l), not syslog'],
];

/**
 * V8 flags for the worker only (issue 3, bench/vrrp-memory.ts), added unless the command line
 * already sets them (node's own flags before the script, as `node --max-semi-space-size=8
 * keepalived-ts.mjs` would give):
 *  - --max-semi-space-size=SEMI_SPACE_MIB, VRRP-only workers (-P): V8 grows the young generation
 *    up to 2 x 16 MiB while start-up allocates fast (parsing, building 2000 instances) and never
 *    shrinks it while adverts keep allocating; VRRP's steady state needs far less. More, but
 *    shorter, scavenges (2000 instances: GC max pause 15 -> 10 ms, GC time +0.2% of a CPU).
 *    Not when checkers run: they allocate more per unit of work and a 1 MiB semi-space cost them
 *    20-28% more CPU per probe (bench/check-cost.ts 5000 64 200 15, "daemon pace", 2 runs each).
 *  - --heap-growing-percent=HEAP_GROWING_PERCENT, VRRP-only workers: V8 lets old space grow up to
 *    4x what survived the last full collection before the next one; the adverts' short-lived
 *    garbage that a small young generation promotes piles up there. 1.5x keeps the worker's
 *    peak lower (2000 instances: 178 -> 147 MiB max RSS) for a few more full collections, which
 *    mark concurrently.
 *  - --expose-gc: lets the worker run one full collection after start-up and after a reload
 *    (daemon/load-config.ts releaseStartupGarbage), so the parse's pages go back to the system.
 */
export function workerV8Flags(execArgv: readonly string[], o: { readonly vrrpOnly: boolean }): string[] {
  // V8 accepts both spellings (--max_semi_space_size); the value may follow an `=`.
  const given = execArgv.map((a) => a.split('=')[0]!.replace(/_/g, '-'));
  const has = (flag: string): boolean => given.includes(flag);
  const out: string[] = [];
  if (o.vrrpOnly && !has('--max-semi-space-size')) out.push(`--max-semi-space-size=${SEMI_SPACE_MIB}`);
  if (o.vrrpOnly && !has('--heap-growing-percent')) out.push(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  if (!has('--expose-gc')) out.push('--expose-gc');
  return out;
}

/** The worker's young-generation semi-space cap, MiB (see workerV8Flags). */
const SEMI_SPACE_MIB = 1;
/** How far a VRRP-only worker's old space grows past its live size between full collections, %. */
const HEAP_GROWING_PERCENT = 50;

/** Marks the supervisor's worker process (internal: not an option, not for users). */
const WORKER_ENV = 'KEEPALIVED_TS_WORKER';

/**
 * The worker's PR_SET_PDEATHSIG: the supervisor gave us an IPC channel; when it dies, for any
 * reason, the channel closes and we stop as on SIGTERM (priority 0, VIPs removed). Signals the
 * supervisor forwards (SIGHUP, SIGUSR1/2, 36) that arrive before the daemon listens for them are
 * swallowed instead of killing us by Node's default action; the channel must not keep us alive.
 */
async function whenParentDies(): Promise<AbortSignal> {
  const ac = new AbortController();
  for (const s of ['SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) process.on(s, () => {});
  try {
    // SIGRTMIN+2 (36, the JSON dump) and 63 (STATS_CLEAR) too; Node cannot name them
    // (os/signal-watch.ts). Never closed: the dump service adds its own watchers later.
    const { watchSignal } = await import('../os/signal-watch.ts');
    for (const signum of [36, 63]) watchSignal(signum, () => {});
  } catch {
    // an addon without watchSignal: 36 before the dump service listens ends the worker (respawned)
  }
  if (process.channel) {
    process.once('disconnect', () => ac.abort());
    process.channel.unref();
    if (!process.connected) ac.abort();
  }
  return ac.signal;
}

/**
 * Without -n keepalived forks and the parent returns at once; here the same command line runs
 * again with --dont-fork in a new session, detached from the terminal, and this process exits 0;
 * the detached process is the supervisor (-p) and starts the worker.
 * (Under systemd use -n: Type=notify expects the main process to stay.)
 */
function detach(argv: readonly string[]): number {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv, '--dont-fork'], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return 0;
}

// Run when executed (bundled or through tsx), not when imported by a test.
const entry = process.argv[1] ?? '';
if (/(?:keepalived-ts\.mjs|cli[\\/]main\.ts)$/.test(entry)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // Our own bug, not the user's input: say so plainly, with the stack for the report.
      process.stderr.write(`keepalived-ts: internal error (please report): ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 70;
    },
  );
}
