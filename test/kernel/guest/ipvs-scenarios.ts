// Runs INSIDE the IPVS guest (test/kernel/ipvs.test.ts starts it through run-in-vm.sh with
// KTS_IPVS_GUEST=1). Each scenario prints one line `KTS-RESULT {"name","ok","detail"}`; the host
// test turns them into assertions. Oracles are things nobody here wrote: ipvsadm 1.31's view of
// the kernel table (-S -n, -Ln --thresholds) and the kernel's own answers.
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { IpvsClient, sh } from './ipvs-client.ts';
import { parseIpvsadmSave, renderTable } from './ipvsadm-save.ts';
import { arbKernelTable, KERNEL_SERVICE_KEYS } from './kernel-arbitraries.ts';
import { formatIpvsVersion } from '../../../src/ipvs/ipvs-codec.ts';
import { IpvsSync } from '../../../src/ipvs/ipvs-sync.ts';
import { ipvsWire } from '../../../src/ipvs/ipvs-wire.ts';
import { buildTable, serviceKeyId, type IpvsDest, type IpvsTable, type ServiceEntry } from '../../../src/ipvs/model.ts';
import { plan } from '../../../src/ipvs/plan.ts';
import { SCENARIO_KEEPALIVED } from './keepalived-compare.ts';
import { SCENARIO_KEEPALIVED_DYNAMIC } from './keepalived-dynamic.ts';

if (process.env.KTS_IPVS_GUEST !== '1') throw new Error('run me through test/kernel/ipvs.test.ts (I flush IPVS)');

type Result = { name: string; ok: boolean; detail: string };
const only = process.argv.slice(2);

async function scenario(name: string, fn: () => Promise<string | void>): Promise<void> {
  if (only.length && !only.includes(name)) return;
  const t0 = Date.now();
  let r: Result;
  try {
    const detail = (await fn()) ?? '';
    r = { name, ok: true, detail: `${detail} (${Date.now() - t0} ms)` };
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `\ncaused by: ${e.cause.message}` : '';
    r = { name, ok: false, detail: e instanceof Error ? `${e.message}${cause}\n${e.stack ?? ''}` : String(e) };
  }
  process.stdout.write(`KTS-RESULT ${JSON.stringify(r)}\n`);
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}
function sameText(a: string, b: string, what: string): void {
  if (a !== b) throw new Error(`${what} differ:\n--- ours\n${a}\n--- expected\n${b}`);
}
const sorted = (text: string) => text.split('\n').map((l) => l.trimEnd()).filter(Boolean).sort().join('\n');
const NS = `ktsipvs${process.pid}`;

// The catalog: every scheduler available, every flag, every forwarding method and tunnel type,
// IPv4/IPv6, fwmark v4/v6, SCTP, mixed-family tunnel dest, persistence with granularity, PE sip.
const CATALOG = [
  '-A -t 10.0.0.1:80 -s wrr -p 300 -M 255.255.255.0',
  '-a -t 10.0.0.1:80 -r 192.168.1.1:8080 -m -w 70000 -x 5 -y 2',
  '-a -t 10.0.0.1:80 -r [2001:db8::5]:80 -i -w 3 --tun-type gue --tun-port 6080 --tun-csum',
  '-a -t 10.0.0.1:80 -r 192.168.1.2:80 -g -w 0',
  '-A -u 10.0.0.1:53 -s sh -p 30 -M 255.255.0.0 --pe sip -o -b sh-port',
  '-a -u 10.0.0.1:53 -r 10.1.1.1:53 -g -w 1',
  '-a -u 10.0.0.1:53 -r 10.1.1.2:53 -i -w 2 --tun-type gre --tun-csum',
  '-A --sctp-service 10.0.0.2:9 -s mh -b mh-fallback,mh-port',
  '-a --sctp-service 10.0.0.2:9 -r 10.1.1.5:9 -m -w 4',
  '-A -t [2001:db8::1]:443 -s lc -p 10 -M 64',
  '-a -t [2001:db8::1]:443 -r [2001:db8::10]:443 -m -w 1',
  '-a -t [2001:db8::1]:443 -r 10.2.2.2:443 -i -w 5',
  '-A -f 5 -s rr -b flag-1,flag-3',
  '-a -f 5 -r 10.1.1.3:0 -m -w 1',
  '-a -f 5 -r 10.1.1.4:0 -i -w 1 --tun-type gue --tun-port 99 --tun-nocsum',
  '-A -f 9 -6 -s sed',
  '-a -f 9 -6 -r [2001:db8::20]:0 -g -w 9',
  ...['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'].map((s, i) => `-A -t 10.9.9.9:${1000 + i} -s ${s}`),
].join('\n');

