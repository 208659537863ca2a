// DemoPlan: what the demo lab needs to know, read from the two directors' keepalived.conf files
// (examples/lvs-dr/ by default) with the project's own loader, never copied by hand: the VIP, the
// interface the instance runs on (each director namespace gets a veth of that name), priorities,
// advert_int, preemption, and the virtual server's real servers (one HTTP server namespace each).
// The directors' own addresses are not in a keepalived.conf: they are taken from the VIP's subnet
// (.11, .12 as the example's header comment says), the client is .100.
//
// The failover bound follows RFC 3768 section 6.1 / RFC 5798 section 6.1:
//   master_down_interval = 3 x advert_int + skew_time, skew_time = (256 - priority) / 256 x advert_int.
import { readConfiguration } from '../src/daemon/load-config.ts';
import type { KeepalivedConfig } from '../src/config/model.ts';

export interface DirectorPlan {
  readonly name: string;
  readonly conf: string;
  readonly ip: string;
  readonly priority: number;
  readonly state: 'MASTER' | 'BACKUP';
  readonly nopreempt: boolean;
  readonly preemptDelayS: number;
  readonly advertIntS: number;
}

export interface RealServerPlan {
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  readonly weight: number;
}

export interface DemoPlan {
  readonly iface: string;
  readonly vip: string;
  readonly prefixLen: number;
  readonly vipPort: number;
  readonly lvsMethod: string;
  readonly directors: readonly [DirectorPlan, DirectorPlan];
  readonly realServers: readonly RealServerPlan[];
  readonly clientIp: string;
}

export type PlanResult = { ok: true; plan: DemoPlan } | { ok: false; error: string };

/** 10.99.0.200 + /24 -> 10.99.0.<host> (IPv4 only: the lab is IPv4). */
function inSubnet(vip: string, prefixLen: number, host: number): string {
  const o = vip.split('.').map(Number);
  const n = ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
  const mask = prefixLen === 0 ? 0 : (~0 << (32 - prefixLen)) >>> 0;
  const v = ((n & mask) | host) >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

function load(file: string): { config?: KeepalivedConfig; error?: string } {
  const loaded = readConfiguration({ file, configId: '', allConfig: false, hostChecks: false });
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) return { error: `${file}: ${errors.map((d) => `${d.line}:${d.col} ${d.message}`).join('; ')}` };
  return { config: loaded.config };
}

/** Reads both directors' files; refuses shapes this lab cannot build (it is one IPv4 L2 segment, DR). */
export function demoPlan(conf1: string, conf2: string): PlanResult {
  const a = load(conf1);
  const b = load(conf2);
  if (!a.config || !b.config) return { ok: false, error: a.error ?? b.error ?? 'cannot read the configuration' };
  const i1 = a.config.vrrp_instances[0];
  const i2 = b.config.vrrp_instances[0];
  const vs = a.config.virtual_servers[0];
  if (!i1 || !i2) return { ok: false, error: 'each director needs a vrrp_instance' };
  if (!vs || vs.ip === undefined || vs.port === undefined) return { ok: false, error: `${conf1}: needs a virtual_server with an address and a port` };
  const v = i1.virtual_ipaddress[0];
  if (!v || v.family !== 4) return { ok: false, error: `${conf1}: the lab needs one IPv4 virtual_ipaddress` };
  if (i2.virtual_ipaddress[0]?.address !== v.address) return { ok: false, error: 'both directors must carry the same VIP' };
  if (vs.ip !== v.address) return { ok: false, error: `the virtual_server (${vs.ip}) must be the VIP (${v.address})` };
  if (vs.lvs_method.lb_kind !== 'DR') return { ok: false, error: `the lab wires real servers for DR (one segment, VIP on their lo); the file says ${vs.lvs_method.lb_kind}` };
  const iface = i1.interface ?? 'eth0';
  if ((i2.interface ?? 'eth0') !== iface) return { ok: false, error: 'both directors must use the same interface name' };
  const director = (name: string, conf: string, i: typeof i1, host: number): DirectorPlan => ({
    name, conf, ip: inSubnet(v.address, v.prefix_len, host), priority: i.priority, state: i.state,
    nopreempt: i.nopreempt, preemptDelayS: i.preempt_delay, advertIntS: i.advert_int,
  });
  return {
    ok: true,
    plan: {
      iface,
      vip: v.address,
      prefixLen: v.prefix_len,
      vipPort: vs.port,
      lvsMethod: vs.lvs_method.lb_kind,
      directors: [director('d1', conf1, i1, 11), director('d2', conf2, i2, 12)],
      realServers: vs.real_servers.map((r, n) => ({ name: `r${n + 1}`, ip: r.ip, port: r.port ?? vs.port!, weight: r.weight })),
      clientIp: inSubnet(v.address, v.prefix_len, 100),
    },
  };
}

/** RFC 3768 section 6.1: how long a backup of this priority waits before it takes over. */
export function masterDownIntervalS(d: DirectorPlan): number {
  return 3 * d.advertIntS + ((256 - d.priority) / 256) * d.advertIntS;
}
