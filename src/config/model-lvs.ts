// The LVS side of the model (keepalived/check/check_parser.c and check_*.c). keepalived's
// inheritance is applied: virtual_server values are the defaults of its real servers, and a
// real server's values the defaults of its checkers (retry, delay_before_retry, warmup,
// connect_timeout, delay_loop, alpha...). Durations in seconds.
import type { Origin, ScriptCommand } from './model-common.ts';

export interface VsgAddressRange {
  /** First address of the range (canonical). */
  readonly address: string;
  readonly family: 4 | 6;
  /** Last address when written `a.b.c.d-e` or as a prefix; absent for a single address. */
  readonly range_end?: string;
  readonly port?: number;
  readonly origin: Origin;
}

export interface VirtualServerGroup {
  readonly name: string;
  readonly addresses: readonly VsgAddressRange[];
  readonly fwmarks: readonly { readonly fwmark: number; readonly family?: 4 | 6; readonly origin: Origin }[];
  readonly origin: Origin;
}

export type LbKind = 'NAT' | 'DR' | 'TUN';

export interface LvsMethod {
  readonly lb_kind: LbKind;
  /** TUN only: `type ipip|gue|gre`, `port N` (gue), checksum option. */
  readonly tunnel_type?: 'ipip' | 'gue' | 'gre';
  readonly tunnel_port?: number;
  readonly tunnel_csum?: 'nocsum' | 'csum' | 'remcsum';
}

/** Options every checker shares (install_checker_common_keywords). */
export interface CheckerCommon {
  readonly connect_ip?: string;
  readonly connect_port?: number;
  readonly bindto?: string;
  readonly bind_port?: number;
  readonly bind_if?: string;
  readonly connect_timeout: number;
  readonly fwmark?: number;
  readonly retry: number;
  readonly delay_before_retry: number;
  readonly warmup: number;
  readonly delay_loop: number;
  readonly alpha: boolean;
  readonly log_all_failures: boolean;
  readonly origin: Origin;
}

export interface HttpUrl {
  readonly path: string;
  readonly digest?: string;
  /** Accepted status codes as inclusive ranges; default [[200, 299]]. */
  readonly status_code: readonly (readonly [number, number])[];
  readonly virtualhost?: string;
  readonly tls_compliant?: boolean;
}

export interface TcpCheck extends CheckerCommon { readonly type: 'TCP_CHECK' }
export interface PingCheck extends CheckerCommon { readonly type: 'PING_CHECK' }
export interface HttpCheck extends CheckerCommon {
  readonly type: 'HTTP_GET' | 'SSL_GET';
  readonly virtualhost?: string;
  readonly http_protocol?: '1.0' | '1.0C' | '1.1';
  readonly enable_sni?: boolean;
  readonly sni_name?: string;
  readonly fast_recovery?: boolean;
  readonly tls_compliant?: boolean;
  readonly url: readonly HttpUrl[];
}
export interface SmtpCheck extends CheckerCommon { readonly type: 'SMTP_CHECK'; readonly helo_name?: string }
export interface DnsCheck extends CheckerCommon {
  readonly type: 'DNS_CHECK';
  readonly dns_type: 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA';
  readonly name: string;
}
export interface UdpCheck extends CheckerCommon {
  readonly type: 'UDP_CHECK';
  /** Hex bytes as written (lowercase, no separators). */
  readonly payload?: string;
  /** Hex with X wildcards (lowercase x). */
  readonly require_reply?: string;
  readonly min_reply_length?: number;
  readonly max_reply_length: number;
}
export interface MiscCheck extends Omit<CheckerCommon, 'connect_ip' | 'connect_port' | 'bindto' | 'bind_port' | 'bind_if' | 'fwmark'> {
  readonly type: 'MISC_CHECK';
  readonly misc_path?: ScriptCommand;
  /** Seconds; default = delay_loop. */
  readonly misc_timeout?: number;
  readonly misc_dynamic: boolean;
  readonly user?: { readonly user: string; readonly group?: string };
}
export interface FileCheck {
  readonly type: 'FILE_CHECK';
  readonly track_file?: string;
  readonly weight: number;
  readonly weight_reverse: boolean;
  readonly origin: Origin;
}

export type Checker = TcpCheck | PingCheck | HttpCheck | SmtpCheck | DnsCheck | UdpCheck | MiscCheck | FileCheck;

export interface RealServer {
  readonly ip: string;
  readonly family: 4 | 6;
  readonly port?: number;
  /** Default 1; 0 allowed (keepalived >= 2.2.0). */
  readonly weight: number;
  readonly lvs_method?: LvsMethod;
  readonly uthreshold?: number;
  readonly lthreshold?: number;
  readonly inhibit_on_failure: boolean;
  readonly notify_up?: ScriptCommand;
  readonly notify_down?: ScriptCommand;
  readonly alpha: boolean;
  readonly retry?: number;
  readonly delay_before_retry?: number;
  readonly warmup?: number;
  readonly connect_timeout: number;
  readonly delay_loop: number;
  readonly smtp_alert?: boolean;
  readonly virtualhost?: string;
  readonly checkers: readonly Checker[];
  readonly origin: Origin;
}

export interface SorryServer {
  readonly ip: string;
  readonly port?: number;
}

export interface VirtualServer {
  /** Exactly one of ip(+port), fwmark, group identifies the service. */
  readonly ip?: string;
  readonly port?: number;
  readonly fwmark?: number;
  readonly group?: string;
  readonly family: 4 | 6;
  readonly ip_family?: 4 | 6;
  /** keepalived 2.2.7 defaults a missing protocol to UDP (with a config error). */
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  /** Scheduler (lvs_sched / lb_algo); default wlc. */
  readonly lb_algo: string;
  readonly lvs_method: LvsMethod;
  /** Scheduler flags: flag-1..3, sh-port, sh-fallback, mh-port, mh-fallback. */
  readonly sched_flags: readonly string[];
  readonly ops: boolean;
  readonly hashed: boolean;
  readonly persistence_engine?: string;
  /** Seconds; 360 when the keyword is given without value. */
  readonly persistence_timeout?: number;
  readonly persistence_granularity?: string;
  readonly ha_suspend: boolean;
  readonly smtp_alert?: boolean;
  readonly virtualhost?: string;
  readonly alpha: boolean;
  readonly omega: boolean;
  readonly quorum_up?: ScriptCommand;
  readonly quorum_down?: ScriptCommand;
  readonly quorum: number;
  readonly hysteresis: number;
  readonly weight?: number;
  readonly sorry_server?: SorryServer;
  readonly sorry_server_inhibit: boolean;
  readonly sorry_server_lvs_method?: LvsMethod;
  readonly inhibit_on_failure: boolean;
  readonly retry?: number;
  readonly delay_before_retry?: number;
  readonly warmup?: number;
  readonly connect_timeout: number;
  readonly delay_loop: number;
  readonly real_servers: readonly RealServer[];
  readonly origin: Origin;
}

export interface SslConfig {
  readonly password?: string;
  readonly ca?: string;
  readonly certificate?: string;
  readonly key?: string;
}
