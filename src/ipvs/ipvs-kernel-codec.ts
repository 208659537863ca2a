// The kernel's side of the IPVS codec: decode a request as net/netfilter/ipvs/ip_vs_ctl.c
// parses it, and encode the replies it sends (dump parts, GET answers). With ipvs-codec.ts this
// makes the codec symmetric -- decodeIpvsRequest(encodeIpvsRequest(r)) = r and
// decodeIpvsMessage(encodeIpvsReply(x)) = x -- and lets a fake kernel (IpvsKernelModel, the
// simulator) speak the real bytes. Never throws; a request the kernel would refuse with EINVAL
// (a NEW/SET without the full entry, a missing identity) decodes to a failure.
import { AttrWriter, attrU32, decodeAttrs, findAttr, type Decoded, type NlAttr } from '../netlink/attributes.ts';
import { decodeGenl } from '../netlink/genl.ts';
import { encodeMessage, NLM_F_MULTI, type NlMessage } from '../netlink/message.ts';
import {
  CMD_NUM, decodeDaemon, decodeDestAttrs, decodeServiceAttrs, writeDaemon, writeDest, writeService,
} from './ipvs-codec.ts';
import type { IpvsReply, IpvsRequest } from './ipvs-messages.ts';
import type { ServiceKey } from './model.ts';
import { CmdAttr, DaemonAttr, DaemonState, DestAttr, InfoAttr, IPVS_GENL_VERSION, IpvsCmd, SvcAttr } from './numbers.ts';

type R<T> = Decoded<T>;
const fail = <T>(error: string): R<T> => ({ ok: false, error, offset: 0 });
const CMD_NAME = new Map(Object.entries(CMD_NUM).map(([k, v]) => [v, k as IpvsRequest['cmd']]));

function nested(attrs: readonly NlAttr[], type: number): R<NlAttr[]> | undefined {
  const a = findAttr(attrs, type);
  return a ? decodeAttrs(a.data) : undefined;
}

function serviceKeyOf(attrs: readonly NlAttr[]): R<ServiceKey> {
  const n = nested(attrs, CmdAttr.SERVICE);
  if (!n) return fail('no IPVS_CMD_ATTR_SERVICE');
  if (!n.ok) return n;
  const s = decodeServiceAttrs(n.value);
  return s.ok ? { ok: true, value: s.value.service.key } : s;
}

