// IPVS generic-netlink codec: IpvsRequest -> bytes, and kernel replies -> IpvsReply, on top of
// the shared netlink attribute codec (src/netlink/attributes.ts, genl.ts).
//
// Byte order, the classic trap of this interface (shared/reference/ipvs-netlink.md; kernel
// net/netfilter/ipvs/ip_vs_ctl.c): attributes are HOST order (little-endian here) EXCEPT
//   * SVC PORT, DEST PORT, DEST TUN_PORT: network order (kernel nla_get_be16 / nla_put_be16);
//   * SVC/DEST ADDR: raw address bytes (network order), 16 bytes in replies (IPv4 in the first 4);
//   * SVC NETMASK for IPv4: the mask bytes as they sit in memory (__be32), whereas for IPv6
//     the same field holds a plain prefix length (host-order integer) -- see encodeNetmask;
//   * DAEMON MCAST_GROUP: a __be32 IPv4 address (raw bytes).
// FLAGS is struct ip_vs_flags {u32 flags; u32 mask} in host order (the 2008 header said
// __be32, the kernel never treated it so); we send mask = ~0 as keepalived and ipvsadm do.
//
// Decoding never throws: a reply we cannot read gives { ok: false }. Attributes we do not model
// are kept in `unknown` and re-emitted by the encoder, so nothing is lost on a round trip.
import { formatIp, type IpAddress, type IpFamily } from '../base/ip.ts';
import {
  AttrWriter, attrString, attrU16, attrU16be, attrU32, attrU64, attrU8, decodeAttrs, findAttr,
  type Decoded, type NlAttr,
} from '../netlink/attributes.ts';
import { decodeGenl, encodeGenl, type GenlMessage } from '../netlink/genl.ts';
import { NLM_F_ACK, NLM_F_DUMP, type NlMessage } from '../netlink/message.ts';
import type { IpvsReply, IpvsRequest, IpvsStats, IpvsTimeouts, SyncDaemon } from './ipvs-messages.ts';
import type {
  DestAttrs, DestKey, ForwardMethod, IpvsDest, IpvsProtocol, IpvsService, ServiceKey, TunnelType, UnknownAttr,
} from './model.ts';
import { SERVICE_FLAGS_MANAGED } from './model.ts';
import {
  AF_INET, AF_INET6, CmdAttr, DaemonAttr, DaemonState, DestAttr, FwdMethod, InfoAttr, IPPROTO_SCTP, IPPROTO_TCP,
  IPPROTO_UDP, IPVS_GENL_VERSION, IpvsCmd, StatsAttr, SvcAttr, TunType,
} from './numbers.ts';

const afOf = (f: IpFamily): number => (f === 4 ? AF_INET : AF_INET6);
const familyOfAf = (af: number | undefined): IpFamily | undefined => (af === AF_INET ? 4 : af === AF_INET6 ? 6 : undefined);
const PROTO_NUM: Record<IpvsProtocol, number> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP };
const FWD_NUM: Record<ForwardMethod, number> = {
  nat: FwdMethod.MASQ, local: FwdMethod.LOCALNODE, tun: FwdMethod.TUNNEL, dr: FwdMethod.DROUTE, bypass: FwdMethod.BYPASS,
};
const TUN_NUM: Record<TunnelType, number> = { ipip: TunType.IPIP, gue: TunType.GUE, gre: TunType.GRE };
const invert = <K extends string>(r: Record<K, number>): Map<number, K> =>
  new Map((Object.entries(r) as [K, number][]).map(([k, v]) => [v, k]));
const PROTO_NAME = invert(PROTO_NUM);
const FWD_NAME = invert(FWD_NUM);
const TUN_NAME = invert(TUN_NUM);

function u32Bytes(v: number, littleEndian: boolean): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, littleEndian);
  return b;
}

/** NETMASK: IPv4 = mask bytes in network order (0xffffff00 -> ff ff ff 00); IPv6 = host-order prefix length. */
function encodeNetmask(netmask: number, family: IpFamily): Uint8Array {
  return u32Bytes(netmask, family === 6);
}
function decodeNetmask(a: NlAttr | undefined, family: IpFamily): number | undefined {
  if (!a || a.data.length < 4) return undefined;
  return new DataView(a.data.buffer, a.data.byteOffset, 4).getUint32(0, family === 6);
}

