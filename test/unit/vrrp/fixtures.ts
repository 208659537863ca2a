// Shared builders for the VRRP unit tests.
import { parseIp, type IpAddress } from '../../../src/base/ip.ts';
import type { Advert, RxMeta } from '../../../src/vrrp/wire/advert.ts';
import { defaultInstanceSpec, type VrrpInstanceSpec } from '../../../src/vrrp/instance-spec.ts';
import { VrrpInstance } from '../../../src/vrrp/instance.ts';
import type { VrrpAction } from '../../../src/vrrp/actions.ts';

export const ip = (s: string): IpAddress => parseIp(s)!;
export const GROUP4 = ip('224.0.0.18');

export function spec(over: Partial<VrrpInstanceSpec> = {}): VrrpInstanceSpec {
  return defaultInstanceSpec({
    vrid: 51,
    primaryAddr: ip('10.0.0.1'),
    vips: [{ addr: ip('10.0.0.100'), prefixLen: 24 }],
    ...over,
  });
}

export function advert(over: Partial<Advert> = {}): Advert {
  return {
    version: 2, family: 4, vrid: 51, priority: 100, advertIntervalCs: 100, authType: 0,
    authData: new Uint8Array(0), addresses: [ip('10.0.0.100')], checksum: 0, ...over,
  };
}

export function meta(src = '10.0.0.2', over: Partial<RxMeta> = {}): RxMeta {
  return { src: ip(src), dst: GROUP4, ttl: 255, ifindex: 2, ...over };
}

export function drain(inst: VrrpInstance): VrrpAction[] {
  const out: VrrpAction[] = [];
  for (let a = inst.pollAction(); a; a = inst.pollAction()) out.push(a);
  return out;
}

/** An instance started at t=0 and, for MASTER, past its first down timer. */
export function instanceIn(state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT', over: Partial<VrrpInstanceSpec> = {}): VrrpInstance {
  const inst = new VrrpInstance(spec(over));
  if (state === 'INIT') return inst;
  inst.start(0);
  if (state === 'MASTER') inst.handleTimeout(inst.timerDeadline('down')!);
  if (state === 'FAULT') inst.handleTrack(1, { kind: 'interface', ifname: 'eth0', up: false });
  drain(inst);
  if (inst.state !== state) throw new Error(`fixture failed to reach ${state}`);
  return inst;
}
