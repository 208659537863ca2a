// IpvsSync: keeps the kernel's IPVS table equal to the desired one, sans-IO.
//
// Theory of operation. The driver calls handle(now, desired, owned) whenever the desired table
// changes, feeds every datagram read from the generic-netlink socket to handleReply(now, bytes),
// reports a receive overrun (ENOBUFS) with handleOverrun(now), the outcome of a `modprobe`
// action with handleModprobeDone(now, ok), and wakes us at nextDeadline() with handleTimeout.
// We answer with actions from pollAction(): Send (several netlink messages in one buffer),
// Modprobe, and Event (what happened, for logs and metrics).
//
//   resolve ──> dump services ──> dump dests of owned services, one at a time ──> apply ─┐
//     │  ENOENT: modprobe ip_vs once, then "unavailable"        ^                       │
//     └───────────────────────────────────────── error / overrun / garbage: re-dump ─────┘
//
// The observed table is only ever what the kernel told us: the dump, then each op applied when
// its ACK arrives. Any NLMSG_ERROR, receive overrun or undecodable reply makes it untrustworthy,
// so we re-dump (immediately the first time, then with exponential back-off so a permanently
// failing op -- an unknown scheduler, say -- does not spin) rather than plan from a stale table.
// The kernel handles each netlink request inside sendmsg(), so by the time any reply is read,
// every request we sent has been applied or refused: a re-dump sees the settled state.
//
// Only one dump runs at a time (the kernel refuses a second dump on a socket with EBUSY while
// one is in progress: netlink_dump_start). Ops are pipelined: up to `windowMessages` requests
// in flight, packed into sends of at most `maxSendBytes`, so the ACKs (36 bytes each) cannot
// overrun the receive buffer. Dests of services we do not own are never dumped (kube-router
// PR #253: per-service listing dominates the cost), and those services are never touched.
import type { Instant } from '../base/time.ts';
import { US_PER_S } from '../base/time.ts';
import { applyOpInPlace, type MutableTable } from './apply-plan.ts';
import type { IpvsReply, IpvsRequest } from './ipvs-messages.ts';
import {
  destKeyId, normalizeTable, serviceKeyId, type IpvsDest, type IpvsService, type IpvsTable, type ServiceEntry, type ServiceKey,
} from './model.ts';
import { plan, type IpvsOp } from './plan.ts';

/** One decoded netlink message, as ipvs-wire.ts hands it over. */
export type WireMessage =
  | { readonly seq: number; readonly kind: 'ack' }
  | { readonly seq: number; readonly kind: 'error'; readonly errno: number }
  | { readonly seq: number; readonly kind: 'done' }
  | { readonly seq: number; readonly kind: 'reply'; readonly reply: IpvsReply }
  | { readonly seq: number; readonly kind: 'family'; readonly familyId: number }
  | { readonly seq: number; readonly kind: 'malformed'; readonly reason: string };

/** The bytes side, injected so the core can be driven by a fake in tests. */
export interface IpvsWire {
  encodeFamilyQuery(seq: number): Uint8Array;
  encodeRequest(req: IpvsRequest, familyId: number, seq: number): Uint8Array;
  decode(bytes: Uint8Array): WireMessage[];
}

export type IpvsSyncEvent =
  | { readonly type: 'family-resolved'; readonly familyId: number }
  | { readonly type: 'unavailable'; readonly reason: string }
  | { readonly type: 'dumped'; readonly services: number; readonly ownedServices: number }
  | { readonly type: 'op-failed'; readonly op: IpvsOp; readonly errno: number }
  | { readonly type: 'resync'; readonly reason: 'error' | 'overrun' | 'malformed' | 'timeout' }
  | { readonly type: 'synced'; readonly ops: number };

export type IpvsSyncAction =
  | { readonly kind: 'send'; readonly bytes: Uint8Array; readonly messages: number }
  /** Load a kernel module: ip_vs itself, or a scheduler / persistence engine (ip_vs_wrr, ip_vs_pe_sip). */
  | { readonly kind: 'modprobe'; readonly module: string }
  | { readonly kind: 'event'; readonly event: IpvsSyncEvent };

