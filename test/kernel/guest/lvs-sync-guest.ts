// Runs INSIDE the IPVS guest (run-in-vm.sh), bundled and started by
// test/kernel/lvs-sync-daemon.test.ts:   node lvs-sync-guest.mjs CLI_BUNDLE WORK_DIR
// Two directors A (priority 150) and B (priority 100) in namespaces joined by a veth pair, one
// vrrp_instance each and `lvs_sync_daemon eth0 VI_1 maxlen 1400 port 8850` (no id: syncid is
// the vrid). The same scenario runs with keepalived 2.2.7 first, then with keepalived-ts, then
// keepalived-ts again on the daemons a crashed earlier run left (syncid 9 in both namespaces):
//   1. both up: A's namespace holds the master sync daemon, B's the backup one (syncid 51);
//      (leftovers run) SIGHUP with `id 23` in A's file: A's master daemon now has syncid 23;
//   2. SIGTERM A: B's namespace turns to a master daemon, A's holds none;
//   3. SIGTERM B: B's holds none.
// The oracle is the kernel, read with `ipvsadm -L --daemon` in each namespace; each step's
// readings of keepalived-ts are also compared with keepalived 2.2.7's.
// The leftovers run is ours alone: keepalived's vrrp_daemon.c stops both daemons at start ("stop
// any instances of it that may have been running if we terminated abnormally"), but 2.2.7 in
// this guest (measured) keeps them: "IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Daemon has
// already run(17)", and the stale syncid 9 daemons stay. keepalived-ts does what the source means.
// Output: `KTS-RESULT {"name","ok","detail"}` per check.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

if (process.env.KTS_LVS_SYNC_GUEST !== '1') throw new Error('run me through test/kernel/lvs-sync-daemon.test.ts (I change IPVS)');
const [cli, workDir] = process.argv.slice(2);
if (!cli || !workDir) throw new Error('usage: lvs-sync-guest CLI_BUNDLE WORK_DIR');

const sh = (cmd: string): string => execFileSync('bash', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const result = (name: string, ok: boolean, detail: string): void => {
  process.stdout.write(`KTS-RESULT ${JSON.stringify({ name, ok, detail })}\n`);
};
const P = `ls${process.pid % 100000}`;
const NS = { A: `${P}a`, B: `${P}b` } as const;
type Node = keyof typeof NS;
type Who = 'keepalived' | 'keepalived-ts';

function conf(node: Node, id = ''): string {
  return [
    'global_defs {', `  router_id ${node}`, `  lvs_sync_daemon eth0 VI_1 maxlen 1400 port 8850${id}`, '}',
    'vrrp_instance VI_1 {', '  state BACKUP', '  interface eth0', '  virtual_router_id 51',
    `  priority ${node === 'A' ? 150 : 100}`, '  advert_int 1',
    '  virtual_ipaddress {', '    10.77.0.100/24', '  }', '}', '',
  ].join('\n');
}

/** The namespace's sync daemons as the kernel lists them, one line each, sorted. */
function daemons(node: Node): string[] {
  const out = sh(`ip netns exec ${NS[node]} ipvsadm -L --daemon`);
  return out.split('\n').map((l) => l.trim()).filter((l) => l !== '').sort();
}

async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (pred()) return true;
    await sleep(250);
  }
  return pred();
}

