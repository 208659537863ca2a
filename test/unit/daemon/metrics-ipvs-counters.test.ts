// The scrape-time IPVS counter read (gen2brain's keepalived_lvs_vip_* / keepalived_lvs_rs_*):
// the netlink conversation in real bytes both ways -- requests encoded by ipvsWire and decoded
// as the kernel does (decodeIpvsRequest), replies encoded as the kernel builds them
// (encodeIpvsReply, with STATS64 nests) and sorted by ipvsWire -- against a scripted kernel:
// family lookup (IpvsKernelModel), one service dump, one destination dump per service. Then the
// labels and values gen2brain's exporter would publish for the same table. Failures (no IPVS,
// an overrun, ESRCH between the two dumps, silence) never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from '../../../src/base/ip.ts';
import { EventHistory } from '../../../src/daemon/event-history.ts';
import { collectMetrics } from '../../../src/daemon/metrics-collect.ts';
import { readIpvsCounters, type IpvsChannel } from '../../../src/daemon/metrics-ipvs-counters.ts';
import { createMetricsService } from '../../../src/daemon/metrics-server.ts';
import type { DaemonLogger } from '../../../src/daemon/daemon-log.ts';
import { decodeIpvsRequest, encodeIpvsReply } from '../../../src/ipvs/ipvs-kernel-codec.ts';
import { IpvsKernelModel } from '../../../src/ipvs/ipvs-kernel-model.ts';
import type { IpvsStats } from '../../../src/ipvs/ipvs-messages.ts';
import type { WireMessage } from '../../../src/ipvs/ipvs-sync.ts';
import { ipvsWire } from '../../../src/ipvs/ipvs-wire.ts';
import { DEFAULT_DEST_ATTRS, serviceKeyId, type IpvsDest, type IpvsService } from '../../../src/ipvs/model.ts';
import { GENL_ID_CTRL } from '../../../src/netlink/genl.ts';
import { decodeMessages, encodeDone, encodeError } from '../../../src/netlink/message.ts';
import { parseExposition, sampleOf } from '../../fixtures/metrics/exposition-parser.ts';
import { lvsRig } from '../../fixtures/metrics/lvs-rig.ts';

const ip = (s: string) => parseIp(s)!;
const stats = (n: number): IpvsStats => ({
  conns: BigInt(n), inPkts: BigInt(n * 10), outPkts: BigInt(n * 9), inBytes: BigInt(n * 1000) + (1n << 33n), outBytes: BigInt(n * 900),
  cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n,
});
const svc = (key: IpvsService['key']): IpvsService => ({ key, attrs: { scheduler: 'wrr', flags: 0, timeoutS: 0, netmask: 0xffffffff, peName: '' } });
const dest = (addr: string, port: number): IpvsDest => ({ key: { addr: ip(addr), port }, attrs: { ...DEFAULT_DEST_ATTRS, weight: 1 } });

interface KernelEntry { service: IpvsService; stats: IpvsStats; dests: Array<{ dest: IpvsDest; stats: IpvsStats }> }