function writeServiceKey(w: AttrWriter, key: ServiceKey): void {
  if (key.kind === 'fwmark') {
    w.u16(SvcAttr.AF, afOf(key.family));
    w.u32(SvcAttr.FWMARK, key.fwmark); // host order
    return;
  }
  w.u16(SvcAttr.AF, afOf(key.addr.family));
  w.u16(SvcAttr.PROTOCOL, PROTO_NUM[key.protocol]); // host order
  w.bytes(SvcAttr.ADDR, key.addr.bytes); // network order; the kernel zero-fills to 16
  w.u16be(SvcAttr.PORT, key.port); // NETWORK order (nla_get_be16)
}

/** CMD_ATTR_SERVICE: identity only, or the full entry NEW/SET_SERVICE need (and dumps carry). */
export function writeService(w: AttrWriter, s: IpvsService, full: boolean, stats?: IpvsStats): void {
  w.nest(CmdAttr.SERVICE, (n) => {
    writeServiceKey(n, s.key);
    if (!full) return;
    const fam = s.key.kind === 'addr' ? s.key.addr.family : s.key.family;
    n.string(SvcAttr.SCHED_NAME, s.attrs.scheduler);
    if (s.attrs.peName !== '') n.string(SvcAttr.PE_NAME, s.attrs.peName);
    const flags = new Uint8Array(8); // struct ip_vs_flags {flags, mask}, host order
    new DataView(flags.buffer).setUint32(0, s.attrs.flags >>> 0, true);
    new DataView(flags.buffer).setUint32(4, 0xffffffff, true);
    n.bytes(SvcAttr.FLAGS, flags);
    n.u32(SvcAttr.TIMEOUT, s.attrs.timeoutS);
    n.bytes(SvcAttr.NETMASK, encodeNetmask(s.attrs.netmask, fam));
    if (stats) writeStats(n, SvcAttr.STATS64, stats);
    if (s.unknown) n.raw(s.unknown.map(toNlAttr));
  });
}

export function writeServiceKeyOnly(w: AttrWriter, key: ServiceKey): void {
  w.nest(CmdAttr.SERVICE, (n) => writeServiceKey(n, key));
}

/** A *_STATS64 nest: every counter u64 (the kernel's replies carry this and the 32-bit STATS). */
function writeStats(w: AttrWriter, type: number, st: IpvsStats): void {
  w.nest(type, (n) => {
    const s = StatsAttr;
    n.u64(s.CONNS, st.conns).u64(s.INPKTS, st.inPkts).u64(s.OUTPKTS, st.outPkts).u64(s.INBYTES, st.inBytes)
      .u64(s.OUTBYTES, st.outBytes).u64(s.CPS, st.cps).u64(s.INPPS, st.inPps).u64(s.OUTPPS, st.outPps)
      .u64(s.INBPS, st.inBps).u64(s.OUTBPS, st.outBps);
  });
}

/** Counters a dump reply carries for a dest (connection counts and stats). */
export interface DestCounters {
  readonly activeConns: number;
  readonly inactConns: number;
  readonly persistConns: number;
  readonly stats?: IpvsStats;
}

/** CMD_ATTR_DEST: the key only (DEL_DEST), the full entry (NEW/SET_DEST), or a dump part (with counters). */
export function writeDest(w: AttrWriter, d: IpvsDest | DestKey, counters?: DestCounters): void {
  const key = 'key' in d ? d.key : d;
  w.nest(CmdAttr.DEST, (n) => {
    // ADDR_FAMILY always: a tunnelled dest may differ from its service (kernel >= 3.18), and
    // for DEL_DEST the kernel otherwise assumes the service's family.
    n.u16(DestAttr.ADDR_FAMILY, afOf(key.addr.family));
    n.bytes(DestAttr.ADDR, key.addr.bytes);
    n.u16be(DestAttr.PORT, key.port); // NETWORK order
    if (!('attrs' in d)) return;
    const a = d.attrs;
    n.u32(DestAttr.FWD_METHOD, FWD_NUM[a.fwd]);
    n.u32(DestAttr.WEIGHT, a.weight);
    if (a.fwd === 'tun') {
      n.u8(DestAttr.TUN_TYPE, TUN_NUM[a.tunType]);
      if (a.tunType === 'gue') n.u16be(DestAttr.TUN_PORT, a.tunPort); // NETWORK order
      if (a.tunType !== 'ipip') n.u16(DestAttr.TUN_FLAGS, a.tunFlags); // host order
    }
    n.u32(DestAttr.U_THRESH, a.uThreshold);
    n.u32(DestAttr.L_THRESH, a.lThreshold);
    if (counters) {
      n.u32(DestAttr.ACTIVE_CONNS, counters.activeConns).u32(DestAttr.INACT_CONNS, counters.inactConns)
        .u32(DestAttr.PERSIST_CONNS, counters.persistConns);
      if (counters.stats) writeStats(n, DestAttr.STATS64, counters.stats);
    }
    if (d.unknown) n.raw(d.unknown.map(toNlAttr));
  });
}

