// NetlinkAddressPort: the AddressPort on Linux, adding and removing virtual addresses with
// rtnetlink RTM_NEWADDR / RTM_DELADDR (src/netlink/rtnl-addr.ts), the same messages keepalived's
// vrrp_ipaddress.c netlink_ipaddress sends and `ip addr add|del` sends.
//
// Theory of operation: one request per address, all in flight at once on one NETLINK_ROUTE
// socket; `done` is called once, after the last ACK, with the first failure if any. The engine's
// VipSpec carries address, prefix and device only; the rest of a virtual_ipaddress line (label,
// scope, brd, peer, nodad, noprefixroute, preferred_lft) comes from `optionsOf`, which the daemon
// fills from the configuration. Idempotence as keepalived treats it: adding an address that is
// already there (EEXIST) and deleting one that is gone (EADDRNOTAVAIL) are successes.

import { formatIp, type IpAddress } from '../base/ip.ts';
import type { AddressPort, PortResult } from '../runtime/ports.ts';
import type { VipSpec } from '../vrrp/instance-spec.ts';
import {
  IFA_F_HOMEADDRESS,
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFA_F_MANAGETEMPADDR,
  IFA_F_MCAUTOJOIN,
  encodeAddrRequest,
  type AddressSpec,
} from '../netlink/rtnl-addr.ts';
import { SCOPE_BY_NAME } from '../netlink/rtnl-types.ts';
import { errnoCode, ifNameToIndex } from './native-socket.ts';
import type { NetlinkSocket } from './netlink-socket.ts';

const EEXIST = 17;
const EADDRNOTAVAIL = 99;
const ENODEV = 19;

/** The options of one virtual_ipaddress line beyond address/prefix/dev. */
export interface VipOptions {
  readonly label?: string;
  /** Scope name or number as written (global, link, host, site, nowhere, 0..255). */
  readonly scope?: string;
  /** `brd IP`, or '+' (computed) / '-' (none). */
  readonly brd?: string;
  readonly peer?: IpAddress;
  readonly peerPrefixLen?: number;
  readonly nodad?: boolean;
  readonly noprefixroute?: boolean;
  readonly home?: boolean;
  readonly mngtmpaddr?: boolean;
  readonly autojoin?: boolean;
  /** Seconds; undefined = forever. */
  readonly preferredLftS?: number;
}

/** The broadcast address of addr/prefixLen (`brd +`). */
export function broadcastOf(addr: IpAddress, prefixLen: number): IpAddress {
  const bytes = Uint8Array.from(addr.bytes);
  for (let bit = prefixLen; bit < 32; bit++) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return { family: 4, bytes };
}

/** The rtnetlink address spec for one VIP (exported for tests). */
export function addressSpecOf(ifindex: number, vip: VipSpec, o: VipOptions | undefined): AddressSpec {
  let flags = 0;
  // keepalived vrrp_ipaddress.c netlink_ipaddress: every IPv6 VIP is added with IFA_F_NODAD, so it
  // is usable at once and a transient split brain cannot leave it 'dadfailed' for good.
  if (o?.nodad || vip.addr.family === 6) flags |= IFA_F_NODAD;
  if (o?.noprefixroute) flags |= IFA_F_NOPREFIXROUTE;
  if (o?.home) flags |= IFA_F_HOMEADDRESS;
  if (o?.mngtmpaddr) flags |= IFA_F_MANAGETEMPADDR;
  if (o?.autojoin) flags |= IFA_F_MCAUTOJOIN;
  let broadcast: IpAddress | undefined;
  if (vip.addr.family === 4 && o?.brd !== undefined && o.brd !== '-') {
    if (o.brd === '+') broadcast = broadcastOf(vip.addr, vip.prefixLen);
    else {
      const parts = o.brd.split('.').map(Number);
      if (parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) {
        broadcast = { family: 4, bytes: Uint8Array.from(parts) };
      }
    }
  }
  const scope = o?.scope === undefined ? undefined : (SCOPE_BY_NAME[o.scope] ?? Number(o.scope));
  return {
    ifindex,
    local: vip.addr,
    prefixLen: vip.prefixLen,
    ...(o?.peer ? { peer: o.peer } : {}),
    ...(broadcast ? { broadcast } : {}),
    ...(o?.label !== undefined && vip.addr.family === 4 ? { label: o.label } : {}),
    ...(scope !== undefined && Number.isInteger(scope) ? { scope } : {}),
    ...(flags ? { flags } : {}),
    ...(o?.preferredLftS !== undefined ? { preferredLftS: o.preferredLftS } : {}),
  };
}

export class NetlinkAddressPort implements AddressPort {
  /** Requests in flight (the daemon waits for 0 before exiting). */
  inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly nl: NetlinkSocket,
    private readonly optionsOf: (ifname: string, vip: VipSpec) => VipOptions | undefined = () => undefined,
  ) {}

  add(ifname: string, vips: readonly VipSpec[], _accept: boolean, done: (r: PortResult) => void): void {
    this.batch('add', ifname, vips, done);
  }

  remove(ifname: string, vips: readonly VipSpec[], done: (r: PortResult) => void): void {
    this.batch('del', ifname, vips, done);
  }

  /** Resolves when no request is in flight (or after timeoutMs). */
  idle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  private batch(op: 'add' | 'del', ifname: string, vips: readonly VipSpec[], done: (r: PortResult) => void): void {
    let left = vips.length;
    let firstError: string | undefined;
    if (left === 0) { queueMicrotask(() => done({ ok: true })); return; }
    const finish = (error: string | undefined): void => {
      if (error !== undefined && firstError === undefined) firstError = error;
      this.inFlight--;
      if (--left > 0) return;
      done(firstError === undefined ? { ok: true } : { ok: false, error: firstError });
      if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
    for (const vip of vips) {
      this.inFlight++;
      const dev = vip.ifname ?? ifname;
      const what = `${op} ${formatIp(vip.addr)}/${vip.prefixLen} dev ${dev}`;
      const ifindex = ifNameToIndex(dev);
      if (ifindex === 0) {
        queueMicrotask(() => finish(op === 'del' ? undefined : `${what}: ${errnoCode(ENODEV)}`));
        continue;
      }
      const spec = addressSpecOf(ifindex, vip, this.optionsOf(ifname, vip));
      this.nl.requestCb((seq) => encodeAddrRequest(op, spec, { seq }), (r) => {
        if (r.ok) { finish(undefined); return; }
        const errno = r.error.errno;
        if (op === 'add' && errno === EEXIST) { finish(undefined); return; }
        if (op === 'del' && errno === EADDRNOTAVAIL) { finish(undefined); return; }
        finish(`${what}: ${errnoCode(errno)}${r.error.message ? ` (${r.error.message})` : ''}`);
      });
    }
  }
}
