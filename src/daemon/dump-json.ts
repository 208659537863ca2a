// The SIGRTMIN+2 dump (/tmp/keepalived.json): one object per VRRP instance, {data, stats}, with
// keepalived 2.2.7's keys in its order (vrrp/vrrp_json.c; the fixture test/fixtures/dumps/
// keepalived-2.2.7.json was written by keepalived itself). Pure: DaemonView -> text.
//
// Conventions copied from keepalived's output: times in seconds (adver_int 1, garp_delay 5),
// last_transition as seconds since the epoch with microseconds, state and wantstate as
// keepalived's numbers (INIT 0, BACKUP 1, MASTER 2, FAULT 3), some flags as 0/1 and others as
// false/true exactly as keepalived mixes them, optional entries (notify scripts, evips, track_ifp,
// track_script, auth_data) only when present, every "/" escaped as "\/", one newline at the end.
// Not written: "vroutes" (keepalived's route text has a format of its own, not reproduced yet).

import type { KeepalivedConfig } from '../config/model.ts';
import type { ScriptCommand } from '../config/model-common.ts';
import type { VrrpInstance as InstanceConfig } from '../config/model-vrrp.ts';
import type { VrrpState } from '../vrrp/actions.ts';
import type { VrrpInstance } from '../vrrp/instance.ts';
import type { DaemonView } from './daemon-view.ts';
import { vrrpCounters, type KeepalivedVrrpCounters } from './dump-stats.ts';
import { vipLine } from './dump-vip-line.ts';

/** keepalived vrrp.h VRRP_STATE_*. */
export const KEEPALIVED_STATE_NUMBER: Readonly<Record<VrrpState, number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

const US_PER_S = 1_000_000;

/** When the instance last changed state, in seconds since the epoch (start-up if never). */
export function lastTransitionS(view: DaemonView, name: string): number {
  const t = view.history.transitions.get(name);
  return (t?.atMs ?? view.startedAtMs) / 1000;
}

const byNameCache = new WeakMap<KeepalivedConfig, Map<string, InstanceConfig>>();

/** The effective configuration of an instance (its block), by name (indexed once per configuration). */
export function instanceConfig(config: KeepalivedConfig, name: string): InstanceConfig | undefined {
  let m = byNameCache.get(config);
  if (!m) {
    m = new Map(config.vrrp_instances.map((i) => [i.name, i]));
    byNameCache.set(config, m);
  }
  return m.get(name);
}

/** The vmac interface name keepalived would report: use_vmac's name, else vmac_prefix.VRID. */
export function vmacIfname(config: KeepalivedConfig, c: InstanceConfig | undefined): string {
  if (!c?.use_vmac) return '';
  return c.use_vmac.name ?? `${config.global_defs.vmac_prefix}.${c.virtual_router_id}`;
}

/** keepalived prints a command as its words, each in single quotes: "'/usr/bin/echo' 'master'". */
export function quotedCommand(argv: readonly string[]): string {
  return argv.map((w) => `'${w}'`).join(' ');
}

export function scriptCommandText(config: KeepalivedConfig, scriptName: string): string {
  const s = config.vrrp_scripts.find((v) => v.name === scriptName);
  return quotedCommand(s?.script?.argv ?? [scriptName]);
}

/** The notify hooks in keepalived's order: [json key, text-dump label, command]. */
export function notifyScripts(c: InstanceConfig | undefined): Array<[string, string, ScriptCommand]> {
  if (!c) return [];
  const all: Array<[string, string, ScriptCommand | undefined]> = [
    ['script_backup', 'Backup', c.notify_backup],
    ['script_master', 'Master', c.notify_master],
    ['script_fault', 'Fault', c.notify_fault],
    ['script_stop', 'Stop', c.notify_stop],
    ['script', 'Generic', c.notify],
    ['script_master_rx_lower_pri', 'Master rx lower pri', c.notify_master_rx_lower_pri],
  ];
  return all.filter((x): x is [string, string, ScriptCommand] => x[2] !== undefined);
}

