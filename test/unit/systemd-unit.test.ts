// systemd/keepalived-ts.service, judged by systemd's own tools, and scripts/install-service.sh.
//
// The shipped unit is installed by the install script into a temporary root (--root), never
// into this machine's /. `systemd-analyze verify --root=DIR` then loads it exactly as systemd
// would there: it needs the standard units (sysinit.target...) and every command the unit runs
// (ExecStart's /usr/sbin/keepalived-ts from the install, /bin/kill for ExecReload), so the test
// copies /usr/lib/systemd/system and kill into the same tree. verify exits 0 even for an unknown
// directive (it only logs it), so ANY output counts as a failure; a control copy with a typo
// proves the check can fail. `systemd-analyze security --offline` reports how systemd itself
// parsed the sandboxing and capabilities (JSON), and its overall exposure score.
// Finally the installed tree must run on its own: the daemon from /usr/lib/keepalived-ts (no
// checkout node_modules reachable) starts in a network namespace, says READY=1 on a notify
// socket, as Type=notify needs, and stops on SIGTERM with exit 0.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AF_UNIX, NativeSocket, SOCK_DGRAM } from '../../src/os/native-socket.ts';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { Netns, destroyAll, vethPair } from '../support/netns.ts';
import { REPO_ROOT } from '../support/paths.ts';

const UNIT = join(REPO_ROOT, 'systemd/keepalived-ts.service');
const INSTALL = join(REPO_ROOT, 'scripts/install-service.sh');
/** Debian 12's keepalived.service scores 9.6 ("UNSAFE") on the same scale. */
const MAX_EXPOSURE = 6.5;

const temps: string[] = [];
after(() => {
  destroyAll();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function tempDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `kts-${tag}-`));
  temps.push(d);
  return d;
}

function haveBundle(): boolean {
  return existsSync(join(REPO_ROOT, 'dist/keepalived-ts.mjs')) && existsSync(join(REPO_ROOT, 'build/Release/ktsnative.node'));
}

