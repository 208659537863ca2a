// DNS_CHECK and UDP_CHECK on Linux: a connected UDP socket (node:dgram), so that an ICMP error
// for our datagram comes back as a socket error (ECONNREFUSED for port unreachable), as with
// keepalived's connected sockets (check_dns.c, check_udp.c). The verdicts are pure:
// src/check/dns-message.ts and src/check/udp-verdict.ts.

import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { ConnectSpec, ProbeOutcome, ProbeSpec } from '../../check/checker-spec.ts';
import { buildDnsQuery, dnsReplyVerdict } from '../../check/dns-message.ts';
import { udpNoReplyVerdict, udpReplyVerdict } from '../../check/udp-verdict.ts';
import { type Cancel, type ProbeImpl, dialHost, errorReason, msFromUs } from './probe-impl.ts';

export type DnsSpec = Extract<ProbeSpec, { kind: 'dns' }>;
export type UdpSpec = Extract<ProbeSpec, { kind: 'udp' }>;

interface Exchange {
  readonly payload: Uint8Array;
  /** undefined = not for us, keep waiting; else the outcome. */
  onReply(bytes: Uint8Array): ProbeOutcome | undefined;
  onTimeout(): ProbeOutcome;
}

function udpExchange(c: ConnectSpec, ex: Exchange, done: (o: ProbeOutcome) => void): Cancel {
  const family = c.host.includes(':') ? 'udp6' : 'udp4';
  const socket = dgram.createSocket({ type: family });
  let finished = false;
  const finish = (o: ProbeOutcome) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    try { socket.close(); } catch { /* already closed */ }
    done(o);
  };
  const timer = setTimeout(() => finish(ex.onTimeout()), msFromUs(c.timeoutUs));
  socket.on('error', (e) => finish({ kind: 'failed', reason: `UDP error: ${errorReason(e)}` }));
  socket.on('message', (msg) => {
    const o = ex.onReply(msg);
    if (o) finish(o);
  });
  const connect = () => {
    socket.connect(c.port, dialHost(c.host, c.bindIf), () => {
      if (finished) return;
      socket.send(ex.payload, (err) => {
        if (err) finish({ kind: 'failed', reason: `UDP send failed: ${errorReason(err)}` });
      });
    });
  };
  if (c.bindTo !== undefined || c.bindPort !== undefined) {
    socket.bind({ ...(c.bindTo !== undefined ? { address: c.bindTo } : {}), port: c.bindPort ?? 0 }, connect);
  } else {
    connect();
  }
  return () => {
    finished = true;
    clearTimeout(timer);
    try { socket.close(); } catch { /* already closed */ }
  };
}

export const dnsProbe: ProbeImpl<DnsSpec> = (spec, done) => {
  const query = buildDnsQuery(spec.queryId, spec.qname, spec.qtype);
  if (!query) {
    done({ kind: 'failed', reason: `DNS_CHECK: cannot build a query for ${spec.qname} ${spec.qtype}` });
    return () => undefined;
  }
  return udpExchange(spec.connect, {
    payload: query,
    onReply: (bytes) => {
      const v = dnsReplyVerdict(bytes, spec.queryId, spec.qname, spec.qtype);
      if (v.kind === 'ignore') return undefined;
      return v.kind === 'ok' ? { kind: 'ok', detail: `DNS ${v.detail}` } : { kind: 'failed', reason: `DNS ${v.reason}` };
    },
    onTimeout: () => ({ kind: 'timeout', reason: 'DNS read timeout' }),
  }, done);
};

export const udpProbe: ProbeImpl<UdpSpec> = (spec, done) => {
  const rules = spec;
  return udpExchange(spec.connect, {
    // keepalived sends random bytes when no payload is configured.
    payload: spec.payload ?? randomBytes(16),
    onReply: (bytes) => {
      const v = udpReplyVerdict(rules, bytes);
      return v.ok ? { kind: 'ok', detail: `UDP ${v.detail}` } : { kind: 'failed', reason: `UDP ${v.reason}` };
    },
    onTimeout: () => {
      const v = udpNoReplyVerdict(rules);
      return v.ok ? { kind: 'ok', detail: `UDP ${v.detail}` } : { kind: 'timeout', reason: `UDP ${v.reason}` };
    },
  }, done);
};
