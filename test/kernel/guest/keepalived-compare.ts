// The keepalived comparison, inside the guest: keepalived 2.2.7 loads a virtual_server
// configuration in its own network namespace; we compute the same table with desiredTable()
// and apply it with IpvsSync in the guest's root namespace; `ipvsadm -S -n` and
// `ipvsadm -Ln --thresholds` of both must match line for line. No checkers are configured, so
// keepalived considers every real server up -- and the quorum rules decide the rest
// (sorry server swapped in, inhibited servers at weight 0).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseIp, type IpAddress } from '../../../src/base/ip.ts';
import { desiredTable, type VirtualServerSpec } from '../../../src/ipvs/desired-table.ts';
import { parseAddressRange } from '../../../src/ipvs/address-range.ts';
import { IpvsSync } from '../../../src/ipvs/ipvs-sync.ts';
import { ipvsWire } from '../../../src/ipvs/ipvs-wire.ts';
import { sh, type IpvsClient } from './ipvs-client.ts';

export const KEEPALIVED_CONF = `
global_defs {
  router_id kts_ipvs_compare
}
virtual_server_group WEB {
  10.4.0.1-3 80
  10.4.1.0/31 8080
  fwmark 11
}
virtual_server 10.0.0.1 80 {
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  persistence_timeout 300
  persistence_granularity 255.255.255.0
  real_server 192.168.1.1 8080 {
    weight 3
    uthreshold 50
    lthreshold 20
  }
  real_server 192.168.1.2 8080 {
    weight 70000
  }
}
virtual_server 10.0.0.1 53 {
  lvs_sched sh
  sh-port
  sh-fallback
  ops
  protocol UDP
  lvs_method DR
  real_server 10.1.1.1 53 {
    weight 2
  }
  real_server 10.1.1.2 53 {
    lvs_method TUN type gre csum
  }
}
virtual_server fwmark 5 {
  lvs_sched mh
  mh-port
  lvs_method TUN type gue port 6080 csum
  persistence_timeout
  real_server 10.1.1.3 {
    weight 4
  }
}
virtual_server 2001:db8::1 443 {
  lvs_sched lc
  protocol TCP
  real_server 2001:db8::10 443 {
    weight 4
  }
  real_server 10.2.2.2 443 {
    lvs_method TUN
  }
}
virtual_server group WEB {
  lvs_sched rr
  protocol TCP
  lvs_method DR
  real_server 10.5.0.1 80 {
  }
  real_server 10.5.0.2 80 {
    weight 2
  }
}
virtual_server 10.0.0.3 80 {
  lvs_sched wlc
  protocol TCP
  quorum 10
  inhibit_on_failure
  sorry_server 10.9.0.1 80
  real_server 10.8.0.1 80 {
    weight 2
  }
  real_server 10.8.0.2 80 {
    weight 3
  }
}
virtual_server 10.0.0.4 80 {
  lvs_sched wlc
  protocol TCP
  quorum 12
  hysteresis 2
  sorry_server 10.9.0.2 80
  real_server 10.8.1.1 80 {
    weight 5
  }
  real_server 10.8.1.2 80 {
    weight 5
  }
}
virtual_server 10.0.0.6 80 {
  protocol TCP
  sorry_server 10.9.0.6 80
  sorry_server_inhibit
  real_server 10.8.3.1 80 {
    weight 7
  }
}
virtual_server 10.0.0.7 80 {
  protocol TCP
  alpha
  quorum 2
  sorry_server 10.9.0.7 80
  real_server 10.8.4.1 80 {
    weight 7
    MISC_CHECK {
      misc_path "/bin/false"
      delay_loop 600
    }
  }
}
virtual_server 10.0.0.5 80 {
  protocol TCP
  quorum 12
  sorry_server 10.9.0.3 8080
  sorry_server_lvs_method DR
  real_server 10.8.2.1 80 {
    weight 5
  }
}
`;

const ip = (s: string): IpAddress => parseIp(s)!;

