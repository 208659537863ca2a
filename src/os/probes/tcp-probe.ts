// TCP_CHECK on Linux (keepalived check_tcp.c): a non-blocking connect from bindto:bind_port to
// connect_ip:connect_port; success when the handshake completes (the socket is closed at once),
// failure on an error (RST -> ECONNREFUSED, ICMP unreachable), timeout after connect_timeout.
// fwmark (SO_MARK) cannot be set on a Node socket; it is ignored here (see the runner notes).
// With a fixed bind_port the connection is closed with a RST (SO_LINGER 0, as keepalived before
// 2.1 did for every check): a FIN close would leave the same 4-tuple in TIME_WAIT on our side
// and the next probe from that port would fail with EADDRNOTAVAIL for a minute.
//
// Why not net.Socket: a probe never reads or writes, yet a net.Socket builds a Duplex stream
// (two stream states, an event emitter, nextTick'd 'connect' and 'close' events) per probe. At
// a daemon's pace (a few probes per loop turn, so V8 never optimises that code) this was most of
// the checker's CPU: 0.8 ms per probe on the host, 4.1 ms in the user-mode IPVS guest against
// keepalived's 0.78 (bench/lvs-check-cost.ts). Here the libuv TCP handle that net.Socket wraps
// (Node's tcp_wrap binding, reached with process.binding, which Node 20 still allows without a
// warning) is used directly: socket, bind, connect, one completion callback, close -- the same
// system calls as before and a fraction of the JavaScript. If the binding is ever missing, or the
// host is not an IP literal, the net.Socket path below is used instead.

import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import type { ProbeSpec } from '../../check/checker-spec.ts';
import { type Cancel, type ProbeImpl, dialHost, errorReason, msFromUs } from './probe-impl.ts';

export type TcpSpec = Extract<ProbeSpec, { kind: 'tcp' }>;

/** The parts of Node's internal TCPWrap this probe uses (src/tcp_wrap.cc). */
interface TcpHandle {
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  /** uv_tcp_close_reset: SO_LINGER 0 and close (a RST instead of a FIN). */
  reset(cb?: () => void): number;
  close(cb?: () => void): void;
}
interface ConnectReq {
  oncomplete: (status: number) => void;
  address: string;
  port: number;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

function loadTcpWrap(): TcpWrapBinding | undefined {
  try {
    const b = (process as unknown as { binding(name: string): Partial<TcpWrapBinding> }).binding('tcp_wrap');
    if (typeof b.TCP !== 'function' || typeof b.TCPConnectWrap !== 'function' || typeof b.constants?.SOCKET !== 'number') return undefined;
    if (typeof b.TCP.prototype.reset !== 'function' || typeof b.TCP.prototype.connect6 !== 'function') return undefined;
    return b as TcpWrapBinding;
  } catch {
    return undefined;
  }
}

let tcpWrap: TcpWrapBinding | undefined | null = null;

/** `ECONNREFUSED: connect ECONNREFUSED 10.0.0.1:80`, as net.Socket's error reads. */
function uvReason(syscall: string, status: number, address: string, port: number): string {
  let name: string;
  try {
    name = getSystemErrorName(status);
  } catch {
    name = `errno ${-status}`;
  }
  return `${name}: ${syscall} ${name} ${address}:${port}`;
}

/** TCP_CHECK over the libuv handle (see the theory above); undefined when it cannot be used. */
function rawTcpProbe(spec: TcpSpec, done: (o: Parameters<Parameters<ProbeImpl<TcpSpec>>[1]>[0]) => void): Cancel | undefined {
  if (tcpWrap === null) tcpWrap = loadTcpWrap();
  const b = tcpWrap;
  if (!b) return undefined;
  const c = spec.connect;
  const host = dialHost(c.host, c.bindIf);
  const family = net.isIP(host);
  if (family === 0) return undefined;
  const handle = new b.TCP(b.constants.SOCKET);
  const fail = (reason: string): Cancel => {
    handle.close();
    done({ kind: 'failed', reason: `TCP connection failed: ${reason}` });
    return () => undefined;
  };
  if (c.bindTo !== undefined || c.bindPort !== undefined) {
    const local = c.bindTo ?? (family === 6 ? '::' : '0.0.0.0');
    const rc = family === 6 ? handle.bind6(local, c.bindPort ?? 0, 0) : handle.bind(local, c.bindPort ?? 0);
    if (rc !== 0) return fail(uvReason('bind', rc, local, c.bindPort ?? 0));
  }
  let finished = false;
  const finish = (outcome: Parameters<typeof done>[0], connected: boolean): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    if (connected && c.bindPort !== undefined) handle.reset();
    else handle.close();
    done(outcome);
  };
  const req = new b.TCPConnectWrap();
  req.address = host;
  req.port = c.port;
  req.oncomplete = (status: number) => {
    if (status === 0) finish({ kind: 'ok', detail: 'TCP connection established' }, true);
    else finish({ kind: 'failed', reason: `TCP connection failed: ${uvReason('connect', status, host, c.port)}` }, false);
  };
  const rc = family === 6 ? handle.connect6(req, host, c.port) : handle.connect(req, host, c.port);
  if (rc !== 0) return fail(uvReason('connect', rc, host, c.port));
  const timer = setTimeout(() => finish({ kind: 'timeout', reason: `TCP connect timeout after ${c.timeoutUs / 1000} ms` }, false), msFromUs(c.timeoutUs));
  return () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    handle.close();
  };
}

/** The same probe over net.Socket (names that are not IP literals, or no tcp_wrap binding). */
export const netTcpProbe: ProbeImpl<TcpSpec> = (spec, done): Cancel => {
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

export const tcpProbe: ProbeImpl<TcpSpec> = (spec, done): Cancel => rawTcpProbe(spec, done) ?? netTcpProbe(spec, done);
