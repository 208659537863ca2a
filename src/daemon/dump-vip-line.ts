// How keepalived prints one virtual address in its dumps (vrrp/vrrp_ipaddress.c
// format_ipaddress): "ADDR[/LEN] dev IF scope SCOPE[ label L][ LIFETIME][ set]". The prefix is
// left out for a host address (/32, /128); IPv6 addresses carry their preferred lifetime
// ("preferred_lft forever", or "deprecated" for 0, which keepalived gives /128 VIPs); "set"
// means the address is installed (the instance is MASTER). Checked against keepalived 2.2.7's
// own dumps (test/fixtures/dumps, IPv4 and IPv6).
// Shared by the USR1 text dump and the JSON dump, which use the same strings.

import type { VirtualIpAddress } from '../config/model-vrrp.ts';

export function vipLine(vip: VirtualIpAddress, instanceIfname: string | undefined, installed: boolean): string {
  const hostLen = vip.family === 4 ? 32 : 128;
  const addr = vip.prefix_len === hostLen ? vip.address : `${vip.address}/${vip.prefix_len}`;
  // keepalived's default scope is global; an IPv6 link-local address gets scope link.
  const scope = vip.scope ?? (vip.family === 6 && vip.address.toLowerCase().startsWith('fe80:') ? 'link' : 'global');
  const dev = vip.dev ?? instanceIfname ?? '';
  const lft = vip.family !== 6 ? '' : vip.preferred_lft === 0 ? ' deprecated' : ` preferred_lft ${vip.preferred_lft ?? 'forever'}`;
  return `${addr} dev ${dev} scope ${scope}${vip.label !== undefined ? ` label ${vip.label}` : ''}${lft}${installed ? ' set' : ''}`;
}
