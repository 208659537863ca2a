// NativeSocket: a typed wrapper over the one generic socket class of the ktsnative addon.
//
// Theory of operation. `NativeSocket.open(domain, type, protocol)` makes a non-blocking,
// close-on-exec socket. Options are passed generically, (level, optname, int | bytes), with
// the Linux constants named below; addresses are typed SockAddr values encoded in
// socket-address.ts. Receiving starts with start(): each datagram becomes one 'message'
// event {bytes, from, cmsgs, info, truncated}; a receive-side error (ENOBUFS on an overrun
// netlink socket, an ICMP error on a raw socket) becomes an 'error' event {errno, code} and
// receiving carries on. send() never throws: it returns 0 or the errno, because a failed send
// is a runtime fact for the caller to count (keepalived counts them too), not a bug.
// Set-up calls (open, setOption, bind) throw SocketError: failing there is a configuration
// problem the daemon reports at start.
// unref() lets the process exit while the socket is open; close() is idempotent.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AF_PACKET,
  type PacketInfo,
  type RawCmsg,
  type SockAddr,
  decodePacketInfo,
  decodeSockAddr,
  encodeSockAddr,
} from './socket-address.ts';

export * from './socket-address.ts';

/** Named Linux constants (values from the uapi headers; test/unit/os checks them against the addon). */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;

export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_ERROR = 4;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_PRIORITY = 12;
export const SO_BINDTODEVICE = 25;
export const SO_RCVBUFFORCE = 33;
export const SO_MARK = 36;

export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_VRRP = 112;
export const IPPROTO_RAW = 255;

export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_PKTINFO = 8;
export const IP_RECVERR = 11;
export const IP_RECVTTL = 12;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IP_DROP_MEMBERSHIP = 36;
export const IP_MULTICAST_ALL = 49;

export const IPV6_CHECKSUM = 7;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const IPV6_JOIN_GROUP = 20;
export const IPV6_LEAVE_GROUP = 21;
export const IPV6_V6ONLY = 26;
export const IPV6_MULTICAST_ALL = 29;
export const IPV6_RECVPKTINFO = 49;
export const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;

export const SOL_NETLINK = 270;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;
export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;

export const SOL_PACKET = 263;
export const PACKET_ADD_MEMBERSHIP = 1;
export const ETH_P_ALL = 0x0003;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;

export const MSG_TRUNC = 0x20;
export const MSG_CTRUNC = 0x08;

interface AddonSocket {
  readonly fd: number;
  setsockopt(level: number, opt: number, value: number | Buffer): number;
  getsockopt(level: number, opt: number, maxBytes: number): Buffer | number;
  bind(addr: Buffer): number;
  connect(addr: Buffer): number;
  sendto(data: Buffer, addr: Buffer | null): number;
  getsockname(): Buffer | number;
  start(): boolean;
  stop(): void;
  ref(): void;
  unref(): void;
  close(): void;
}
interface Addon {
  Socket: new (
    domain: number,
    type: number,
    protocol: number,
    onMessage: (bytes: Buffer, from: Buffer, cmsgs: (number | Buffer)[], flags: number) => void,
    onError: (errno: number) => void,
    recvBufferBytes: number,
  ) => AddonSocket;
  ifNameToIndex(name: string): number;
  ifIndexToName(index: number): string | undefined;
  setns(fd: number, nstype: number): number;
  constants: Record<string, number>;
}

let addon: Addon | undefined;
/** The loaded addon (built into build/Release by `npm ci`). */
/**
 * The addon sits at <package>/build/Release/ktsnative.node. This module runs from
 * <package>/src/os/ (tsx) or bundled from <package>/dist/, so look upwards for it rather than
 * at a fixed relative path; KTS_ADDON names it explicitly (a packaged install elsewhere).
 */
function addonPath(): string {
  const explicit = process.env.KTS_ADDON;
  if (explicit) return explicit;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    const candidate = join(dir, 'build', 'Release', 'ktsnative.node');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error("native addon build/Release/ktsnative.node not found: run 'npm ci' (or 'npm run build') in the keepalived-ts folder");
}

export function loadAddon(): Addon {
  addon ??= createRequire(import.meta.url)(addonPath()) as Addon;
  return addon;
}

export function errnoCode(errno: number): string {
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `E${errno}`;
  }
}

export class SocketError extends Error {
  readonly code: string;
  constructor(readonly op: string, readonly errno: number) {
    const code = errnoCode(errno);
    super(`${op}: ${code}`);
    this.name = 'SocketError';
    this.code = code;
  }
}

export interface SocketMessage {
  readonly bytes: Buffer;
  readonly from: SockAddr | undefined;
  readonly cmsgs: readonly RawCmsg[];
  /** Interface, destination address and TTL/hop limit decoded from the cmsgs. */
  readonly info: PacketInfo;
  /** The datagram was larger than the receive buffer (MSG_TRUNC) or cmsgs were cut (MSG_CTRUNC). */
  readonly truncated: boolean;
}

export interface SocketErrorEvent {
  readonly errno: number;
  readonly code: string;
}

export interface OpenOptions {
  /** Largest datagram delivered whole (default 64 KiB; netlink dumps stay below 32 KiB per skb). */
  readonly recvBufferBytes?: number;
}