// Process start-up costs 100-200 ms in the user-mode-linux guest: spawn as little as possible.
function ipvsadmRestore(text: string, ns?: string): void {
  if (!ns) { execFileSync('ipvsadm', ['-R'], { input: `${text}\n` }); return; }
  writeFileSync(`/tmp/restore-${process.pid}`, `${text}\n`);
  sh(`ip netns exec ${ns} ipvsadm -R < /tmp/restore-${process.pid}`);
}
const ipvsadmSave = (): string => execFileSync('ipvsadm', ['-S', '-n'], { encoding: 'utf8' });

async function dumpAll(c: IpvsClient): Promise<IpvsTable> {
  const entries: { service: ServiceEntry['service']; dests: IpvsDest[] }[] = [];
  for (const r of await c.request({ cmd: 'get-service' })) {
    if (r.kind !== 'service') continue;
    const dests = (await c.request({ cmd: 'get-dest', service: r.service.key })).flatMap((d) => (d.kind === 'dest' ? [d.dest] : []));
    entries.push({ service: r.service, dests });
  }
  return buildTable(entries);
}

/** Programs a table with one request per service/dest (no planner involved). */
async function program(c: IpvsClient, table: IpvsTable): Promise<void> {
  for (const e of table.values()) {
    await c.request({ cmd: 'new-service', service: e.service });
    for (const d of e.dests.values()) await c.request({ cmd: 'new-dest', service: e.service.key, dest: d });
  }
}

