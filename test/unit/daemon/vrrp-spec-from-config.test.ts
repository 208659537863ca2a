// The config model -> engine spec mapping, from real keepalived.conf text through the grammar and
// the config builder (the daemon's own loadConfig), so the test covers the keywords as written.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatIp, parseIp, type IpAddress } from '../../../src/base/ip.ts';
import { loadConfig } from '../../../src/daemon/load-config.ts';
import { vrrpPlanFromConfig, type DaemonVrrpPlan } from '../../../src/daemon/vrrp-spec-from-config.ts';

const HOST = {
  primaryAddress(ifname: string, family: 4 | 6): IpAddress | undefined {
    if (ifname === 'eth0') return parseIp(family === 4 ? '192.0.2.1' : 'fe80::1');
    return undefined;
  },
};

async function plan(text: string): Promise<DaemonVrrpPlan> {
  const dir = mkdtempSync(join(tmpdir(), 'kts-spec-'));
  try {
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, text);
    const loaded = await loadConfig({ file, configId: 'test', allConfig: false, hostChecks: false });
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors, [], 'the test config has no errors');
    assert.ok(loaded.config);
    return vrrpPlanFromConfig(loaded.config, HOST);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a v2 instance: interface, priority, interval, state, VIPs, PASS cut to 8 bytes, source from the host', async () => {
  const p = await plan(`
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 2
    authentication {
        auth_type PASS
        auth_pass secret1234
    }
    virtual_ipaddress {
        10.99.0.200/24 dev eth0 label eth0:vip
        10.99.0.201
    }
}`);
  assert.equal(p.problems.filter((x) => x.severity === 'error').length, 0);
  const [s] = p.director.instances;
  assert.ok(s);
  assert.equal(s.name, 'VI_1');
  assert.equal(s.vrid, 51);
  assert.equal(s.version, 2);
  assert.equal(s.family, 4);
  assert.equal(s.ifname, 'eth0');
  assert.equal(formatIp(s.primaryAddr), '192.0.2.1');
  assert.equal(s.priority, 150);
  assert.equal(s.advertIntervalCs, 200);
  assert.equal(s.wantMaster, true);
  assert.deepEqual(s.vips.map((v) => `${formatIp(v.addr)}/${v.prefixLen}`), ['10.99.0.200/24', '10.99.0.201/32']);
  assert.equal(s.auth.type, 'pass');
  assert.equal(Buffer.from(s.auth.type === 'pass' ? s.auth.password : []).toString(), 'secret12');
  assert.equal(p.vipLines.get('eth0/10.99.0.200')?.label, 'eth0:vip');
  assert.equal(formatIp(p.mcastGroup4), '224.0.0.18');
  assert.equal(s.mcastGroup, undefined);
});

test('v3 at 0.1 s, unicast source and peers, authentication ignored, nopreempt, garp globals', async () => {
  const p = await plan(`
global_defs {
    vrrp_garp_master_repeat 2
    vrrp_garp_master_delay 0
    vrrp_mcast_group4 224.0.0.19
}
vrrp_instance VI_2 {
    interface eth0
    version 3
    virtual_router_id 7
    advert_int 0.1
    nopreempt
    unicast_src_ip 10.0.0.1
    unicast_peer {
        10.0.0.2
        10.0.0.3
    }
    authentication {
        auth_type PASS
        auth_pass x
    }
    virtual_ipaddress {
        10.0.0.100/24
    }
}`);
  const [s] = p.director.instances;
  assert.ok(s);
  assert.equal(s.version, 3);
  assert.equal(s.advertIntervalCs, 10);
  assert.equal(s.priority, 100);
  assert.equal(s.wantMaster, false);
  assert.equal(s.nopreempt, true);
  assert.equal(formatIp(s.primaryAddr), '10.0.0.1');
  assert.deepEqual(s.unicastPeers.map(formatIp), ['10.0.0.2', '10.0.0.3']);
  assert.equal(s.auth.type, 'none');
  assert.equal(s.garp.masterRepeat, 2);
  assert.equal(s.garp.masterDelayUs, 0);
  assert.equal(formatIp(p.mcastGroup4), '224.0.0.19');
  assert.equal(s.mcastGroup && formatIp(s.mcastGroup), '224.0.0.19');
});

