// readIpvsCounters: the kernel's IPVS traffic counters (connections, packets, bytes per virtual
// service and per destination), read at scrape time for gen2brain/keepalived_exporter's
// keepalived_lvs_vip_* and keepalived_lvs_rs_* metrics, which it reads the same way (a
// GetServices / GetDestinations dump through moby/ipvs on every scrape).
//
// Theory of operation: one short generic-netlink conversation on a channel of its own (not the
// LvsDirector's socket, whose sequence numbers belong to IpvsSync): resolve the IPVS family
// (seq 1), dump the services (seq 2), then dump each service's destinations in turn (seq 3...),
// one dump at a time as netlink requires. Replies are sorted by sequence number; anything for a
// sequence we are not waiting on (the ACK that follows the family answer) is ignored. The
// whole conversation is bounded by a timeout. Bytes go through the project's own IPVS codec
// (ipvsWire), STATS64 preferred over the 32-bit STATS nest (ipvs-codec.ts).
//
// Never throws: no IPVS, an error, a malformed reply or the timeout give `{ error }`, and the
// scrape simply has no LVS traffic counters. A service deleted between the two dumps (ESRCH) is
// kept without destinations.

import type { IpvsStats } from '../ipvs/ipvs-messages.ts';
import type { IpvsWire, WireMessage } from '../ipvs/ipvs-sync.ts';
import type { DestKey, ServiceKey } from '../ipvs/model.ts';

export interface IpvsCounterEntry {
  readonly service: ServiceKey;
  readonly stats?: IpvsStats;
  readonly dests: ReadonlyArray<{ readonly key: DestKey; readonly stats?: IpvsStats }>;
}

/** The part of an IpvsPort (src/runtime/lvs-ports.ts) this needs; NetlinkIpvsPort fits. */
export interface IpvsChannel {
  send(bytes: Uint8Array): void;
  onMessages(cb: (m: readonly WireMessage[]) => void): void;
  onOverrun(cb: () => void): void;
}

export type IpvsCountersResult = { readonly ok: true; readonly entries: readonly IpvsCounterEntry[] } | { readonly ok: false; readonly error: string };

const SEQ_FAMILY = 1;
const SEQ_SERVICES = 2;

export function readIpvsCounters(ch: IpvsChannel, wire: IpvsWire, timeoutMs: number): Promise<IpvsCountersResult> {
  return new Promise((resolve) => {
    let finished = false;
    let waiting: { seq: number; got: WireMessage[]; until: 'family' | 'done'; then: (m: WireMessage[] | string) => void } | undefined;
    const finish = (r: IpvsCountersResult): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      waiting = undefined;
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, error: `no complete IPVS answer within ${timeoutMs} ms` }), timeoutMs);
    const ask = (seq: number, bytes: Uint8Array, until: 'family' | 'done'): Promise<WireMessage[] | string> =>
      new Promise((then) => {
        waiting = { seq, got: [], until, then };
        ch.send(bytes);
      });
    ch.onOverrun(() => finish({ ok: false, error: 'netlink receive overrun' }));
    ch.onMessages((msgs) => {
      for (const m of msgs) {
        const w = waiting;
        if (!w || m.seq !== w.seq) continue;
        if (m.kind === 'error') { waiting = undefined; w.then(`errno ${m.errno}`); continue; }
        if (m.kind === 'malformed') { waiting = undefined; w.then(`malformed reply: ${m.reason}`); continue; }
        w.got.push(m);
        if ((w.until === 'family' && m.kind === 'family') || (w.until === 'done' && m.kind === 'done')) {
          waiting = undefined;
          w.then(w.got);
        }
      }
    });
    void (async () => {
      const fam = await ask(SEQ_FAMILY, wire.encodeFamilyQuery(SEQ_FAMILY), 'family');
      if (typeof fam === 'string') { finish({ ok: false, error: `IPVS family: ${fam}` }); return; }
      const f = fam.find((m) => m.kind === 'family');
      if (!f || f.kind !== 'family') { finish({ ok: false, error: 'IPVS family: no answer' }); return; }
      const familyId = f.familyId;
      const svcs = await ask(SEQ_SERVICES, wire.encodeRequest({ cmd: 'get-service' }, familyId, SEQ_SERVICES), 'done');
      if (typeof svcs === 'string') { finish({ ok: false, error: `service dump: ${svcs}` }); return; }
      const entries: IpvsCounterEntry[] = [];
      let seq = SEQ_SERVICES;
      for (const m of svcs) {
        if (finished) return;
        if (m.kind !== 'reply' || m.reply.kind !== 'service') continue;
        const service = m.reply.service.key;
        seq++;
        const ds = await ask(seq, wire.encodeRequest({ cmd: 'get-dest', service }, familyId, seq), 'done');
        const dests = typeof ds === 'string' ? [] : ds.flatMap((d) =>
          d.kind === 'reply' && d.reply.kind === 'dest' ? [{ key: d.reply.dest.key, ...(d.reply.stats ? { stats: d.reply.stats } : {}) }] : []);
        entries.push({ service, ...(m.reply.stats ? { stats: m.reply.stats } : {}), dests });
      }
      finish({ ok: true, entries });
    })();
  });
}