/** A kernel that answers from `table`, in real netlink bytes; `answer: false` = silence. */
class ScriptedKernel implements IpvsChannel {
  private onMsgs: (m: readonly WireMessage[]) => void = () => {};
  private onOverrunCb: () => void = () => {};
  readonly model = new IpvsKernelModel();
  readonly requests: string[] = [];
  answer = true;
  overrunAfterServices = false;
  vanish = new Set<string>();
  constructor(readonly table: KernelEntry[]) {}
  send(bytes: Uint8Array): void {
    if (!this.answer) return;
    const msgs = decodeMessages(bytes);
    assert.ok(msgs.ok);
    const out: Uint8Array[] = [];
    for (const m of msgs.value) {
      if (m.type === GENL_ID_CTRL) { this.requests.push('family'); out.push(...this.model.handle(bytes)); continue; }
      const r = decodeIpvsRequest(m);
      assert.ok(r.ok, 'a request the kernel can decode');
      const fid = this.model.familyId;
      if (r.value.cmd === 'get-service') {
        this.requests.push('get-service');
        for (const e of this.table) out.push(encodeIpvsReply({ kind: 'service', service: e.service, stats: e.stats }, fid, m.seq));
        out.push(encodeDone(m.seq));
      } else if (r.value.cmd === 'get-dest') {
        const id = serviceKeyId(r.value.service);
        this.requests.push(`get-dest ${id}`);
        const e = this.table.find((x) => serviceKeyId(x.service.key) === id);
        if (!e || this.vanish.has(id)) { out.push(encodeError({ type: m.type, flags: m.flags, seq: m.seq, pid: 0, len: 16 + m.payload.length }, 3)); continue; }
        for (const d of e.dests) out.push(encodeIpvsReply({ kind: 'dest', dest: d.dest, stats: d.stats, activeConns: 1, inactConns: 0, persistConns: 0 }, fid, m.seq));
        out.push(encodeDone(m.seq));
      } else {
        assert.fail(`unexpected request ${r.value.cmd}`);
      }
    }
    const replies = out.flatMap((b) => ipvsWire.decode(b));
    const sawServices = this.requests.at(-1) === 'get-service';
    queueMicrotask(() => {
      if (this.overrunAfterServices && sawServices) { this.onOverrunCb(); return; }
      this.onMsgs(replies);
    });
  }
  onMessages(cb: (m: readonly WireMessage[]) => void): void { this.onMsgs = cb; }
  onOverrun(cb: () => void): void { this.onOverrunCb = cb; }
}

const TABLE: KernelEntry[] = [
  {
    service: svc({ kind: 'addr', protocol: 'tcp', addr: ip('10.0.0.100'), port: 80 }), stats: stats(5),
    dests: [{ dest: dest('192.168.1.1', 8080), stats: stats(2) }, { dest: dest('192.168.1.2', 8080), stats: stats(3) }],
  },
  {
    service: svc({ kind: 'addr', protocol: 'udp', addr: ip('2001:db8::1'), port: 53 }), stats: stats(7),
    dests: [{ dest: dest('2001:db8::2', 53), stats: stats(7) }],
  },
  { service: svc({ kind: 'fwmark', fwmark: 7, family: 4 }), stats: stats(1), dests: [{ dest: dest('192.168.1.9', 0), stats: stats(1) }] },
];

test('services and destinations with their counters, in real bytes, one dump at a time', async () => {
  const k = new ScriptedKernel(TABLE);
  const r = await readIpvsCounters(k, ipvsWire, 1000);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(k.requests, ['family', 'get-service', 'get-dest tcp:10.0.0.100:80', 'get-dest udp:[2001:db8::1]:53', 'get-dest fwmark:4:7']);
  assert.equal(r.entries.length, 3);
  assert.deepEqual(r.entries[0]!.stats, stats(5));
  assert.deepEqual(r.entries[0]!.dests.map((d) => d.stats), [stats(2), stats(3)]);

  // As gen2brain/keepalived_exporter labels them: Go's "ADDR:PORT", the protocol number.
  const p = parseExposition(collectMetrics({
    pid: 1, version: 't', configFile: 'x', startedAtMs: 0, config: () => { throw new Error('unused'); },
    vrrp: () => undefined, lvs: () => undefined, history: new EventHistory(() => 0),
  }, { ipvs: r.entries }).render());
  assert.equal(sampleOf(p, 'keepalived_lvs_vip_in_packets', { addr: '10.0.0.100:80', proto: '6' }).value, 50);
  assert.equal(sampleOf(p, 'keepalived_lvs_vip_out_packets', { addr: '10.0.0.100:80', proto: '6' }).value, 45);
  assert.equal(sampleOf(p, 'keepalived_lvs_vip_in_bytes', { addr: '10.0.0.100:80', proto: '6' }).value, 5000 + 2 ** 33, 'a u64 above 2^32');
  assert.equal(sampleOf(p, 'keepalived_lvs_vip_out_bytes', { addr: '10.0.0.100:80', proto: '6' }).value, 4500);
  assert.equal(sampleOf(p, 'keepalived_lvs_vip_conn', { addr: '10.0.0.100:80', proto: '6' }).value, 5);
  assert.equal(sampleOf(p, 'keepalived_lvs_rs_conn', { addr: '192.168.1.2:8080', proto: '6' }).value, 3);
  assert.equal(sampleOf(p, 'keepalived_lvs_vip_conn', { addr: '2001:db8::1:53', proto: '17' }).value, 7);
  assert.equal(sampleOf(p, 'keepalived_lvs_rs_in_packets', { addr: '2001:db8::2:53', proto: '17' }).value, 70);
  assert.equal(sampleOf(p, 'keepalived_lvs_vip_conn', { addr: '<nil>:0', proto: '0' }).value, 1, 'fwmark: no address');
  assert.equal(sampleOf(p, 'keepalived_lvs_rs_conn', { addr: '192.168.1.9:0', proto: '0' }).value, 1);
  assert.equal(p.get('keepalived_lvs_rs_out_bytes')!.samples.length, 4);
});

