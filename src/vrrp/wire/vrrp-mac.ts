// MAC addresses VRRP frames use on Ethernet.
//  - The virtual router MAC (RFC 3768 section 7.3, RFC 5798 section 7.3): 00-00-5E-00-01-{VRID}
//    for IPv4, 00-00-5E-00-02-{VRID} for IPv6. keepalived uses it only with `use_vmac`;
//    otherwise adverts and GARPs leave from the interface's own MAC (../shared/captures).
//  - The destination MAC of a multicast group: IPv4 01-00-5E + low 23 bits (RFC 1112
//    section 6.4), so 224.0.0.18 -> 01:00:5e:00:00:12; IPv6 33-33 + low 32 bits (RFC 2464
//    section 7), so ff02::12 -> 33:33:00:00:00:12.

import type { IpAddress } from '../../base/ip.ts';
import type { MacAddress } from '../../base/mac-address.ts';

export function vrrpVirtualMac(vrid: number, family: 4 | 6): MacAddress {
  return Uint8Array.of(0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid & 0xff);
}

export function multicastMac(group: IpAddress): MacAddress {
  const b = group.bytes;
  if (group.family === 4) return Uint8Array.of(0x01, 0x00, 0x5e, b[1]! & 0x7f, b[2]!, b[3]!);
  return Uint8Array.of(0x33, 0x33, b[12]!, b[13]!, b[14]!, b[15]!);
}
