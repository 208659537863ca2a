// realServerSetup: what an LVS direct-routing (or TUN) real server needs, applied, checked or
// removed: each VIP on lo (IPv4 /32 labelled lo:N as the RealServer scripts do, IPv6 /128 with
// nodad) and the four ARP sysctls (realserver-sysctl.ts says why).
//
// Theory of operation: one NETLINK_ROUTE socket (src/os/netlink-socket.ts) in the caller's
// network namespace; addresses are read with an RTM_GETADDR dump and changed with RTM_NEWADDR /
// RTM_DELADDR (src/netlink/rtnl-addr.ts, the messages `ip addr add|del` sends); sysctls through
// /proc/sys/net, which follows the same namespace. Every piece becomes one step of the report
// with its status, so the CLI prints it and a script reads it as JSON. Nothing throws on the
// kernel's refusals: they are 'failed' steps with the errno name.
//  - apply: idempotent. A piece already in place is 'ok'; otherwise it is set ('changed', with
//    before/after). Only these four sysctls and these addresses are touched.
//  - check: changes nothing; each piece is 'ok' or 'missing'.
//  - remove: deletes the VIPs as apply adds them (same prefix length), then puts the sysctls back
//    to 0 (the kernel default) only if no other IPv4 address than 127.0.0.0/8 remains on the
//    device, since another VIP there still needs them; a value apply did not set is left alone.
// IPv6-only runs touch no ARP sysctl.

import { formatIp, type IpAddress } from '../base/ip.ts';
import { IFA_F_NODAD, decodeAddr, encodeAddrDump, encodeAddrRequest, type AddressSpec } from '../netlink/rtnl-addr.ts';
import { NETLINK_ROUTE, errnoCode, ifNameToIndex } from './native-socket.ts';
import { NetlinkSocket } from './netlink-socket.ts';
import { PROC_SYS_NET, arpSettings, readSysctl, writeSysctl } from './realserver-sysctl.ts';

export type RealServerAction = 'apply' | 'check' | 'remove';

export interface RealServerStep {
  readonly kind: 'sysctl' | 'address';
  /** `net.ipv4.conf.all.arp_ignore` or `192.0.2.10/32 dev lo`. */
  readonly subject: string;
  /** ok: in place (or, for remove, already gone); changed: done now; missing: check found it absent;
   *  kept: remove left it because something still needs it; failed: the kernel refused. */
  readonly status: 'ok' | 'changed' | 'missing' | 'kept' | 'failed';
  readonly before?: string;
  readonly after?: string;
  readonly detail?: string;
}

export interface RealServerReport {
  readonly action: RealServerAction;
  readonly dev: string;
  readonly vips: readonly string[];
  /** apply/remove: nothing failed; check: nothing missing or failed. */
  readonly ok: boolean;
  readonly steps: readonly RealServerStep[];
  readonly notes: readonly string[];
}

export type RealServerOutcome =
  | { readonly ok: true; readonly report: RealServerReport }
  | { readonly ok: false; readonly error: string; readonly hint?: string };

export interface RealServerOptions {
  readonly dev: string;
  /** Tests point this elsewhere; default /proc/sys/net. */
  readonly procSysNet?: string;
}

interface OnDev {
  readonly addr: IpAddress;
  readonly prefixLen: number;
  readonly label?: string;
}

const EEXIST = 17;
const EADDRNOTAVAIL = 99;
/** IFNAMSIZ - 1: the longest label the kernel keeps. */
const MAX_LABEL = 15;

function fullLen(a: IpAddress): number {
  return a.family === 4 ? 32 : 128;
}

function sameAddr(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.bytes.every((x, i) => x === b.bytes[i]);
}

function isLoopbackNet(a: IpAddress): boolean {
  return a.family === 4 && a.bytes[0] === 127;
}

export async function realServerSetup(action: RealServerAction, vips: readonly IpAddress[], o: RealServerOptions): Promise<RealServerOutcome> {
  const ifindex = ifNameToIndex(o.dev);
  if (ifindex === 0) {
    return { ok: false, error: `no interface '${o.dev}' in this network namespace`, hint: 'give an existing device with --dev (lo for DR, tunl0 for TUN)' };
  }
  let nl: NetlinkSocket;
  try {
    nl = NetlinkSocket.open(NETLINK_ROUTE);
  } catch (e) {
    return { ok: false, error: `cannot open a netlink socket: ${e instanceof Error ? e.message : String(e)}` };
  }
  try {
    return await run(nl, action, vips, ifindex, o);
  } finally {
    nl.close();
  }
}

