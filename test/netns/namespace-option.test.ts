// keepalived's `-s NAME` and `net_namespace NAME`: the daemon, started in the root namespace,
// runs VRRP inside the named one. The instance's interface (ktsns0) exists only there, and a
// failure to enter is fatal, so nothing is ever sent in the root namespace: the VIP must appear
// on ktsns0 inside, and be removed at stop. A namespace that does not exist refuses to start.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, need } from '../support/env.ts';
import { waitFor } from '../support/lab.ts';
import { Netns, destroyAll } from '../support/netns.ts';
import { REPO_ROOT } from '../support/paths.ts';

const dir = mkdtempSync(join(tmpdir(), `kts-nsopt-${process.pid}-`));
after(() => { destroyAll(); rmSync(dir, { recursive: true, force: true }); });

const VIP = '10.98.7.200';
const conf = (head = ''): string => `${head}vrrp_instance NS_1 {
    interface ktsns0
    virtual_router_id 77
    priority 150
    advert_int 0.1
    version 3
    virtual_ipaddress {
        ${VIP}/24
    }
}
`;

function holds(ns: Netns): boolean {
  const j = ns.ipJson('addr', 'show', 'dev', 'ktsns0') as { addr_info?: { local?: string }[] }[];
  return j.some((l) => (l.addr_info ?? []).some((a) => a.local === VIP));
}

async function runIn(ns: Netns, file: string, extra: string[]): Promise<void> {
  const child = spawn(join(REPO_ROOT, 'bin/keepalived-ts'), ['-n', '-l', '-P', '-f', file, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  try {
    await waitFor(() => holds(ns), 30_000, `the VIP on ktsns0 inside ${ns.name} (log:\n${out})`);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    assert.equal(holds(ns), false, 'VIP removed at stop');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

test('-s NAME and net_namespace NAME run VRRP inside that namespace; a missing one refuses to start', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  const ns = Netns.create('nsopt');
  ns.ip('link', 'add', 'ktsns0', 'type', 'veth', 'peer', 'name', 'ktsns1');
  ns.ip('addr', 'add', '10.98.7.1/24', 'dev', 'ktsns0');
  ns.ip('link', 'set', 'ktsns0', 'up');
  ns.ip('link', 'set', 'ktsns1', 'up');
  const plain = join(dir, 'plain.conf');
  writeFileSync(plain, conf());
  await runIn(ns, plain, ['-s', ns.name]);
  const named = join(dir, 'named.conf');
  writeFileSync(named, conf(`net_namespace ${ns.name}\n`));
  await runIn(ns, named, []);
  // A namespace that does not exist: exit 4 with the reason, before anything runs.
  const r = spawn(join(REPO_ROOT, 'bin/keepalived-ts'), ['-n', '-l', '-P', '-f', plain, '-s', `kts-nosuch-${process.pid}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  r.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  r.stdout.on('data', (b: Buffer) => { err += b.toString(); });
  const code = await new Promise<number | null>((res) => r.once('exit', (c) => res(c)));
  assert.equal(code, 4, err);
  assert.match(err, /network namespace kts-nosuch-\d+: cannot open \/var\/run\/netns\/kts-nosuch-\d+ \(ENOENT\); create it with 'ip netns add/);
});
