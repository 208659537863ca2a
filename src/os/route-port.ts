// NetlinkRoutePort: `virtual_routes` of a vrrp_instance, installed with rtnetlink RTM_NEWROUTE
// while the instance is MASTER and removed with RTM_DELROUTE when it leaves (keepalived
// vrrp_iproute.c: routes follow the VIPs). The written line (`to PREFIX|default [via GW]
// [dev IF] [src IP] [metric N] [table T] [scope S] [protocol P]`, or a route type such as
// blackhole first) becomes a RouteSpec for src/netlink/rtnl-route.ts through the shared
// mapping in src/netlink/route-from-config.ts; options it cannot express come back in `ignored`.
// As for addresses, adding a route that exists (EEXIST) and deleting one that is gone (ESRCH)
// are successes.

import type { VirtualRoute } from '../config/model-vrrp.ts';
import { routeSpecFromConfig, type FromConfig } from '../netlink/route-from-config.ts';
import { encodeRouteRequest, type RouteSpec } from '../netlink/rtnl-route.ts';
import type { PortResult } from '../runtime/ports.ts';
import { errnoCode, ifNameToIndex } from './native-socket.ts';
import type { NetlinkSocket } from './netlink-socket.ts';

const EEXIST = 17;
const ESRCH = 3;

/**
 * The RouteSpec for one virtual_routes line, or why it cannot be installed: the mapping of
 * src/netlink/route-from-config.ts (keepalived's defaults, proven against keepalived's own
 * tables), plus the daemon's one rule: a unicast route with neither dev nor via goes out of the
 * instance's interface.
 */
export function routeSpecOf(r: VirtualRoute, instanceIf: string): FromConfig<RouteSpec> {
  const names = { ifindex: (name: string) => ifNameToIndex(name) || undefined };
  const res = routeSpecFromConfig(r, names);
  if (!res.ok || res.spec.oif !== undefined || res.spec.gateway !== undefined || r.type !== 'unicast') return res;
  const oif = ifNameToIndex(instanceIf);
  if (!oif) return { ok: false, error: `route to ${r.to}: no interface ${instanceIf}` };
  return { ok: true, spec: { ...res.spec, oif }, ignored: res.ignored };
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