type JsonValue = string | number | boolean | readonly string[];

function instanceData(view: DaemonView, config: KeepalivedConfig, inst: VrrpInstance): Record<string, JsonValue> {
  const s = inst.spec;
  const c = instanceConfig(config, inst.name);
  const master = inst.state === 'MASTER';
  const state = KEEPALIVED_STATE_NUMBER[inst.state];
  const d: Record<string, JsonValue> = {
    iname: inst.name,
    dont_track_primary: s.dontTrackPrimary ? 1 : 0,
    skip_check_adv_addr: c?.skip_check_adv_addr ? 1 : 0,
    strict_mode: s.strict ? 1 : 0,
    vmac_ifname: vmacIfname(config, c),
    ifp_ifname: s.ifname,
    // Not recorded: the instance keeps the last master's address, not its priority
    // (keepalived's master_priority); 0 is what keepalived itself shows while MASTER.
    master_priority: 0,
    last_transition: lastTransitionS(view, inst.name),
    garp_delay: s.garp.masterDelayUs / US_PER_S,
    garp_refresh: s.garp.masterRefreshUs / US_PER_S,
    garp_rep: s.garp.masterRepeat,
    garp_refresh_rep: s.garp.masterRefreshRepeat,
    garp_lower_prio_delay: s.garp.lowerPrioDelayUs / US_PER_S,
    garp_lower_prio_rep: s.garp.lowerPrioRepeat,
    lower_prio_no_advert: s.lowerPrioNoAdvert ? 1 : 0,
    higher_prio_send_advert: s.higherPrioSendAdvert ? 1 : 0,
    vrid: s.vrid,
    base_priority: s.priority,
    effective_priority: inst.effectivePriority,
    vipset: master,
    promote_secondaries: c?.promote_secondaries ?? false,
    adver_int: s.advertIntervalCs / 100,
    master_adver_int: inst.masterAdvertIntervalUs / US_PER_S,
    accept: s.accept ? 1 : 0,
    nopreempt: s.nopreempt,
    preempt_delay: s.preemptDelayUs / US_PER_S,
    state,
    // keepalived's wantstate differs from state only inside its own transitions; ours are atomic.
    wantstate: state,
    version: s.version,
    smtp_alert: c?.smtp_alert ?? false,
    notify_deleted: c?.notify_deleted !== undefined,
  };
  for (const [key, , cmd] of notifyScripts(c)) d[key] = quotedCommand(cmd.argv);
  const vips = c?.virtual_ipaddress ?? [];
  if (vips.length > 0) d.vips = vips.map((v) => vipLine(v, s.ifname, master));
  const evips = c?.virtual_ipaddress_excluded ?? [];
  if (evips.length > 0) d.evips = evips.map((v) => vipLine(v, s.ifname, master));
  if (s.trackInterfaces.length > 0) d.track_ifp = s.trackInterfaces.map((t) => t.ifname);
  if (s.trackScripts.length > 0) d.track_script = s.trackScripts.map((t) => scriptCommandText(config, t.name));
  d.auth_type = s.version === 2 ? (s.auth.type === 'pass' ? 1 : s.auth.type === 'ah' ? 2 : 0) : 0;
  if (s.version === 2 && s.auth.type !== 'none') d.auth_data = new TextDecoder().decode(s.auth.password);
  return d;
}

export interface JsonInstance {
  readonly data: Record<string, JsonValue>;
  readonly stats: KeepalivedVrrpCounters;
}

export function jsonInstances(view: DaemonView): JsonInstance[] {
  const director = view.vrrp();
  if (!director) return [];
  const config = view.config();
  return director.instances.map((inst) => ({ data: instanceData(view, config, inst), stats: vrrpCounters(inst) }));
}

/** The whole file: keepalived's compact JSON with "\/" escapes; empty when VRRP does not run. */
export function dumpJson(view: DaemonView): string {
  if (!view.vrrp()) return '';
  return `${JSON.stringify(jsonInstances(view)).replaceAll('/', '\\/')}\n`;
}
