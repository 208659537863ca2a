// Turns a vrrp_instance draft into the final VrrpInstance, as keepalived's
// vrrp_complete_instance() (keepalived/vrrp/vrrp.c) does after the whole file is read: defaults
// (priority 100, or 255 for `state MASTER` without priority; advert_int 1), global inheritance
// (vrrp_version, garp_*, down_timer_adverts, strict...), family and version rules, the fix-ups
// keepalived makes with a message (priority, v2 advert_int rounding, v3 range) and strict mode.
import type { SourcePosition } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import type { GlobalDefs } from './model-global.ts';
import type { VirtualIpAddress, VrrpInstance } from './model-vrrp.ts';
import type { VrrpInstanceDraft } from './vrrp-instance-table.ts';

const familyOf = (a: string): 4 | 6 => (a.includes(':') ? 6 : 4);

export function completeVrrpInstance(ctx: ConfigContext, d: VrrpInstanceDraft, g: GlobalDefs, headPos: SourcePosition): VrrpInstance | undefined {
  const at = (k: string): SourcePosition => d.seen.get(k)?.keyword.pos ?? headPos;
  const n = `(${d.name})`;
  if (d.virtual_router_id === undefined) {
    // keepalived: "(VI_1) the virtual router id must be set" - the instance cannot run.
    ctx.error('missing-vrid', headPos, `${n} virtual_router_id is not set - instance ignored`, 'add virtual_router_id 1..255');
    return undefined;
  }

  // Family: of the VIPs (all must agree), else of the source / peers, else IPv4.
  const vipsIn = d.virtual_ipaddress ?? [];
  let family: 4 | 6 = vipsIn[0]?.family ?? (d.native_ipv6 ? 6 : undefined)
    ?? (d.unicast_src_ip ? familyOf(d.unicast_src_ip) : undefined)
    ?? (d.mcast_src_ip ? familyOf(d.mcast_src_ip) : undefined)
    ?? (d.unicast_peer?.[0] ? familyOf(d.unicast_peer[0].address) : undefined) ?? 4;
  const vips: VirtualIpAddress[] = [];
  for (const v of vipsIn) {
    if (v.family !== family) {
      // keepalived: "(VI) address family must match VRRP instance [x] - ignoring".
      ctx.error('address-family', { file: v.origin.file, line: v.origin.line, col: 1 },
        `${n} virtual_ipaddress ${v.address} is IPv${v.family} but the instance is IPv${family} - ignored`,
        'put IPv4 and IPv6 addresses in separate instances, or use virtual_ipaddress_excluded');
      continue;
    }
    vips.push(v);
  }
  for (const [k, a] of [['unicast_src_ip', d.unicast_src_ip], ['mcast_src_ip', d.mcast_src_ip]] as const) {
    if (a !== undefined && familyOf(a) !== family) {
      ctx.error('address-family', at(k), `${n} ${k} ${a} is IPv${familyOf(a)} but the instance is IPv${family}`);
    }
  }
  const peers = (d.unicast_peer ?? []).filter((p) => {
    if (familyOf(p.address) === family) return true;
    ctx.error('address-family', at('unicast_peer'), `${n} unicast_peer ${p.address} is not IPv${family} - ignored`);
    return false;
  });

  // Version: the instance's own, else global vrrp_version; IPv6 needs VRRPv3 (RFC 5798).
  let version: 2 | 3 = d.version ?? g.vrrp_version;
  if (family === 6 && version === 2) {
    // keepalived 2.2.7 switches silently (measured); say it, but not as a config error.
    if (d.version === 2) ctx.warn('version-forced', at('version'), `${n} VRRP version 2 cannot carry IPv6 - using version 3`, 'remove version 2, or set version 3');
    version = 3;
  }

  // Priority: default 100; `state MASTER` without priority means address owner (255).
  const state = d.state ?? 'BACKUP';
  const priority = d.priority ?? (state === 'MASTER' ? 255 : 100);

  // advert_int (vrrp.c vrrp_complete_instance): v2 whole seconds < 256, v3 centiseconds <= 40.95.
  let advertInt = d.advert_int_raw ?? 1;
  const aPos = at('advert_int');
  if (version === 2) {
    if (advertInt >= 256) {
      ctx.warn('value-fixed', aPos, `${n} VRRPv2 advert_int ${advertInt} must be less than 256 - using 255`);
      advertInt = 255;
    } else if (!Number.isInteger(advertInt)) {
      const r = Math.max(1, Math.round(advertInt));
      ctx.warn('value-fixed', aPos, `${n} VRRPv2 advert_int ${advertInt} must be a whole number of seconds - rounded to ${r}`,
        'VRRPv2 (RFC 3768) counts in seconds; use version 3 for sub-second adverts');
      advertInt = r;
    }
  } else {
    const cs = Math.round(advertInt * 100);
    if (cs > 4095) {
      ctx.warn('value-fixed', aPos, `${n} VRRPv3 advert_int ${advertInt} must be at most 40.95 - using 40.95`);
      advertInt = 40.95;
    } else if (Math.abs(cs - advertInt * 100) > 1e-6 || cs === 0) {
      const r = Math.max(1, cs) / 100;
      ctx.warn('value-fixed', aPos, `${n} VRRPv3 advert_int ${advertInt} must be in centiseconds - rounded to ${r}`);
      advertInt = r;
    }
  }

  let nopreempt = d.nopreempt ?? false;
  let preemptDelay = d.preempt_delay ?? 0;
  if (nopreempt && state === 'MASTER') {
    // keepalived: "(VI) Warning - nopreempt will not work with initial state MASTER - clearing".
    ctx.warn('value-fixed', at('nopreempt'), `${n} nopreempt needs 'state BACKUP' - nopreempt cleared`, 'set state BACKUP on every node that should not preempt');
    nopreempt = false;
  }
  if (nopreempt && priority === 255) {
    ctx.warn('value-fixed', at('nopreempt'), `${n} nopreempt cannot apply to the address owner (priority 255) - cleared`);
    nopreempt = false;
  }
  if (preemptDelay > 0 && state === 'MASTER') {
    ctx.warn('value-fixed', at('preempt_delay'), `${n} preempt_delay needs 'state BACKUP' - cleared`);
    preemptDelay = 0;
  }
  if (preemptDelay > 0 && nopreempt) {
    ctx.warn('value-fixed', at('preempt_delay'), `${n} preempt_delay is meaningless with nopreempt - cleared`);
    preemptDelay = 0;
  }

  let auth = d.authentication;
  if (auth && version === 3) {
    // RFC 5798 removed authentication; keepalived ignores the block with a warning.
    ctx.warn('value-fixed', at('authentication'), `${n} VRRPv3 has no authentication - authentication ignored`);
    auth = undefined;
  }

  const strict = d.strict_mode ?? g.vrrp_strict;
  let accept = d.accept ?? !strict;
  // Lower-priority GARP defaults come from the GLOBAL values (global lower-prio, else global
  // master), not from the instance's own garp_master_* (measured with keepalived -d).
  let garpLowerPrioDelay = d.garp_lower_prio_delay ?? g.vrrp_garp_lower_prio_delay ?? g.vrrp_garp_master_delay;
  let garpLowerPrioRepeat = d.garp_lower_prio_repeat ?? g.vrrp_garp_lower_prio_repeat ?? g.vrrp_garp_master_repeat;
  let lowerPrioNoAdvert = d.lower_prio_no_advert ?? g.vrrp_lower_prio_no_advert;
  let higherPrioSendAdvert = d.higher_prio_send_advert ?? g.vrrp_higher_prio_send_advert;
  if (strict) {
    const sp = at('strict_mode');
    const strictErr = (pos: SourcePosition, msg: string): void => ctx.error('strict-mode', pos, `${n} ${msg}`, 'strict mode (vrrp_strict / strict_mode) enforces RFC compliance');
    if (vips.length === 0) strictErr(sp, 'strict mode needs at least one virtual_ipaddress');
    // man5 (2.4.3) lists unicast as not allowed in strict mode; 2.2.7 accepts it silently
    // (measured), so this is a warning, not a config error.
    if (peers.length > 0) {
      ctx.warn('strict-mode', at('unicast_peer'), `${n} unicast peers are not RFC-compliant in strict mode`, 'keepalived 2.4 documents unicast as not allowed with vrrp_strict / strict_mode');
    }
    if (auth) { strictErr(at('authentication'), 'authentication is not allowed in strict mode - removed'); auth = undefined; }
    if (preemptDelay > 0) { strictErr(at('preempt_delay'), 'preempt_delay is not allowed in strict mode - cleared'); preemptDelay = 0; }
    if (state === 'MASTER' && priority !== 255) strictErr(at('state'), "'state MASTER' needs priority 255 in strict mode");
    if (version === 2 && d.accept === true) { strictErr(at('accept'), 'accept mode cannot be set with VRRPv2 in strict mode - cleared'); accept = false; }
    if (d.accept === undefined) accept = priority === 255;
    if (d.lower_prio_no_advert === false) { strictErr(at('lower_prio_no_advert'), 'lower_prio_no_advert cannot be cleared in strict mode'); }
    lowerPrioNoAdvert = true;
    if (higherPrioSendAdvert) { strictErr(at('higher_prio_send_advert'), 'higher_prio_send_advert cannot be set in strict mode - cleared'); higherPrioSendAdvert = false; }
    if (d.vmac_xmit_base) strictErr(at('vmac_xmit_base'), 'vmac_xmit_base cannot be used in strict mode');
    // Strict mode sends no extra GARPs on lower-priority adverts (include/vrrp.h; measured with -d: delay 0, repeat 0).
    garpLowerPrioRepeat = 0;
    garpLowerPrioDelay = 0;
  }

  const out: { -readonly [K in keyof VrrpInstance]: VrrpInstance[K] } = {
    name: d.name,
    state,
    dont_track_primary: d.dont_track_primary ?? false,
    track_interface: d.track_interface ?? [],
    track_script: d.track_script ?? [],
    track_file: d.track_file ?? [],
    track_process: d.track_process ?? [],
    unicast_peer: peers,
    virtual_router_id: d.virtual_router_id,
    version,
    family,
    priority,
    advert_int: advertInt,
    virtual_ipaddress: vips,
    virtual_ipaddress_excluded: d.virtual_ipaddress_excluded ?? [],
    v3_checksum_as_v2: d.v3_checksum_as_v2 ?? g.v3_checksum_as_v2,
    virtual_routes: d.virtual_routes ?? [],
    virtual_rules: d.virtual_rules ?? [],
    accept,
    skip_check_adv_addr: d.skip_check_adv_addr ?? g.vrrp_skip_check_adv_addr ?? false,
    strict_mode: strict,
    nopreempt,
    preempt_delay: preemptDelay,
    garp_master_delay: d.garp_master_delay ?? g.vrrp_garp_master_delay,
    garp_master_refresh: d.garp_master_refresh ?? g.vrrp_garp_master_refresh,
    garp_master_repeat: d.garp_master_repeat ?? g.vrrp_garp_master_repeat,
    garp_master_refresh_repeat: d.garp_master_refresh_repeat ?? g.vrrp_garp_master_refresh_repeat,
    garp_lower_prio_delay: garpLowerPrioDelay,
    garp_lower_prio_repeat: garpLowerPrioRepeat,
    down_timer_adverts: d.down_timer_adverts ?? g.vrrp_down_timer_adverts,
    lower_prio_no_advert: lowerPrioNoAdvert,
    higher_prio_send_advert: higherPrioSendAdvert,
    origin: { file: headPos.file, line: headPos.line },
  };
  for (const r of out.virtual_routes) {
    if (r.dev === undefined && !r.no_track) {
      // keepalived 2.2.7: "Warning - cannot track route default with no interface specified,
      // not tracking" (reported as a config error, exit 5).
      ctx.warn('value-fixed', { file: r.origin.file, line: r.origin.line, col: 1 },
        `${n} cannot track route ${r.to} with no interface specified - not tracking`, 'add dev <interface>, or no_track');
    }
  }
  // Unicast mode is set by the unicast_peer keyword, even with an empty (or @-filtered) block.
  const unicast = peers.length > 0 || d.seen.has('unicast_peer');
  if (!unicast) {
    // keepalived 2.2.7 (measured): unicast_src_ip / check_unicast_src / old_unicast_checksum
    // without unicast_peer: "A unicast keyword has been specified without any unicast peers.
    // Defaulting to multicast."; unicast_ttl: "Cannot use unicast_ttl without unicast peers".
    for (const k of ['unicast_src_ip', 'check_unicast_src', 'old_unicast_checksum', 'unicast_ttl'] as const) {
      if (d.seen.has(k) || d[k] !== undefined) {
        ctx.warn('value-fixed', at(k), `${n} '${k}' without unicast_peer - the instance uses multicast`, 'add a unicast_peer block, or remove it');
      }
    }
    delete d.unicast_ttl;
  }
  if (unicast && d.use_vmac !== undefined && !d.vmac_xmit_base) {
    // keepalived: "(VI) unicast with use_vmac requires vmac_xmit_base - setting".
    ctx.warn('value-fixed', at('use_vmac'), `${n} unicast with use_vmac requires vmac_xmit_base - set`);
    d.vmac_xmit_base = true;
  }
  if (d.interface !== undefined && d.track_interface?.some((t) => t.name === d.interface)) {
    // keepalived: "(VI) Ignoring track_interface eth4 since own interface".
    ctx.warn('value-fixed', at('interface'), `${n} track_interface ${d.interface} ignored: it is the instance's own interface (tracked anyway)`);
    out.track_interface = out.track_interface.filter((t) => t.name !== d.interface);
  }
  for (const r of out.virtual_rules) {
    if (r.preference === undefined) {
      // keepalived: "Rule has no preference specified - setting to 16384. This is probably not what you want."
      ctx.warn('value-fixed', { file: r.origin.file, line: r.origin.line, col: 1 }, `${n} rule has no preference - keepalived uses 16384`, 'give the rule a preference');
    }
  }
  const optional = [
    'interface', 'vrf', 'use_vmac', 'use_vmac_addr', 'vmac_xmit_base', 'use_ipvlan', 'mcast_src_ip', 'unicast_src_ip',
    'mcast_dst_ip', 'track_src_ip', 'unicast_fault_no_peer', 'check_unicast_src', 'old_unicast_checksum', 'unicast_ttl',
    'no_virtual_ipaddress', 'promote_secondaries', 'debug', 'notify_backup', 'notify_master', 'notify_fault', 'notify_stop',
    'notify_deleted', 'notify', 'notify_master_rx_lower_pri', 'smtp_alert', 'notify_priority_changes',
    'lvs_sync_daemon_interface', 'timer_expired_backup', 'garp_extra_if', 'owner_ignore_adverts', 'kernel_rx_buf_size',
  ] as const;
  for (const k of optional) if (d[k] !== undefined) (out as Record<string, unknown>)[k] = d[k];
  if (auth) out.authentication = auth;
  if (out.interface === undefined) {
    // keepalived 2.2.7: "(V) Unknown interface!" - a config error, whatever default_interface says.
    ctx.error('missing-interface', headPos, `${n} no interface given`, 'add interface <name>');
  } else if (out.interface === 'lo') {
    // keepalived: "(V) cannot use a loopback interface (lo) for vrrp - ignoring".
    ctx.error('loopback-interface', at('interface'), `${n} cannot use a loopback interface (lo) for VRRP`);
  }
  if (d.timer_expired_backup !== undefined && !nopreempt) {
    ctx.warn('value-fixed', at('timer_expired_backup'), `${n} timer_expired_backup needs nopreempt - ignored`);
    delete out.timer_expired_backup;
  }
  if (vips.length === 0 && !d.no_virtual_ipaddress && !strict) {
    // keepalived 2.2.7: "(VI) No VIP specified; at least one is sensible" (a config error).
    ctx.error('no-vip', headPos, `${n} no virtual_ipaddress specified; at least one is sensible`, "add a virtual_ipaddress block, or 'no_virtual_ipaddress' if intended");
  }
  return out;
}
