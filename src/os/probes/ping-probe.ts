// PING_CHECK on Linux: one ICMP / ICMPv6 echo request on a raw socket of the native addon
// (src/os/native-socket.ts), success on the echo reply carrying our id and sequence, timeout
// after connect_timeout (keepalived check_ping.c). keepalived uses an unprivileged ping socket
// and widens net.ipv4.ping_group_range for it; we are root and use a raw socket instead, which
// needs no sysctl change. The socket is connect()ed to the target so the kernel only hands us
// datagrams from it; bindto sets the source; bind_if (SO_BINDTODEVICE) pins the interface.

import { randomBytes } from 'node:crypto';
import { parseIp } from '../../base/ip.ts';
import type { ProbeOutcome, ProbeSpec } from '../../check/checker-spec.ts';
import { buildEchoRequest, parseEchoReply } from '../../check/icmp-echo.ts';
import {
  AF_INET, AF_INET6, IPPROTO_ICMP, IPPROTO_ICMPV6, NativeSocket, SOCK_RAW, SOL_SOCKET, SO_BINDTODEVICE, SO_MARK,
  type SocketMessage, ifNameToIndex,
} from '../native-socket.ts';
import { type Cancel, errorReason, msFromUs } from './probe-impl.ts';

export type PingSpec = Extract<ProbeSpec, { kind: 'ping' }>;

let nextSeq = 0;

export function pingProbe(spec: PingSpec, done: (o: ProbeOutcome) => void): Cancel {
  const c = spec.connect;
  const dst = parseIp(c.host);
  if (!dst) {
    done({ kind: 'failed', reason: `PING_CHECK: bad address ${c.host}` });
    return () => undefined;
  }
  const family = dst.family;
  const scopeId = c.bindIf !== undefined && family === 6 ? ifNameToIndex(c.bindIf) : 0;
  let sock: NativeSocket;
  try {
    sock = NativeSocket.open(family === 4 ? AF_INET : AF_INET6, SOCK_RAW, family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
  } catch (e) {
    done({ kind: 'failed', reason: `PING_CHECK: cannot open an ICMP socket: ${errorReason(e)}` });
    return () => undefined;
  }
  let finished = false;
  const finish = (o: ProbeOutcome) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    sock.close();
    done(o);
  };
  const timer = setTimeout(() => finish({ kind: 'timeout', reason: `no echo reply within ${c.timeoutUs / 1000} ms` }), msFromUs(c.timeoutUs));
  const id = randomBytes(2).readUInt16BE(0);
  const seq = (nextSeq = (nextSeq + 1) & 0xffff);
  try {
    if (c.bindIf !== undefined) sock.setOption(SOL_SOCKET, SO_BINDTODEVICE, c.bindIf);
    if (c.fwmark !== undefined) sock.setOption(SOL_SOCKET, SO_MARK, c.fwmark);
    if (c.bindTo !== undefined) {
      const src = parseIp(c.bindTo);
      if (!src) throw new Error(`bad bindto ${c.bindTo}`);
      sock.bind({ family: 'inet', addr: src, port: 0, scopeId });
    }
    sock.connect({ family: 'inet', addr: dst, port: 0, scopeId });
  } catch (e) {
    finish({ kind: 'failed', reason: `PING_CHECK: ${errorReason(e)}` });
    return () => undefined;
  }
  sock.on('message', (m: SocketMessage) => {
    const reply = parseEchoReply(family, m.bytes, family === 4);
    if (reply && reply.id === id && reply.seq === seq) finish({ kind: 'ok', detail: 'echo reply' });
  });
  sock.on('error', (e) => finish({ kind: 'failed', reason: `PING_CHECK: ${e.code}` }));
  sock.start();
  const err = sock.send(buildEchoRequest(family, id, seq, randomBytes(16)));
  if (err !== 0) finish({ kind: 'failed', reason: `PING_CHECK: send failed (errno ${err})` });
  return () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    sock.close();
  };
}