export function writeDaemon(w: AttrWriter, d: SyncDaemon): void {
  w.nest(CmdAttr.DAEMON, (n) => {
    n.u32(DaemonAttr.STATE, d.state === 'master' ? DaemonState.MASTER : DaemonState.BACKUP);
    n.string(DaemonAttr.MCAST_IFN, d.mcastIfn);
    n.u32(DaemonAttr.SYNC_ID, d.syncId);
    if (d.syncMaxLen !== undefined) n.u16(DaemonAttr.SYNC_MAXLEN, d.syncMaxLen);
    if (d.mcastGroup?.family === 4) n.bytes(DaemonAttr.MCAST_GROUP, d.mcastGroup.bytes); // __be32: raw bytes
    if (d.mcastGroup?.family === 6) n.bytes(DaemonAttr.MCAST_GROUP6, d.mcastGroup.bytes);
    if (d.mcastPort !== undefined) n.u16(DaemonAttr.MCAST_PORT, d.mcastPort); // host order (nla_get_u16)
    if (d.mcastTtl !== undefined) n.u8(DaemonAttr.MCAST_TTL, d.mcastTtl);
    if (d.unknown) n.raw(d.unknown.map(toNlAttr));
  });
}

const toNlAttr = (u: UnknownAttr): NlAttr => ({ type: u.type & 0x3fff, flags: u.type & 0xc000, data: u.payload });
const toUnknown = (a: NlAttr): UnknownAttr => ({ type: a.type | a.flags, payload: Uint8Array.from(a.data) });

export const CMD_NUM: Record<IpvsRequest['cmd'], number> = {
  'new-service': IpvsCmd.NEW_SERVICE, 'set-service': IpvsCmd.SET_SERVICE, 'del-service': IpvsCmd.DEL_SERVICE,
  'get-service': IpvsCmd.GET_SERVICE, 'new-dest': IpvsCmd.NEW_DEST, 'set-dest': IpvsCmd.SET_DEST,
  'del-dest': IpvsCmd.DEL_DEST, 'get-dest': IpvsCmd.GET_DEST, 'new-daemon': IpvsCmd.NEW_DAEMON,
  'del-daemon': IpvsCmd.DEL_DAEMON, 'get-daemon': IpvsCmd.GET_DAEMON, 'set-config': IpvsCmd.SET_CONFIG,
  'get-config': IpvsCmd.GET_CONFIG, 'get-info': IpvsCmd.GET_INFO, zero: IpvsCmd.ZERO, flush: IpvsCmd.FLUSH,
};

/** True when the request is answered by a multipart dump (NLM_F_DUMP) rather than one reply + ACK. */
export function isDumpRequest(req: IpvsRequest): boolean {
  return (req.cmd === 'get-service' && !req.service) || req.cmd === 'get-dest' || req.cmd === 'get-daemon';
}

