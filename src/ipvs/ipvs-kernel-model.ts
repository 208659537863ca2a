// IpvsKernelModel: a fake kernel that speaks the real IPVS generic-netlink bytes. It decodes each
// request as ip_vs_ctl.c would (ipvs-kernel-codec.ts), applies it to a model table with the
// kernel's answers (apply-plan.ts: EEXIST, ESRCH; ENOENT for an unknown scheduler; EINVAL for a
// malformed request), and returns the datagrams the kernel would queue: one per ACK or error,
// dump parts packed up to `dumpBytes` per datagram, NLMSG_DONE last. For the simulator and for
// tests that drive IpvsSync through ipvsWire without a kernel. Pure; never throws.
import { decodeGenl, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, CTRL_CMD_NEWFAMILY, GENL_ID_CTRL } from '../netlink/genl.ts';
import { attrString, findAttr } from '../netlink/attributes.ts';
import { decodeMessages, encodeDone, encodeError, encodeMessage, NLM_F_ACK, NLM_F_DUMP, type NlMessage } from '../netlink/message.ts';
import { applyOpInPlace, type MutableTable } from './apply-plan.ts';
import { decodeIpvsRequest, encodeIpvsReply } from './ipvs-kernel-codec.ts';
import type { IpvsReply, IpvsRequest, IpvsTimeouts, SyncDaemon } from './ipvs-messages.ts';
import { serviceKeyId, SCHEDULERS } from './model.ts';
import type { IpvsOp } from './plan.ts';

const EINVAL = 22;
const ENOENT = 2;
const ESRCH = 3;
const EEXIST = 17;

export interface IpvsKernelModelOptions {
  readonly familyId?: number;
  /** Schedulers "loaded"; others answer ENOENT. Default: every lvs_sched keepalived knows. */
  readonly schedulers?: ReadonlySet<string>;
  /** Largest dump datagram (the kernel's dump skbs hold up to about 16-32 KiB). */
  readonly dumpBytes?: number;
}

export class IpvsKernelModel {
  table: MutableTable = new Map();
  /** false: the IPVS family is unknown (ip_vs not loaded), CTRL answers ENOENT. */
  familyPresent = true;
  timeouts: IpvsTimeouts = { tcpS: 900, tcpFinS: 120, udpS: 300 };
  daemons: SyncDaemon[] = [];
  readonly familyId: number;
  private readonly schedulers: ReadonlySet<string>;
  private readonly dumpBytes: number;

  constructor(opts: IpvsKernelModelOptions = {}) {
    this.familyId = opts.familyId ?? 28;
    this.schedulers = opts.schedulers ?? new Set(SCHEDULERS);
    this.dumpBytes = opts.dumpBytes ?? 16 * 1024;
  }

  /** One datagram from user space -> the datagrams queued in reply, in order. */
  handle(bytes: Uint8Array): Uint8Array[] {
    const msgs = decodeMessages(bytes);
    if (!msgs.ok) return [];
    const out: Uint8Array[] = [];
    for (const m of msgs.value) out.push(...this.handleMessage(m));
    return out;
  }

