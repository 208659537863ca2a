// The mysql track_script use (examples/mysql-vip): a real MariaDB server (Debian's mariadbd,
// started by this test, never the system service) runs in each director's namespace with its
// own datadir and socket under the lab's temp dir; the vrrp_script is `mysqladmin ping` on
// that socket with weight -60, as in the example. Stopping the master's database lowers it
// from 150 to 90, below the backup's 100, and the VIP moves; starting it again moves the VIP
// back (preemption). With `nopreempt` and both `state BACKUP` the VIP stays where it went.
// Who holds the VIP is read from `ip -j addr` in each namespace; nobody here wrote mariadbd,
// mysqladmin or ip. Every mariadbd is ended by its own pid, even on failure.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { VrrpLab, holds, instanceConf, waitFor } from '../support/lab.ts';

const labs: VrrpLab[] = [];
const dbs: ChildProcess[] = [];
after(async () => {
  for (const c of dbs) await stopDb(c);
  for (const l of labs) await l.destroy();
});

function ready(t: Parameters<typeof need>[0]): boolean {
  return need(t, isRoot(), 'root for network namespaces')
    && need(t, hasCommand('mariadbd') && hasCommand('mariadb-install-db') && hasCommand('mysqladmin'), 'mariadb-server and mariadb-client');
}

interface Db { readonly dir: string; readonly socket: string; child: ChildProcess | undefined }

/** A fresh datadir (mariadb-install-db, ~2 s) for node under the lab's temp dir. */
function installDb(l: VrrpLab, node: string): Db {
  const dir = join(l.dir, `db-${node}`);
  mkdirSync(dir, { recursive: true });
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${dir}/data`, '--user=root', '--skip-test-db',
    '--auth-root-authentication-method=normal'], { stdio: 'pipe', timeout: 60_000 });
  return { dir, socket: join(dir, 'mysqld.sock'), child: undefined };
}

/** mariadbd in node's namespace, unix socket only; resolves once mysqladmin ping answers. */
async function startDb(l: VrrpLab, node: string, db: Db): Promise<void> {
  const ns = l.node(node).ns.name;
  // `ip netns exec` execs the command, so child.pid is mariadbd's own pid.
  const child = spawn('ip', ['netns', 'exec', ns, 'mariadbd', '--no-defaults', `--datadir=${db.dir}/data`,
    `--socket=${db.socket}`, `--pid-file=${db.dir}/mariadbd.pid`, '--skip-networking', '--user=root',
    '--innodb-buffer-pool-size=8M', `--log-error=${db.dir}/error.log`], { stdio: 'ignore' });
  dbs.push(child);
  db.child = child;
  await waitFor(() => ping(db), 30_000, `mariadbd on ${node} to answer`);
}

async function stopDb(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const done = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(t);
}

function ping(db: Db): boolean {
  try {
    execFileSync('mysqladmin', ['--no-defaults', `--socket=${db.socket}`, '--connect-timeout=2', 'ping'], { stdio: 'pipe', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

const GLOBAL = 'global_defs {\n    enable_script_security\n    script_user root\n}\n';

/** The example's shape with short timers: the check script, weight -60, fall/rise 2. */
function conf(l: VrrpLab, node: string, db: Db, priority: number, state: 'MASTER' | 'BACKUP', extra = ''): string {
  const script = l.file(`check_mysql_${node}.sh`, `#!/bin/sh\nexec mysqladmin --no-defaults --socket=${db.socket} --connect-timeout=2 ping >/dev/null 2>&1\n`);
  chmodSync(script, 0o755); // enable_script_security: root-owned, not group/world-writable
  const vs = `vrrp_script chk_mysql {\n    script "${script}"\n    interval 0.3\n    timeout 2\n    fall 2\n    rise 2\n    weight -60\n}\n`;
  return GLOBAL + vs + instanceConf({
    name: 'VI_DB', state, vrid: 52, priority, version: 3, advertInt: 0.1,
    extra: `    track_script {\n        chk_mysql\n    }${extra ? `\n${extra}` : ''}`,
  });
}