/** The same configuration as our input type (what src/config will produce from the text above). */
export const SPEC: { groups: Parameters<typeof desiredTable>[0]['groups']; vs: VirtualServerSpec[] } = {
  groups: [{ name: 'WEB', entries: [
    { kind: 'range', range: parseAddressRange('10.4.0.1-3')!, port: 80 },
    { kind: 'range', range: parseAddressRange('10.4.1.0/31')!, port: 8080 },
    { kind: 'fwmark', fwmark: 11 },
  ] }],
  vs: [
    { id: 'vs1', target: { kind: 'addr', addr: ip('10.0.0.1'), port: 80 }, scheduler: 'wrr', lvsMethod: { fwd: 'nat' }, protocol: 'tcp',
      persistenceTimeoutS: 300, persistenceGranularity: 0xffffff00,
      realServers: [
        { addr: ip('192.168.1.1'), port: 8080, weight: 3, health: 'unknown', uThreshold: 50, lThreshold: 20 },
        { addr: ip('192.168.1.2'), port: 8080, weight: 70000, health: 'unknown' },
      ] },
    { id: 'vs2', target: { kind: 'addr', addr: ip('10.0.0.1'), port: 53 }, scheduler: 'sh', schedFlags: { flag1: true, flag2: true, ops: true },
      protocol: 'udp', lvsMethod: { fwd: 'dr' },
      realServers: [
        { addr: ip('10.1.1.1'), port: 53, weight: 2, health: 'unknown' },
        { addr: ip('10.1.1.2'), port: 53, weight: 1, health: 'unknown', lvsMethod: { fwd: 'tun', tunType: 'gre', tunFlags: 1 } },
      ] },
    { id: 'vs3', target: { kind: 'fwmark', fwmark: 5 }, scheduler: 'mh', schedFlags: { flag2: true },
      lvsMethod: { fwd: 'tun', tunType: 'gue', tunPort: 6080, tunFlags: 1 }, persistenceTimeoutS: 360,
      realServers: [{ addr: ip('10.1.1.3'), weight: 4, health: 'unknown' }] },
    { id: 'vs4', target: { kind: 'addr', addr: ip('2001:db8::1'), port: 443 }, scheduler: 'lc', protocol: 'tcp',
      realServers: [
        { addr: ip('2001:db8::10'), port: 443, weight: 4, health: 'unknown' },
        { addr: ip('10.2.2.2'), port: 443, weight: 1, health: 'unknown', lvsMethod: { fwd: 'tun' } },
      ] },
    { id: 'vs5', target: { kind: 'group', group: 'WEB' }, scheduler: 'rr', protocol: 'tcp', lvsMethod: { fwd: 'dr' },
      realServers: [
        { addr: ip('10.5.0.1'), port: 80, weight: 1, health: 'unknown' },
        { addr: ip('10.5.0.2'), port: 80, weight: 2, health: 'unknown' },
      ] },
    { id: 'vs6', target: { kind: 'addr', addr: ip('10.0.0.3'), port: 80 }, scheduler: 'wlc', protocol: 'tcp', quorum: 10, inhibitOnFailure: true,
      sorryServer: { addr: ip('10.9.0.1'), port: 80 },
      realServers: [
        { addr: ip('10.8.0.1'), port: 80, weight: 2, health: 'unknown' },
        { addr: ip('10.8.0.2'), port: 80, weight: 3, health: 'unknown' },
      ] },
    { id: 'vs7', target: { kind: 'addr', addr: ip('10.0.0.4'), port: 80 }, scheduler: 'wlc', protocol: 'tcp', quorum: 12, hysteresis: 2,
      sorryServer: { addr: ip('10.9.0.2'), port: 80 },
      realServers: [
        { addr: ip('10.8.1.1'), port: 80, weight: 5, health: 'unknown' },
        { addr: ip('10.8.1.2'), port: 80, weight: 5, health: 'unknown' },
      ] },
    { id: 'vs9', target: { kind: 'addr', addr: ip('10.0.0.6'), port: 80 }, protocol: 'tcp',
      sorryServer: { addr: ip('10.9.0.6'), port: 80, inhibit: true },
      realServers: [{ addr: ip('10.8.3.1'), port: 80, weight: 7, health: 'unknown' }] },
    // alpha: the checker has not run (and /bin/false will fail it): the RS is down at start.
    { id: 'vs10', target: { kind: 'addr', addr: ip('10.0.0.7'), port: 80 }, protocol: 'tcp', alpha: true, quorum: 2,
      sorryServer: { addr: ip('10.9.0.7'), port: 80 },
      realServers: [{ addr: ip('10.8.4.1'), port: 80, weight: 7, health: 'unknown' }] },
    { id: 'vs8', target: { kind: 'addr', addr: ip('10.0.0.5'), port: 80 }, protocol: 'tcp', quorum: 12,
      sorryServer: { addr: ip('10.9.0.3'), port: 8080, lvsMethod: { fwd: 'dr' } },
      realServers: [{ addr: ip('10.8.2.1'), port: 80, weight: 5, health: 'unknown' }] },
  ],
};

