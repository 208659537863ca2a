// rtnetlink numbers shared by the address, link, route and rule codecs
// (<linux/rtnetlink.h>, <linux/socket.h>). Multicast groups are the RTNLGRP_* group NUMBERS
// used with NETLINK_ADD_MEMBERSHIP, not the legacy RTMGRP_* bind() bitmask.
import type { IpAddress, IpFamily } from '../base/ip.ts';

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_BRIDGE = 7;

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;

export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV4_RULE = 8;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_ROUTE = 11;
export const RTNLGRP_IPV6_RULE = 19;

// enum rt_scope_t
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

/** Scope names as `ip` prints and keepalived.conf writes them (iproute2 etc/iproute2/rt_scopes). */
export const SCOPE_BY_NAME: Readonly<Record<string, number>> = {
  global: RT_SCOPE_UNIVERSE,
  universe: RT_SCOPE_UNIVERSE,
  site: RT_SCOPE_SITE,
  link: RT_SCOPE_LINK,
  host: RT_SCOPE_HOST,
  nowhere: RT_SCOPE_NOWHERE,
};

export function familyToAf(f: IpFamily): number {
  return f === 4 ? AF_INET : AF_INET6;
}

export function afToFamily(af: number): IpFamily | undefined {
  return af === AF_INET ? 4 : af === AF_INET6 ? 6 : undefined;
}

/** Bytes of an address attribute as an IpAddress of the message's family (undefined if the size is wrong). */
export function ipOfFamily(af: number, data: Uint8Array | undefined): IpAddress | undefined {
  if (!data) return undefined;
  if (af === AF_INET && data.length === 4) return { family: 4, bytes: Uint8Array.from(data) };
  if (af === AF_INET6 && data.length === 16) return { family: 6, bytes: Uint8Array.from(data) };
  return undefined;
}
