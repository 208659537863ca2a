// Differential test against keepalived 2.2.7 itself: small configs, each exercising one
// validation or fix-up, are given to `keepalived -t` (inside a fresh network namespace holding a
// veth pair eth0/eth1, so interface checks behave as on a real host) and to parse + buildConfig
// with HostFacts describing that namespace. The exit codes (0 / 5 / 6) must be equal, except
// where we deliberately report more than keepalived (listed, with the reason).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'keepalived-conf-parser';
import { buildConfig, configTestExitCode } from '../../src/config/index.ts';
import { hasCommand, isRoot, need } from '../support/env.ts';

const VIP = 'virtual_ipaddress {\n 10.0.0.10/24\n}';
const inst = (body: string, name = 'V', vrid = 51) => `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n${body}\n}\n`;
const SEC = 'global_defs {\n enable_script_security\n script_user root\n}\n';
const VS = (body: string) => `virtual_server 10.0.0.1 80 {\n${body}\n real_server 10.0.1.1 80 {\n }\n}\n`;

/** [name, config, why we differ on purpose (undefined = must agree)] */
const CASES: [string, string, string?][] = [
  ['valid instance', inst(VIP)],
  ['priority out of range', inst(`priority 300\n${VIP}`)],
  ['priority 0', inst(`priority 0\n${VIP}`)],
  ['v2 fractional advert_int', inst(`advert_int 0.5\n${VIP}`)],
  ['v3 advert_int 0.05', inst(`version 3\nadvert_int 0.05\n${VIP}`)],
  ['auth_pass over 8 chars', inst(`authentication {\n auth_type PASS\n auth_pass 123456789\n}\n${VIP}`)],
  ['v3 with authentication', inst(`version 3\nauthentication {\n auth_type PASS\n auth_pass 1234\n}\n${VIP}`)],
  ['nopreempt with state MASTER', inst(`state MASTER\npriority 150\nnopreempt\n${VIP}`)],
  ['virtual_router_id 0', inst(VIP, 'V', 0)],
  ['unknown keyword', inst(`priorty 150\n${VIP}`)],
  ['unknown keyword with a block', `global_defs {\n router_id a\n}\n${inst(VIP)}frob {\n x 1\n}\n`],
  ['unknown interface', inst(VIP).replace('eth0', 'eth9')],
  ['no VIP', inst('')],
  ['state typo', inst(`state MASTR\n${VIP}`)],
  ['bad VIP', inst('virtual_ipaddress {\n 10.0.0.300\n}')],
  ['VIP of both families', inst('virtual_ipaddress {\n 10.0.0.10\n 2001:db8::10\n}')],
  ['tracked script without security', `vrrp_script s {\n script /bin/true\n}\n${inst(`track_script {\n s\n}\n${VIP}`)}`],
  ['tracked script with security', `${SEC}vrrp_script s {\n script /bin/true\n}\n${inst(`track_script {\n s\n}\n${VIP}`)}`],
  ['track_script naming no vrrp_script', inst(`track_script {\n nope\n}\n${VIP}`)],
  ['notify script missing on disk', inst(`notify_master /nonexistent/x.sh\n${VIP}`)],
  ['sync group with unknown member', `${inst(VIP)}vrrp_sync_group G {\n group {\n  V\n  W\n }\n}\n`],
  ['strict mode with unicast', `global_defs {\n vrrp_strict\n}\n${inst(`unicast_peer {\n 10.0.0.2\n}\n${VIP}`)}`],
  ['complete virtual server', VS(' protocol TCP\n lb_algo rr\n lb_kind DR')],
  ['virtual server without protocol', VS(' lb_algo rr\n lb_kind DR')],
  ['persistence_timeout 0', VS(' protocol TCP\n lb_algo rr\n lb_kind NAT\n persistence_timeout 0')],
  ['MISC_CHECK without security', `virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.1.1 80 {\n  MISC_CHECK {\n   misc_path /bin/true\n  }\n }\n}\n`],
  ['HTTP_GET status_code range', `virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.1.1 80 {\n  HTTP_GET {\n   url {\n    path /\n    status_code 200-299\n   }\n  }\n }\n}\n`],
  ['same VRID twice on eth0', inst(VIP, 'A') + inst('virtual_ipaddress {\n 10.0.0.11/24\n}', 'B')],
  ['same VRID twice on eth0, unicast', inst(`unicast_peer {\n 10.0.0.2\n}\n${VIP}`, 'A') + inst('unicast_peer {\n 10.0.0.3\n}\nvirtual_ipaddress {\n 10.0.0.11/24\n}', 'B')],
  ['same VRID on eth0 and eth1', inst(VIP, 'A') + inst('virtual_ipaddress {\n 10.0.0.11/24\n}', 'B').replace('eth0', 'eth1')],
  ['strict mode with authentication', `global_defs {\n vrrp_strict\n}\n${inst(`authentication {\n auth_type PASS\n auth_pass 1234\n}\n${VIP}`)}`],
  ['strict mode with preempt_delay', `global_defs {\n vrrp_strict\n}\n${inst(`preempt_delay 10\n${VIP}`)}`],
  ['strict mode without VIP', `global_defs {\n vrrp_strict\n}\n${inst('')}`],
  ['strict mode, state MASTER below 255', `global_defs {\n vrrp_strict\n}\n${inst(`state MASTER\npriority 100\n${VIP}`)}`],
  ['strict mode, v2 accept', `global_defs {\n vrrp_strict\n}\n${inst(`accept\n${VIP}`)}`],
  ['nopreempt on the owner', inst(`priority 255\nnopreempt\n${VIP}`)],
  ['preempt_delay with state MASTER', inst(`state MASTER\npriority 100\npreempt_delay 5\n${VIP}`)],
  ['IPv6 with version 2', inst('version 2\nvirtual_ipaddress {\n 2001:db8::10/64\n}')],
  ['v3 advert_int 50', inst(`version 3\nadvert_int 50\n${VIP}`)],
  ['timer_expired_backup without nopreempt', inst(`timer_expired_backup\n${VIP}`)],
  ['deprecated vrrp_track_file', `vrrp_track_file f {\n file /tmp/x\n}\n${inst(VIP)}`],
  ['real server family mismatch', `virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 2001:db8::1 80 {\n }\n}\n`],
  ['HTTP_GET without url', `virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.1.1 80 {\n  HTTP_GET {\n  }\n }\n}\n`,
    'keepalived 2.2.7 -t crashes (SIGSEGV, exit 139) on an HTTP_GET without url; we report missing-value and drop the checker'],
  ['duplicate real server', `virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.1.1 80 {\n }\n real_server 10.0.1.1 80 {\n }\n}\n`],
  ['virtual_server group undefined', `virtual_server group G {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n}\n`,
    'keepalived 2.2.7 accepts a virtual_server naming an undefined virtual_server_group silently (the service then has no address); we report unknown-reference'],
];

