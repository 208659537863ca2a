// From the parsed config model (src/config, inheritance already applied) to the scheduler's
// input types. Pure; never throws: a checker that cannot run is left out with a diagnostic.
//
// Keys: a virtual server is "TCP 10.0.0.1:80", "fwmark 5" or "group NAME"; a real server is
// "<vs key> -> 192.168.1.2:80"; a checker is "<rs key> HTTP_GET#0" (its index among the real
// server's checkers). The IPVS side uses realServerKey() to find the same real server.
// Defaults not in the model: connect port = connect_port, else the real server's port, else the
// protocol's (HTTP 80, SSL 443, SMTP 25, DNS 53; keepalived check_*.c); SMTP helo_name
// "smtpchecker.keepalived.org" (check_smtp.h SMTP_DEFAULT_HELO); SSL_GET never verifies the
// server certificate (keepalived does not), SNI only with enable_sni (sni_name, else the
// virtualhost); FILE_CHECK weight: the checker's if non-zero, else the track_file's.

import { secondsToUs, US_PER_S } from '../base/time.ts';
import type { KeepalivedConfig, RealServer, ScriptCommand, VirtualServer, Checker } from '../config/model.ts';
import type {
  CheckerSpec, CheckerTiming, ConnectSpec, HttpProtocol, ProbeSpec, RealServerSpec, ScriptSpec, TlsSpec, VirtualServerSpec,
} from './checker-spec.ts';
import type { SchedulerInput } from './checker-scheduler.ts';
import { parseHexPattern } from './udp-verdict.ts';

export const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';
export const FILE_POLL_INTERVAL_US = US_PER_S;

export interface MappingDiagnostic {
  readonly checker: string;
  readonly message: string;
}

export interface MappedInput {
  readonly input: SchedulerInput;
  readonly diagnostics: readonly MappingDiagnostic[];
}