interface Daemon { readonly proc: ChildProcess; readonly exit: Promise<void>; log: string }
const started: ChildProcess[] = [];
function start(who: Who, node: Node): Daemon {
  const f = join(workDir!, `${P}-${who}-${node}.conf`);
  writeFileSync(f, conf(node));
  const pids = ['-p', `${f}.pid`, '-r', `${f}.vrrp.pid`, '-c', `${f}.chk.pid`];
  const argv = who === 'keepalived'
    ? ['keepalived', '-n', '-l', '-P', '-f', f, ...pids]
    : ['node', cli!, '-n', '-l', '-f', f, ...pids];
  const proc = spawn('ip', ['netns', 'exec', NS[node], ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  const d: Daemon = { proc, exit: new Promise((r) => proc.once('exit', () => r())), log: '' };
  const keep = (b: Buffer): void => { d.log = (d.log + b.toString()).slice(-8000); };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return d;
}
async function stop(d: Daemon): Promise<boolean> {
  d.proc.kill('SIGTERM');
  return Promise.race([d.exit.then(() => true), sleep(30_000).then(() => false)]);
}

const isMaster = (l: readonly string[]): boolean => l.length === 1 && l[0]!.startsWith('master sync daemon');
const isBackup = (l: readonly string[]): boolean => l.length === 1 && l[0]!.startsWith('backup sync daemon');

/** One run of the scenario; returns each step's readings (A, B). */
async function scenario(who: Who, leftovers: boolean): Promise<Record<string, { A: string[]; B: string[] }>> {
  const seen: Record<string, { A: string[]; B: string[] }> = {};
  const read = (step: string): { A: string[]; B: string[] } => (seen[step] = { A: daemons('A'), B: daemons('B') });
  // What a crashed earlier run leaves (syncid 9): the master-to-be holds a master daemon already
  // (NEW_DAEMON alone would fail with EEXIST), the backup-to-be a backup one.
  if (leftovers) {
    sh(`ip netns exec ${NS.A} ipvsadm --start-daemon master --mcast-interface eth0 --syncid 9`);
    sh(`ip netns exec ${NS.B} ipvsadm --start-daemon backup --mcast-interface eth0 --syncid 9`);
  }
  const tag = leftovers ? `${who} (leftovers of a crash)` : who;
  const a = start(who, 'A');
  const b = start(who, 'B');
  try {
    const fresh = (l: readonly string[]): boolean => l.length === 1 && l[0]!.includes('syncid=51,');
    const up = await until(() => isMaster(daemons('A')) && isBackup(daemons('B')) && fresh(daemons('A')) && fresh(daemons('B')), 90_000);
    const r1 = read('up');
    result(`${tag}: master daemon in the master's namespace, backup daemon in the backup's`, up,
      `A: ${JSON.stringify(r1.A)} B: ${JSON.stringify(r1.B)}${up ? '' : `\n--- A log\n${a.log}\n--- B log\n${b.log}`}`);
    if (leftovers) {
      // Reload (ours only): a new id restarts the running daemon with it, in the same role.
      writeFileSync(join(workDir!, `${P}-${who}-A.conf`), conf('A', ' id 23'));
      a.proc.kill('SIGHUP');
      const reloaded = await until(() => isMaster(daemons('A')) && daemons('A')[0]!.includes('syncid=23,'), 30_000);
      result(`${tag}: SIGHUP with a new id restarts the master daemon with that syncid`, reloaded, `A: ${JSON.stringify(daemons('A'))}${reloaded ? '' : `\n--- A log\n${a.log}`}`);
    }
    const aExited = await stop(a);
    const over = await until(() => isMaster(daemons('B')) && daemons('A').length === 0, 60_000);
    const r2 = read('A stopped');
    result(`${tag}: SIGTERM on the master: the backup's namespace shows a master daemon, the old master's none`, over && aExited,
      `A exited: ${aExited}; A: ${JSON.stringify(r2.A)} B: ${JSON.stringify(r2.B)}${over ? '' : `\n--- B log\n${b.log}`}`);
    const bExited = await stop(b);
    const r3 = read('B stopped');
    result(`${tag}: SIGTERM on the last director leaves no sync daemon`, bExited && r3.A.length === 0 && r3.B.length === 0,
      `B exited: ${bExited}; A: ${JSON.stringify(r3.A)} B: ${JSON.stringify(r3.B)}`);
    return seen;
  } finally {
    for (const d of [a, b]) if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
    // Whatever a failed run left must not leak into the next one.
    for (const n of ['A', 'B'] as const) {
      try { sh(`ip netns exec ${NS[n]} ipvsadm --stop-daemon master; true`); } catch { /* none */ }
      try { sh(`ip netns exec ${NS[n]} ipvsadm --stop-daemon backup; true`); } catch { /* none */ }
    }
  }
}

async function main(): Promise<void> {
  sh([
    'set -e', `ip netns add ${NS.A}`, `ip netns add ${NS.B}`,
    `ip link add eth0 netns ${NS.A} type veth peer name eth0 netns ${NS.B}`,
    `ip -n ${NS.A} addr add 10.77.0.1/24 dev eth0`, `ip -n ${NS.B} addr add 10.77.0.2/24 dev eth0`,
    ...(['A', 'B'] as const).flatMap((n) => [`ip -n ${NS[n]} link set lo up`, `ip -n ${NS[n]} link set eth0 up`]),
  ].join('\n'));
  try {
    const theirs = await scenario('keepalived', false);
    const ours = await scenario('keepalived-ts', false);
    await scenario('keepalived-ts', true);
    result('keepalived-ts: every step reads as keepalived 2.2.7 in both namespaces', JSON.stringify(ours) === JSON.stringify(theirs),
      `keepalived-ts: ${JSON.stringify(ours)}\nkeepalived:    ${JSON.stringify(theirs)}`);
  } finally {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const n of ['A', 'B'] as const) {
      try { sh(`ip netns pids ${NS[n]} | xargs -r kill -9; ip netns del ${NS[n]}`); } catch { /* gone */ }
    }
  }
}

main().catch((e: unknown) => {
  result('harness', false, e instanceof Error ? e.stack ?? e.message : String(e));
  process.exitCode = 1;
});
