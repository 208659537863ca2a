// NAT needs the director to forward: the real servers answer through it, so with
// net.ipv4.ip_forward = 0 (net.ipv6.conf.all.forwarding = 0) every reply is dropped and the
// service looks dead although every check passes. keepalived says nothing; `-t` with host
// checks warns once per family, at the first virtual server that needs it.
import type { ConfigContext } from './config-context.ts';
import type { VirtualServer } from './model-lvs.ts';

const SYSCTL: Record<4 | 6, string> = { 4: 'net.ipv4.ip_forward', 6: 'net.ipv6.conf.all.forwarding' };

function usesNat(vs: VirtualServer): boolean {
  return vs.lvs_method.lb_kind === 'NAT' || vs.real_servers.some((rs) => rs.lvs_method?.lb_kind === 'NAT');
}

export function checkForwarding(ctx: ConfigContext, virtualServers: readonly VirtualServer[]): void {
  const ask = ctx.host?.ipForwarding;
  if (!ask) return;
  const warned = new Set<4 | 6>();
  for (const vs of virtualServers) {
    if (warned.has(vs.family) || !usesNat(vs)) continue;
    if (ask.call(ctx.host, vs.family) !== false) continue;
    warned.add(vs.family);
    ctx.warn(
      'ip-forward-off',
      { file: vs.origin.file, line: vs.origin.line, col: 1 },
      `virtual_server ${vs.ip ?? vs.group ?? `fwmark ${vs.fwmark}`}: NAT forwarding needs ${SYSCTL[vs.family]} = 1, and this host has 0: replies from the real servers will be dropped`,
      `sysctl -w ${SYSCTL[vs.family]}=1 (and persist it in /etc/sysctl.d/)`,
    );
  }
}