/** One complete netlink message for `req`. Writes ask for an ACK; gets either dump or ACK. */
export function encodeIpvsRequest(req: IpvsRequest, familyId: number, seq: number, pid = 0): Uint8Array {
  const flags = isDumpRequest(req) ? NLM_F_DUMP : NLM_F_ACK;
  return encodeGenl({ familyId, cmd: CMD_NUM[req.cmd], version: IPVS_GENL_VERSION, flags, seq, pid }, (w) => {
    switch (req.cmd) {
      case 'new-service': case 'set-service': writeService(w, req.service, true); break;
      case 'del-service': case 'get-dest': writeServiceKeyOnly(w, req.service); break;
      case 'get-service': case 'zero': if (req.service) writeServiceKeyOnly(w, req.service); break;
      case 'new-dest': case 'set-dest': writeServiceKeyOnly(w, req.service); writeDest(w, req.dest); break;
      case 'del-dest': writeServiceKeyOnly(w, req.service); writeDest(w, req.dest); break;
      case 'new-daemon': writeDaemon(w, req.daemon); break;
      case 'del-daemon':
        w.nest(CmdAttr.DAEMON, (n) => n.u32(DaemonAttr.STATE, req.state === 'master' ? DaemonState.MASTER : DaemonState.BACKUP));
        break;
      case 'set-config': {
        const t = req.timeouts;
        w.u32(CmdAttr.TIMEOUT_TCP, t.tcpS).u32(CmdAttr.TIMEOUT_TCP_FIN, t.tcpFinS).u32(CmdAttr.TIMEOUT_UDP, t.udpS);
        break;
      }
      case 'get-daemon': case 'get-config': case 'get-info': case 'flush': break;
    }
  });
}

// ------------------------------------------------------------------------------ decoding

type R<T> = Decoded<T>;
const fail = <T>(error: string): R<T> => ({ ok: false, error, offset: 0 });

function addrFrom(a: NlAttr | undefined, family: IpFamily): IpAddress | undefined {
  const n = family === 4 ? 4 : 16;
  if (!a || a.data.length < n) return undefined;
  return { family, bytes: Uint8Array.from(a.data.subarray(0, n)) };
}

function decodeStats(a: NlAttr | undefined, wide: boolean): IpvsStats | undefined {
  if (!a) return undefined;
  const list = decodeAttrs(a.data);
  if (!list.ok) return undefined;
  // In *_STATS the counters are u32 except the byte counts; in *_STATS64 everything is u64.
  const get = (t: number, u64: boolean): bigint => {
    const x = findAttr(list.value, t);
    const v = u64 ? attrU64(x) : attrU32(x);
    return v === undefined ? 0n : BigInt(v);
  };
  const s = StatsAttr;
  return {
    conns: get(s.CONNS, wide), inPkts: get(s.INPKTS, wide), outPkts: get(s.OUTPKTS, wide),
    inBytes: get(s.INBYTES, true), outBytes: get(s.OUTBYTES, true), cps: get(s.CPS, wide),
    inPps: get(s.INPPS, wide), outPps: get(s.OUTPPS, wide), inBps: get(s.INBPS, wide), outBps: get(s.OUTBPS, wide),
  };
}

const SVC_KNOWN = new Set<number>(Object.values(SvcAttr));
const DEST_KNOWN = new Set<number>(Object.values(DestAttr));
const DAEMON_KNOWN = new Set<number>(Object.values(DaemonAttr));

export function decodeServiceAttrs(attrs: readonly NlAttr[]): R<{ service: IpvsService; stats?: IpvsStats }> {
  const family = familyOfAf(attrU16(findAttr(attrs, SvcAttr.AF)));
  if (!family) return fail('service without a known AF');
  const fwmark = attrU32(findAttr(attrs, SvcAttr.FWMARK));
  let key: ServiceKey;
  const protoNum = attrU16(findAttr(attrs, SvcAttr.PROTOCOL));
  const addr = addrFrom(findAttr(attrs, SvcAttr.ADDR), family);
  const port = attrU16be(findAttr(attrs, SvcAttr.PORT)); // NETWORK order
  // The kernel reports FWMARK for every service (0 for address services) and, for fwmark
  // services, PROTOCOL/ADDR/PORT too (proto TCP, zero address): fwmark != 0 decides.
  if (fwmark !== undefined && fwmark !== 0) key = { kind: 'fwmark', fwmark, family };
  else {
    const protocol = protoNum === undefined ? undefined : PROTO_NAME.get(protoNum);
    if (!protocol || !addr || port === undefined) return fail('service without protocol/address/port or fwmark');
    key = { kind: 'addr', protocol, addr, port };
  }
  const flagsAttr = findAttr(attrs, SvcAttr.FLAGS);
  const flags = flagsAttr && flagsAttr.data.length >= 4 ? attrU32(flagsAttr)! : 0; // host order
  const service: IpvsService = {
    key,
    attrs: {
      scheduler: attrString(findAttr(attrs, SvcAttr.SCHED_NAME)) ?? '',
      flags: flags & SERVICE_FLAGS_MANAGED,
      timeoutS: attrU32(findAttr(attrs, SvcAttr.TIMEOUT)) ?? 0,
      netmask: decodeNetmask(findAttr(attrs, SvcAttr.NETMASK), family) ?? 0,
      peName: attrString(findAttr(attrs, SvcAttr.PE_NAME)) ?? '',
    },
  };
  const unknown = attrs.filter((a) => !SVC_KNOWN.has(a.type)).map(toUnknown);
  const stats = decodeStats(findAttr(attrs, SvcAttr.STATS64), true) ?? decodeStats(findAttr(attrs, SvcAttr.STATS), false);
  return {
    ok: true,
    value: { service: unknown.length ? { ...service, unknown } : service, ...(stats ? { stats } : {}) },
  };
}