test('IPv6 instance takes the interface link-local as source', async () => {
  const p = await plan(`
vrrp_instance V6 {
    interface eth0
    virtual_router_id 9
    virtual_ipaddress {
        fd00::200/64
    }
}`);
  const [s] = p.director.instances;
  assert.ok(s);
  assert.equal(s.family, 6);
  assert.equal(s.version, 3);
  assert.equal(formatIp(s.primaryAddr), 'fe80::1');
});

test('track_script weights (own vs referenced), unused scripts not run, sync-group trackers reach every member', async () => {
  const p = await plan(`
vrrp_script chk_a {
    script "/bin/true"
    interval 2
    timeout 3
    weight -60
    rise 2
    fall 3
}
vrrp_script chk_b {
    script "/bin/false"
    weight 10 reverse
}
vrrp_script unused {
    script "/bin/true"
}
track_file tf {
    file /tmp/kts-tf-value
    weight -10
}
vrrp_sync_group G {
    group {
        A
        B
    }
    track_script {
        chk_b
    }
}
vrrp_instance A {
    interface eth0
    virtual_router_id 1
    track_script {
        chk_a
        chk_b weight 5
    }
    track_file {
        tf
    }
    virtual_ipaddress {
        10.1.0.1
    }
}
vrrp_instance B {
    interface eth0
    virtual_router_id 2
    virtual_ipaddress {
        10.1.0.2
    }
}`);
  const a = p.director.instances.find((i) => i.name === 'A');
  const b = p.director.instances.find((i) => i.name === 'B');
  assert.ok(a && b);
  assert.deepEqual(a.trackScripts, [
    { name: 'chk_a', weight: -60, reverse: false },
    { name: 'chk_b', weight: 5, reverse: false },
  ]);
  assert.deepEqual(b.trackScripts, [{ name: 'chk_b', weight: 10, reverse: true }]);
  assert.deepEqual(p.director.scripts.map((s) => s.name).sort(), ['chk_a', 'chk_b']);
  const chkA = p.director.scripts.find((s) => s.name === 'chk_a');
  assert.deepEqual(chkA && { i: chkA.intervalUs, t: chkA.timeoutUs, r: chkA.rise, f: chkA.fall }, { i: 2_000_000, t: 3_000_000, r: 2, f: 3 });
  assert.deepEqual(p.scriptCommands.get('chk_a')?.argv, ['/bin/true']);
  assert.deepEqual(p.director.syncGroups, [{ name: 'G', members: ['A', 'B'] }]);
  assert.deepEqual(a.trackFiles, [{ name: 'tf', weight: -10, reverse: false }]);
  assert.deepEqual(p.trackFiles.map((f) => f.file), ['/tmp/kts-tf-value']);
});

test('an instance with no address to send from is reported and left out; excluded VIPs are kept apart', async () => {
  const p = await plan(`
vrrp_instance NOADDR {
    interface eth9
    virtual_router_id 3
    virtual_ipaddress {
        10.2.0.1
    }
}
vrrp_instance OK {
    interface eth0
    virtual_router_id 4
    virtual_ipaddress {
        10.2.0.2
    }
    virtual_ipaddress_excluded {
        10.3.0.1/24
    }
}`);
  assert.deepEqual(p.director.instances.map((i) => i.name), ['OK']);
  assert.ok(p.problems.some((x) => x.severity === 'error' && x.instance === 'NOADDR' && /no IPv4 address/.test(x.message)));
  const ok = p.director.instances[0]!;
  assert.deepEqual(ok.vips.map((v) => formatIp(v.addr)), ['10.2.0.2']);
  assert.deepEqual((ok.excludedVips ?? []).map((v) => `${formatIp(v.addr)}/${v.prefixLen}`), ['10.3.0.1/24']);
});

test('instance keywords read but not acted upon are each reported at start, never silently ignored', async () => {
  const p = await plan('vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  nopreempt\n  timer_expired_backup\n  promote_secondaries\n  vrf red\n  virtual_ipaddress {\n    10.0.0.100/32\n  }\n}\n');
  const said = p.problems.map((x) => x.message);
  for (const k of ['timer_expired_backup', 'promote_secondaries', 'vrf']) {
    assert.ok(said.some((m) => m.startsWith(`(VI_1) ${k} has no effect`)), `${k}: ${JSON.stringify(said)}`);
  }
  const clean = await plan('vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    10.0.0.100/32\n  }\n}\n');
  assert.deepEqual(clean.problems.filter((x) => /has no effect/.test(x.message)), []);
});
