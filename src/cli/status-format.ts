// The readable `keepalived-ts status` report: the VRRP side first (state, priority and why,
// master, VIPs, last transition, counters), then the virtual servers, then the live IPVS table
// in `ipvsadm -Ln`'s own layout with two columns of ours on the right (health, last change).
//
// The table layout is ipvsadm 1.31's (ipvsadm.c print_title / print_service_entry, non-stats,
// numeric), checked byte for byte against `ipvsadm -Ln` output in
// test/fixtures/status/: "%s %s" service lines ("TCP  " / "UDP  " / "SCTP " / "FWM  N[ IPv6]"),
// " (flags)" for scheduler flags, " persistent T", " mask M", " ops", and destination rows
// "  -> %-28s %-7s %-6d %-10u %-10u" (so each row ends in spaces, as ipvsadm's does). Sorting is
// libipvs's ipvs_cmp_services / ipvs_cmp_dests under glibc 2.36's merge sort, including their
// int overflow: two IPv4 addresses more than 2^31 apart compare the "wrong" way round in ipvsadm
// (200.0.0.1 lists before 10.0.0.1), and we list them as it does.
// ActiveConn and InActConn are not collected by the daemon and print as 0.

import { parseIp, type IpAddress } from '../base/ip.ts';
import { SvcFlag } from '../ipvs/numbers.ts';
import type { DaemonStatus, IpvsDestRow, IpvsServiceRow, LvsStatus, VrrpInstanceStatus } from '../daemon/status-model.ts';

const FWD_NAME: Record<string, string> = { nat: 'Masq', local: 'Local', tun: 'Tunnel', dr: 'Route' };
const PROTO_NUM: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };
const PROTO_LABEL: Record<string, string> = { tcp: 'TCP ', udp: 'UDP ', sctp: 'SCTP' };
/** AF_INET / AF_INET6 as ipvs_cmp_services subtracts them. */
const AF = { 4: 2, 6: 10 } as const;

const int32 = (n: number): number => n | 0;

/** The address as libipvs compares it: big-endian 32-bit words. */
function words(address: string | null, family: 4 | 6): number[] {
  const a: IpAddress | undefined = address === null ? undefined : parseIp(address);
  const n = family === 6 ? 4 : 1;
  const out: number[] = [];
  for (let w = 0; w < n; w++) {
    const b = a?.bytes;
    out.push(b ? ((b[w * 4]! << 24) | (b[w * 4 + 1]! << 16) | (b[w * 4 + 2]! << 8) | b[w * 4 + 3]!) >>> 0 : 0);
  }
  return out;
}

/** C: `r = ntohl(a) - ntohl(b)` assigned to an int, word by word until non-zero. */
function cmpWords(a: number[], b: number[]): number {
  let r = 0;
  for (let i = 0; r === 0 && i < a.length; i++) r = int32(a[i]! - (b[i] ?? 0));
  return r;
}

/** Parsed once per row: a sort compares each row about log2(n) times. */
function wordsCache<T extends { address: string | null }>(family: (x: T) => 4 | 6): (x: T) => number[] {
  const memo = new Map<T, number[]>();
  return (x) => {
    let w = memo.get(x);
    if (!w) memo.set(x, (w = words(x.address, family(x))));
    return w;
  };
}

function cmpServices(): (a: IpvsServiceRow, b: IpvsServiceRow) => number {
  const w = wordsCache<IpvsServiceRow>((x) => x.family);
  // fwmark services carry no protocol, address or port in the dump (zeroed by libipvs).
  return (a, b) => int32(a.fwmark - b.fwmark) || AF[a.family] - AF[b.family]
    || (a.protocol ? PROTO_NUM[a.protocol] ?? 0 : 0) - (b.protocol ? PROTO_NUM[b.protocol] ?? 0 : 0)
    || cmpWords(w(a), w(b)) || a.port - b.port;
}

function cmpDests(family: 4 | 6): (a: IpvsDestRow, b: IpvsDestRow) => number {
  const w = wordsCache<IpvsDestRow>(() => family);
  return (a, b) => cmpWords(w(a), w(b)) || a.port - b.port;
}

/**
 * glibc 2.36 qsort (msort_with_tmp): top-down merge sort, left half first, the left element
 * taken while cmp <= 0. With libipvs's overflowing comparators the order depends on the
 * algorithm, so it is reproduced rather than Array.prototype.sort's.
 */
export function glibcMergeSort<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  if (items.length <= 1) return [...items];
  const n1 = Math.floor(items.length / 2);
  const left = glibcMergeSort(items.slice(0, n1), cmp);
  const right = glibcMergeSort(items.slice(n1), cmp);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) out.push(cmp(left[i]!, right[j]!) <= 0 ? left[i++]! : right[j++]!);
  return [...out, ...left.slice(i), ...right.slice(j)];
}