async function pairWithDbs(tag: string): Promise<{ l: VrrpLab; db1: Db; db2: Db }> {
  const l = new VrrpLab(tag);
  labs.push(l);
  const db1 = installDb(l, 'd1');
  const db2 = installDb(l, 'd2');
  await Promise.all([startDb(l, 'd1', db1), startDb(l, 'd2', db2)]);
  return { l, db1, db2 };
}

test('mysql track_script: database down on the master moves the VIP, back up moves it back (preempt)', { timeout: 90_000 }, async (t) => {
  if (!ready(t)) return;
  const { l, db1, db2 } = await pairWithDbs('mysql');
  l.startTs('d2', conf(l, 'd2', db2, 100, 'BACKUP'));
  const d1 = l.startTs('d1', conf(l, 'd1', db1, 150, 'MASTER'));
  await waitFor(() => l.soleHolder() === 'd1', 20_000, 'd1 (database up) to hold the VIP');
  await holds(() => l.soleHolder() === 'd1', 1000, 'd1 as the only holder');

  await stopDb(db1.child!);
  await waitFor(() => l.soleHolder() === 'd2', 10_000, "the VIP to move to d2 once d1's mysqladmin ping fails");
  assert.match(d1.log(), /VRRP_Script\(chk_mysql\) failed/);
  assert.match(d1.log(), /Changing effective priority from 150 to 90/);
  assert.ok(l.ping(), 'the client reaches the VIP on d2');

  await startDb(l, 'd1', db1);
  await waitFor(() => l.soleHolder() === 'd1', 15_000, 'd1 to take the VIP back once its database answers');
  assert.match(d1.log(), /VRRP_Script\(chk_mysql\) succeeded/);
});

// The example's advice for a failback by hand: nopreempt, state BACKUP on both. A nopreempt
// backup accepts adverts of any priority (keepalived vrrp.c, backup state), so d1 at 90 stays
// master while its database is down; once d1 leaves, d2 takes over, and d1 returning with a
// healthy database (150) does not take the VIP back.
test("mysql track_script with nopreempt (both BACKUP): the VIP stays on d2 after d1 returns healthy", { timeout: 90_000 }, async (t) => {
  if (!ready(t)) return;
  const { l, db1, db2 } = await pairWithDbs('mysqlnp');
  const d1conf = conf(l, 'd1', db1, 150, 'BACKUP', '    nopreempt');
  let d1 = l.startTs('d1', d1conf);
  await waitFor(() => l.soleHolder() === 'd1', 20_000, 'd1 (highest priority) to become master');
  l.startTs('d2', conf(l, 'd2', db2, 100, 'BACKUP', '    nopreempt'));
  await holds(() => l.soleHolder() === 'd1', 1500, 'd1 as master while d2 joins');

  await stopDb(db1.child!);
  await waitFor(() => /Changing effective priority from 150 to 90/.test(d1.log()), 10_000, 'd1 to lower itself to 90');
  await holds(() => l.soleHolder() === 'd1', 1500, 'd1 (90) still master: d2 (100) is nopreempt');

  await d1.stop('SIGTERM');
  await waitFor(() => l.soleHolder() === 'd2', 5000, 'd2 to take over when d1 leaves');
  await startDb(l, 'd1', db1);
  d1 = l.startTs('d1', d1conf);
  await waitFor(() => /Entering BACKUP STATE/.test(d1.log()), 15_000, `d1 back as backup: ${d1.log()}`);
  await holds(() => l.soleHolder() === 'd2', 3000, 'd2 keeps the VIP: d1 (150) is nopreempt');
  assert.ok(ping(db1), "d1's database answers");
  assert.doesNotMatch(d1.log(), /chk_mysql\) failed|effective priority/, 'd1 ran at 150 with a healthy check throughout');
});