export interface NativeSocket {
  on(event: 'message', cb: (m: SocketMessage) => void): this;
  on(event: 'error', cb: (e: SocketErrorEvent) => void): this;
  once(event: 'message', cb: (m: SocketMessage) => void): this;
  once(event: 'error', cb: (e: SocketErrorEvent) => void): this;
  off(event: 'message', cb: (m: SocketMessage) => void): this;
  off(event: 'error', cb: (e: SocketErrorEvent) => void): this;
}

export class NativeSocket extends EventEmitter {
  private closed = false;

  private constructor(private readonly s: AddonSocket, readonly domain: number) {
    super();
  }

  /**
   * socket(2). For AF_PACKET, `protocol` is the ethertype in host order (ETH_P_ARP) and is
   * converted to network order here, as packet(7) requires. Throws SocketError.
   */
  static open(domain: number, type: number, protocol: number, opts: OpenOptions = {}): NativeSocket {
    const a = loadAddon();
    const proto = domain === AF_PACKET ? ((protocol & 0xff) << 8) | ((protocol >> 8) & 0xff) : protocol;
    let self: NativeSocket | undefined;
    const onMessage = (bytes: Buffer, from: Buffer, flat: (number | Buffer)[], flags: number): void => {
      const cmsgs: RawCmsg[] = [];
      for (let i = 0; i + 2 < flat.length; i += 3) {
        cmsgs.push({ level: flat[i] as number, type: flat[i + 1] as number, data: flat[i + 2] as Buffer });
      }
      const msg: SocketMessage = {
        bytes,
        from: decodeSockAddr(from),
        cmsgs,
        info: decodePacketInfo(cmsgs),
        truncated: (flags & (MSG_TRUNC | MSG_CTRUNC)) !== 0,
      };
      self?.emit('message', msg);
    };
    const onError = (errno: number): void => {
      const ev: SocketErrorEvent = { errno, code: errnoCode(errno) };
      // An 'error' event with no listener would throw from EventEmitter; a receive error is
      // data, so with nobody listening it is dropped rather than crashing the daemon.
      if (self && self.listenerCount('error') > 0) self.emit('error', ev);
    };
    let s: AddonSocket;
    try {
      s = new a.Socket(domain, type, proto, onMessage, onError, opts.recvBufferBytes ?? 65536);
    } catch (e) {
      const errno = typeof (e as { errno?: unknown }).errno === 'number' ? (e as { errno: number }).errno : 22;
      throw new SocketError('socket', errno);
    }
    self = new NativeSocket(s, domain);
    return self;
  }

  get fd(): number {
    return this.s.fd;
  }
  get isClosed(): boolean {
    return this.closed;
  }

  /** Returns 0 or the errno (for options that may legitimately be refused). */
  trySetOption(level: number, optname: number, value: number | Uint8Array | string): number {
    const v = typeof value === 'number' ? value : typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
    return this.s.setsockopt(level, optname, v);
  }
  setOption(level: number, optname: number, value: number | Uint8Array | string): void {
    const r = this.trySetOption(level, optname, value);
    if (r !== 0) throw new SocketError(`setsockopt(${level}, ${optname})`, r);
  }
  getOption(level: number, optname: number, maxBytes = 4): Buffer {
    const r = this.s.getsockopt(level, optname, maxBytes);
    if (typeof r === 'number') throw new SocketError(`getsockopt(${level}, ${optname})`, r);
    return r;
  }
  getIntOption(level: number, optname: number): number {
    return this.getOption(level, optname, 4).readInt32LE(0);
  }

  bind(addr: SockAddr): void {
    const r = this.s.bind(encodeSockAddr(addr));
    if (r !== 0) throw new SocketError('bind', r);
  }
  connect(addr: SockAddr): void {
    const r = this.s.connect(encodeSockAddr(addr));
    if (r !== 0) throw new SocketError('connect', r);
  }
  localAddress(): SockAddr | undefined {
    const r = this.s.getsockname();
    return typeof r === 'number' ? undefined : decodeSockAddr(r);
  }

  /** sendto(2) without blocking: 0 when the whole datagram left, else the errno. */
  send(data: Uint8Array, to?: SockAddr): number {
    const r = this.s.sendto(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), to ? encodeSockAddr(to) : null);
    return r < 0 ? -r : 0;
  }

  /** Begin delivering 'message' events (idempotent). */
  start(): this {
    this.s.start();
    return this;
  }
  stop(): this {
    this.s.stop();
    return this;
  }
  ref(): this {
    this.s.ref();
    return this;
  }
  unref(): this {
    this.s.unref();
    return this;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.s.close();
  }
}

/** if_nametoindex(3): 0 when there is no such interface. */
export function ifNameToIndex(name: string): number {
  return loadAddon().ifNameToIndex(name);
}
export function ifIndexToName(index: number): string | undefined {
  return loadAddon().ifIndexToName(index);
}

export const CLONE_NEWNET = 0x40000000;
/**
 * setns(2) for the calling (JS) thread: sockets opened afterwards belong to that namespace.
 * Returns 0 or the errno. Used by net_namespace and by test/support/netns.ts withNetns().
 */
export function setNetns(fd: number): number {
  return loadAddon().setns(fd, CLONE_NEWNET);
}