let installedRoot: string | undefined;
/** The install script run once into a temporary root, plus what verify needs beside it. */
function installedTree(): string {
  if (installedRoot) return installedRoot;
  const root = tempDir('root');
  const r = spawnSync('bash', [INSTALL, `--root=${root}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, `install-service.sh failed:\n${r.stdout}\n${r.stderr}`);
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  cpSync('/usr/bin/kill', join(root, 'usr/bin/kill'));
  // merged /usr, as on Debian 12: /bin/kill and /sbin/modprobe resolve inside the tree
  symlinkSync('usr/bin', join(root, 'bin'));
  symlinkSync('usr/sbin', join(root, 'sbin'));
  installedRoot = root;
  return root;
}

function verify(root: string, unit: string): { status: number | null; output: string } {
  const r = spawnSync('systemd-analyze', ['verify', `--root=${root}`, unit], { encoding: 'utf8' });
  return { status: r.status, output: (r.stdout + r.stderr).trim() };
}

/** [Section] -> key -> values in order (a key may repeat). Comments and blank lines skipped. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = new Map();
      out.set(s[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(eq > 0, `not a directive: ${line}`);
    const k = line.slice(0, eq);
    section.set(k, [...(section.get(k) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

test('install-service.sh --dry-run changes nothing; bad arguments are refused', (t) => {
  if (!need(t, haveBundle(), 'a built checkout (dist/ and the native addon)')) return;
  const root = join(tempDir('dry'), 'root');
  const r = spawnSync('bash', [INSTALL, `--root=${root}`, '--dry-run'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /install -m 0644 \S+\/systemd\/keepalived-ts\.service \S+\/etc\/systemd\/system\/keepalived-ts\.service/);
  assert.equal(existsSync(root), false, 'dry run created files');
  const bad = spawnSync('bash', [INSTALL, '--prefix=/opt'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown argument '--prefix=\/opt'/);
});

test('systemd-analyze verify accepts the shipped unit, installed, with no warning at all', (t) => {
  if (!need(t, hasCommand('systemd-analyze'), 'systemd-analyze (package systemd)')) return;
  if (!need(t, haveBundle(), 'a built checkout (dist/ and the native addon)')) return;
  const root = installedTree();
  const installed = join(root, 'etc/systemd/system/keepalived-ts.service');
  assert.equal(readFileSync(installed, 'utf8'), readFileSync(UNIT, 'utf8'), 'the installed unit is the shipped text');
  const v = verify(root, 'keepalived-ts.service');
  assert.equal(v.output, '', `systemd-analyze verify said:\n${v.output}`);
  assert.equal(v.status, 0);

  // Controls: the same check fails on a misspelt directive and on a missing ExecStart binary.
  const typo = readFileSync(UNIT, 'utf8').replace('KillMode=mixed', 'KilMode=mixed');
  writeFileSync(join(root, 'etc/systemd/system/kts-typo.service'), typo);
  assert.match(verify(root, 'kts-typo.service').output, /Unknown key 'KilMode'/);
  const bin = readFileSync(UNIT, 'utf8').replace('ExecStart=/usr/sbin/keepalived-ts', 'ExecStart=/usr/sbin/keepalived-tz');
  writeFileSync(join(root, 'etc/systemd/system/kts-bin.service'), bin);
  assert.match(verify(root, 'kts-bin.service').output, /keepalived-tz is not executable/);
});

test('the directives say what the unit promises', () => {
  const u = parseUnit(readFileSync(UNIT, 'utf8'));
  const unit = u.get('Unit')!;
  const svc = u.get('Service')!;
  const one = (k: string): string | undefined => {
    const v = svc.get(k);
    assert.ok(!v || v.length === 1, `${k} given ${v?.length} times`);
    return v?.[0];
  };
  assert.deepEqual(unit.get('Conflicts'), ['keepalived.service']);
  assert.deepEqual(unit.get('After'), ['network-online.target']);
  assert.deepEqual(unit.get('Wants'), ['network-online.target']);
  assert.equal(one('Type'), 'notify');
  assert.equal(one('NotifyAccess'), 'all');
  assert.equal(one('KillMode'), 'mixed');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(one('Restart'), 'on-failure');
  // Debian's option file first (as its keepalived.service), each optional ('-').
  assert.deepEqual(svc.get('EnvironmentFile'), ['-/etc/default/keepalived', '-/etc/sysconfig/keepalived', '-/etc/default/keepalived-ts']);
  const exec = one('ExecStart')!.split(/\s+/);
  assert.equal(exec[0], '/usr/sbin/keepalived-ts');
  assert.ok(exec.includes('--dont-fork'), 'Type=notify needs the foreground process');
  for (const v of ['$DAEMON_ARGS', '$KEEPALIVED_OPTIONS', '$KEEPALIVED_TS_OPTIONS']) assert.ok(exec.includes(v), v);
  assert.ok(Number(one('LimitNOFILE')) >= 65536);
  assert.equal(one('PrivateTmp'), 'no', 'dumps in /tmp must stay visible to the operator');
  assert.equal(svc.get('AmbientCapabilities'), undefined);
  assert.equal(svc.get('ProtectKernelTunables'), undefined, 'use_vmac writes /proc/sys/net');
  assert.equal(svc.get('MemoryDenyWriteExecute'), undefined, "Node's JIT");
});

test('systemd-analyze security: how systemd parsed the sandbox, and the exposure score', (t) => {
  if (!need(t, hasCommand('systemd-analyze'), 'systemd-analyze (package systemd)')) return;
  if (!need(t, haveBundle(), 'a built checkout (dist/ and the native addon)')) return;
  const root = installedTree();
  const args = ['security', '--offline=true', `--root=${root}`, 'keepalived-ts.service'];
  const j = spawnSync('systemd-analyze', [...args, '--json=short'], { encoding: 'utf8' });
  assert.equal(j.status, 0, j.stderr);
  const checks = new Map((JSON.parse(j.stdout) as { name: string; set: boolean; description: string }[]).map((c) => [c.name, c]));
  const isSet = (name: string): boolean => {
    const c = checks.get(name);
    assert.ok(c, `no check ${name}`);
    return c.set;
  };
  // Kept: what the daemon and its scripts use.
  // (systemd groups some capabilities in one check, which is 'not set' when any of them stays)
  for (const cap of ['NET_ADMIN', 'NET_(BIND_SERVICE|BROADCAST|RAW)', 'KILL', 'SET(UID|GID|PCAP)', 'SYS_(NICE|RESOURCE)', '(CHOWN|FSETID|SETFCAP)', '(DAC_*|FOWNER|IPC_OWNER)']) {
    assert.equal(isSet(`CapabilityBoundingSet=~CAP_${cap}`), false, `CAP_${cap} should stay in the bounding set`);
  }
  // Dropped: the ones that make root the kernel's master.
  for (const n of ['SYS_ADMIN', 'SYS_MODULE', 'SYS_PTRACE', 'SYS_RAWIO', 'SYS_BOOT', 'SYS_TIME', 'MKNOD', 'BPF', 'SYS_CHROOT']) {
    assert.equal(isSet(`CapabilityBoundingSet=~CAP_${n}`), true, `CAP_${n} should be dropped`);
  }
  assert.equal(isSet('PrivateTmp='), false, '/tmp is shared with the operator');
  assert.equal(isSet('ProtectKernelTunables='), false);
  assert.equal(isSet('ProtectKernelModules='), true);
  assert.equal(isSet('RestrictAddressFamilies=~…'), true);
  assert.equal(isSet('SystemCallFilter=~@debug'), true);
  assert.equal(isSet('NotifyAccess='), false, 'NotifyAccess=all: the worker child notifies');
  assert.match(checks.get('ProtectSystem=')!.description, /very limited write access/);

  const text = spawnSync('systemd-analyze', args, { encoding: 'utf8' });
  const m = /Overall exposure level for keepalived-ts\.service: (\d+\.\d)/.exec(text.stdout + text.stderr);
  assert.ok(m, text.stdout + text.stderr);
  const score = Number(m[1]);
  process.stderr.write(`# systemd-analyze security exposure: ${score} (Debian's keepalived.service: 9.6)\n`);
  assert.ok(score <= MAX_EXPOSURE, `exposure ${score} > ${MAX_EXPOSURE}`);
});

test('the installed tree runs on its own: READY=1 on the notify socket, clean stop', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  if (!need(t, haveBundle(), 'a built checkout (dist/ and the native addon)')) return;
  const root = installedTree();
  // The wrapper execs the runtime path; here the same line runs against the temporary tree.
  const wrapper = readFileSync(join(root, 'usr/sbin/keepalived-ts'), 'utf8');
  const execLine = wrapper.split('\n').find((l) => l.startsWith('exec '));
  assert.match(execLine ?? '', /^exec \/\S*node --enable-source-maps \/usr\/lib\/keepalived-ts\/dist\/keepalived-ts\.mjs "\$@"$/);
  const lib = join(root, 'usr/lib/keepalived-ts');
  const version = spawnSync('sh', ['-c', execLine!.replace('/usr/lib/keepalived-ts', lib), 'keepalived-ts', '--version'], { encoding: 'utf8' });
  assert.match(version.stderr, /^keepalived-ts v\d+\.\d+\.\d+/, 'on stderr, as keepalived -v');

  const a = Netns.create('unit');
  const b = Netns.create('unitp');
  vethPair(a, 'eth0', b, 'eth0');
  a.ip('addr', 'add', '10.98.0.1/24', 'dev', 'eth0');
  const dir = tempDir('run');
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, [
    'vrrp_instance VI_1 {', '    state MASTER', '    interface eth0', '    virtual_router_id 61', '    priority 150',
    '    advert_int 0.1', '    version 3', '    virtual_ipaddress {', '        10.98.0.200/24', '    }', '}', '',
  ].join('\n'));
  const notifyPath = join(dir, 'notify.sock');
  const sd = NativeSocket.open(AF_UNIX, SOCK_DGRAM, 0);
  sd.bind({ family: 'unix', path: notifyPath });
  const said: string[] = [];
  sd.on('message', (m) => said.push(m.bytes.toString()));
  sd.start();
  t.after(() => sd.close());
  // Not the checkout's node_modules: a missing runtime package fails here.
  const child = spawn('ip', ['netns', 'exec', a.name, process.execPath, join(lib, 'dist/keepalived-ts.mjs'), '--dont-fork', '-l', '-f', conf], {
    cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NOTIFY_SOCKET: notifyPath },
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 20_000;
    while (!said.some((m) => /^READY=1$/m.test(m)) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(said.some((m) => /^READY=1$/m.test(m)), `no READY=1 on the notify socket; log:\n${log}`);
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
    assert.equal(code, 0, `exit ${String(code)}; log:\n${log}`);
    assert.ok(said.some((m) => /^STOPPING=1$/m.test(m)), 'STOPPING=1 on the way out');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