async function run(nl: NetlinkSocket, action: RealServerAction, vips: readonly IpAddress[], ifindex: number, o: RealServerOptions): Promise<RealServerOutcome> {
  const steps: RealServerStep[] = [];
  const notes: string[] = [];
  const before = await addressesOn(nl, ifindex);
  if (!before.ok) return { ok: false, error: `cannot read the addresses of ${o.dev}: ${before.error}` };
  const has = (v: IpAddress): boolean => before.list.some((a) => sameAddr(a.addr, v) && a.prefixLen === fullLen(v));
  const subject = (v: IpAddress): string => `${formatIp(v)}/${fullLen(v)} dev ${o.dev}`;
  const v4 = vips.filter((v) => v.family === 4);

  if (action === 'remove') {
    for (const v of vips) {
      if (!has(v)) {
        steps.push({ kind: 'address', subject: subject(v), status: 'ok', detail: 'not present' });
        continue;
      }
      const err = await change(nl, 'del', { ifindex, local: v, prefixLen: fullLen(v) });
      steps.push(err === undefined
        ? { kind: 'address', subject: subject(v), status: 'changed', before: 'present', after: 'removed' }
        : { kind: 'address', subject: subject(v), status: 'failed', detail: err });
    }
    if (v4.length > 0) await restoreSysctls(nl, ifindex, o, steps, notes);
    else notes.push('IPv6 VIPs only: the ARP sysctls were not touched');
  } else {
    if (v4.length > 0) {
      for (const s of arpSettings(o.dev, o.procSysNet ?? PROC_SYS_NET)) {
        const cur = readSysctl(s.path);
        if (!cur.ok) { steps.push({ kind: 'sysctl', subject: s.name, status: 'failed', detail: cur.code }); continue; }
        if (cur.value === s.want) { steps.push({ kind: 'sysctl', subject: s.name, status: 'ok', before: String(cur.value) }); continue; }
        if (action === 'check') {
          steps.push({ kind: 'sysctl', subject: s.name, status: 'missing', before: String(cur.value), after: String(s.want) });
          continue;
        }
        const err = writeSysctl(s.path, s.want);
        steps.push(err === undefined
          ? { kind: 'sysctl', subject: s.name, status: 'changed', before: String(cur.value), after: String(s.want) }
          : { kind: 'sysctl', subject: s.name, status: 'failed', before: String(cur.value), detail: err });
      }
    } else {
      notes.push('IPv6 VIPs only: no ARP sysctl is needed (neighbour discovery answers only for addresses of the receiving interface)');
    }
    // lo:0, lo:1... as the RealServer scripts name them (what ifconfig shows): the first free ones.
    const labels = new Set(before.list.map((a) => a.label));
    let n = 0;
    const nextLabel = (): string => {
      while (labels.has(`${o.dev}:${n}`)) n++;
      return `${o.dev}:${n++}`;
    };
    for (const v of vips) {
      const lbl = v.family === 4 && !has(v) ? nextLabel() : undefined;
      if (has(v)) { steps.push({ kind: 'address', subject: subject(v), status: 'ok', before: 'present' }); continue; }
      if (action === 'check') { steps.push({ kind: 'address', subject: subject(v), status: 'missing', before: 'absent', after: 'present' }); continue; }
      const spec: AddressSpec = {
        ifindex, local: v, prefixLen: fullLen(v),
        // keepalived and the RealServer scripts: IPv6 VIPs without duplicate address detection,
        // usable at once (and never 'dadfailed' against the director's copy on a dummy device).
        ...(v.family === 6 ? { flags: IFA_F_NODAD } : {}),
        ...(lbl !== undefined && lbl.length <= MAX_LABEL ? { label: lbl } : {}),
      };
      const err = await change(nl, 'add', spec);
      steps.push(err === undefined
        ? { kind: 'address', subject: subject(v), status: 'changed', before: 'absent', after: 'present' }
        : { kind: 'address', subject: subject(v), status: 'failed', detail: err });
    }
    for (const a of before.list) {
      const v = vips.find((x) => sameAddr(x, a.addr));
      if (v && a.prefixLen !== fullLen(v)) {
        notes.push(`${formatIp(a.addr)}/${a.prefixLen} is also on ${o.dev}: a prefix shorter than /${fullLen(v)} there makes the whole subnet local to this host; remove it with: ip addr del ${formatIp(a.addr)}/${a.prefixLen} dev ${o.dev}`);
      }
    }
  }
  const bad = (s: RealServerStep): boolean => s.status === 'failed' || (action === 'check' && s.status === 'missing');
  return {
    ok: true,
    report: { action, dev: o.dev, vips: vips.map(formatIp), ok: !steps.some(bad), steps, notes },
  };
}