export interface IpvsSyncOptions {
  readonly maxSendBytes?: number;
  readonly windowMessages?: number;
  readonly retryDelayUs?: number;
  readonly maxRetryDelayUs?: number;
  /** No reply for this long while the kernel owes us one: assume it was lost, re-dump. */
  readonly replyTimeoutUs?: number;
  /** Ask the OS layer to `modprobe ip_vs` when the family is missing (keepalived does). */
  readonly modprobe?: boolean;
  readonly firstSeq?: number;
}

const ENOBUFS = 105;

type Phase =
  | { readonly name: 'new' }
  | { readonly name: 'resolving'; readonly seq: number; readonly afterModprobe: boolean }
  | { readonly name: 'modprobe' }
  | { readonly name: 'unavailable' }
  | { readonly name: 'dump-services'; readonly seq: number; readonly services: IpvsService[] }
  | { readonly name: 'dump-dests'; readonly seq: number; readonly key: ServiceKey; readonly todo: ServiceKey[]; readonly dests: IpvsDest[] }
  | { readonly name: 'applying' }
  | { readonly name: 'waiting'; readonly until: Instant }
  | { readonly name: 'idle' };

export class IpvsSync {
  private phase: Phase = { name: 'new' };
  private desired: IpvsTable = new Map();
  private owned: ReadonlySet<string> = new Set();
  private observed: MutableTable = new Map();
  private familyId = 0;
  private seq: number;
  private readonly actions: IpvsSyncAction[] = [];
  private pending: IpvsOp[] = [];
  private pendingHead = 0;
  private readonly inFlight = new Map<number, IpvsOp>();
  private cycleFailed = false;
  private failures = 0;
  private opsThisCycle = 0;
  private dumpedServices: MutableTable = new Map();
  /** Services whose dests we dumped (or created): only those may be planned against. */
  private destsKnown = new Set<string>();
  private readonly maxSendBytes: number;
  private readonly windowMessages: number;
  private readonly retryDelayUs: number;
  private readonly maxRetryDelayUs: number;
  private readonly replyTimeoutUs: number;
  private readonly modprobe: boolean;
  private now: Instant = 0;
  /** Scheduler / PE modules already asked for, so a missing one is requested once. */
  private readonly modulesTried = new Set<string>();
  private replyDeadline: Instant | undefined;

  constructor(private readonly wire: IpvsWire, opts: IpvsSyncOptions = {}) {
    this.maxSendBytes = opts.maxSendBytes ?? 32 * 1024;
    this.windowMessages = opts.windowMessages ?? 512;
    this.retryDelayUs = opts.retryDelayUs ?? US_PER_S;
    this.maxRetryDelayUs = opts.maxRetryDelayUs ?? 30 * US_PER_S;
    this.replyTimeoutUs = opts.replyTimeoutUs ?? 5 * US_PER_S;
    this.modprobe = opts.modprobe ?? true;
    this.seq = opts.firstSeq ?? 1;
  }

  /** The kernel table as last dumped and acknowledged (dests only for owned services). */
  get observedTable(): IpvsTable { return this.observed; }
  get phaseName(): string { return this.phase.name; }

  /** New desired table; `owned` = keys of every service the configuration claims (desired's keys are added). */
  handle(now: Instant, desired: IpvsTable, owned: ReadonlySet<string> = new Set()): void {
    this.now = now;
    this.desired = normalizeTable(desired);
    this.owned = new Set([...owned, ...desired.keys()]);
    switch (this.phase.name) {
      case 'new': this.resolve(false); break;
      case 'idle': this.reconcile(); break;
      // Backing off after refused ops: a new desired table may no longer hold them, try now.
      case 'waiting': this.startDump(); break;
      default: break; // picked up when the running cycle ends
    }
    void now;
  }