function isExecutable(p: string): boolean {
  try { accessSync(p, constants.X_OK); return true; } catch { return false; }
}

test('keepalived 2.2.7 -t and buildConfig give the same exit code on targeted configs', (t) => {
  if (!need(t, isRoot() && hasCommand('keepalived') && hasCommand('unshare') && hasCommand('ip'), 'root, keepalived, unshare and ip')) return;
  const dir = mkdtempSync(join(tmpdir(), `ka-exit-${process.pid}-`));
  try {
    const rows: string[] = [];
    const bad: string[] = [];
    for (const [name, text, why] of CASES) {
      const file = join(dir, 'k.conf');
      writeFileSync(file, text);
      let theirs: number;
      try {
        // A fresh, empty network namespace with a veth pair: nothing touches the host's network.
        execFileSync('timeout', ['5', 'unshare', '-n', 'sh', '-c',
          'ip link add eth0 type veth peer name eth1 && ip link set eth0 up && keepalived -t -i test -f "$0"', file], { stdio: 'pipe' });
        theirs = 0;
      } catch (e) {
        theirs = (e as { status: number }).status;
      }
      const parsed = parse(text, file, { fs: { readFile: () => undefined, readDir: () => undefined, kind: () => undefined }, configId: 'test' });
      const built = buildConfig(parsed.statements, { host: { interfaceExists: (n) => n === 'eth0' || n === 'eth1' || n === 'lo', fileExecutable: isExecutable } });
      const ours = configTestExitCode([...parsed.diagnostics, ...built.diagnostics]);
      rows.push(`${name}: keepalived ${theirs}, ours ${ours}${why ? ' (deliberate)' : ''}`);
      if (why === undefined && ours !== theirs) {
        bad.push(`${name}: keepalived ${theirs}, ours ${ours}: ${built.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
      }
      if (why !== undefined && ours === theirs) bad.push(`${name}: expected a deliberate difference (${why}) but both say ${ours}`);
    }
    process.stdout.write(rows.map((r) => `keepalived-exit: ${r}\n`).join(''));
    assert.deepEqual(bad, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
