// keepalived-ts as users run it (bin/keepalived-ts, the built bundle) answering keepalived's dump
// signals inside a lab namespace: USR1 -> the data dump, USR2 -> the stats, 36 (SIGRTMIN+2,
// `--signum=JSON`) -> the JSON, 63 (`--signum=STATS_CLEAR`) -> the stats then zeroed counters;
// each file appears with the running instance's state and counters, and the daemon keeps
// running and holding its VIP afterwards (36's and 63's default action would terminate it).
// File names: the data file follows keepalived's `instance NAME` + data_use_instance naming
// (/tmp/keepalived.NAME.data, NAME unique to this process); stats and JSON have fixed names in
// keepalived 2.2.7, so they are pointed into the lab's own directory with stats_dump_file /
// json_dump_file and nothing here touches another test's /tmp/keepalived.* files.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { VIP4, VrrpLab, instanceConf, waitFor, type Proc } from '../support/lab.ts';
import { Netns } from '../support/netns.ts';
import { REPO_ROOT } from '../support/paths.ts';

const labs: VrrpLab[] = [];
const stray: string[] = [];
after(async () => {
  for (const l of labs) await l.destroy();
  for (const f of stray) rmSync(f, { force: true });
});

/** The process that runs VRRP (the worker when a supervisor runs it, else the daemon itself). */
function vrrpPid(p: Proc): number {
  const w = (p as Proc & { workerPid?: () => number | undefined }).workerPid?.();
  return w ?? p.pid;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

test('USR1, USR2, 36 and 63 write keepalived\'s dumps; the daemon keeps running', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  if (!need(t, hasCommand('ip'), 'iproute2')) return;
  const l = new VrrpLab('dmp', ['d1']);
  labs.push(l);
  const instance = `ktsdump${process.pid}`;
  const data = `/tmp/keepalived.${instance}.data`;
  const stats = join(l.dir, 'dump.stats');
  const json = join(l.dir, 'dump.json');
  stray.push(data);
  rmSync(data, { force: true });
  const conf = [
    `instance ${instance}`,
    'global_defs {',
    '    router_id kts_dumps',
    '    data_use_instance',
    `    stats_dump_file ${stats}`,
    `    json_dump_file ${json}`,
    '}',
    instanceConf({ state: 'MASTER', priority: 150, pass: 'secret1' }),
  ].join('\n');
  const d = l.startTs('d1', conf);
  await waitFor(() => l.hasAddr('d1', VIP4) || d.exited(), 10_000, 'd1 to become MASTER');
  assert.ok(!d.exited(), d.log());
  await waitFor(() => vrrpPid(d) !== undefined, 5000, 'the VRRP process');
  const target = vrrpPid(d);

  process.kill(target, 'SIGUSR1');
  process.kill(target, 'SIGUSR2');
  process.kill(target, 36);
  await waitFor(() => existsSync(data) && existsSync(stats) && existsSync(json), 5000, `the three dumps (log:\n${d.log()})`);

  const text = readFileSync(data, 'utf8');
  assert.match(text, /^------< Global definitions >------\n/);
  assert.match(text, new RegExp(`^ Instance name = ${instance}$`, 'm'));
  assert.match(text, /^ Router ID = kts_dumps$/m);
  assert.match(text, /^------< VRRP Topology >------\n VRRP Instance = VI_1\n {3}VRRP Version = 2\n {3}State = MASTER\n/m);
  assert.match(text, /^ {3}Authentication type = SIMPLE_PASSWORD\n {3}Password = secret1$/m);
  assert.match(text, new RegExp(`^ {3}Virtual IP \\(1\\):\\n {5}${VIP4.replaceAll('.', '\\.')}/24 dev eth0 scope global set$`, 'm'));

  const s = readFileSync(stats, 'utf8').split('\n');
  assert.equal(s[0], 'VRRP Instance: VI_1');
  assert.equal(s[4], '  Became master: 1');
  const sent1 = Number(/^ {4}Sent: (\d+)$/.exec(s[3]!)?.[1]);
  assert.ok(sent1 >= 1, s.join('\n'));

  const j1 = JSON.parse(readFileSync(json, 'utf8')) as Array<{ data: Record<string, unknown>; stats: Record<string, number> }>;
  assert.equal(j1.length, 1);
  assert.equal(j1[0]!.data.iname, 'VI_1');
  assert.equal(j1[0]!.data.state, 2); // keepalived's VRRP_STATE_MASTER
  assert.equal(j1[0]!.data.base_priority, 150);
  assert.equal(j1[0]!.data.effective_priority, 150);
  assert.deepEqual(j1[0]!.data.vips, [`${VIP4}/24 dev eth0 scope global set`]);
  assert.ok(j1[0]!.stats.advert_sent! >= 1);

  // Still alive and still MASTER after all three, and a second JSON dump shows the counters moving.
  await sleep(1500);
  assert.ok(!d.exited(), `the daemon died after the dump signals:\n${d.log()}`);
  assert.ok(l.hasAddr('d1', VIP4));
  rmSync(json);
  process.kill(target, 36);
  await waitFor(() => existsSync(json), 5000, 'the second JSON dump');
  const j2 = JSON.parse(readFileSync(json, 'utf8')) as typeof j1;
  assert.ok(j2[0]!.stats.advert_sent! > j1[0]!.stats.advert_sent!, 'advert_sent grows between dumps');
  assert.ok(!d.exited());

  // 63 (--signum=STATS_CLEAR): the stats, then the counters start again from zero.
  rmSync(stats);
  process.kill(target, 63);
  await waitFor(() => existsSync(stats), 5000, 'the STATS_CLEAR dump');
  const sentBeforeClear = Number(/^ {4}Sent: (\d+)$/m.exec(readFileSync(stats, 'utf8'))?.[1]);
  assert.ok(sentBeforeClear >= j2[0]!.stats.advert_sent!);
  rmSync(stats);
  process.kill(target, 'SIGUSR2');
  await waitFor(() => existsSync(stats), 5000, 'the stats after the clear');
  const sentAfterClear = Number(/^ {4}Sent: (\d+)$/m.exec(readFileSync(stats, 'utf8'))?.[1]);
  assert.ok(sentAfterClear < sentBeforeClear, `counters cleared: ${sentAfterClear} < ${sentBeforeClear}`);
  assert.ok(!d.exited());

  // And it still stops as before: SIGTERM, priority 0, exit 0.
  await d.stop('SIGTERM', 10_000);
  assert.equal(d.child.exitCode, 0, d.log());
});

