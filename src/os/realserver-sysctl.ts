// The ARP sysctls an LVS-DR (or TUN) real server needs beside its VIP on lo, read and written
// through /proc/sys/net, which shows the network namespace of the process that opens it.
//
// Why (the "ARP problem", LVS-HOWTO ch. 6): the real server holds the VIP too, on lo, so that it
// accepts the packets the director forwards to its MAC unchanged. Linux by default answers an ARP
// request for ANY of its local addresses on ANY interface (the weak host model), so the real
// server would answer "who has VIP?" on its LAN and steal the VIP from the director; and it may
// use the VIP as the source of its own ARP requests, teaching its neighbours the same wrong MAC.
// The customary fix (LVS-HOWTO, the RealServer scripts shipped with keepalived setups):
//   net.ipv4.conf.lo.arp_ignore=1   net.ipv4.conf.all.arp_ignore=1
//   net.ipv4.conf.lo.arp_announce=2 net.ipv4.conf.all.arp_announce=2
// arp_ignore=1: reply only when the target address is configured on the interface the request
// came in on (the VIP is on lo, requests come in on eth0: no reply). arp_announce=2: always use
// the best local address of the outgoing interface as the ARP source, never the VIP. The kernel
// applies max(conf/all, conf/<dev>) for both (Documentation/networking/ip-sysctl.rst), so it is
// `all` that protects eth0; the lo entries are what the scripts have always set as well.
// IPv6 has no equivalent to set: neighbour solicitations are answered only for addresses of the
// receiving interface (ndisc_recv_ns looks the target up on that device).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ArpSetting {
  /** sysctl name, as `sysctl` prints it: net.ipv4.conf.lo.arp_ignore */
  readonly name: string;
  /** The file under /proc/sys. */
  readonly path: string;
  /** The value a real server needs. */
  readonly want: number;
}

export const PROC_SYS_NET = '/proc/sys/net';

/** The four settings, dev first (as the RealServer scripts write them), then `all`. */
export function arpSettings(dev: string, procSysNet: string = PROC_SYS_NET): ArpSetting[] {
  const one = (where: string, key: 'arp_ignore' | 'arp_announce', want: number): ArpSetting => ({
    // sysctl(8) writes a '.' in an interface name (eth0.100) as '/'
    name: `net.ipv4.conf.${where.replaceAll('.', '/')}.${key}`,
    path: join(procSysNet, 'ipv4', 'conf', where, key),
    want,
  });
  return [one(dev, 'arp_ignore', 1), one(dev, 'arp_announce', 2), one('all', 'arp_ignore', 1), one('all', 'arp_announce', 2)];
}

export type SysctlRead = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly code: string };

export function readSysctl(path: string): SysctlRead {
  try {
    const text = readFileSync(path, 'utf8').trim();
    const value = Number(text);
    return Number.isInteger(value) ? { ok: true, value } : { ok: false, code: `unexpected content '${text}'` };
  } catch (e) {
    return { ok: false, code: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
}

/** Writes the value; undefined on success, else the error code (EACCES, EPERM, ENOENT...). */
export function writeSysctl(path: string, value: number): string | undefined {
  try {
    writeFileSync(path, `${value}\n`);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}
