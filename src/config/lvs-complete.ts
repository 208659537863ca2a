// Final LVS model from the drafts, as keepalived's check_parser.c end handlers and
// check_data.c validate_check_config() do: defaults, inheritance (virtual_server -> real_server
// -> checker: retry dflt 1 (DNS 3, MISC 0), delay_before_retry dflt 1 s (HTTP/SSL 3 s, DNS =
// delay_loop), warmup dflt = delay_loop, connect_timeout dflt 5 s, delay_loop dflt 60 s),
// and consistency checks (families, duplicates, names of groups and track files).
import type { SourcePosition, Statement } from 'keepalived-conf-parser';
import type { CheckerDraft } from './checker-tables.ts';
import type { ConfigContext } from './config-context.ts';
import type { GlobalDefs } from './model-global.ts';
import type { Checker, LvsMethod, RealServer, VirtualServer, VirtualServerGroup, VsgAddressRange } from './model-lvs.ts';
import { parseIp, formatIp } from '../base/ip.ts';
import type { RealServerDraft, VirtualServerDraft } from './virtual-server-table.ts';
import { readIntWord, readPortWord } from './read-value.ts';

const pos = (s: Statement): SourcePosition => s.keyword.pos;

function num(f: Record<string, unknown>, k: string): number | undefined {
  const v = f[k];
  return typeof v === 'number' ? v : undefined;
}
function bool(f: Record<string, unknown>, k: string): boolean | undefined {
  const v = f[k];
  return typeof v === 'boolean' ? v : undefined;
}

export interface LvsNames {
  readonly groups: ReadonlySet<string>;
  /** Groups holding fwmark entries (their real servers' ports are ignored). */
  readonly fwmarkGroups: ReadonlySet<string>;
  readonly trackFiles: ReadonlySet<string>;
}

