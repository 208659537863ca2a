// TCP_CHECK on Linux (keepalived check_tcp.c): a non-blocking connect from bindto:bind_port to
// connect_ip:connect_port; success when the handshake completes (the socket is closed at once),
// failure on an error (RST -> ECONNREFUSED, ICMP unreachable), timeout after connect_timeout.
// fwmark (SO_MARK) cannot be set on a Node net.Socket; it is ignored here (see the runner notes).
// With a fixed bind_port the connection is closed with a RST (SO_LINGER 0, as keepalived before
// 2.1 did for every check): a FIN close would leave the same 4-tuple in TIME_WAIT on our side
// and the next probe from that port would fail with EADDRNOTAVAIL for a minute.

import net from 'node:net';
import type { ProbeSpec } from '../../check/checker-spec.ts';
import { type Cancel, type ProbeImpl, dialHost, errorReason, msFromUs } from './probe-impl.ts';

export type TcpSpec = Extract<ProbeSpec, { kind: 'tcp' }>;

export const tcpProbe: ProbeImpl<TcpSpec> = (spec, done): Cancel => {
  const c = spec.connect;
  let finished = false;
  const socket = net.connect({
    host: dialHost(c.host, c.bindIf),
    port: c.port,
    ...(c.bindTo !== undefined ? { localAddress: c.bindTo } : {}),
    ...(c.bindPort !== undefined ? { localPort: c.bindPort } : {}),
    // keepalived never resolves names and never tries several addresses.
    autoSelectFamily: false,
  });
  const close = () => (c.bindPort !== undefined && socket.readyState === 'open' ? socket.resetAndDestroy() : socket.destroy());
  const finish = (outcome: Parameters<typeof done>[0]) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    close();
    done(outcome);
  };
  const timer = setTimeout(() => finish({ kind: 'timeout', reason: `TCP connect timeout after ${c.timeoutUs / 1000} ms` }), msFromUs(c.timeoutUs));
  socket.once('connect', () => finish({ kind: 'ok', detail: 'TCP connection established' }));
  socket.once('error', (e) => finish({ kind: 'failed', reason: `TCP connection failed: ${errorReason(e)}` }));
  return () => {
    finished = true;
    clearTimeout(timer);
    socket.destroy();
  };
};
