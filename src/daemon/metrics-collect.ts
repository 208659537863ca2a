// collectMetrics: one scrape's worth of samples from a DaemonView. Pure: it reads the running
// Director / LvsDirector, their specs and the EventHistory, and touches nothing else.
//
// Encodings, as the existing exporters publish them (metrics-families.ts names the sources):
//  - mehdy/keepalived-exporter keepalived_vrrp_state: keepalived's state number (vrrp.h
//    VRRP_STATE_INIT 0, VRRP_STATE_BACK 1, VRRP_STATE_MAST 2, VRRP_STATE_FAULT 3; the exporter's
//    parser.go VRRPStates = INIT, BACKUP, MASTER, FAULT), one series per virtual address with
//    ip_address = "ADDR/PREFIX" and intf = the address's device, as it splits keepalived.data's
//    "10.1.0.1/24 dev ens3 scope global" (ParseVIP); an instance without addresses gets one
//    series with its own interface and ip_address="". Excluded addresses go to
//    keepalived_vrrp_excluded_state the same way.
//  - keepalived_gratuitous_arp_delay_total is keepalived.data's "Gratuitous ARP delay" (the
//    garp_master_delay setting in seconds), despite its name.
//  - keepalived_script_status: 0 BAD, 1 GOOD (parser.go VRRPScriptStatuses).
//  - gen2brain/keepalived_exporter keepalived_vrrp_*: the state as text in the `state` label
//    ("INIT", "BACKUP", "MASTER", "FAULT"), intf = the instance's interface.
//  - gen2brain keepalived_lvs_vip_* / keepalived_lvs_rs_*: the kernel's counters of every IPVS
//    service and destination, addr = "ADDR:PORT" as Go prints a net.IP (no brackets for IPv6;
//    "<nil>:0" for a fwmark service, which has no address), proto = the protocol number (0 for
//    fwmark); a destination carries its service's proto. Its rs series have no service label,
//    so one real server in two services is one series here (the last one read).
// Rejection counters map from our reasons (src/vrrp/advert-check.ts): ttl -> ip_ttl errors,
// intervalMismatch -> advert interval errors, authTypeMismatch -> auth type mismatch,
// authFailure -> auth failure. Every reason also appears in keepalived_ts_vrrp_adverts_rejected_total.

import { formatIp } from '../base/ip.ts';
import { US_PER_S } from '../base/time.ts';
import type { LvsDirector } from '../runtime/lvs-director.ts';
import type { Director } from '../runtime/director.ts';
import type { VrrpState } from '../vrrp/actions.ts';
import { REJECT_REASONS } from '../vrrp/advert-check.ts';
import type { VrrpInstance } from '../vrrp/instance.ts';
import type { IpvsStats } from '../ipvs/ipvs-messages.ts';
import type { IpvsCounterEntry } from './metrics-ipvs-counters.ts';
import type { DaemonView } from './daemon-view.ts';
import type { EventHistory } from './event-history.ts';
import { G, M, TS, UP } from './metrics-families.ts';
import { MetricsRegistry, type MetricFamilyDef } from './metrics-registry.ts';

/** keepalived's state numbers (vrrp.h), as mehdy/keepalived-exporter exports them. */
export const VRRP_STATE_NUMBER: Readonly<Record<VrrpState, number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

/** "intervalMismatch" -> "interval_mismatch". */
function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export interface CollectExtras {
  /** The kernel's IPVS counters, when they could be read for this scrape. */
  readonly ipvs?: readonly IpvsCounterEntry[];
}

export function collectMetrics(view: DaemonView, extras: CollectExtras = {}): MetricsRegistry {
  const r = new MetricsRegistry();
  r.set(UP, [], 1);
  r.set(TS.buildInfo, [view.version], 1);
  r.set(TS.startTime, [], view.startedAtMs / 1000);
  const director = view.vrrp();
  if (director) collectVrrp(r, director, view.history);
  const lvs = view.lvs();
  if (lvs) collectLvs(r, lvs, view.history);
  if (extras.ipvs) collectIpvsCounters(r, extras.ipvs);
  return r;
}

function collectVrrp(r: MetricsRegistry, d: Director, history: EventHistory): void {
  for (const inst of d.instances) collectInstance(r, inst, history);
  for (const name of d.scripts.names()) r.set(M.scriptStatus, [name], d.scripts.status(name) ? 1 : 0);
  for (const [reason, n] of d.rxErrors) r.set(TS.packetErrors, [reason], n);
}

