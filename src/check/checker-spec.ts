// The checker core's input and output types: what the integrator hands the scheduler (one
// RealServerSpec per real server, one CheckerSpec per checker block), what the scheduler asks a
// ProbeRunner to do (ProbeSpec), what comes back (ProbeOutcome), and the actions it queues.
//
// These are our own documented types, not the config model: src/config's parsed real_server /
// *_CHECK blocks are mapped onto them with keepalived's inheritance already applied
// (virtual_server values are defaults for real_server, real_server values defaults for checkers;
// check_data.c/check_parser.c: retry dflt 1 (DNS 3, MISC 0), delay_before_retry dflt 1 s
// (HTTP/SSL 3 s, DNS = delay_loop), warmup dflt = delay_loop, connect_timeout dflt 5 s,
// delay_loop dflt 60 s). Times are microseconds (src/base/time.ts).

import type { DurationUs } from '../base/time.ts';

/** Stable id of one checker (e.g. "vs1/rs2/HTTP_GET#0"); the integrator chooses it. */
export type CheckerId = string;
/** Stable key of one real server (e.g. "10.0.0.1:80 -> 192.168.1.2:80"). */
export type RealServerKey = string;
/** Key of one virtual server, for quorum. */
export type VirtualServerKey = string;
/** A probe in flight: "<checkerId>@<sequence>" so a late completion of a cancelled probe is ignored. */
export type ProbeId = string;

/** A script to run (notify_up/down, quorum_up/down), already split as keepalived splits it. */
export interface ScriptSpec {
  readonly argv: readonly string[];
  readonly user?: string;
  readonly group?: string;
}

/** Where and how a connection-based probe connects (keepalived's conn_opts_t). */
export interface ConnectSpec {
  /** connect_ip, else the real server's address (text, "192.0.2.1" or "2001:db8::1"). */
  readonly host: string;
  /** connect_port, else the real server's port. */
  readonly port: number;
  readonly bindTo?: string;
  readonly bindPort?: number;
  /** bind_if: only meaningful for IPv6 link-local (sent as the scope id). */
  readonly bindIf?: string;
  readonly fwmark?: number;
  /** connect_timeout: bounds the whole probe, as keepalived's connection_to does. */
  readonly timeoutUs: DurationUs;
}

export interface HttpUrlSpec {
  readonly path: string;
  /** genhash MD5 of the body, 32 hex digits; compared case-insensitively. */
  readonly digest?: string;
  /** status_code entries as parsed ranges; empty/absent = 200-299 (check_http.c). */
  readonly statusRanges?: readonly (readonly [number, number])[];
  /** url virtualhost, else checker, else real server, else virtual server virtualhost. */
  readonly virtualhost?: string;
  /** regex (JavaScript RegExp source; keepalived uses PCRE2: most patterns mean the same). */
  readonly regex?: string;
  readonly regexNoMatch?: boolean;
  readonly regexFlags?: string;
  readonly regexMinOffset?: number;
  readonly regexMaxOffset?: number;
}

export interface TlsSpec {
  /** Verify the server certificate against `caPem` (or the system store). keepalived: off. */
  readonly verify: boolean;
  readonly caPem?: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  /** The same as files (the root `SSL { ca certificate key }` block); read once per target by the probe. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly keyPassword?: string;
  /** enable_sni / sni_name: the SNI to send; absent = none (keepalived sends none by default). */
  readonly servername?: string;
}

export type HttpProtocol = '1.0' | '1.0C' | '1.1';

/** One probe's work, as data. HTTP/SSL probes check ONE url; the scheduler walks the list. */
export type ProbeSpec =
  | { readonly kind: 'tcp'; readonly connect: ConnectSpec }
  | {
      readonly kind: 'http';
      readonly connect: ConnectSpec;
      readonly url: HttpUrlSpec;
      readonly protocol: HttpProtocol;
      /** Present for SSL_GET. */
      readonly tls?: TlsSpec;
    }
  | { readonly kind: 'smtp'; readonly connect: ConnectSpec; readonly heloName: string }
  | {
      readonly kind: 'dns';
      readonly connect: ConnectSpec;
      readonly qtype: string;
      readonly qname: string;
      /** Query id (keepalived: random()); chosen by the scheduler from its Prng. */
      readonly queryId: number;
    }
  | {
      readonly kind: 'udp';
      readonly connect: ConnectSpec;
      /** Bytes to send (payload HEX_STR); absent = random payload (keepalived). */
      readonly payload?: Uint8Array;
      readonly requireReply: boolean;
      /** require_reply HEX_STR with X nibble wildcards, parsed by parseHexPattern. */
      readonly replyPattern?: { readonly bytes: Uint8Array; readonly mask: Uint8Array };
      readonly minReplyLength: number;
      readonly maxReplyLength: number;
    }
  | { readonly kind: 'ping'; readonly connect: ConnectSpec }
  | {
      readonly kind: 'misc';
      readonly script: ScriptSpec;
      /** misc_timeout, else delay_loop (check_misc.c). */
      readonly timeoutUs: DurationUs;
    }
  | { readonly kind: 'file'; readonly path: string };

export type ProbeKind = ProbeSpec['kind'];

