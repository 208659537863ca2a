// `-t` exit codes and messages, side by side with keepalived 2.2.7 on the same inputs.
// Both run inside `unshare -n` (a fresh network namespace) holding one veth named eth0, so
// interface checks see the same world for both, and keepalived never touches the host's network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { need, hasCommand, isRoot } from '../support/env.ts';
import { REPO_ROOT } from '../support/paths.ts';

const KTS = join(REPO_ROOT, 'bin/keepalived-ts');

const VI = (body: string) => `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n${body}\n  virtual_ipaddress {\n    10.0.0.1/24\n  }\n}\n`;

interface Case {
  readonly name: string;
  readonly conf: string | undefined; // undefined: the file does not exist
  /** keepalived 2.2.7's exit code, measured by this test on every run. */
  readonly keepalived: number;
  /** ours; differs from keepalived only where the comment says why. */
  readonly ours: number;
  /** a diagnostic code we must print */
  readonly code?: string;
}

const CASES: Case[] = [
  { name: 'clean', conf: VI('  priority 150'), keepalived: 0, ours: 0 },
  { name: 'typo in a keyword', conf: VI('  priorty 150'), keepalived: 5, ours: 5, code: 'unknown-keyword' },
  { name: 'priority out of range, fixed up to 100', conf: VI('  priority 300'), keepalived: 5, ours: 5 },
  { name: 'v2 fractional advert_int, rounded', conf: VI('  advert_int 0.5'), keepalived: 5, ours: 5 },
  { name: 'unknown block skipped whole', conf: `vrrp_instanse X {\n  state MASTER\n}\n${VI('')}`, keepalived: 5, ours: 5, code: 'unknown-keyword' },
  { name: 'script without enable_script_security', conf: `vrrp_script chk {\n  script "/bin/true"\n}\n${VI('  track_script {\n    chk\n  }')}`, keepalived: 6, ours: 6, code: 'script-security' },
  { name: 'loopback interface refused for VRRP', conf: VI('').replace('interface eth0', 'interface lo'), keepalived: 5, ours: 5 },
  { name: 'interface that does not exist', conf: VI('').replace('interface eth0', 'interface nosuch0'), keepalived: 5, ours: 5 },
  // keepalived 2.2.7 exits 0 when -f names no file: a typo in a unit file then runs an empty
  // daemon. keepalived-ts says it cannot run (4).
  { name: 'missing file', conf: undefined, keepalived: 0, ours: 4, code: 'file-not-found' },
];

function run(argv: string[], cwd: string): { status: number | null; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status ?? (r.signal ? 124 : null), stderr: r.stderr ?? '' };
}

/** Runs argv in a fresh network namespace with a veth called eth0 (and its peer). */
function inNetns(argv: string[], cwd: string): { status: number | null; stderr: string } {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return run(['unshare', '-n', 'sh', '-c', `ip link add eth0 type veth peer name eth0p && exec ${quoted}`], cwd);
}