  /** One received datagram (any number of netlink messages). */
  handleReply(now: Instant, bytes: Uint8Array): void {
    for (const m of this.wire.decode(bytes)) this.handleWireMessage(now, m);
  }

  /** One message already framed and sorted (ipvs-wire.ts classifyIpvsMessage), for shared sockets. */
  handleWireMessage(now: Instant, m: WireMessage): void {
    this.now = now;
    // seq -1: a datagram we could not even frame; whose reply it held is unknown.
    if (m.seq === -1) {
      if (this.phase.name === 'resolving') this.onMessage(now, { ...m, seq: this.phase.seq });
      else this.handleOverrun(now);
      return;
    }
    this.onMessage(now, m);
  }

  /**
   * The socket dropped messages (ENOBUFS): ACKs in flight may be lost, so the observed table
   * can no longer be trusted. Dump parts are never dropped (netlink_dump queues them whatever
   * the receive buffer holds), so an overrun reported during a dump -- often the late report
   * of ACKs lost before it -- changes nothing: the dump under way is the re-sync. Starting a
   * second dump then would only meet EBUSY.
   */
  handleOverrun(now: Instant): void {
    this.now = now;
    const p = this.phase.name;
    if (p !== 'applying' && p !== 'idle' && p !== 'waiting') return;
    this.event({ type: 'resync', reason: 'overrun' });
    this.startDump();
  }

  handleModprobeDone(now: Instant, ok: boolean): void {
    this.now = now;
    if (this.phase.name !== 'modprobe') return;
    if (ok) this.resolve(true);
    else this.giveUp(now, 'modprobe ip_vs failed');
  }

  handleTimeout(now: Instant): void {
    this.now = now;
    const p = this.phase;
    if (p.name === 'waiting' && now >= p.until) this.startDump();
    else if (p.name === 'unavailable') this.resolve(true);
    else if (this.replyDeadline !== undefined && now >= this.replyDeadline && this.awaitingKernel()) {
      // A reply went missing without an ENOBUFS we could see: ask again from the top.
      this.event({ type: 'resync', reason: 'timeout' });
      if (p.name === 'resolving') this.resolve(p.afterModprobe);
      else this.startDump();
    }
  }

  nextDeadline(): Instant | undefined {
    if (this.phase.name === 'waiting') return this.phase.until;
    return this.awaitingKernel() ? this.replyDeadline : undefined;
  }

  private awaitingKernel(): boolean {
    const p = this.phase.name;
    return p === 'resolving' || p === 'dump-services' || p === 'dump-dests' || p === 'applying';
  }

  pollAction(): IpvsSyncAction | undefined {
    return this.actions.shift();
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * ENOENT on a service means its scheduler or persistence engine is not loaded (the kernel
   * autoloads them with request_module, which fails where autoloading is off). Ask the OS
   * layer once per module, as ipvsadm users do by hand; the re-sync that follows retries.
   */
  private askForModules(op: IpvsOp): void {
    if (op.op !== 'add-service' && op.op !== 'edit-service') return;
    const a = op.service.attrs;
    const mods = [`ip_vs_${a.scheduler}`, ...(a.peName ? [`ip_vs_pe_${a.peName}`] : [])];
    for (const module of mods) {
      if (!/^ip_vs_[a-z0-9_]+$/.test(module) || this.modulesTried.has(module)) continue;
      this.modulesTried.add(module);
      this.actions.push({ kind: 'modprobe', module });
    }
  }

  private clearPending(): void {
    this.pending = [];
    this.pendingHead = 0;
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = this.seq >= 0xffffffff ? 1 : this.seq + 1;
    return s;
  }

  private event(event: IpvsSyncEvent): void { this.actions.push({ kind: 'event', event }); }

  private send(msgs: Uint8Array[]): void {
    let total = 0;
    for (const m of msgs) total += m.length;
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const m of msgs) { bytes.set(m, at); at += m.length; }
    this.actions.push({ kind: 'send', bytes, messages: msgs.length });
    this.replyDeadline = this.now + this.replyTimeoutUs;
  }