const hostPort = (ip: string, port: number | undefined) =>
  port === undefined ? ip : `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;

export function virtualServerKey(vs: VirtualServer): string {
  if (vs.fwmark !== undefined) return `fwmark ${vs.fwmark}`;
  if (vs.group !== undefined) return `group ${vs.group}`;
  return `${vs.protocol} ${hostPort(vs.ip ?? '?', vs.port)}`;
}

export function realServerKey(vs: VirtualServer, rs: RealServer): string {
  return `${virtualServerKey(vs)} -> ${hostPort(rs.ip, rs.port)}`;
}

function script(cmd: ScriptCommand | undefined): ScriptSpec | undefined {
  if (!cmd) return undefined;
  return { argv: cmd.argv, ...(cmd.user !== undefined ? { user: cmd.user } : {}), ...(cmd.group !== undefined ? { group: cmd.group } : {}) };
}

const DEFAULT_PORTS: Partial<Record<Checker['type'], number>> = { HTTP_GET: 80, SSL_GET: 443, SMTP_CHECK: 25, DNS_CHECK: 53 };

export function schedulerInputFromConfig(config: KeepalivedConfig): MappedInput {
  const diagnostics: MappingDiagnostic[] = [];
  const virtualServers: VirtualServerSpec[] = [];
  const realServers: RealServerSpec[] = [];
  const checkers: CheckerSpec[] = [];
  for (const vs of config.virtual_servers) {
    const vsKey = virtualServerKey(vs);
    virtualServers.push({
      key: vsKey, quorum: vs.quorum, hysteresis: vs.hysteresis, omega: vs.omega,
      ...optional('quorumUp', script(vs.quorum_up)), ...optional('quorumDown', script(vs.quorum_down)),
    });
    for (const rs of vs.real_servers) {
      const rsKey = realServerKey(vs, rs);
      realServers.push({
        key: rsKey, virtualServer: vsKey, weight: rs.weight, alpha: rs.alpha,
        ...optional('notifyUp', script(rs.notify_up)), ...optional('notifyDown', script(rs.notify_down)),
      });
      rs.checkers.forEach((c, i) => {
        const id = `${rsKey} ${c.type}#${i}`;
        const spec = checkerSpec(config, vs, rs, c, id, rsKey, (message) => diagnostics.push({ checker: id, message }));
        if (spec) checkers.push(spec);
      });
    }
  }
  return { input: { virtualServers, realServers, checkers }, diagnostics };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function checkerSpec(
  config: KeepalivedConfig, vs: VirtualServer, rs: RealServer, c: Checker, id: string, rsKey: string, diag: (m: string) => void,
): CheckerSpec | undefined {
  const base = { id, realServer: rsKey };
  if (c.type === 'FILE_CHECK') {
    const tf = config.track_files.find((t) => t.name === c.track_file);
    if (!tf?.file) {
      diag(`track_file ${c.track_file ?? '?'} has no file`);
      return undefined;
    }
    const weight = c.weight !== 0 ? c.weight : tf.weight;
    const reverse = c.weight !== 0 ? c.weight_reverse : tf.weight_reverse;
    return { ...base, type: 'FILE_CHECK', weight, reverse, pollIntervalUs: FILE_POLL_INTERVAL_US, probe: { kind: 'file', path: tf.file } };
  }
  const timing: CheckerTiming & { alpha: boolean } = {
    delayLoopUs: secondsToUs(c.delay_loop), retry: c.retry, delayBeforeRetryUs: secondsToUs(c.delay_before_retry),
    warmupUs: secondsToUs(c.warmup), alpha: c.alpha,
  };
  if (c.type === 'MISC_CHECK') {
    const s = script(c.misc_path);
    if (!s) {
      diag('MISC_CHECK without misc_path');
      return undefined;
    }
    const withUser: ScriptSpec = c.user ? { ...s, user: c.user.user, ...optional('group', c.user.group) } : s;
    return {
      ...base, ...timing, type: 'MISC_CHECK', miscDynamic: c.misc_dynamic,
      probe: { kind: 'misc', script: withUser, timeoutUs: secondsToUs(c.misc_timeout ?? c.delay_loop) },
    };
  }
  const port = c.connect_port ?? rs.port ?? DEFAULT_PORTS[c.type];
  if (port === undefined && c.type !== 'PING_CHECK') {
    diag(`${c.type} has no port to connect to (set connect_port)`);
    return undefined;
  }
  const connect: ConnectSpec = {
    host: c.connect_ip ?? rs.ip, port: port ?? 0, timeoutUs: secondsToUs(c.connect_timeout),
    ...optional('bindTo', c.bindto), ...optional('bindPort', c.bind_port), ...optional('bindIf', c.bind_if), ...optional('fwmark', c.fwmark),
  };
  switch (c.type) {
    case 'TCP_CHECK': return { ...base, ...timing, type: 'TCP_CHECK', probe: { kind: 'tcp', connect } };
    case 'PING_CHECK': return { ...base, ...timing, type: 'PING_CHECK', probe: { kind: 'ping', connect } };
    case 'SMTP_CHECK':
      return { ...base, ...timing, type: 'SMTP_CHECK', probe: { kind: 'smtp', connect, heloName: c.helo_name ?? SMTP_DEFAULT_HELO } };
    case 'DNS_CHECK':
      return { ...base, ...timing, type: 'DNS_CHECK', probe: { kind: 'dns', connect, qtype: c.dns_type, qname: c.name, queryId: 0 } };
    case 'UDP_CHECK': {
      const payload = c.payload !== undefined ? parseHexPattern(c.payload, false)?.bytes : undefined;
      const pattern = c.require_reply ? parseHexPattern(c.require_reply, true) : undefined;
      const probe: ProbeSpec = {
        kind: 'udp', connect, requireReply: c.require_reply !== undefined,
        minReplyLength: c.min_reply_length ?? 0, maxReplyLength: c.max_reply_length,
        ...optional('payload', payload), ...optional('replyPattern', pattern),
      };
      return { ...base, ...timing, type: 'UDP_CHECK', probe };
    }
    case 'HTTP_GET':
    case 'SSL_GET': {
      const vhost = c.virtualhost ?? rs.virtualhost ?? vs.virtualhost;
      let tls: TlsSpec | undefined;
      if (c.type === 'SSL_GET') {
        const ssl = config.ssl;
        const sni = c.enable_sni ? (c.sni_name ?? vhost) : undefined;
        tls = {
          verify: false,
          ...optional('servername', sni), ...optional('caFile', ssl?.ca), ...optional('certFile', ssl?.certificate),
          ...optional('keyFile', ssl?.key), ...optional('keyPassword', ssl?.password),
        };
      }
      const protocol: HttpProtocol = c.http_protocol ?? '1.0';
      const urls = c.url.map((u) => ({
        kind: 'http' as const, connect, protocol, ...optional('tls', tls),
        url: {
          path: u.path, statusRanges: u.status_code,
          ...optional('digest', u.digest), ...optional('virtualhost', u.virtualhost ?? vhost),
        },
      }));
      return { ...base, ...timing, type: c.type, fastRecovery: c.fast_recovery ?? false, urls };
    }
  }
}
