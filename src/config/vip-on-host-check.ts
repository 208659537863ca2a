// A director must not hold a virtual address statically. The seeds' RealServer scripts put the
// VIP on lo (DR real servers need it there, with arp_ignore/arp_announce); run on a director by
// mistake, or left from a time the box was a real server, it makes this director accept the
// VIP's traffic locally whether it is MASTER or not, and VRRP can no longer move the address:
// the service half-works, depending on which director a client's ARP cache points at.
// keepalived says nothing. `-t` with host checks warns for a virtual_server address found on lo
// (a single director without VRRP may hold its service address on eth0 on purpose, never on
// lo) and for a virtual_ipaddress found on any interface of this host other than the one its
// vrrp_instance puts it on (there, a running MASTER legitimately holds it).
import type { ConfigContext } from './config-context.ts';
import type { VirtualServer } from './model-lvs.ts';
import type { VrrpInstance } from './model-vrrp.ts';

function vsName(vs: VirtualServer): string {
  return `${vs.family === 6 ? `[${vs.ip}]` : vs.ip}:${vs.port ?? 0}`;
}

export function checkVipsOnHost(ctx: ConfigContext, instances: readonly VrrpInstance[], virtualServers: readonly VirtualServer[]): void {
  const where = ctx.host?.addressInterfaces;
  if (!where) return;
  const ask = (addr: string): readonly string[] => where.call(ctx.host, addr) ?? [];
  /** Interfaces where VRRP itself may have put each address (its instance's, or the line's dev). */
  const vrrpHomes = new Map<string, Set<string>>();
  for (const i of instances) {
    for (const v of [...i.virtual_ipaddress, ...i.virtual_ipaddress_excluded]) {
      const home = v.dev ?? i.interface;
      let set = vrrpHomes.get(v.address);
      if (!set) vrrpHomes.set(v.address, (set = new Set()));
      if (home !== undefined) set.add(home);
      // use_vmac: the VIP lives on the macvlan, whose name we may not know here.
      if (i.use_vmac !== undefined || v.use_vmac !== undefined) set.add('*');
    }
  }
  const stray = (addr: string): string[] => {
    const homes = vrrpHomes.get(addr);
    if (homes?.has('*')) return [];
    return ask(addr).filter((ifname) => !homes?.has(ifname));
  };
  const hint = (addr: string, ifname: string, family: 4 | 6): string =>
    `on a director the address belongs to VRRP only: ip addr del ${addr}/${family === 4 ? 32 : 128} dev ${ifname} ` +
    `(or \`keepalived-ts realserver remove ${addr}\`); only real servers keep the VIP on lo`;
  const warned = new Set<string>();
  for (const vs of virtualServers) {
    if (vs.ip === undefined || warned.has(vs.ip)) continue;
    const found = stray(vs.ip).filter((ifname) => ifname === 'lo');
    if (found.length === 0) continue;
    warned.add(vs.ip);
    ctx.warn(
      'vip-on-host',
      { file: vs.origin.file, line: vs.origin.line, col: 1 },
      `virtual_server ${vsName(vs)}: this host already has ${vs.ip} on ${found.join(', ')}, as a DR real server has it; this director will take the VIP's traffic whether it is MASTER or not`,
      hint(vs.ip, found[0]!, vs.family),
    );
  }
  for (const i of instances) {
    for (const v of [...i.virtual_ipaddress, ...i.virtual_ipaddress_excluded]) {
      if (warned.has(v.address)) continue;
      const found = stray(v.address);
      if (found.length === 0) continue;
      warned.add(v.address);
      ctx.warn(
        'vip-on-host',
        { file: v.origin.file, line: v.origin.line, col: 1 },
        `vrrp_instance ${i.name}: this host already has ${v.address} on ${found.join(', ')}, outside VRRP's control; the backup director will answer for it too`,
        hint(v.address, found[0]!, v.family),
      );
    }
  }
}