const c = new IpvsClient();
try {
  sh('modprobe ip_vs');
  await c.resolve();

  await scenario('info', async () => {
    const [info] = await c.request({ cmd: 'get-info' });
    if (info?.kind !== 'info') throw new Error('GET_INFO reply');
    const head = sh('ipvsadm -Ln').split('\n')[0]!;
    const want = `IP Virtual Server version ${formatIpvsVersion(info.version)} (size=${info.connTabSize})`;
    sameText(want, head, 'ipvsadm header');
    const [cfg] = await c.request({ cmd: 'get-config' });
    const tl = sh('ipvsadm -L --timeout').trim();
    check(cfg?.kind === 'config' && tl === `Timeout (tcp tcpfin udp): ${cfg.timeouts.tcpS} ${cfg.timeouts.tcpFinS} ${cfg.timeouts.udpS}`, `timeouts: ${tl} vs ${JSON.stringify(cfg)}`);
    await c.request({ cmd: 'set-config', timeouts: { tcpS: 901, tcpFinS: 121, udpS: 301 } });
    check(sh('ipvsadm -L --timeout').trim() === 'Timeout (tcp tcpfin udp): 901 121 301', 'SET_CONFIG seen by ipvsadm');
    return head;
  });

  await scenario('codec-programs-what-ipvsadm-programs', async () => {
    await c.request({ cmd: 'flush' });
    check(sh('ipvsadm -S -n').trim() === '', 'FLUSH emptied the table');
    const model = parseIpvsadmSave(CATALOG);
    await program(c, model);
    sh(`ip netns add ${NS} && ip -n ${NS} link set lo up`); // IPv4 dests need lo up (inet_addr_type)
    try {
      ipvsadmRestore(CATALOG, NS);
      sameText(sorted(sh('ipvsadm -S -n')), sorted(sh(`ip netns exec ${NS} ipvsadm -S -n`)), 'ipvsadm -S -n');
      sameText(sorted(sh('ipvsadm -Ln --thresholds')), sorted(sh(`ip netns exec ${NS} ipvsadm -Ln --thresholds`)), 'ipvsadm -Ln --thresholds');
      sameText(sorted(sh('ipvsadm -Ln --tun-info')), sorted(sh(`ip netns exec ${NS} ipvsadm -Ln --tun-info`)), 'ipvsadm -Ln --tun-info');
    } finally {
      sh(`ip netns del ${NS}`);
    }
    return `${model.size} services`;
  });

  await scenario('decode-what-ipvsadm-programs', async () => {
    await c.request({ cmd: 'flush' });
    ipvsadmRestore(CATALOG);
    sameText(renderTable(await dumpAll(c)), renderTable(parseIpvsadmSave(CATALOG)), 'decoded dump');
  });

  await scenario('edit-in-place-set-service-set-dest', async () => {
    await c.request({ cmd: 'flush' });
    ipvsadmRestore('-A -t 10.0.0.1:80 -s wrr -p 300\n-a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 5');
    const t = await dumpAll(c);
    const e = t.get('tcp:10.0.0.1:80')!;
    const d = e.dests.get('192.168.1.1:80')!;
    await c.request({ cmd: 'set-service', service: { ...e.service, attrs: { ...e.service.attrs, scheduler: 'sh', flags: 0x18, timeoutS: 0 } } });
    await c.request({ cmd: 'set-dest', service: e.service.key, dest: { ...d, attrs: { ...d.attrs, fwd: 'dr', weight: 0, uThreshold: 9, lThreshold: 3 } } });
    sameText(sorted(sh('ipvsadm -S -n')), sorted('-A -t 10.0.0.1:80 -s sh -b sh-fallback,sh-port\n-a -t 10.0.0.1:80 -r 192.168.1.1:80 -g -w 0'), 'after SET');
    check(/192\.168\.1\.1:80\s+9\s+3\s/.test(sh('ipvsadm -Ln --thresholds')), 'thresholds edited');
    await c.request({ cmd: 'del-dest', service: e.service.key, dest: d.key });
    await c.request({ cmd: 'zero', service: e.service.key });
    await c.request({ cmd: 'zero' });
    await c.request({ cmd: 'del-service', service: e.service.key });
    check(sh('ipvsadm -S -n').trim() === '', 'DEL_DEST + DEL_SERVICE emptied the table');
  });

  await scenario('kernel-errors-come-back-as-errno', async () => {
    await c.request({ cmd: 'flush' });
    const key = KERNEL_SERVICE_KEYS[0]!;
    const attrs = { scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 0xffffffff, peName: '' };
    const errno = async (p: Promise<unknown>) => p.then(() => 0, (e: { errno?: number }) => e.errno ?? -1);
    const got = {
      unknownScheduler: await errno(c.request({ cmd: 'new-service', service: { key, attrs: { ...attrs, scheduler: 'nope' } } })),
      delMissing: await errno(c.request({ cmd: 'del-service', service: key })),
      add: await errno(c.request({ cmd: 'new-service', service: { key, attrs } })),
      addAgain: await errno(c.request({ cmd: 'new-service', service: { key, attrs } })),
      natOtherFamily: await errno(c.request({ cmd: 'new-dest', service: key, dest: { key: { addr: { family: 6, bytes: new Uint8Array(16).fill(1) }, port: 80 }, attrs: { fwd: 'nat', weight: 1, uThreshold: 0, lThreshold: 0, tunType: 'ipip', tunPort: 0, tunFlags: 0 } } })),
      twos: await errno(c.request({ cmd: 'new-service', service: { key: KERNEL_SERVICE_KEYS[2]!, attrs: { ...attrs, scheduler: 'twos' } } })),
    };
    check(got.unknownScheduler === 2 && got.delMissing === 3 && got.add === 0 && got.addAgain === 17 && got.natOtherFamily === 22, JSON.stringify(got));
    return `ENOENT/ESRCH/EEXIST/EINVAL as expected; twos scheduler: ${got.twos === 0 ? 'available' : `errno ${got.twos} (module not in this kernel)`}`;
  });

  await scenario('ipvs-sync-converges-and-leaves-foreign-services', async () => {
    let runs = 0;
    let opsTotal = 0;
    await fc.assert(fc.asyncProperty(arbKernelTable, arbKernelTable, async (start, desired) => {
      runs++;
      await c.request({ cmd: 'flush' });
      await program(c, start);
      const FOREIGN = '-A -t 172.16.0.1:1 -s rr\n-a -t 172.16.0.1:1 -r 172.16.1.1:1 -m -w 3';
      ipvsadmRestore(FOREIGN);
      const owned = new Set([...start.keys()]);
      const expectOps = plan(desired, await dumpAll(c), new Set([...owned, ...desired.keys()])).length;
      const sync = new IpvsSync(ipvsWire);
      const events = await c.sync(sync, desired, owned);
      const synced = events.filter((e) => e.type === 'synced');
      check(synced.length === 1 && synced[0]!.type === 'synced' && synced[0]!.ops === expectOps, `ops ${JSON.stringify(synced)} vs plan ${expectOps}: ${JSON.stringify(events.filter((e) => e.type === 'op-failed'))}`);
      opsTotal += expectOps;
      const save = ipvsadmSave();
      const isOurs = (id: string) => id !== 'tcp:172.16.0.1:1';
      sameText(renderTable(parseIpvsadmSave(save), { thresholds: false, only: isOurs }), renderTable(desired, { thresholds: false }), 'ipvsadm -S after sync');
      sameText(sorted(save.split('\n').filter((l) => l.includes('172.16.0.1')).join('\n')), sorted(FOREIGN), 'foreign service');
      sameText(renderTable(await dumpAll(c), { only: isOurs }), renderTable(desired), 'our dump after sync (thresholds too)');
      // A fresh daemon adopting this kernel: dumps only, zero ops.
      const again = await c.sync(new IpvsSync(ipvsWire), desired, owned);
      check(again.some((e) => e.type === 'synced' && e.ops === 0), `adoption not free: ${JSON.stringify(again)}`);
    }), { numRuns: 15, seed: 20261121 });
    return `${runs} random start/desired pairs, ${opsTotal} ops applied, each equal to plan()`;
  });

  await scenario('overrun-leads-to-redump-and-convergence', async () => {
    await c.request({ cmd: 'flush' });
    const small = new IpvsClient(1024); // tiny SO_RCVBUF: 500 ACKs cannot fit
    let overruns = 0;
    small.sock.on('error', (e) => { if (e.errno === 105) overruns++; });
    try {
      await small.resolve();
      const entries = Array.from({ length: 20 }, (_, i) => ({
        service: { key: { kind: 'addr' as const, protocol: 'tcp' as const, addr: { family: 4 as const, bytes: Uint8Array.of(10, 30, 0, i) }, port: 80 }, attrs: { scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 0xffffffff, peName: '' } },
        dests: Array.from({ length: 25 }, (_, j) => ({ key: { addr: { family: 4 as const, bytes: Uint8Array.of(10, 31, i, j + 1) }, port: 80 }, attrs: { fwd: 'nat' as const, weight: 1, uThreshold: 0, lThreshold: 0, tunType: 'ipip' as const, tunPort: 0, tunFlags: 0 } })),
      }));
      const desired = buildTable(entries);
      const sync = new IpvsSync(ipvsWire);
      small.sock.on('error', (e) => { if (e.errno === 105) sync.handleOverrun(0); });
      const events = await small.sync(sync, desired).catch((e: Error) => { throw new Error(`${e.message}; overruns ${overruns}`); });
      const kernel = parseIpvsadmSave(sh('ipvsadm -S -n'));
      sameText(renderTable(kernel, { thresholds: false }), renderTable(desired, { thresholds: false }), 'after overrun');
      return `${overruns} ENOBUFS, ${events.filter((e) => e.type === 'resync').length} resyncs, converged to 20x25`;
    } finally {
      small.close();
    }
  });

  await scenario('sync-daemon-new-get-del', async () => {
    await c.request({ cmd: 'new-daemon', daemon: { state: 'master', mcastIfn: 'lo', syncId: 42, mcastGroup: { family: 4, bytes: Uint8Array.of(224, 0, 0, 81) }, mcastPort: 8849, mcastTtl: 2, syncMaxLen: 1400 } });
    const shown = sh('ipvsadm -L --daemon').trim();
    check(/master sync daemon \(mcast=lo, syncid=42, maxlen=1400, group=224\.0\.0\.81, port=8849, ttl=2\)/.test(shown), `ipvsadm -L --daemon: ${shown}`);
    const [r] = await c.request({ cmd: 'get-daemon' });
    const d = r?.kind === 'daemon' ? r.daemons[0] : undefined;
    check(d?.state === 'master' && d.mcastIfn === 'lo' && d.syncId === 42 && d.mcastPort === 8849 && d.mcastTtl === 2 && d.syncMaxLen === 1400
      && d.mcastGroup?.bytes.join('.') === '224.0.0.81', `GET_DAEMON: ${JSON.stringify(r)}`);
    await c.request({ cmd: 'del-daemon', state: 'master' });
    check(sh('ipvsadm -L --daemon').trim() === '', 'DEL_DAEMON stopped it');
    return shown;
  });

  await scenario('keepalived-same-table', async () => SCENARIO_KEEPALIVED(c));
  await scenario('keepalived-same-table-as-servers-fail-and-recover', async () => SCENARIO_KEEPALIVED_DYNAMIC(c));
} finally {
  c.close();
}
void serviceKeyId;
