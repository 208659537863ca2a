// `-t` with host checks against a real network namespace: the RealServer scripts' set-up (the
// VIP on lo with a label, lo:0) run on a director is found through getifaddrs in the reader's
// own namespace, and reported at the virtual_server line; without it, or with
// --no-host-checks, nothing is said. Also proves the check follows `ip netns exec`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, need } from '../support/env.ts';
import { Netns, destroyAll } from '../support/netns.ts';
import { REPO_ROOT } from '../support/paths.ts';

const dir = mkdtempSync(join(tmpdir(), `kts-viphost-${process.pid}-`));
after(() => { destroyAll(); rmSync(dir, { recursive: true, force: true }); });

const CONF = `global_defs {
    enable_script_security
}
virtual_server 10.99.5.100 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.99.5.2 80 {
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
`;

function configTest(ns: Netns, ...extra: string[]): { status: number | null; stderr: string } {
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, CONF);
  const r = spawnSync('ip', ['netns', 'exec', ns.name, join(REPO_ROOT, 'bin/keepalived-ts'), '-t', '-f', file, ...extra], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

test('-t warns when this host holds a virtual_server address on lo (lo:0), in its own namespace only', (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  const ns = Netns.create('viphost');
  const clean = configTest(ns);
  assert.equal(clean.status, 0, clean.stderr);
  assert.doesNotMatch(clean.stderr, /vip-on-host/);
  ns.ip('addr', 'add', '10.99.5.100/32', 'dev', 'lo', 'label', 'lo:0');
  const warned = configTest(ns);
  assert.equal(warned.status, 0, 'a warning, not an error');
  assert.match(warned.stderr, /keepalived\.conf:4:1: warning: virtual_server 10\.99\.5\.100:80: this host already has 10\.99\.5\.100 on lo\b.*\[vip-on-host\]/);
  assert.match(warned.stderr, /hint: .*ip addr del 10\.99\.5\.100\/32 dev lo/);
  assert.doesNotMatch(configTest(ns, '--no-host-checks').stderr, /vip-on-host/);
});