function collectInstance(r: MetricsRegistry, inst: VrrpInstance, history: EventHistory): void {
  const s = inst.spec;
  const st = inst.stats;
  const vrid = String(s.vrid);
  const state = inst.state;
  const stateNumber = VRRP_STATE_NUMBER[state];

  let vipSeries = 0;
  for (const v of s.vips) {
    r.set(M.vrrpState, [s.name, v.ifname ?? s.ifname, vrid, `${formatIp(v.addr)}/${v.prefixLen}`], stateNumber);
    vipSeries++;
  }
  // collector.go: "record vrrp_state metric even when VIPs are not defined".
  if (vipSeries === 0) r.set(M.vrrpState, [s.name, s.ifname, vrid, ''], stateNumber);
  for (const v of s.excludedVips ?? []) {
    r.set(M.vrrpExcludedState, [s.name, v.ifname ?? s.ifname, vrid, `${formatIp(v.addr)}/${v.prefixLen}`], stateNumber);
  }

  const m = [s.name, s.ifname, vrid];
  r.set(M.garpDelay, m, s.garp.masterDelayUs / US_PER_S);
  r.set(M.advertRcvd, m, st.advertsReceived);
  r.set(M.advertSent, m, st.advertsSent);
  r.set(M.becomeMaster, m, st.becomeMaster);
  r.set(M.releaseMaster, m, st.releaseMaster);
  r.set(M.advertIntervalErr, m, st.rejected.intervalMismatch);
  r.set(M.ipTtlErr, m, st.rejected.ttl);
  r.set(M.authMismatch, m, st.rejected.authTypeMismatch);
  r.set(M.authFailure, m, st.rejected.authFailure);
  r.set(M.priZeroRcvd, m, st.priZeroReceived);
  r.set(M.priZeroSent, m, st.priZeroSent);

  const g = [s.name, s.ifname, vrid, state];
  r.set(G.advertRcvd, g, st.advertsReceived);
  r.set(G.advertSent, g, st.advertsSent);
  r.set(G.becomeMaster, g, st.becomeMaster);
  r.set(G.releaseMaster, g, st.releaseMaster);
  r.set(G.advertIntervalErr, g, st.rejected.intervalMismatch);
  r.set(G.ipTtlErr, g, st.rejected.ttl);
  r.set(G.authtypeMismatch, g, st.rejected.authTypeMismatch);
  r.set(G.authFailure, g, st.rejected.authFailure);
  r.set(G.priZeroRcvd, g, st.priZeroReceived);
  r.set(G.priZeroSent, g, st.priZeroSent);

  r.set(TS.priority, m, s.priority);
  r.set(TS.effectivePriority, m, inst.effectivePriority);
  const last = history.transitions.get(s.name);
  if (last) r.set(TS.lastTransition, m, last.atMs / 1000);
  r.set(TS.transitions, m, history.transitionCounts.get(s.name) ?? 0);
  for (const reason of REJECT_REASONS) r.set(TS.advertsRejected, [...m, snake(reason)], st.rejected[reason]);
  r.set(TS.advertsRejected, [...m, 'lower_priority'], st.lowerPriorityDiscarded);
}

/** "[10.0.0.100]:tcp:80 -> [192.168.1.1]:tcp:8080" -> the real server's half. */
function realServerLabel(checkKey: string): string {
  const at = checkKey.indexOf(' -> ');
  return at < 0 ? checkKey : checkKey.slice(at + 4);
}

function collectLvs(r: MetricsRegistry, lvs: LvsDirector, history: EventHistory): void {
  for (const vs of lvs.spec.virtualServers) {
    for (const rs of vs.realServers) {
      const labels = [vs.id, realServerLabel(rs.checkKey)];
      const health = lvs.health(rs.checkKey);
      if (health === 'up' || health === 'down') r.set(TS.rsUp, labels, health === 'up' ? 1 : 0);
      r.set(TS.rsWeight, labels, history.weights.get(rs.checkKey)?.weight ?? rs.weight);
      const change = history.health.get(rs.checkKey);
      if (change) r.set(TS.rsLastChange, labels, change.atMs / 1000);
    }
  }
  for (const [service, e] of lvs.desiredTable) {
    for (const [dest, d] of e.dests) r.set(TS.destWeight, [service, dest], d.attrs.weight);
  }
  r.set(TS.ipvsInSync, [], lvs.inSync ? 1 : 0);
}

const IPPROTO: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132 };

/** In-packets, out-packets, in-bytes, out-bytes, connections. */
type TrafficDefs = readonly [MetricFamilyDef, MetricFamilyDef, MetricFamilyDef, MetricFamilyDef, MetricFamilyDef];
const VIP_TRAFFIC: TrafficDefs = [G.lvsVipInPackets, G.lvsVipOutPackets, G.lvsVipInBytes, G.lvsVipOutBytes, G.lvsVipConn];
const RS_TRAFFIC: TrafficDefs = [G.lvsRsInPackets, G.lvsRsOutPackets, G.lvsRsInBytes, G.lvsRsOutBytes, G.lvsRsConn];

function setTraffic(r: MetricsRegistry, defs: TrafficDefs, labels: readonly string[], st: IpvsStats): void {
  const [inPkts, outPkts, inBytes, outBytes, conns] = defs;
  r.set(inPkts, labels, Number(st.inPkts));
  r.set(outPkts, labels, Number(st.outPkts));
  r.set(inBytes, labels, Number(st.inBytes));
  r.set(outBytes, labels, Number(st.outBytes));
  r.set(conns, labels, Number(st.conns));
}

function collectIpvsCounters(r: MetricsRegistry, entries: readonly IpvsCounterEntry[]): void {
  for (const e of entries) {
    const k = e.service;
    // Go's net.IP String() + ":" + port; a fwmark service has no address: "<nil>:0", protocol 0.
    const proto = String(k.kind === 'addr' ? IPPROTO[k.protocol] ?? 0 : 0);
    const addr = k.kind === 'addr' ? `${formatIp(k.addr)}:${k.port}` : '<nil>:0';
    if (e.stats) setTraffic(r, VIP_TRAFFIC, [addr, proto], e.stats);
    for (const d of e.dests) if (d.stats) setTraffic(r, RS_TRAFFIC, [`${formatIp(d.key.addr)}:${d.key.port}`, proto], d.stats);
  }
}