export function completeVirtualServer(ctx: ConfigContext, d: VirtualServerDraft, g: GlobalDefs, names: LvsNames): VirtualServer | undefined {
  const f = d.f;
  if (d.group !== undefined && !names.groups.has(d.group)) {
    ctx.error('unknown-reference', pos(d.stmt), `virtual_server group '${d.group}' is not a defined virtual_server_group - ignored`);
    return undefined;
  }
  const ipFamily = num(f, 'ip_family') as 4 | 6 | undefined;
  const family: 4 | 6 = d.ip?.family ?? ipFamily ?? d.real_servers.find((r) => r.ip)?.ip?.family ?? 4;
  if (d.ip && ipFamily !== undefined && ipFamily !== d.ip.family) {
    ctx.error('address-family', pos(d.stmt), `ip_family inet${ipFamily === 6 ? '6' : ''} does not match virtual server ${d.ip.address}`);
  }
  // keepalived 2.2.7 (measured with -t) fills these with a config error each: a missing protocol
  // becomes UDP (surprising, hence the hint), scheduler wlc, forwarding method NAT.
  if (f.protocol !== undefined && d.fwmark !== undefined) {
    // keepalived 2.2.7: "Virtual server FWM 7: protocol specified for fwmark - protocol will be ignored".
    ctx.warn('value-fixed', pos(d.stmt), `virtual_server fwmark ${d.fwmark}: protocol is ignored for a fwmark service`, 'remove protocol');
  }
  if (f.protocol === undefined && d.fwmark === undefined) {
    ctx.warn('value-fixed', pos(d.stmt), 'virtual_server: no protocol set - keepalived defaults to UDP', 'set protocol TCP (or UDP / SCTP) explicitly');
  }
  if (f.lb_algo === undefined) ctx.warn('value-fixed', pos(d.stmt), "virtual_server: no scheduler set - using 'wlc'", 'set lb_algo');
  if (f.lvs_method === undefined) ctx.warn('value-fixed', pos(d.stmt), 'virtual_server: no forwarding method set - using NAT', 'set lb_kind NAT|DR|TUN');
  const delayLoop = num(f, 'delay_loop') ?? 60;
  const connectTimeout = num(f, 'connect_timeout') ?? 5;
  const vs: { -readonly [K in keyof VirtualServer]: VirtualServer[K] } = {
    family,
    protocol: (f.protocol as VirtualServer['protocol'] | undefined) ?? (d.fwmark === undefined ? 'UDP' : 'TCP'),
    lb_algo: (f.lb_algo as string | undefined) ?? 'wlc',
    lvs_method: (f.lvs_method as LvsMethod | undefined) ?? { lb_kind: 'NAT' },
    sched_flags: (f.sched_flags as string[] | undefined) ?? [],
    ops: bool(f, 'ops') ?? false,
    hashed: bool(f, 'hashed') ?? false,
    ha_suspend: bool(f, 'ha_suspend') ?? false,
    alpha: bool(f, 'alpha') ?? false,
    omega: bool(f, 'omega') ?? false,
    quorum: num(f, 'quorum') ?? 1,
    hysteresis: num(f, 'hysteresis') ?? 0,
    sorry_server_inhibit: bool(f, 'sorry_server_inhibit') ?? false,
    inhibit_on_failure: bool(f, 'inhibit_on_failure') ?? false,
    connect_timeout: connectTimeout,
    delay_loop: delayLoop,
    real_servers: [],
    origin: { file: d.stmt.pos.file, line: d.stmt.pos.line },
  };
  if (d.ip) vs.ip = d.ip.address;
  if (d.port !== undefined) vs.port = d.port;
  if (d.fwmark !== undefined) vs.fwmark = d.fwmark;
  if (d.group !== undefined) vs.group = d.group;
  if (ipFamily !== undefined) vs.ip_family = ipFamily;
  for (const k of ['persistence_engine', 'persistence_timeout', 'persistence_granularity', 'smtp_alert', 'virtualhost',
    'quorum_up', 'quorum_down', 'weight', 'sorry_server', 'sorry_server_lvs_method', 'retry', 'delay_before_retry', 'warmup'] as const) {
    if (f[k] !== undefined) (vs as Record<string, unknown>)[k] = f[k];
  }
  if (vs.sorry_server && familyOf(vs.sorry_server.ip) !== family) {
    ctx.error('address-family', pos(d.stmt), `sorry_server ${vs.sorry_server.ip} is not IPv${family} like the virtual server`);
  }
  if (vs.persistence_engine !== undefined && vs.persistence_engine !== 'sip') {
    ctx.warn('invalid-value', pos(d.stmt), `persistence_engine '${vs.persistence_engine}' is not one the kernel provides (sip)`);
  }
  // keepalived: "WARNING - fwmark virtual server FWM 7, real server [..]:80 has port specified -
  // clearing" (a config error, measured for DR/TUN, not NAT): DR and TUN cannot change the
  // destination port, so a fwmark service forwards to whatever port the packet had.
  const byFwmark = d.fwmark !== undefined || (d.group !== undefined && names.fwmarkGroups.has(d.group));
  const seen = new Set<string>();
  const rss: RealServer[] = [];
  for (const rd of d.real_servers) {
    const method = (rd.f.lvs_method as LvsMethod | undefined) ?? vs.lvs_method;
    if (byFwmark && method.lb_kind !== 'NAT' && rd.port !== undefined && rd.port !== 0) {
      ctx.warn('value-fixed', pos(rd.stmt), `fwmark virtual server: real_server ${rd.ip?.address ?? ''} has port ${rd.port} specified - ignored`, 'drop the port: fwmark services keep the packet\'s port');
      delete rd.port;
    }
    const rs = completeRealServer(ctx, rd, vs, g, names);
    if (!rs) continue;
    if (rs.family !== family) {
      // IPVS forwards within one family, except tunnelling (kernel >= 5.3 for mixed TUN).
      if (vs.lvs_method.lb_kind !== 'TUN') {
        ctx.error('address-family', pos(rd.stmt), `real_server ${rs.ip} is IPv${rs.family} but the virtual server is IPv${family} - ignored`);
        continue;
      }
    }
    const m = rs.lvs_method ?? vs.lvs_method;
    if (!byFwmark && m.lb_kind !== 'NAT' && vs.port !== undefined && rs.port !== undefined && rs.port !== vs.port) {
      // keepalived: "virtual server [..]:80 and real server [..]:8000 ports don't match - resetting":
      // DR and TUN cannot rewrite the destination port.
      ctx.warn('value-fixed', pos(rd.stmt), `real_server ${rs.ip} port ${rs.port} differs from the virtual server's ${vs.port}: ${m.lb_kind} cannot change ports - using ${vs.port}`);
      (rs as { port?: number }).port = vs.port;
    }
    const key = `${rs.ip}:${rs.port ?? vs.port ?? 0}`;
    if (seen.has(key)) {
      ctx.error('duplicate', pos(rd.stmt), `real_server ${key} is configured twice in this virtual_server - the second is ignored`);
      continue;
    }
    seen.add(key);
    rss.push(rs);
  }
  vs.real_servers = rss;
  if (d.real_servers.length === 0) {
    // keepalived 2.2.7: "Virtual server [..]:tcp:80 has no real servers - ignoring" (config error).
    ctx.error('no-real-server', pos(d.stmt), 'virtual_server has no real_server - ignored', 'add at least one real_server block');
    return undefined;
  }
  // check_data.c: "quorum Q for VS exceeds total weight of real servers W, reducing quorum to W".
  const total = rss.reduce((s, r) => s + r.weight, 0);
  if (rss.length > 0 && vs.quorum > total) {
    ctx.warn('value-fixed', pos(d.stmt), `quorum ${vs.quorum} exceeds the total weight of the real servers (${total}) - reduced to ${total}`);
    vs.quorum = total;
  }
  return vs;
}