test('USR1 to the LVS half (-C) writes keepalived_check.INSTANCE.data with the virtual servers', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  const ns = Netns.create('dmpc');
  const dir = mkdtempSync(join(tmpdir(), `kts-dumps-${process.pid}-`));
  const instance = `ktsdumpc${process.pid}`;
  const data = `/tmp/keepalived_check.${instance}.data`;
  stray.push(data);
  rmSync(data, { force: true });
  const conf = join(dir, 'keepalived.conf');
  const pidFile = join(dir, 'main.pid');
  // Checks go to the namespace's loopback (there is no IPVS in this kernel: the daemon runs on
  // and retries it, which is all this test needs).
  writeFileSync(conf, [
    `instance ${instance}`,
    'global_defs {', '    router_id kts_dumps_c', '    data_use_instance', '}',
    'virtual_server 10.79.0.100 80 {', '    delay_loop 1', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP',
    '    real_server 127.0.0.1 9 {', '        weight 3', '        TCP_CHECK {', '            connect_timeout 1', '        }', '    }', '}', '',
  ].join('\n'));
  const child = spawn('ip', ['netns', 'exec', ns.name, join(REPO_ROOT, 'bin/keepalived-ts'), '-n', '-C', '-l', '-f', conf, '-p', pidFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  try {
    await waitFor(() => existsSync(pidFile) || exited(), 10_000, 'the pid file');
    assert.ok(!exited(), out);
    // The LVS half logs its quorum as it starts, just before the services; a USR1 that still
    // arrives before the handler is installed is lost, so it is repeated (bounded).
    await waitFor(() => /quorum/i.test(out) || exited(), 10_000, `the LVS half to start (log:\n${out})`);
    const t0 = Date.now();
    while (!existsSync(data) && Date.now() - t0 < 5000) {
      process.kill(child.pid!, 'SIGUSR1');
      await sleep(250);
    }
    await waitFor(() => existsSync(data), 1000, `the checker data dump (log:\n${out})`);
    const text = readFileSync(data, 'utf8');
    assert.match(text, /^------< Global definitions >------\n/);
    assert.match(text, /^------< LVS Topology >------\n System is compiled with LVS v1\.2\.1\n ------< Virtual server >------\n VS VIP = 10\.79\.0\.100, VPORT = 80\n/m);
    assert.match(text, /^ {3}RIP = 127\.0\.0\.1, RPORT = 9, WEIGHT = 3 EFF WEIGHT = 3\n {3}forwarding method = NAT$/m);
    assert.match(text, /^------< Health checkers >------\n \[10\.79\.0\.100\]:tcp:80 -> \[127\.0\.0\.1\]:tcp:9\n {3}Enabled = yes\n {3}Up = (yes|no)\n {3}Has run = (yes|no)\n/m);
    // No VRRP half with -C: keepalived writes no keepalived.INSTANCE.data then.
    assert.ok(!existsSync(`/tmp/keepalived.${instance}.data`));
    assert.ok(!exited(), out);
  } finally {
    if (!exited()) {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const k = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(k);
    }
    ns.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