test('-t exit codes match keepalived 2.2.7 on the same inputs (where they differ, by design)', (t) => {
  if (!need(t, hasCommand('keepalived'), 'Debian keepalived 2.2.7 (scripts/setup.sh installs it)')) return;
  if (!need(t, isRoot() && hasCommand('unshare'), 'root and unshare for a throw-away network namespace')) return;
  const dir = mkdtempSync(join(tmpdir(), 'kts-cli-'));
  try {
    for (const c of CASES) {
      const file = join(dir, `${c.name.replace(/\W+/g, '-')}.conf`);
      if (c.conf !== undefined) {
        writeFileSync(file, c.conf);
        chmodSync(file, 0o644);
      }
      const ka = inNetns(['timeout', '5', 'keepalived', '-t', '-f', file], dir);
      assert.equal(ka.status, c.keepalived, `${c.name}: keepalived said ${ka.status}: ${ka.stderr}`);
      const ours = inNetns([KTS, '-t', '-f', file], dir);
      assert.equal(ours.status, c.ours, `${c.name}: keepalived-ts said ${ours.status}: ${ours.stderr}`);
      if (c.code) assert.match(ours.stderr, new RegExp(`\\[${c.code}\\]`), `${c.name}: ${ours.stderr}`);
      // Every diagnostic line has a position in the file we gave it.
      for (const line of ours.stderr.split('\n').filter((l) => /: (error|warning):/.test(l)))
        assert.match(line, /^[^:]+:\d+:\d+: (error|warning): .+ \[[a-z0-9-]+\]$/, line);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a self-referencing definition: keepalived 2.2.7 hangs, keepalived-ts reports it with a position', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-cli-'));
  try {
    const file = join(dir, 'selfref.conf');
    writeFileSync(file, '$IF=$IF\n' + VI('').replace('interface eth0', 'interface $IF'));
    const ours = run([KTS, '-t', '--no-host-checks', '-f', file], dir);
    assert.equal(ours.status, 5, ours.stderr);
    assert.match(ours.stderr, /selfref\.conf:\d+:\d+: error: .*\[self-reference\]/);
    if (!need(t, hasCommand('keepalived') && isRoot(), 'keepalived 2.2.7 and root to show the hang')) return;
    const ka = run(['unshare', '-n', 'timeout', '3', 'keepalived', '-t', '-f', file], dir);
    assert.equal(ka.status, 124, 'keepalived 2.2.7 is expected to hang (timeout 124)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--config-test=LOGFILE writes the diagnostics there; --dump-config prints typed JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-cli-'));
  try {
    const file = join(dir, 'k.conf');
    writeFileSync(file, VI('  priorty 150\n  advert_int 2'));
    const log = join(dir, 'check.log');
    const r = run([KTS, `--config-test=${log}`, '--no-host-checks', '-f', file], dir);
    assert.equal(r.status, 5);
    assert.equal(r.stderr, '');
    const logged = spawnSync('cat', [log], { encoding: 'utf8' }).stdout;
    assert.match(logged, /k\.conf:4:3: error: unknown keyword 'priorty'/);
    const dump = spawnSync(KTS, ['--dump-config', '--no-host-checks', '-f', file], { cwd: dir, encoding: 'utf8' });
    const model = JSON.parse(dump.stdout) as { vrrp_instances: { name: string; virtual_router_id: number; advert_int: number }[] };
    assert.equal(model.vrrp_instances[0]?.name, 'VI_1');
    assert.equal(model.vrrp_instances[0]?.virtual_router_id, 51);
    assert.equal(model.vrrp_instances[0]?.advert_int, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('options parse as getopt_long does; unknown options and unsupported features exit non-zero', () => {
  assert.equal(run([KTS, '--signum=RELOAD'], REPO_ROOT).status, 0);
  assert.equal(run([KTS, '--signum=NOPE'], REPO_ROOT).status, 1);
  assert.equal(run([KTS, '--bogus'], REPO_ROOT).status, 1);
  assert.equal(run([KTS, '-x'], REPO_ROOT).status, 4);
  assert.equal(run([KTS, '-t', '-f', '/nonexistent/k.conf'], REPO_ROOT).status, 4);
  // getopt: -t's argument is optional, so `-tf FILE` is -t with log file 'f' and FILE an operand.
  // keepalived warns "Unexpected argument(s)" and goes on; keepalived-ts refuses (exit 1).
  assert.equal(run([KTS, '-tf', '/nonexistent/k.conf'], REPO_ROOT).status, 1);
});

test('-t checks the host it runs on: interfaces of its own namespace, and IP forwarding for NAT', (t) => {
  if (!need(t, isRoot() && hasCommand('unshare'), 'root and unshare for a throw-away network namespace')) return;
  const nat = join(REPO_ROOT, 'examples/lvs-nat/director.conf');
  // A fresh namespace has only lo and forwarding off: eth0 is missing (not the host's eth0
  // seen through /sys), and the NAT virtual server gets the forwarding warning.
  const off = run(['unshare', '-n', KTS, '-t', '-f', nat], REPO_ROOT);
  assert.match(off.stderr, /\(VI_NAT\) interface eth0 does not exist on this host \[no-such-interface\]/);
  assert.match(off.stderr, /net\.ipv4\.ip_forward = 1, and this host has 0.*\[ip-forward-off\]/);
  const on = run(['unshare', '-n', 'sh', '-c', `sysctl -qw net.ipv4.ip_forward=1 && exec '${KTS}' -t -f '${nat}'`], REPO_ROOT);
  assert.doesNotMatch(on.stderr, /ip-forward-off/);
});