const sorted = (text: string) => text.split('\n').map((l) => l.trimEnd()).filter(Boolean).sort().join('\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts keepalived in a fresh netns, waits for its table to settle, returns [-S, --thresholds]. */
export async function keepalivedTable(conf: string, tag: string): Promise<{ save: string; thresholds: string; log: string }> {
  const ns = `ktska${process.pid}${tag}`;
  const dir = `/tmp/${ns}`;
  sh(`mkdir -p ${dir} && ip netns add ${ns} && ip -n ${ns} link set lo up`);
  writeFileSync(`${dir}/keepalived.conf`, conf);
  const child = spawn('ip', ['netns', 'exec', ns, 'keepalived', '-n', '-l', '-C', '-f', `${dir}/keepalived.conf`,
    `--pid=${dir}/k.pid`, `--checkers_pid=${dir}/c.pid`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (b) => { log += b; });
  child.stderr.on('data', (b) => { log += b; });
  try {
    let last = '';
    let stableSince = Date.now();
    const deadline = Date.now() + 20_000;
    for (;;) {
      await sleep(200);
      const now = sh(`ip netns exec ${ns} ipvsadm -S -n`);
      if (now !== last) { last = now; stableSince = Date.now(); }
      if (now.trim() !== '' && Date.now() - stableSince > 1200) break;
      if (Date.now() > deadline) throw new Error(`keepalived table did not settle; log:\n${log}`);
    }
    return { save: sorted(last), thresholds: sorted(sh(`ip netns exec ${ns} ipvsadm -Ln --thresholds`)), log };
  } finally {
    if (child.pid !== undefined && child.exitCode === null) {
      process.kill(child.pid, 'SIGTERM');
      await new Promise((r) => { const t = setTimeout(r, 5000); child.on('exit', () => { clearTimeout(t); r(undefined); }); });
    }
    sh(`ip netns del ${ns}; rm -rf ${dir}`);
  }
}

export async function SCENARIO_KEEPALIVED(c: IpvsClient): Promise<string> {
  await c.request({ cmd: 'flush' });
  const ka = await keepalivedTable(KEEPALIVED_CONF, 'a');
  const r = desiredTable({ groups: SPEC.groups, virtualServers: SPEC.vs, state: new Map() });
  if (r.diagnostics.length) throw new Error(JSON.stringify(r.diagnostics));
  await c.sync(new IpvsSync(ipvsWire), r.table);
  const ours = sorted(sh('ipvsadm -S -n'));
  if (ours !== ka.save) throw new Error(`ipvsadm -S -n differ:\n--- ours\n${ours}\n--- keepalived\n${ka.save}\n--- keepalived log\n${ka.log}`);
  const th = sorted(sh('ipvsadm -Ln --thresholds'));
  if (th !== ka.thresholds) throw new Error(`--thresholds differ:\n--- ours\n${th}\n--- keepalived\n${ka.thresholds}`);
  return `${ours.split('\n').length} lines identical (quorum actions: ${r.actions.map((a) => `${a.vs}:${a.transition}`).join(',')})`;
}
