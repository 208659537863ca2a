// Generic netlink (<linux/genetlink.h>): a 4-byte genlmsghdr {cmd u8, version u8, reserved u16}
// after the nlmsghdr, then attributes. Families (IPVS, ...) have ids assigned at run time;
// the controller family (GENL_ID_CTRL = 0x10) resolves a name with CTRL_CMD_GETFAMILY and
// answers CTRL_CMD_NEWFAMILY carrying CTRL_ATTR_FAMILY_ID (u16) and the multicast groups.
// (shared/reference/ipvs-netlink.md section 0; keepalived check/libipvs.c uses libnl's
// genl_ctrl_resolve, which sends exactly this.)
import { AttrWriter, type Decoded, type NlAttr, attrString, attrU16, attrU32, decodeAttrs, findAttr, nestedAttrs } from './attributes.ts';
import { NLM_F_ACK, NLM_F_REQUEST, type NlMessage, encodeMessage } from './message.ts';

export const GENL_HDRLEN = 4;
export const GENL_ID_CTRL = 0x10;

export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;
export const CTRL_ATTR_MCAST_GROUPS = 7;
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;

export interface GenlRequest {
  readonly familyId: number;
  readonly cmd: number;
  readonly version: number;
  /** nlmsg flags; NLM_F_REQUEST is always added. */
  readonly flags: number;
  readonly seq: number;
  readonly pid?: number;
}

export function encodeGenl(r: GenlRequest, attrs: (w: AttrWriter) => void = () => {}): Uint8Array {
  return encodeMessage(
    { type: r.familyId, flags: r.flags | NLM_F_REQUEST, seq: r.seq, pid: r.pid ?? 0 },
    attrs,
    Uint8Array.of(r.cmd, r.version, 0, 0),
  );
}

export interface GenlMessage {
  readonly familyId: number;
  readonly cmd: number;
  readonly version: number;
  readonly attrs: NlAttr[];
}

export function decodeGenl(msg: NlMessage): Decoded<GenlMessage> {
  if (msg.payload.length < GENL_HDRLEN) return { ok: false, error: 'short genlmsghdr', offset: 0 };
  const attrs = decodeAttrs(msg.payload, GENL_HDRLEN);
  if (!attrs.ok) return attrs;
  return {
    ok: true,
    value: { familyId: msg.type, cmd: msg.payload[0]!, version: msg.payload[1]!, attrs: attrs.value },
  };
}

/** CTRL_CMD_GETFAMILY for one family name, with NLM_F_ACK so the tracker sees an end. */
export function encodeGetFamily(name: string, seq: number): Uint8Array {
  return encodeGenl({ familyId: GENL_ID_CTRL, cmd: CTRL_CMD_GETFAMILY, version: 1, flags: NLM_F_ACK, seq }, (w) =>
    w.string(CTRL_ATTR_FAMILY_NAME, name),
  );
}

export interface GenlFamily {
  readonly id: number;
  readonly name: string;
  readonly version: number;
  readonly maxAttr: number;
  /** Multicast group name -> group id (for NETLINK_ADD_MEMBERSHIP). */
  readonly mcastGroups: ReadonlyMap<string, number>;
}

/** Reads a CTRL_CMD_NEWFAMILY reply. */
export function decodeFamily(msg: NlMessage): Decoded<GenlFamily> {
  const g = decodeGenl(msg);
  if (!g.ok) return g;
  const id = attrU16(findAttr(g.value.attrs, CTRL_ATTR_FAMILY_ID));
  const name = attrString(findAttr(g.value.attrs, CTRL_ATTR_FAMILY_NAME));
  if (id === undefined || name === undefined) return { ok: false, error: 'family reply without id or name', offset: 0 };
  const groups = new Map<string, number>();
  const mg = findAttr(g.value.attrs, CTRL_ATTR_MCAST_GROUPS);
  if (mg) {
    const list = nestedAttrs(mg);
    if (list.ok) {
      for (const entry of list.value) {
        const fields = nestedAttrs(entry);
        if (!fields.ok) continue;
        const gname = attrString(findAttr(fields.value, CTRL_ATTR_MCAST_GRP_NAME));
        const gid = attrU32(findAttr(fields.value, CTRL_ATTR_MCAST_GRP_ID));
        if (gname !== undefined && gid !== undefined) groups.set(gname, gid);
      }
    }
  }
  return {
    ok: true,
    value: {
      id,
      name,
      version: attrU32(findAttr(g.value.attrs, CTRL_ATTR_VERSION)) ?? 0,
      maxAttr: attrU32(findAttr(g.value.attrs, CTRL_ATTR_MAXATTR)) ?? 0,
      mcastGroups: groups,
    },
  };
}
