// NetlinkRoutePort: `virtual_routes` of a vrrp_instance, installed with rtnetlink RTM_NEWROUTE
// while the instance is MASTER and removed with RTM_DELROUTE when it leaves (keepalived
// vrrp_iproute.c: routes follow the VIPs). The written line (`to PREFIX|default [via GW]
// [dev IF] [src IP] [metric N] [table T] [scope S] [protocol P]`, or a route type such as
// blackhole first) becomes a RouteSpec for src/netlink/rtnl-route.ts. Other ip-route options
// (mtu, nexthop ...) are not applied yet and are reported by routeSpecOf.
// As for addresses, adding a route that exists (EEXIST) and deleting one that is gone (ESRCH)
// are successes.

import { parseIp, parsePrefix, type IpAddress } from '../base/ip.ts';
import type { VirtualRoute } from '../config/model-vrrp.ts';
import { encodeRouteRequest, ROUTE_TYPE_BY_NAME, RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN, type RouteSpec } from '../netlink/rtnl-route.ts';
import { SCOPE_BY_NAME } from '../netlink/rtnl-types.ts';
import type { PortResult } from '../runtime/ports.ts';
import { errnoCode, ifNameToIndex } from './native-socket.ts';
import type { NetlinkSocket } from './netlink-socket.ts';

const EEXIST = 17;
const ESRCH = 3;

const TABLE_BY_NAME: Readonly<Record<string, number>> = { main: RT_TABLE_MAIN, local: RT_TABLE_LOCAL, default: RT_TABLE_DEFAULT };
/** iproute2 etc/iproute2/rt_protos. */
const PROTOCOL_BY_NAME: Readonly<Record<string, number>> = { kernel: 2, boot: 3, static: 4, keepalived: 18 };

function numberOr(map: Readonly<Record<string, number>>, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^[0-9]+$/.test(text)) return Number(text);
  return map[text];
}

/** The RouteSpec for one virtual_routes line, or why it cannot be installed. */
export function routeSpecOf(r: VirtualRoute, instanceIf: string): { ok: true; spec: RouteSpec; ignored: string[] } | { ok: false; error: string } {
  const family = r.family;
  let dst: IpAddress;
  let dstLen: number;
  if (r.to === 'default') {
    dst = { family, bytes: new Uint8Array(family === 4 ? 4 : 16) };
    dstLen = 0;
  } else {
    const p = parsePrefix(r.to);
    if (!p) return { ok: false, error: `route to ${r.to}: not a prefix` };
    dst = p.addr;
    dstLen = p.prefixLen;
  }
  const gateway = r.via !== undefined ? parseIp(r.via) : undefined;
  if (r.via !== undefined && !gateway) return { ok: false, error: `route to ${r.to}: bad gateway ${r.via}` };
  const type = r.type === 'unicast' ? undefined : ROUTE_TYPE_BY_NAME[r.type];
  if (r.type !== 'unicast' && type === undefined) return { ok: false, error: `route to ${r.to}: unknown type ${r.type}` };
  const unicast = type === undefined;
  const dev = r.dev ?? (unicast && !gateway ? instanceIf : undefined);
  let oif: number | undefined;
  if (dev !== undefined) {
    oif = ifNameToIndex(dev);
    if (oif === 0) return { ok: false, error: `route to ${r.to}: no interface ${dev}` };
  }
  const table = numberOr(TABLE_BY_NAME, r.table);
  if (r.table !== undefined && table === undefined) return { ok: false, error: `route to ${r.to}: unknown table ${r.table}` };
  const scope = numberOr(SCOPE_BY_NAME, r.scope);
  const protocol = numberOr(PROTOCOL_BY_NAME, r.protocol);
  const prefsrc = r.src !== undefined ? parseIp(r.src) : undefined;
  const spec: RouteSpec = {
    family, dst, dstLen,
    ...(gateway ? { gateway } : {}),
    ...(oif !== undefined ? { oif } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(table !== undefined ? { table } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(prefsrc ? { prefsrc } : {}),
    ...(r.metric !== undefined ? { metric: r.metric } : {}),
  };
  return { ok: true, spec, ignored: Object.keys(r.options) };
}

export class NetlinkRoutePort {
  constructor(private readonly nl: NetlinkSocket) {}

  /** All routes in flight at once; `done` once, with the first failure. */
  apply(op: 'add' | 'del', routes: readonly RouteSpec[], done: (r: PortResult) => void): void {
    let left = routes.length;
    let firstError: string | undefined;
    if (left === 0) { queueMicrotask(() => done({ ok: true })); return; }
    for (const spec of routes) {
      this.nl.requestCb((seq) => encodeRouteRequest(op, spec, seq), (r) => {
        const errno = r.ok ? 0 : r.error.errno;
        const fine = errno === 0 || (op === 'add' && errno === EEXIST) || (op === 'del' && errno === ESRCH);
        if (!fine && firstError === undefined) firstError = `${op} route: ${errnoCode(errno)}${!r.ok && r.error.message ? ` (${r.error.message})` : ''}`;
        if (--left === 0) done(firstError === undefined ? { ok: true } : { ok: false, error: firstError });
      });
    }
  }
}
