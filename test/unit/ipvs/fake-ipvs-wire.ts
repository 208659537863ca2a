// A fake kernel behind a fake wire: requests travel as 4-byte handles to objects, the kernel
// applies them to a model table with the kernel's EEXIST/ESRCH answers (applyPlan), and replies
// travel back the same way. It lets IpvsSync's conversation be tested without bytes; the byte
// codec has its own tests and the real kernel its own (test/kernel).
import type { IpvsRequest } from '../../../src/ipvs/ipvs-messages.ts';
import type { IpvsWire, WireMessage } from '../../../src/ipvs/ipvs-sync.ts';
import { applyPlan } from '../../../src/ipvs/apply-plan.ts';
import { serviceKeyId, type ServiceEntry } from '../../../src/ipvs/model.ts';
import { ipvsOpOfRequest } from '../../../src/ipvs/ipvs-kernel-model.ts';

type Sent = { seq: number; req: IpvsRequest | 'family' };

export class FakeIpvsKernel implements IpvsWire {
  table = new Map<string, ServiceEntry>();
  familyPresent = true;
  /** Requests the kernel will refuse with this errno, by predicate. */
  refuse: ((req: IpvsRequest) => number | undefined) | undefined;
  readonly log: IpvsRequest[] = [];
  private readonly objs: (Sent | WireMessage[])[] = [];

  private handle(obj: Sent | WireMessage[]): Uint8Array {
    this.objs.push(obj);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, this.objs.length - 1);
    return b;
  }
  encodeFamilyQuery(seq: number): Uint8Array { return this.handle({ seq, req: 'family' }); }
  encodeRequest(req: IpvsRequest, _familyId: number, seq: number): Uint8Array { return this.handle({ seq, req }); }
  decode(bytes: Uint8Array): WireMessage[] {
    const out: WireMessage[] = [];
    for (let i = 0; i < bytes.length; i += 4) {
      const o = this.objs[new DataView(bytes.buffer, bytes.byteOffset).getUint32(i)];
      if (Array.isArray(o)) out.push(...o);
    }
    return out;
  }

  /** What the kernel does with one send: returns the reply datagram (all replies in one). */
  process(bytes: Uint8Array): Uint8Array {
    const replies: WireMessage[] = [];
    for (let i = 0; i < bytes.length; i += 4) {
      const sent = this.objs[new DataView(bytes.buffer, bytes.byteOffset).getUint32(i)] as Sent;
      const { seq, req } = sent;
      if (req === 'family') {
        replies.push(this.familyPresent ? { seq, kind: 'family', familyId: 42 } : { seq, kind: 'error', errno: 2 });
        continue;
      }
      this.log.push(req);
      const refused = this.refuse?.(req);
      if (refused) { replies.push({ seq, kind: 'error', errno: refused }); continue; }
      if (req.cmd === 'get-service') {
        for (const e of this.table.values()) replies.push({ seq, kind: 'reply', reply: { kind: 'service', service: e.service } });
        replies.push({ seq, kind: 'done' });
        continue;
      }
      if (req.cmd === 'get-dest') {
        const e = this.table.get(serviceKeyId(req.service));
        if (!e) { replies.push({ seq, kind: 'error', errno: 3 }); continue; }
        for (const d of e.dests.values()) replies.push({ seq, kind: 'reply', reply: { kind: 'dest', dest: d, activeConns: 0, inactConns: 0, persistConns: 0 } });
        replies.push({ seq, kind: 'done' });
        continue;
      }
      const op = ipvsOpOfRequest(req);
      const r = applyPlan(this.table, [op]);
      if (r.failed) replies.push({ seq, kind: 'error', errno: r.failed.errno === 'EEXIST' ? 17 : 3 });
      else { this.table = r.table; replies.push({ seq, kind: 'ack' }); }
    }
    return this.handle(replies);
  }
}

