// The LVS half's USR1 dump (keepalived_check.data): global definitions, the LVS topology
// (virtual and real servers) and the health checkers, in keepalived 2.2.7's format
// (check/check_data.c dump_check_data, check_*.c dump functions; the fixture
// test/fixtures/dumps/keepalived-2.2.7-check.data was written by keepalived's checker process
// in a kernel with IPVS). Pure: DaemonView -> text.
//
// The configuration (with keepalived's inheritance VS -> RS -> checker already applied by
// src/config) gives the settings; the running LvsDirector gives each real server's health,
// effective weight and checker states, and whether the service is in the kernel. The checker
// kinds other than TCP_CHECK and HTTP_GET/SSL_GET print keepalived's common lines and their
// "Keepalive method" line only (their specific lines were not captured from keepalived).

import type { KeepalivedConfig } from '../config/model.ts';
import type { Checker, LvsMethod, RealServer, VirtualServer } from '../config/model-lvs.ts';
import { realServerKey, virtualServerKey } from '../check/scheduler-input-from-config.ts';
import type { LvsDirector } from '../runtime/lvs-director.ts';
import type { DaemonView } from './daemon-view.ts';
import { dataGlobalSection, type DataDumpOptions } from './dump-data.ts';

const US_PER_S = 1_000_000;
const f6 = (s: number): string => s.toFixed(6);
const onOff = (b: boolean | undefined): string => (b ? 'ON' : 'OFF');
const yesNo = (b: boolean | undefined): string => (b ? 'yes' : 'no');
const enabled = (b: boolean | undefined): string => (b ? 'enabled' : 'disabled');

function method(m: LvsMethod | undefined): string {
  if (!m) return 'NAT';
  return m.lb_kind === 'TUN' ? `TUN, type = ${m.tunnel_type ?? 'ipip'}` : m.lb_kind;
}

/** keepalived's "[ADDR]:proto:PORT" (check_data.c format_vs / format_rs). */
function vsText(vs: VirtualServer): string {
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  if (vs.group !== undefined) return `[${vs.group}]`;
  return `[${vs.ip ?? '?'}]:${vs.protocol.toLowerCase()}:${vs.port ?? 0}`;
}

function rsText(vs: VirtualServer, rs: RealServer): string {
  return `[${rs.ip}]:${vs.protocol.toLowerCase()}:${rs.port ?? vs.port ?? 0}`;
}

function inKernel(lvs: LvsDirector, vs: VirtualServer): boolean {
  const id = virtualServerKey(vs);
  const spec = lvs.spec.virtualServers.find((v) => v.id === id);
  if (!spec) return false;
  // Whether the kernel lists a service with our target: compared on the observed table's keys.
  for (const e of lvs.observedTable.values()) {
    const k = e.service.key;
    const t = spec.target;
    if (t.kind === 'fwmark' && k.kind === 'fwmark' && k.fwmark === t.fwmark) return true;
    if (t.kind === 'addr' && k.kind === 'addr' && k.port === (t.port ?? 0) && k.addr.bytes.every((b, i) => b === t.addr.bytes[i])) return true;
  }
  return false;
}