  private resolve(afterModprobe: boolean): void {
    const seq = this.nextSeq();
    this.phase = { name: 'resolving', seq, afterModprobe };
    this.send([this.wire.encodeFamilyQuery(seq)]);
  }

  private giveUp(now: Instant, reason: string): void {
    this.phase = { name: 'unavailable' };
    this.event({ type: 'unavailable', reason });
    void now;
  }

  private startDump(): void {
    this.inFlight.clear();
    this.clearPending();
    const seq = this.nextSeq();
    this.phase = { name: 'dump-services', seq, services: [] };
    this.send([this.wire.encodeRequest({ cmd: 'get-service' }, this.familyId, seq)]);
  }

  private nextDestDump(todo: ServiceKey[], finished?: { key: ServiceKey; dests: IpvsDest[] }): void {
    if (finished) {
      const id = serviceKeyId(finished.key);
      const e = this.dumpedServices.get(id);
      if (e) this.dumpedServices.set(id, { service: e.service, dests: new Map(finished.dests.map((d) => [destKeyId(d.key), d])) });
    }
    const key = todo.shift();
    if (!key) {
      this.observed = this.dumpedServices;
      this.dumpedServices = new Map();
      this.destsKnown = new Set([...this.observed.keys()].filter((id) => this.owned.has(id)));
      this.event({ type: 'dumped', services: this.observed.size, ownedServices: [...this.observed.keys()].filter((k) => this.owned.has(k)).length });
      this.reconcile();
      return;
    }
    const seq = this.nextSeq();
    this.phase = { name: 'dump-dests', seq, key, todo, dests: [] };
    this.send([this.wire.encodeRequest({ cmd: 'get-dest', service: key }, this.familyId, seq)]);
  }

  private resync(now: Instant, reason: 'error' | 'malformed'): void {
    this.event({ type: 'resync', reason });
    this.failures++;
    if (this.failures <= 1) { this.startDump(); return; }
    const delay = Math.min(this.retryDelayUs * 2 ** (this.failures - 2), this.maxRetryDelayUs);
    this.phase = { name: 'waiting', until: now + delay };
  }

  private reconcile(): void {
    // Services that became ours were dumped without their dests: look at them first.
    if ([...this.observed.keys()].some((id) => this.owned.has(id) && !this.destsKnown.has(id))) {
      this.startDump();
      return;
    }
    for (const id of this.desired.keys()) if (!this.observed.has(id)) this.destsKnown.add(id);
    const ops = plan(this.desired, this.observed, this.owned);
    this.cycleFailed = false;
    if (ops.length === 0) {
      this.phase = { name: 'idle' };
      this.failures = 0;
      this.event({ type: 'synced', ops: this.opsThisCycle });
      this.opsThisCycle = 0;
      return;
    }
    this.phase = { name: 'applying' };
    this.pending = ops;
    this.pendingHead = 0;
    this.pump();
  }

  /** Sends pending ops while the window has room, several per send. */
  private pump(): void {
    while (this.pendingHead < this.pending.length && this.inFlight.size < this.windowMessages) {
      const batch: Uint8Array[] = [];
      let bytes = 0;
      while (this.pendingHead < this.pending.length && this.inFlight.size < this.windowMessages) {
        const op = this.pending[this.pendingHead]!;
        const seq = this.seq;
        const msg = this.wire.encodeRequest(opRequest(op), this.familyId, seq);
        if (batch.length > 0 && bytes + msg.length > this.maxSendBytes) break;
        this.nextSeq();
        this.pendingHead++;
        this.inFlight.set(seq, op);
        batch.push(msg);
        bytes += msg.length;
      }
      this.send(batch);
    }
  }