function hostPort(address: string, port: number, family: 4 | 6): string {
  return family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

function dottedMask(mask: number): string {
  return [24, 16, 8, 0].map((s) => (mask >>> s) & 0xff).join('.');
}

/** ipvsadm's print_sched_flags: sh and mh name their two flags (flag-3 is not shown for them). */
function schedFlags(scheduler: string, flags: number): string {
  const names: string[] = [];
  if (scheduler === 'sh' || scheduler === 'mh') {
    if (flags & SvcFlag.SCHED1) names.push(`${scheduler}-fallback`);
    if (flags & SvcFlag.SCHED2) names.push(`${scheduler}-port`);
  } else {
    if (flags & SvcFlag.SCHED1) names.push('flag-1');
    if (flags & SvcFlag.SCHED2) names.push('flag-2');
    if (flags & SvcFlag.SCHED3) names.push('flag-3');
  }
  return names.length > 0 ? ` (${names.join(',')})` : '';
}

export function serviceLine(s: IpvsServiceRow): string {
  let line = s.protocol === null
    ? `FWM  ${s.fwmark}${s.family === 6 ? ' IPv6' : ''}`
    : `${PROTO_LABEL[s.protocol] ?? s.protocol.toUpperCase()} ${hostPort(s.address ?? '?', s.port, s.family)}`;
  line += ` ${s.scheduler}${schedFlags(s.scheduler, s.flags)}`;
  if (s.flags & SvcFlag.PERSISTENT) {
    line += ` persistent ${s.timeoutS}`;
    if (s.family === 4 && s.netmask >>> 0 !== 0xffffffff) line += ` mask ${dottedMask(s.netmask)}`;
    if (s.family === 6 && s.netmask !== 128) line += ` mask ${s.netmask}`;
  }
  if (s.flags & SvcFlag.ONEPACKET) line += ' ops';
  return line;
}

/** `%-28s %-7s %-6d %-10u %-10u` with the connection counters we do not collect as 0. */
export function destLine(d: IpvsDestRow, family: 4 | 6): string {
  // fwd_name() returns NULL for a method it does not know; glibc prints that as "(null)".
  const fwd = FWD_NAME[d.fwd] ?? '(null)';
  return `  -> ${hostPort(d.address, d.port, family).padEnd(28)} ${fwd.padEnd(7)} ${String(d.weight).padEnd(6)} ${'0'.padEnd(10)} ${'0'.padEnd(10)}`;
}

export function ago(atMs: number | null, nowMs: number | null): string {
  if (atMs === null) return '';
  if (nowMs === null) return ` at ${new Date(atMs).toISOString()}`;
  let s = Math.max(0, Math.round((nowMs - atMs) / 1000));
  const parts: string[] = [];
  for (const [unit, len] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (s >= len) { parts.push(`${Math.floor(s / len)}${unit}`); s %= len; }
  }
  if (parts.length < 2) parts.push(`${s}s`);
  return ` ${parts.join('')} ago`;
}

export interface TableOptions {
  /** Append our health and last-change columns (false: exactly ipvsadm -Ln). */
  readonly extras: boolean;
  readonly nowMs?: number | null;
  /** The first line when the kernel's could not be read. */
  readonly versionLine?: string | null;
}

export function formatIpvsTable(rows: readonly IpvsServiceRow[], o: TableOptions): string {
  const lines = [
    o.versionLine ?? 'IP Virtual Server version ? (size=?)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn' + (o.extras ? ' Health  Last change' : ''),
  ];
  for (const s of glibcMergeSort(rows, cmpServices())) {
    lines.push(serviceLine(s));
    for (const d of glibcMergeSort(s.dests, cmpDests(s.family))) {
      let line = destLine(d, s.family);
      if (o.extras) {
        const at = ago(d.changedAtMs, o.nowMs ?? null).trim();
        const reason = d.reason ? `${at ? `${at}: ` : ''}${d.reason}` : d.health === null ? '(not in our configuration)' : '';
        line += ` ${(d.health ?? '-').padEnd(7)} ${reason}`.trimEnd();
      }
      lines.push(line);
    }
  }
  return lines.join('\n') + '\n';
}

function priorityWhy(i: VrrpInstanceStatus): string {
  if (i.owner) return 'address owner (255, never changed by tracking)';
  const parts = i.trackers.filter((t) => t.delta !== 0).map((t) => `${t.kind} ${t.name} ${t.state} ${t.delta > 0 ? '+' : ''}${t.delta}`);
  let why = parts.length > 0 ? parts.join(', ') : 'no tracker applies';
  if (i.unclampedPriority !== i.effectivePriority && i.explained) why += ` (${i.unclampedPriority} clamped to 1..254)`;
  if (!i.explained) why += ' (tracker states not fully readable)';
  return why;
}

function instanceLines(i: VrrpInstanceStatus, nowMs: number | null): string[] {
  const out = [`  ${i.name}: ${i.state}   vrid ${i.vrid} on ${i.interface}, VRRPv${i.version} IPv${i.family}, from ${i.address}`];
  const prio = i.effectivePriority === i.configuredPriority
    ? `${i.effectivePriority} (as configured${i.trackers.some((t) => t.delta !== 0) ? `: ${priorityWhy(i)}` : ''})`
    : `${i.effectivePriority} (configured ${i.configuredPriority}: ${priorityWhy(i)})`;
  out.push(`    priority         ${prio}`);
  if (i.faultReasons.length > 0 || i.syncFault) {
    out.push(`    fault            ${[...i.faultReasons, ...(i.syncFault ? ['sync group member in fault'] : [])].join(', ')}`);
  }
  out.push(`    master           ${i.master ? `${i.master.address}${i.master.self ? ' (this node)' : ''}` : 'unknown (no advert accepted yet)'}`);
  const vips = i.vips.map((v) => `${v.address} dev ${v.interface}${v.excluded ? ' (excluded)' : ''}`).join(', ') || 'none';
  out.push(`    VIPs             ${vips}: ${i.vipsHeld ? 'held' : 'not held'}`);
  const t = i.lastTransition;
  out.push(`    last transition  ${t ? `${t.from} -> ${t.to}${ago(t.atMs, nowMs)}: ${t.cause}` : 'none'} (${i.transitions} since start)`);
  const a = i.adverts;
  const rejected = Object.entries(a.rejected).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  out.push(`    adverts          sent ${a.sent}, received ${a.received}, priority 0 sent ${a.priorityZeroSent} / received ${a.priorityZeroReceived}, lower priority discarded ${a.lowerPriorityDiscarded}, rejected: ${rejected}`);
  out.push(`    became master    ${a.becameMaster} time(s), released ${a.releasedMaster}`);
  for (const tr of i.trackers) {
    out.push(`    ${tr.kind.padEnd(16)} ${tr.name}: ${tr.state}, weight ${tr.weight}${tr.reverse ? ' reverse' : ''} -> ${tr.faults ? 'FAULT' : tr.delta === 0 ? 'no effect' : `${tr.delta > 0 ? '+' : ''}${tr.delta}`}`);
  }
  return out;
}

function lvsLines(l: LvsStatus, nowMs: number | null): string[] {
  const out = [`LVS (${l.inSync ? 'kernel table in sync' : 'kernel table being updated'})`];
  for (const vs of l.virtualServers) {
    const q = vs.quorum ? `, quorum ${vs.quorum.up ? 'up' : 'down'}${ago(vs.quorum.atMs, nowMs)}` : '';
    out.push(`  virtual_server ${vs.id}${q}${vs.sorryServer ? `, sorry_server ${vs.sorryServer}` : ''}`);
    for (const r of vs.realServers) {
      const w = r.currentWeight === r.configuredWeight ? `weight ${r.currentWeight}` : `weight ${r.currentWeight} (configured ${r.configuredWeight})`;
      const k = r.inKernel ? `in kernel${r.kernelWeight !== r.currentWeight ? ` with weight ${r.kernelWeight}` : ''}` : 'not in kernel';
      const since = r.changedAtMs !== null ? ` since${ago(r.changedAtMs, nowMs)}` : '';
      out.push(`    ${r.address}${r.port !== null ? ` port ${r.port}` : ''}: ${r.health}${since}, ${w}, ${k}${r.reason ? ` (${r.reason})` : ''}`);
    }
  }
  return out;
}

export function formatStatus(s: DaemonStatus): string {
  const now = s.daemon.nowMs;
  const lines = [`keepalived-ts ${s.daemon.version}, pid ${s.daemon.pid}, ${s.daemon.configFile}, started${ago(s.daemon.startedAtMs, now)}`, ''];
  if (!s.vrrp) lines.push('VRRP: not running (-C, or no vrrp_instance)');
  else {
    lines.push('VRRP');
    for (const i of s.vrrp.instances) lines.push(...instanceLines(i, now));
    for (const g of s.vrrp.syncGroups) {
      lines.push(`  vrrp_sync_group ${g.name}: ${g.state} (${g.members.map((m) => `${m.name} ${m.state}`).join(', ')})`);
    }
    for (const sc of s.vrrp.scripts) {
      const users = sc.users.map((u) => `${u.instance} weight ${u.weight}`).join(', ') || 'no instance';
      lines.push(`  vrrp_script ${sc.name}: ${sc.status}${sc.changedAtMs !== null ? ` since${ago(sc.changedAtMs, now)}` : ''} (interval ${sc.intervalS}s, rise ${sc.rise}, fall ${sc.fall}; ${users})`);
    }
  }
  lines.push('');
  if (!s.lvs) lines.push('LVS: not running (-P, or no virtual_server)');
  else {
    lines.push(...lvsLines(s.lvs, now), '');
    lines.push('IPVS table as last read from the kernel (ipvsadm -Ln layout; ActiveConn/InActConn not collected, shown as 0):');
    lines.push(formatIpvsTable(s.lvs.table, { extras: true, nowMs: now, versionLine: s.lvs.ipvsVersionLine }).trimEnd());
  }
  return lines.join('\n') + '\n';
}