/** remove: the sysctls back to 0, unless another IPv4 address (not 127/8) is still on the device. */
async function restoreSysctls(nl: NetlinkSocket, ifindex: number, o: RealServerOptions, steps: RealServerStep[], notes: string[]): Promise<void> {
  const after = await addressesOn(nl, ifindex);
  const settings = arpSettings(o.dev, o.procSysNet ?? PROC_SYS_NET);
  if (!after.ok) {
    for (const s of settings) steps.push({ kind: 'sysctl', subject: s.name, status: 'kept', detail: `cannot tell what remains on ${o.dev}: ${after.error}` });
    return;
  }
  const others = after.list.filter((a) => a.addr.family === 4 && !isLoopbackNet(a.addr));
  if (others.length > 0) {
    const names = others.map((a) => `${formatIp(a.addr)}/${a.prefixLen}`).join(', ');
    for (const s of settings) steps.push({ kind: 'sysctl', subject: s.name, status: 'kept', detail: `still needed by ${names} on ${o.dev}` });
    notes.push(`the ARP sysctls stay: ${names} remains on ${o.dev}; they go back to 0 when the last VIP is removed`);
    return;
  }
  for (const s of settings) {
    const cur = readSysctl(s.path);
    if (!cur.ok) { steps.push({ kind: 'sysctl', subject: s.name, status: 'failed', detail: cur.code }); continue; }
    if (cur.value === 0) { steps.push({ kind: 'sysctl', subject: s.name, status: 'ok', before: '0' }); continue; }
    if (cur.value !== s.want) {
      steps.push({ kind: 'sysctl', subject: s.name, status: 'kept', before: String(cur.value), detail: `${cur.value} was not set by realserver apply (it sets ${s.want}); left as is` });
      continue;
    }
    const err = writeSysctl(s.path, 0);
    steps.push(err === undefined
      ? { kind: 'sysctl', subject: s.name, status: 'changed', before: String(cur.value), after: '0' }
      : { kind: 'sysctl', subject: s.name, status: 'failed', before: String(cur.value), detail: err });
  }
}

async function addressesOn(nl: NetlinkSocket, ifindex: number): Promise<{ ok: true; list: OnDev[] } | { ok: false; error: string }> {
  const r = await nl.request((seq) => encodeAddrDump(seq));
  if (!r.ok) return { ok: false, error: errnoCode(r.error.errno) };
  const list: OnDev[] = [];
  for (const m of r.replies) {
    const d = decodeAddr(m);
    if (!d.ok || d.value.ifindex !== ifindex) continue;
    const a = d.value.local ?? d.value.address;
    if (a) list.push({ addr: a, prefixLen: d.value.prefixLen, ...(d.value.label !== undefined ? { label: d.value.label } : {}) });
  }
  return { ok: true, list };
}

/** One RTM_NEWADDR / RTM_DELADDR; undefined when done (EEXIST / EADDRNOTAVAIL count as done). */
async function change(nl: NetlinkSocket, op: 'add' | 'del', spec: AddressSpec): Promise<string | undefined> {
  const r = await nl.request((seq) => encodeAddrRequest(op, spec, { seq }));
  if (r.ok) return undefined;
  if (op === 'add' && r.error.errno === EEXIST) return undefined;
  if (op === 'del' && r.error.errno === EADDRNOTAVAIL) return undefined;
  return `${errnoCode(r.error.errno)}${r.error.message ? ` (${r.error.message})` : ''}`;
}