const familyOf = (a: string): 4 | 6 => (a.includes(':') ? 6 : 4);

function completeRealServer(ctx: ConfigContext, d: RealServerDraft, vs: VirtualServer, g: GlobalDefs, names: LvsNames): RealServer | undefined {
  if (!d.ip) return undefined;
  const f = d.f;
  const rs: { -readonly [K in keyof RealServer]: RealServer[K] } = {
    ip: d.ip.address,
    family: d.ip.family,
    weight: num(f, 'weight') ?? vs.weight ?? 1,
    inhibit_on_failure: bool(f, 'inhibit_on_failure') ?? vs.inhibit_on_failure,
    alpha: bool(f, 'alpha') ?? vs.alpha,
    connect_timeout: num(f, 'connect_timeout') ?? vs.connect_timeout,
    delay_loop: num(f, 'delay_loop') ?? vs.delay_loop,
    checkers: [],
    origin: { file: d.stmt.pos.file, line: d.stmt.pos.line },
  };
  if (d.port !== undefined) rs.port = d.port;
  else if (vs.port !== undefined) rs.port = vs.port;
  for (const k of ['lvs_method', 'uthreshold', 'lthreshold', 'notify_up', 'notify_down', 'smtp_alert', 'virtualhost'] as const) {
    if (f[k] !== undefined) (rs as Record<string, unknown>)[k] = f[k];
  }
  for (const k of ['retry', 'delay_before_retry', 'warmup'] as const) {
    const v = num(f, k) ?? vs[k];
    if (v !== undefined) rs[k] = v;
  }
  if (rs.uthreshold !== undefined && rs.lthreshold !== undefined && rs.lthreshold > rs.uthreshold) {
    ctx.error('invalid-value', pos(d.stmt), `real_server ${rs.ip}: lthreshold ${rs.lthreshold} is above uthreshold ${rs.uthreshold}`);
  }
  const checkers: Checker[] = [];
  for (const cd of d.checkers) {
    const c = completeChecker(ctx, cd, rs, vs, g, names);
    if (c) checkers.push(c);
  }
  rs.checkers = checkers;
  return rs;
}