  private onMessage(now: Instant, m: WireMessage): void {
    const p = this.phase;
    switch (p.name) {
      case 'resolving': {
        if (m.seq !== p.seq) return;
        if (m.kind === 'family') {
          this.familyId = m.familyId;
          this.event({ type: 'family-resolved', familyId: m.familyId });
          this.startDump();
        } else if (m.kind === 'error' || m.kind === 'malformed') {
          if (!p.afterModprobe && this.modprobe) {
            this.phase = { name: 'modprobe' };
            this.actions.push({ kind: 'modprobe', module: 'ip_vs' });
          } else {
            this.giveUp(now, m.kind === 'error'
              ? `generic netlink family IPVS not found (errno ${m.errno}): is the ip_vs module available?`
              : `bad family reply: ${m.reason}`);
          }
        }
        return;
      }
      case 'dump-services': {
        if (m.seq !== p.seq) return;
        this.replyDeadline = this.now + this.replyTimeoutUs;
        // ENOBUFS for a dump request: the dump started but could not queue its first part
        // (receive buffer full); cb_running stays set and the parts follow as we read.
        if (m.kind === 'error' && m.errno === ENOBUFS) return;
        if (m.kind === 'reply' && m.reply.kind === 'service') p.services.push(m.reply.service);
        else if (m.kind === 'done') {
          this.dumpedServices = new Map(p.services.map((s) => [serviceKeyId(s.key), { service: s, dests: new Map() }]));
          const todo = p.services.map((s) => s.key).filter((k) => this.owned.has(serviceKeyId(k)));
          this.nextDestDump(todo);
        } else if (m.kind === 'error' || m.kind === 'malformed') this.resync(now, m.kind === 'error' ? 'error' : 'malformed');
        return;
      }
      case 'dump-dests': {
        if (m.seq !== p.seq) return;
        this.replyDeadline = this.now + this.replyTimeoutUs;
        if (m.kind === 'error' && m.errno === ENOBUFS) return;
        if (m.kind === 'reply' && m.reply.kind === 'dest') p.dests.push(m.reply.dest);
        else if (m.kind === 'done') {
          this.nextDestDump(p.todo, { key: p.key, dests: p.dests });
        } else if (m.kind === 'error' || m.kind === 'malformed') this.resync(now, m.kind === 'error' ? 'error' : 'malformed');
        return;
      }
      case 'applying': {
        const op = this.inFlight.get(m.seq);
        if (!op) return;
        this.inFlight.delete(m.seq);
        this.replyDeadline = this.now + this.replyTimeoutUs;
        if (m.kind === 'ack') {
          this.opsThisCycle++;
          // The kernel said yes to what our model says no to: our picture is wrong, re-dump.
          if (applyOpInPlace(this.observed, op)) this.cycleFailed = true;
        } else {
          this.cycleFailed = true;
          if (m.kind === 'error') {
            this.event({ type: 'op-failed', op, errno: m.errno });
            if (m.errno === ENOENT) this.askForModules(op);
          }
        }
        if (this.cycleFailed) this.clearPending();
        if (this.inFlight.size > 0) return;
        if (this.pendingHead < this.pending.length) { this.pump(); return; }
        if (this.cycleFailed) this.resync(now, m.kind === 'malformed' ? 'malformed' : 'error');
        else this.reconcile(); // the desired table may have moved on meanwhile
        return;
      }
      default:
        return;
    }
  }
}

const ENOENT = 2;

function opRequest(op: IpvsOp): IpvsRequest {
  switch (op.op) {
    case 'add-service': return { cmd: 'new-service', service: op.service };
    case 'edit-service': return { cmd: 'set-service', service: op.service };
    case 'del-service': return { cmd: 'del-service', service: op.key };
    case 'add-dest': return { cmd: 'new-dest', service: op.service, dest: op.dest };
    case 'edit-dest': return { cmd: 'set-dest', service: op.service, dest: op.dest };
    case 'del-dest': return { cmd: 'del-dest', service: op.service, dest: op.dest };
  }
}