test('no IPVS in the kernel, an overrun, or silence: an error, never a throw; a vanished service keeps no dests', async () => {
  const none = new ScriptedKernel(TABLE);
  none.model.familyPresent = false;
  const r1 = await readIpvsCounters(none, ipvsWire, 1000);
  assert.deepEqual(r1, { ok: false, error: 'IPVS family: errno 2' });

  const over = new ScriptedKernel(TABLE);
  over.overrunAfterServices = true;
  assert.deepEqual(await readIpvsCounters(over, ipvsWire, 1000), { ok: false, error: 'netlink receive overrun' });

  const quiet = new ScriptedKernel(TABLE);
  quiet.answer = false;
  const t0 = Date.now();
  assert.deepEqual(await readIpvsCounters(quiet, ipvsWire, 100), { ok: false, error: 'no complete IPVS answer within 100 ms' });
  assert.ok(Date.now() - t0 < 5000);

  const gone = new ScriptedKernel(TABLE);
  gone.vanish.add('udp:[2001:db8::1]:53');
  const r4 = await readIpvsCounters(gone, ipvsWire, 1000);
  assert.ok(r4.ok);
  assert.deepEqual(r4.entries.map((e) => e.dests.length), [2, 0, 1]);
});

test('the endpoint reads the counters only when the LVS half runs, and scrapes without them when the read fails', async () => {
  const lines: string[] = [];
  const log = { info: () => {}, warn: () => {}, debug: () => {}, error: (m: string) => lines.push(m) } as unknown as DaemonLogger;
  let calls = 0;
  let give: boolean = true;
  const service = createMetricsService(async () => {
    calls++;
    if (!give) return undefined;
    const r = await readIpvsCounters(new ScriptedKernel(TABLE), ipvsWire, 1000);
    return r.ok ? r.entries : undefined;
  });
  const history = new EventHistory(() => 0);
  const { lvs } = lvsRig('virtual_server 10.0.0.100 80 {\n  protocol TCP\n  real_server 192.168.1.1 8080 {\n    TCP_CHECK {\n    }\n  }\n}\n', history);
  let withLvs = false;
  const view = {
    pid: 1, version: 't', configFile: 'x', startedAtMs: 0, config: () => { throw new Error('unused'); },
    vrrp: () => undefined, lvs: () => (withLvs ? lvs : undefined), history,
  };
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
  const stop = await service(view, { metricsListen: String(port) }, log);
  assert.ok(stop, lines.join('\n'));
  try {
    const get = async () => parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    const p0 = await get();
    assert.equal(calls, 0, 'no LVS half: IPVS is not asked');
    assert.equal(p0.has('keepalived_lvs_vip_conn'), false);
    withLvs = true;
    const p1 = await get();
    assert.equal(calls, 1);
    assert.equal(sampleOf(p1, 'keepalived_lvs_vip_conn', { addr: '10.0.0.100:80', proto: '6' }).value, 5);
    give = false;
    const p2 = await get();
    assert.equal(calls, 2);
    assert.equal(p2.has('keepalived_lvs_vip_conn'), false);
    assert.equal(sampleOf(p2, 'keepalived_up').value, 1);
  } finally {
    await stop();
  }
  assert.deepEqual(lines, []);
});