function completeChecker(ctx: ConfigContext, d: CheckerDraft, rs: RealServer, vs: VirtualServer, g: GlobalDefs, names: LvsNames): Checker | undefined {
  const f = d.f;
  const origin = { file: d.stmt.pos.file, line: d.stmt.pos.line };
  if (d.type === 'FILE_CHECK') {
    const tf = f.track_file as string | undefined;
    if (tf === undefined) {
      ctx.error('missing-value', pos(d.stmt), 'FILE_CHECK without track_file - ignored');
      return undefined;
    }
    if (!names.trackFiles.has(tf)) {
      ctx.error('unknown-reference', pos(d.stmt), `FILE_CHECK track_file '${tf}' is not a defined track_file - ignored`);
      return undefined;
    }
    return { type: 'FILE_CHECK', track_file: tf, weight: num(f, 'weight') ?? 0, weight_reverse: bool(f, 'weight_reverse') ?? false, origin };
  }
  const delayLoop = num(f, 'delay_loop') ?? rs.delay_loop;
  const dflt = {
    retry: d.type === 'DNS_CHECK' ? 3 : d.type === 'MISC_CHECK' ? 0 : 1,
    delay_before_retry: d.type === 'HTTP_GET' || d.type === 'SSL_GET' ? 3 : d.type === 'DNS_CHECK' ? delayLoop : 1,
  };
  const common = {
    connect_timeout: num(f, 'connect_timeout') ?? rs.connect_timeout,
    retry: num(f, 'retry') ?? rs.retry ?? dflt.retry,
    delay_before_retry: num(f, 'delay_before_retry') ?? rs.delay_before_retry ?? dflt.delay_before_retry,
    warmup: num(f, 'warmup') ?? rs.warmup ?? delayLoop,
    delay_loop: delayLoop,
    alpha: bool(f, 'alpha') ?? rs.alpha,
    log_all_failures: bool(f, 'log_all_failures') ?? g.checker_log_all_failures ?? false,
    origin,
  };
  const conn: Record<string, unknown> = {};
  for (const k of ['connect_ip', 'connect_port', 'bindto', 'bind_port', 'bind_if', 'fwmark'] as const) if (f[k] !== undefined) conn[k] = f[k];
  if (typeof conn.connect_ip === 'string' && typeof conn.bindto === 'string' && familyOf(conn.connect_ip) !== familyOf(conn.bindto)) {
    ctx.error('address-family', pos(d.stmt), `${d.type}: bindto ${conn.bindto} and connect_ip ${conn.connect_ip} are of different families`);
  }
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (!(k in common) && !(k in conn)) rest[k] = v;
  switch (d.type) {
    case 'HTTP_GET':
    case 'SSL_GET': {
      if (!Array.isArray(rest.url) || rest.url.length === 0) {
        ctx.error('missing-value', pos(d.stmt), `${d.type} without url - checker ignored`, 'add url { path / status_code 200 }');
        return undefined;
      }
      return { type: d.type, ...conn, ...common, ...rest, url: rest.url } as Checker;
    }
    case 'MISC_CHECK': {
      if (rest.misc_path === undefined) {
        ctx.error('missing-value', pos(d.stmt), 'MISC_CHECK without misc_path - checker ignored');
        return undefined;
      }
      return { type: 'MISC_CHECK', ...common, misc_dynamic: false, ...rest } as Checker;
    }
    case 'DNS_CHECK':
      return { type: 'DNS_CHECK', ...conn, ...common, dns_type: 'SOA', name: '.', ...rest } as Checker;
    case 'UDP_CHECK':
      return { type: 'UDP_CHECK', ...conn, ...common, max_reply_length: 255, ...rest } as Checker;
    default:
      return { type: d.type, ...conn, ...common, ...rest } as Checker;
  }
  void vs;
}