export function decodeIpvsRequest(msg: NlMessage): R<IpvsRequest> {
  const g = decodeGenl(msg);
  if (!g.ok) return g;
  const cmd = CMD_NAME.get(g.value.cmd);
  if (!cmd) return fail(`unknown IPVS command ${g.value.cmd}`);
  const attrs = g.value.attrs;
  switch (cmd) {
    case 'new-service': case 'set-service': {
      const n = nested(attrs, CmdAttr.SERVICE);
      if (!n || !n.ok) return fail('no service');
      // ip_vs_genl_parse_service, full_entry: all four are mandatory (-EINVAL otherwise).
      for (const t of [SvcAttr.SCHED_NAME, SvcAttr.FLAGS, SvcAttr.TIMEOUT, SvcAttr.NETMASK]) {
        if (!findAttr(n.value, t)) return fail(`service attribute ${t} missing from a full entry`);
      }
      const s = decodeServiceAttrs(n.value);
      return s.ok ? { ok: true, value: { cmd, service: s.value.service } } : s;
    }
    case 'del-service': case 'get-dest': {
      const k = serviceKeyOf(attrs);
      return k.ok ? { ok: true, value: { cmd, service: k.value } } : k;
    }
    case 'get-service': case 'zero': {
      if (!findAttr(attrs, CmdAttr.SERVICE)) return { ok: true, value: { cmd } };
      const k = serviceKeyOf(attrs);
      return k.ok ? { ok: true, value: { cmd, service: k.value } } : k;
    }
    case 'new-dest': case 'set-dest': case 'del-dest': {
      const k = serviceKeyOf(attrs);
      if (!k.ok) return k;
      const n = nested(attrs, CmdAttr.DEST);
      if (!n || !n.ok) return fail('no dest');
      const fam = k.value.kind === 'addr' ? k.value.addr.family : k.value.family;
      if (cmd !== 'del-dest') {
        // ip_vs_genl_parse_dest, full_entry.
        for (const t of [DestAttr.FWD_METHOD, DestAttr.WEIGHT, DestAttr.U_THRESH, DestAttr.L_THRESH]) {
          if (!findAttr(n.value, t)) return fail(`dest attribute ${t} missing from a full entry`);
        }
      }
      const d = decodeDestAttrs(n.value, fam);
      if (!d.ok) return d;
      return cmd === 'del-dest'
        ? { ok: true, value: { cmd, service: k.value, dest: d.value.dest.key } }
        : { ok: true, value: { cmd, service: k.value, dest: d.value.dest } };
    }
    case 'new-daemon': {
      const n = nested(attrs, CmdAttr.DAEMON);
      if (!n || !n.ok) return fail('no daemon');
      const d = decodeDaemon(n.value);
      return d.ok ? { ok: true, value: { cmd, daemon: d.value } } : d;
    }
    case 'del-daemon': {
      const n = nested(attrs, CmdAttr.DAEMON);
      const st = n && n.ok ? attrU32(findAttr(n.value, DaemonAttr.STATE)) : undefined;
      if (st !== DaemonState.MASTER && st !== DaemonState.BACKUP) return fail('daemon state missing');
      return { ok: true, value: { cmd, state: st === DaemonState.MASTER ? 'master' : 'backup' } };
    }
    case 'set-config':
      return {
        ok: true,
        value: {
          cmd,
          timeouts: {
            tcpS: attrU32(findAttr(attrs, CmdAttr.TIMEOUT_TCP)) ?? 0,
            tcpFinS: attrU32(findAttr(attrs, CmdAttr.TIMEOUT_TCP_FIN)) ?? 0,
            udpS: attrU32(findAttr(attrs, CmdAttr.TIMEOUT_UDP)) ?? 0,
          },
        },
      };
    case 'get-daemon': case 'get-config': case 'get-info': case 'flush':
      return { ok: true, value: { cmd } };
  }
}

/**
 * One reply message as the kernel builds it: dump parts (service, dest, daemon) carry
 * NLM_F_MULTI; GET_CONFIG answers with cmd SET_CONFIG, GET_INFO with SET_INFO.
 */
export function encodeIpvsReply(reply: IpvsReply, familyId: number, seq: number, pid = 0): Uint8Array {
  // Not encodeGenl: that one marks requests (NLM_F_REQUEST), which kernel replies are not.
  type H = { cmd: number; flags: number };
  const h = (cmd: number, flags: number): H => ({ cmd, flags });
  const encodeGenl = (hd: H, body: (w: AttrWriter) => void): Uint8Array =>
    encodeMessage({ type: familyId, flags: hd.flags, seq, pid }, body, Uint8Array.of(hd.cmd, IPVS_GENL_VERSION, 0, 0));
  switch (reply.kind) {
    case 'service':
      return encodeGenl(h(IpvsCmd.NEW_SERVICE, NLM_F_MULTI), (w) => writeService(w, reply.service, true, reply.stats));
    case 'dest':
      return encodeGenl(h(IpvsCmd.NEW_DEST, NLM_F_MULTI), (w) => writeDest(w, reply.dest, reply));
    case 'daemon':
      return encodeGenl(h(IpvsCmd.NEW_DAEMON, NLM_F_MULTI), (w) => { for (const d of reply.daemons) writeDaemon(w, d); });
    case 'config':
      return encodeGenl(h(IpvsCmd.SET_CONFIG, 0), (w: AttrWriter) => {
        w.u32(CmdAttr.TIMEOUT_TCP, reply.timeouts.tcpS).u32(CmdAttr.TIMEOUT_TCP_FIN, reply.timeouts.tcpFinS)
          .u32(CmdAttr.TIMEOUT_UDP, reply.timeouts.udpS);
      });
    case 'info':
      return encodeGenl(h(IpvsCmd.SET_INFO, 0), (w) => { w.u32(InfoAttr.VERSION, reply.version).u32(InfoAttr.CONN_TAB_SIZE, reply.connTabSize); });
  }
}
