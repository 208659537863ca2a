// Builders for simulator tests: a director with one instance on eth0 at 10.0.0.<n>.
import { parseIp, type IpAddress } from '../../src/base/ip.ts';
import type { DirectorSpec } from '../../src/runtime/director.ts';
import { defaultInstanceSpec, type VrrpInstanceSpec } from '../../src/vrrp/instance-spec.ts';
import type { ScriptSpec } from '../../src/vrrp/script-scheduler.ts';
import type { SimCluster } from '../../src/sim/sim-cluster.ts';
import type { SimHost } from '../../src/sim/sim-host.ts';

export const ip = (s: string): IpAddress => parseIp(s)!;
export const addrOf = (n: number): IpAddress => ip(`10.0.0.${n}`);

export function inst(n: number, over: Partial<VrrpInstanceSpec> = {}): VrrpInstanceSpec {
  return defaultInstanceSpec({
    vrid: 51,
    primaryAddr: addrOf(n),
    vips: [{ addr: ip(`10.0.0.${100 + (over.vrid ?? 51) % 100}`), prefixLen: 24 }],
    ...over,
  });
}

export function script(name: string, over: Partial<ScriptSpec> = {}): ScriptSpec {
  return { name, command: `/usr/local/bin/${name}`, intervalUs: 1_000_000, timeoutUs: 1_000_000, rise: 1, fall: 1, initFail: false, ...over };
}

export function addNode(
  c: SimCluster, n: number, over: Partial<VrrpInstanceSpec> = {}, extra: Partial<DirectorSpec> = {},
): SimHost {
  const spec: DirectorSpec = { instances: [inst(n, over)], syncGroups: [], scripts: [], ...extra };
  return c.addHost({ name: `d${n}`, addr: addrOf(n), spec });
}

/** Times (us) at which `host`'s instance entered `to`. */
export function entered(h: SimHost, to: string, instance?: string): number[] {
  return h.events.flatMap((e) => (e.kind === 'stateChanged' && e.to === to && (!instance || e.instance === instance) ? [e.at] : []));
}

export function stateOf(h: SimHost, name?: string): string {
  const i = name ? h.director.instance(name) : h.director.instances[0];
  return i!.state;
}