/** virtual_server_group NAME { IP|IP-LAST|CIDR [PORT] ... ; fwmark N [inet|inet6] } (check_parser.c). */
export function readVirtualServerGroup(ctx: ConfigContext, stmt: Statement): VirtualServerGroup | undefined {
  const name = stmt.args[0];
  if (!name) {
    ctx.error('missing-value', stmt.keyword, 'virtual_server_group needs a name');
    return undefined;
  }
  const addresses: VsgAddressRange[] = [];
  const fwmarks: { fwmark: number; family?: 4 | 6; origin: { file: string; line: number } }[] = [];
  for (const item of stmt.block?.statements ?? []) {
    const words = [item.keyword, ...item.args];
    const origin = { file: item.pos.file, line: item.pos.line };
    const w0 = words[0]!;
    if (w0.text === 'fwmark') {
      const v = words[1];
      if (!v) { ctx.error('missing-value', w0, 'fwmark needs a number'); continue; }
      const n = readIntWord(ctx, v, 1, 2 ** 32 - 1);
      if (n === undefined) continue;
      const fam = words[2]?.text;
      fwmarks.push(fam === 'inet' ? { fwmark: n, family: 4, origin } : fam === 'inet6' ? { fwmark: n, family: 6, origin } : { fwmark: n, origin });
      continue;
    }
    const r = parseRange(w0.text);
    if (!r) {
      ctx.error('invalid-address', w0, `virtual_server_group ${name.text}: invalid address or range '${w0.text}'`, 'expected IP, IP-LASTBYTE, IP-IP or IP/LEN');
      continue;
    }
    const e: { -readonly [K in keyof VsgAddressRange]: VsgAddressRange[K] } = { ...r, origin };
    if (words[1]) {
      const p = readPortWord(ctx, words[1]);
      if (p === undefined) continue;
      e.port = p;
    }
    addresses.push(e);
  }
  return { name: name.text, addresses, fwmarks, origin: { file: stmt.pos.file, line: stmt.pos.line } };
}

function parseRange(text: string): { address: string; family: 4 | 6; range_end?: string } | undefined {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const ip = parseIp(text.slice(0, slash));
    const len = Number(text.slice(slash + 1));
    if (!ip || !/^[0-9]+$/.test(text.slice(slash + 1)) || len > ip.bytes.length * 8) return undefined;
    const first = Uint8Array.from(ip.bytes);
    const last = Uint8Array.from(ip.bytes);
    for (let b = 0; b < first.length * 8; b++) {
      if (b < len) continue;
      const byte = b >> 3;
      const bit = 0x80 >> (b & 7);
      first[byte]! &= ~bit;
      last[byte]! |= bit;
    }
    return { address: formatIp({ family: ip.family, bytes: first }), family: ip.family, range_end: formatIp({ family: ip.family, bytes: last }) };
  }
  const dash = text.indexOf('-');
  if (dash < 0) {
    const ip = parseIp(text);
    return ip ? { address: formatIp(ip), family: ip.family } : undefined;
  }
  const ip = parseIp(text.slice(0, dash));
  if (!ip) return undefined;
  const tail = text.slice(dash + 1);
  const full = parseIp(tail);
  if (full && full.family === ip.family) return { address: formatIp(ip), family: ip.family, range_end: formatIp(full) };
  // `a.b.c.d-e`: the last byte (IPv4) or last 16-bit group (IPv6, hex) ends the range.
  const n = ip.family === 4 ? (/^[0-9]{1,3}$/.test(tail) ? Number(tail) : NaN) : (/^[0-9a-fA-F]{1,4}$/.test(tail) ? parseInt(tail, 16) : NaN);
  const bytes = Uint8Array.from(ip.bytes);
  if (ip.family === 4) {
    if (!(n <= 255) || n < bytes[3]!) return undefined;
    bytes[3] = n;
  } else {
    const cur = (bytes[14]! << 8) | bytes[15]!;
    if (!(n <= 0xffff) || n < cur) return undefined;
    bytes[14] = n >> 8;
    bytes[15] = n & 0xff;
  }
  return { address: formatIp(ip), family: ip.family, range_end: formatIp({ family: ip.family, bytes }) };
}