  private handleMessage(m: NlMessage): Uint8Array[] {
    const hdr = { type: m.type, flags: m.flags, seq: m.seq, pid: m.pid, len: 16 + m.payload.length };
    const ack = (errno: number): Uint8Array => encodeError(hdr, errno);
    if (m.type === GENL_ID_CTRL) {
      const g = decodeGenl(m);
      if (!g.ok || g.value.cmd !== CTRL_CMD_GETFAMILY) return [ack(EINVAL)];
      const name = attrString(findAttr(g.value.attrs, CTRL_ATTR_FAMILY_NAME));
      if (name !== 'IPVS' || !this.familyPresent) return [ack(ENOENT)];
      const reply = encodeMessage({ type: GENL_ID_CTRL, flags: 0, seq: m.seq, pid: 0 },
        (w) => w.u16(CTRL_ATTR_FAMILY_ID, this.familyId).string(CTRL_ATTR_FAMILY_NAME, 'IPVS'),
        Uint8Array.of(CTRL_CMD_NEWFAMILY, 2, 0, 0));
      return m.flags & NLM_F_ACK ? [reply, ack(0)] : [reply];
    }
    if (m.type !== this.familyId || !this.familyPresent) return [ack(ENOENT)];
    const r = decodeIpvsRequest(m);
    if (!r.ok) return [ack(EINVAL)];
    const req = r.value;
    const isDump = (m.flags & NLM_F_DUMP) === NLM_F_DUMP;
    const replies = (list: IpvsReply[]): Uint8Array[] => {
      if (isDump) return [...this.pack(list.map((x) => encodeIpvsReply(x, this.familyId, m.seq))), encodeDone(m.seq)];
      return [...list.map((x) => encodeIpvsReply(x, this.familyId, m.seq)), ...(m.flags & NLM_F_ACK ? [ack(0)] : [])];
    };
    switch (req.cmd) {
      case 'get-service': {
        const all = [...this.table.values()].filter((e) => !req.service || serviceKeyId(e.service.key) === serviceKeyId(req.service));
        if (req.service && all.length === 0) return [ack(ESRCH)];
        return replies(all.map((e) => ({ kind: 'service' as const, service: e.service })));
      }
      case 'get-dest': {
        const e = this.table.get(serviceKeyId(req.service));
        if (!e) return [ack(ESRCH)];
        return replies([...e.dests.values()].map((dest) => ({ kind: 'dest' as const, dest, activeConns: 0, inactConns: 0, persistConns: 0 })));
      }
      case 'get-daemon': return replies(this.daemons.map((d) => ({ kind: 'daemon' as const, daemons: [d] })));
      case 'get-config': return replies([{ kind: 'config', timeouts: this.timeouts }]);
      case 'get-info': return replies([{ kind: 'info', version: 0x010201, connTabSize: 4096 }]);
      case 'set-config': this.timeouts = req.timeouts; return [ack(0)];
      case 'new-daemon':
        if (this.daemons.some((d) => d.state === req.daemon.state)) return [ack(EEXIST)];
        this.daemons.push(req.daemon);
        return [ack(0)];
      case 'del-daemon': {
        const before = this.daemons.length;
        this.daemons = this.daemons.filter((d) => d.state !== req.state);
        return [ack(before === this.daemons.length ? ESRCH : 0)];
      }
      case 'flush': this.table.clear(); return [ack(0)];
      case 'zero': return [ack(req.service && !this.table.has(serviceKeyId(req.service)) ? ESRCH : 0)];
      default: {
        if ((req.cmd === 'new-service' || req.cmd === 'set-service') && !this.schedulers.has(req.service.attrs.scheduler)) return [ack(ENOENT)];
        const refused = applyOpInPlace(this.table, ipvsOpOfRequest(req));
        return [ack(refused === 'EEXIST' ? EEXIST : refused === 'ESRCH' ? ESRCH : 0)];
      }
    }
  }

  /** Packs dump parts into datagrams of at most dumpBytes (one part per datagram at least). */
  private pack(parts: Uint8Array[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    let cur: Uint8Array[] = [];
    let size = 0;
    const flush = () => {
      if (cur.length === 0) return;
      const b = new Uint8Array(size);
      let at = 0;
      for (const p of cur) { b.set(p, at); at += p.length; }
      out.push(b);
      cur = [];
      size = 0;
    };
    for (const p of parts) {
      if (size + p.length > this.dumpBytes) flush();
      cur.push(p);
      size += p.length;
    }
    flush();
    return out;
  }
}

/** The table operation a NEW/SET/DEL service or dest request asks for (the kernel's view). */
export function ipvsOpOfRequest(req: IpvsRequest): IpvsOp {
  switch (req.cmd) {
    case 'new-service': return { op: 'add-service', service: req.service };
    case 'set-service': return { op: 'edit-service', service: req.service };
    case 'del-service': return { op: 'del-service', key: req.service };
    case 'new-dest': return { op: 'add-dest', service: req.service, dest: req.dest };
    case 'set-dest': return { op: 'edit-dest', service: req.service, dest: req.dest };
    case 'del-dest': return { op: 'del-dest', service: req.service, dest: req.dest };
    default: throw new Error(`not a table op: ${req.cmd}`); // unreachable: handled above
  }
}