/**
 * What a probe reports. Connection probes decide success with the pure verdicts of src/check
 * (http-verdict, smtp-dialogue, dns-message, udp-verdict) and report ok/failed; MISC reports the
 * exit (the core applies misc_dynamic); FILE reports the number read (the core applies weight).
 */
export type ProbeOutcome =
  | { readonly kind: 'ok'; readonly detail?: string }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'timeout'; readonly reason?: string }
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal?: string | null }
  /** FILE_CHECK: the value read (strtol semantics), or undefined when it is to be ignored. */
  | { readonly kind: 'file'; readonly value: number | undefined };

/** The ProbeRunner port (DESIGN section 4): src/os/probes implements it, src/sim fakes it. */
export interface ProbeRunner {
  start(id: ProbeId, spec: ProbeSpec, done: (outcome: ProbeOutcome) => void): void;
  cancel(id: ProbeId): void;
}

/** The checker block kinds keepalived knows; BFD is accepted and reported unsupported. */
export type CheckerType =
  | 'TCP_CHECK' | 'HTTP_GET' | 'SSL_GET' | 'SMTP_CHECK' | 'DNS_CHECK' | 'UDP_CHECK'
  | 'PING_CHECK' | 'MISC_CHECK' | 'FILE_CHECK' | 'BFD_CHECK';

interface CheckerCommon {
  readonly id: CheckerId;
  readonly realServer: RealServerKey;
  /** Checker alpha, else the real server's (check_data.c: `if (checker->alpha == -1) alpha = rs->alpha`). */
  readonly alpha?: boolean;
}

/** Timing shared by every launched checker (all but FILE/BFD). */
export interface CheckerTiming {
  readonly delayLoopUs: DurationUs;
  /** retry (nb_get_retry is an alias): extra attempts after a failure before going down. */
  readonly retry: number;
  readonly delayBeforeRetryUs: DurationUs;
  /** Random initial delay is uniform in [0, warmupUs]; 0 disables (check_api.c register_checkers_thread). */
  readonly warmupUs: DurationUs;
}

export type CheckerSpec =
  | (CheckerCommon & CheckerTiming & {
      readonly type: 'TCP_CHECK' | 'SMTP_CHECK' | 'PING_CHECK' | 'UDP_CHECK';
      readonly probe: ProbeSpec;
    })
  | (CheckerCommon & CheckerTiming & {
      readonly type: 'DNS_CHECK';
      /** queryId is filled per probe by the scheduler. */
      readonly probe: Extract<ProbeSpec, { kind: 'dns' }>;
    })
  | (CheckerCommon & CheckerTiming & {
      readonly type: 'HTTP_GET' | 'SSL_GET';
      /** One probe spec per url block, in config order. */
      readonly urls: readonly Extract<ProbeSpec, { kind: 'http' }>[];
      /** fast_recovery: no delay_loop between urls while down. */
      readonly fastRecovery: boolean;
    })
  | (CheckerCommon & CheckerTiming & {
      readonly type: 'MISC_CHECK';
      readonly probe: Extract<ProbeSpec, { kind: 'misc' }>;
      readonly miscDynamic: boolean;
    })
  | (CheckerCommon & {
      readonly type: 'FILE_CHECK';
      readonly probe: Extract<ProbeSpec, { kind: 'file' }>;
      /** FILE_CHECK weight (else track_file's weight, else 1); 0 = value is a pass/fail flag. */
      readonly weight: number;
      readonly reverse: boolean;
      /** keepalived watches with inotify; we poll at this interval. */
      readonly pollIntervalUs: DurationUs;
    })
  | (CheckerCommon & { readonly type: 'BFD_CHECK'; readonly bfdName: string });

export interface RealServerSpec {
  readonly key: RealServerKey;
  readonly virtualServer: VirtualServerKey;
  /** Configured weight (iweight). */
  readonly weight: number;
  readonly alpha: boolean;
  readonly notifyUp?: ScriptSpec;
  readonly notifyDown?: ScriptSpec;
}

export interface VirtualServerSpec {
  readonly key: VirtualServerKey;
  /** quorum (dflt 1) and hysteresis (dflt 0), ipwrapper.c update_quorum_state. */
  readonly quorum: number;
  readonly hysteresis: number;
  readonly quorumUp?: ScriptSpec;
  readonly quorumDown?: ScriptSpec;
  /** omega: run down notifiers on shutdown. */
  readonly omega: boolean;
}

export type CheckAction =
  | { readonly type: 'StartProbe'; readonly id: ProbeId; readonly checker: CheckerId; readonly spec: ProbeSpec }
  | { readonly type: 'CancelProbe'; readonly id: ProbeId }
  | { readonly type: 'HealthChanged'; readonly realServer: RealServerKey; readonly up: boolean; readonly reason: string }
  | { readonly type: 'WeightChanged'; readonly realServer: RealServerKey; readonly weight: number; readonly reason: string }
  | { readonly type: 'QuorumChanged'; readonly virtualServer: VirtualServerKey; readonly up: boolean; readonly weightSum: number }
  | {
      readonly type: 'Notify';
      readonly script: ScriptSpec;
      readonly event: 'rs_up' | 'rs_down' | 'quorum_up' | 'quorum_down';
      readonly subject: string;
    }
  | { readonly type: 'Unsupported'; readonly checker: CheckerId; readonly reason: string };