/** `serviceFamily` is needed for replies of old kernels without ADDR_FAMILY. */
export function decodeDestAttrs(attrs: readonly NlAttr[], serviceFamily?: IpFamily): R<IpvsReply & { kind: 'dest' }> {
  const addrAttr = findAttr(attrs, DestAttr.ADDR);
  const family = familyOfAf(attrU16(findAttr(attrs, DestAttr.ADDR_FAMILY))) ?? serviceFamily ?? (addrAttr?.data.length === 4 ? 4 : undefined);
  if (!family) return fail('dest without a known address family');
  const addr = addrFrom(addrAttr, family);
  const port = attrU16be(findAttr(attrs, DestAttr.PORT)); // NETWORK order
  if (!addr || port === undefined) return fail('dest without address or port');
  const fwdNum = attrU32(findAttr(attrs, DestAttr.FWD_METHOD)) ?? 0;
  const fwd = FWD_NAME.get(fwdNum & 0x7);
  if (!fwd) return fail(`dest with unknown forwarding method ${fwdNum}`);
  const tunType = TUN_NAME.get(attrU8(findAttr(attrs, DestAttr.TUN_TYPE)) ?? 0) ?? 'ipip';
  const a: DestAttrs = {
    fwd,
    weight: attrU32(findAttr(attrs, DestAttr.WEIGHT)) ?? 0,
    uThreshold: attrU32(findAttr(attrs, DestAttr.U_THRESH)) ?? 0,
    lThreshold: attrU32(findAttr(attrs, DestAttr.L_THRESH)) ?? 0,
    tunType,
    tunPort: attrU16be(findAttr(attrs, DestAttr.TUN_PORT)) ?? 0, // NETWORK order
    tunFlags: attrU16(findAttr(attrs, DestAttr.TUN_FLAGS)) ?? 0,
  };
  const unknown = attrs.filter((x) => !DEST_KNOWN.has(x.type)).map(toUnknown);
  const stats = decodeStats(findAttr(attrs, DestAttr.STATS64), true) ?? decodeStats(findAttr(attrs, DestAttr.STATS), false);
  const dest: IpvsDest = { key: { addr, port }, attrs: a, ...(unknown.length ? { unknown } : {}) };
  return {
    ok: true,
    value: {
      kind: 'dest', dest, ...(stats ? { stats } : {}),
      activeConns: attrU32(findAttr(attrs, DestAttr.ACTIVE_CONNS)) ?? 0,
      inactConns: attrU32(findAttr(attrs, DestAttr.INACT_CONNS)) ?? 0,
      persistConns: attrU32(findAttr(attrs, DestAttr.PERSIST_CONNS)) ?? 0,
    },
  };
}