function virtualServerLines(view: DaemonView, lvs: LvsDirector, vs: VirtualServer): string[] {
  const id = virtualServerKey(vs);
  const head = vs.fwmark !== undefined ? ` VS FWMARK = ${vs.fwmark}` : vs.group !== undefined ? ` VS GROUP = ${vs.group}` : ` VS VIP = ${vs.ip ?? '?'}, VPORT = ${vs.port ?? 0}`;
  const flags = (n: number): boolean => vs.sched_flags.includes(`flag-${n}`);
  const out = [
    ' ------< Virtual server >------',
    head,
    `   Address family = ${(vs.ip_family ?? vs.family) === 6 ? 'inet6' : 'inet'}`,
    `   connection timeout = ${f6(vs.connect_timeout)}`,
    `   delay_loop = ${f6(vs.delay_loop)}`,
    `   lvs_sched = ${vs.lb_algo}`,
    `   Hashed = ${enabled(vs.hashed)}`,
    `   flag-1 = ${enabled(flags(1) || vs.sched_flags.includes('sh-fallback') || vs.sched_flags.includes('mh-fallback'))}`,
    `   flag-2 = ${enabled(flags(2) || vs.sched_flags.includes('sh-port') || vs.sched_flags.includes('mh-port'))}`,
    `   flag-3 = ${enabled(flags(3))}`,
    `   One packet scheduling = ${enabled(vs.ops)}`,
  ];
  if (vs.persistence_timeout !== undefined) out.push(`   persistence timeout = ${vs.persistence_timeout}`);
  if (vs.persistence_granularity !== undefined) out.push(`   persistence granularity = ${vs.persistence_granularity}`);
  if (vs.fwmark === undefined) out.push(`   protocol = ${vs.protocol}`);
  out.push(
    `   alpha is ${onOff(vs.alpha)}`,
    `   omega is ${onOff(vs.omega)}`,
    `   Inhibit on failure is ${onOff(vs.inhibit_on_failure)}`,
    `   quorum = ${vs.quorum}, hysteresis = ${vs.hysteresis}`,
  );
  if (vs.quorum_up) out.push(`   -> Notify script UP = ${vs.quorum_up.argv.join(' ')}`);
  if (vs.quorum_down) out.push(`   -> Notify script DOWN = ${vs.quorum_down.argv.join(' ')}`);
  if (vs.sorry_server) out.push(`   sorry server = [${vs.sorry_server.ip}]:${vs.sorry_server.port ?? vs.port ?? 0}`);
  const quorumUp = view.history.quorum.get(id)?.up
    ?? vs.real_servers.some((rs) => lvs.health(realServerKey(vs, rs)) === 'up');
  out.push(
    `   Using smtp notification = ${yesNo(vs.smtp_alert)}`,
    `   default forwarding method = ${method(vs.lvs_method)}`,
    `   alive = ${inKernel(lvs, vs) ? 1 : 0}`,
    `   quorum_state_up = ${quorumUp ? 1 : 0}`,
    // keepalived's reload bookkeeping flag; a dump is never taken in the middle of our reload.
    '   reloaded = 0',
  );
  for (const rs of vs.real_servers) out.push(...realServerLines(lvs, vs, rs));
  return out;
}

function realServerLines(lvs: LvsDirector, vs: VirtualServer, rs: RealServer): string[] {
  const key = realServerKey(vs, rs);
  const st = lvs.scheduler.realServerStatus(key);
  const eff = st?.weight ?? rs.weight;
  const out = [
    '   ------< Real server >------',
    `   RIP = ${rs.ip}, RPORT = ${rs.port ?? vs.port ?? 0}, WEIGHT = ${rs.weight} EFF WEIGHT = ${eff}`,
    `   forwarding method = ${method(rs.lvs_method ?? vs.lvs_method)}`,
    `   Alpha is ${onOff(rs.alpha)}`,
    `   connection timeout = ${f6(rs.connect_timeout)}`,
    `   connection limit range = ${rs.lthreshold ?? 0} -> ${rs.uthreshold ?? 0}`,
    `   Delay loop = ${f6(rs.delay_loop)}`,
    `   Inhibit on failure is ${onOff(rs.inhibit_on_failure)}`,
  ];
  if (rs.notify_up) out.push(`   RS up notify script = ${rs.notify_up.argv.join(' ')}`);
  if (rs.notify_down) out.push(`   RS down notify script = ${rs.notify_down.argv.join(' ')}`);
  // keepalived's real server smtp_alert is on unless turned off (check_data.c alloc_rs).
  out.push(
    `   Using smtp notification = ${yesNo(rs.smtp_alert ?? true)}`,
    `   initial weight = ${rs.weight}`,
    `   effective weight = ${eff}`,
    // Not kept: the weight before the last change.
    '   previous effective_weight = 0',
    `   alive = ${lvs.health(key) === 'up' ? 1 : 0}`,
    `   num failed checkers = ${st ? st.checkers.filter((c) => !c.up).length : 0}`,
    `   RS set = ${st?.up ? 1 : 0}`,
    '   reloaded = 0',
  );
  return out;
}