export function decodeDaemon(attrs: readonly NlAttr[]): R<SyncDaemon> {
  const st = attrU32(findAttr(attrs, DaemonAttr.STATE));
  const ifn = attrString(findAttr(attrs, DaemonAttr.MCAST_IFN));
  const id = attrU32(findAttr(attrs, DaemonAttr.SYNC_ID));
  if ((st !== DaemonState.MASTER && st !== DaemonState.BACKUP) || ifn === undefined || id === undefined) return fail('daemon without state/ifname/syncid');
  const g4 = findAttr(attrs, DaemonAttr.MCAST_GROUP);
  const g6 = findAttr(attrs, DaemonAttr.MCAST_GROUP6);
  const group = g6 && g6.data.length === 16 && g6.data.some((b) => b !== 0) ? addrFrom(g6, 6) : g4 && g4.data.length >= 4 ? addrFrom(g4, 4) : undefined;
  const maxLen = attrU16(findAttr(attrs, DaemonAttr.SYNC_MAXLEN));
  const port = attrU16(findAttr(attrs, DaemonAttr.MCAST_PORT));
  const ttl = attrU8(findAttr(attrs, DaemonAttr.MCAST_TTL));
  const unknown = attrs.filter((x) => !DAEMON_KNOWN.has(x.type)).map(toUnknown);
  return {
    ok: true,
    value: {
      state: st === DaemonState.MASTER ? 'master' : 'backup', mcastIfn: ifn, syncId: id,
      ...(maxLen !== undefined ? { syncMaxLen: maxLen } : {}), ...(group ? { mcastGroup: group } : {}),
      ...(port !== undefined ? { mcastPort: port } : {}), ...(ttl !== undefined ? { mcastTtl: ttl } : {}),
      ...(unknown.length ? { unknown } : {}),
    },
  };
}

/** Decodes one IPVS genl message from the kernel (a dump part or a GET reply). */
export function decodeIpvsGenl(g: GenlMessage): R<IpvsReply> {
  const nested = (t: number): R<NlAttr[]> => {
    const a = findAttr(g.attrs, t);
    return a ? decodeAttrs(a.data) : fail(`attribute ${t} missing`);
  };
  switch (g.cmd) {
    case IpvsCmd.NEW_SERVICE: {
      const n = nested(CmdAttr.SERVICE);
      if (!n.ok) return n;
      const s = decodeServiceAttrs(n.value);
      return s.ok ? { ok: true, value: { kind: 'service', ...s.value } } : s;
    }
    case IpvsCmd.NEW_DEST: {
      const n = nested(CmdAttr.DEST);
      return n.ok ? decodeDestAttrs(n.value) : n;
    }
    case IpvsCmd.NEW_DAEMON: {
      const daemons: SyncDaemon[] = [];
      for (const a of g.attrs.filter((x) => x.type === CmdAttr.DAEMON)) {
        const n = decodeAttrs(a.data);
        if (!n.ok) return n;
        const d = decodeDaemon(n.value);
        if (!d.ok) return d;
        daemons.push(d.value);
      }
      return { ok: true, value: { kind: 'daemon', daemons } };
    }
    case IpvsCmd.SET_CONFIG: {
      const t: IpvsTimeouts = {
        tcpS: attrU32(findAttr(g.attrs, CmdAttr.TIMEOUT_TCP)) ?? 0,
        tcpFinS: attrU32(findAttr(g.attrs, CmdAttr.TIMEOUT_TCP_FIN)) ?? 0,
        udpS: attrU32(findAttr(g.attrs, CmdAttr.TIMEOUT_UDP)) ?? 0,
      };
      return { ok: true, value: { kind: 'config', timeouts: t } };
    }
    case IpvsCmd.SET_INFO: {
      const version = attrU32(findAttr(g.attrs, InfoAttr.VERSION));
      const size = attrU32(findAttr(g.attrs, InfoAttr.CONN_TAB_SIZE));
      if (version === undefined || size === undefined) return fail('info reply without version/size');
      return { ok: true, value: { kind: 'info', version, connTabSize: size } };
    }
    default:
      return fail(`unexpected IPVS reply command ${g.cmd}`);
  }
}

export function decodeIpvsMessage(msg: NlMessage): R<IpvsReply> {
  const g = decodeGenl(msg);
  return g.ok ? decodeIpvsGenl(g.value) : g;
}

/** "1.2.1" from IPVS_INFO_ATTR_VERSION (0x010201), as ipvsadm prints it. */
export function formatIpvsVersion(v: number): string {
  return `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`;
}

/** For diagnostics: "TCP 10.0.0.1:80" / "FWM 7" in ipvsadm's words. */
export function describeServiceKey(k: ServiceKey): string {
  if (k.kind === 'fwmark') return `FWM ${k.fwmark}${k.family === 6 ? ' IPv6' : ''}`;
  const a = k.addr.family === 6 ? `[${formatIp(k.addr)}]` : formatIp(k.addr);
  return `${k.protocol.toUpperCase()} ${a}:${k.port}`;
}