function checkerLines(lvs: LvsDirector, vs: VirtualServer, rs: RealServer, c: Checker, index: number): string[] {
  const st = lvs.scheduler.realServerStatus(realServerKey(vs, rs))?.checkers[index];
  const out = [
    ` ${vsText(vs)} -> ${rsText(vs, rs)}`,
    '   Enabled = yes',
    `   Up = ${yesNo(st?.up)}`,
    `   Has run = ${yesNo(st?.hasRun)}`,
    `   Current weight = ${st?.weightDelta ?? 0}`,
    `   Alpha = ${yesNo(c.type === 'FILE_CHECK' ? rs.alpha : c.alpha)}`,
  ];
  if (c.type === 'FILE_CHECK') {
    out.push('   Keepalive method = FILE_CHECK');
    return out;
  }
  out.push(
    `   Delay loop = ${Math.round(c.delay_loop * US_PER_S)} us`,
    `   Warmup = ${Math.round(c.warmup * US_PER_S)} us`,
    `   Retries = ${c.retry}`,
    `   Delay before retry = ${Math.round(c.delay_before_retry * US_PER_S)} us`,
    `   Retries iterations = ${st?.retryIt ?? 0}`,
    `   Default delay before retry = ${Math.round(c.delay_before_retry * US_PER_S)} us`,
    `   Log all failures = ${yesNo(c.log_all_failures)}`,
  );
  if (c.type !== 'MISC_CHECK') {
    out.push(
      '   Connection',
      `     Dest = [${c.connect_ip ?? rs.ip}]:${c.connect_port ?? rs.port ?? vs.port ?? 0}`,
      `     Timeout = ${f6(c.connect_timeout)}`,
    );
  }
  if (c.type === 'HTTP_GET' || c.type === 'SSL_GET') {
    out.push(
      `   Keepalive method = ${c.type}, http protocol ${c.http_protocol ?? '1.0'}`,
      `   Enable SNI ${c.enable_sni === undefined ? 'unset' : yesNo(c.enable_sni)}`,
      `   Fast recovery ${c.fast_recovery === undefined ? 'unset' : yesNo(c.fast_recovery)}`,
    );
    for (const u of c.url) {
      out.push(`   Checked url = ${u.path}`);
      if (u.digest !== undefined) out.push(`     digest = ${u.digest}`);
      out.push('     HTTP Status Code(s)');
      for (const [lo, hi] of u.status_code) out.push(`       ${lo === hi ? lo : `${lo}-${hi}`}`);
    }
    // keepalived names the url being retried; while the checker is down that is the one that failed.
    const first = c.url[0];
    if (first && st && !st.up) out.push(`   Failed URL = ${first.path}`);
  } else out.push(`   Keepalive method = ${c.type}`);
  return out;
}

/** The checker process's file (keepalived_check.data); empty when the LVS half does not run. */
export function dumpDataLvs(view: DaemonView, o: DataDumpOptions): string {
  const lvs = view.lvs();
  if (!lvs) return '';
  const config: KeepalivedConfig = view.config();
  const lines = [
    ...dataGlobalSection(config, o, true),
    '------< LVS Topology >------',
    // The kernel's IPVS version line (ip_vs.h IP_VS_VERSION_CODE) that keepalived prints.
    ' System is compiled with LVS v1.2.1',
    ...config.virtual_servers.flatMap((vs) => virtualServerLines(view, lvs, vs)),
    '------< Health checkers >------',
    ...config.virtual_servers.flatMap((vs) => vs.real_servers.flatMap((rs) => rs.checkers.flatMap((c, i) => checkerLines(lvs, vs, rs, c, i)))),
  ];
  return `${lines.join('\n')}\n`;
}
