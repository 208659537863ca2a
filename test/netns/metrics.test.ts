// The Prometheus endpoint of the real executable (root, network namespaces): three keepalived-ts
// directors in their own namespaces, each started with --metrics-listen. Scrapes are made from
// inside the namespaces (a `node -e` fetch under `ip netns exec`), only to addresses there.
// Checked: the MASTER/BACKUP states in mehdy/keepalived-exporter's encoding (2 / 1 per VIP),
// advert counters growing between scrapes, the content type, 404 elsewhere, the default address
// being loopback only (unreachable from the LAN) while an explicit LAN address is reachable, a
// failover seen through the metrics, and a busy port that leaves the daemon running without
// metrics. Every body is read by the strict exposition parser and, when Debian's promtool
// (package prometheus) is on PATH or in $PROMTOOL, by `promtool check metrics` too.
// A second test runs in the IPVS guest kernel (shared/tools/run-in-vm.sh; this kernel has no
// IPVS): the scrape-time IPVS counters (gen2brain's keepalived_lvs_*) against
// `ipvsadm -Ln --stats --exact` after real traffic through a VIP.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, isRoot, need } from '../support/env.ts';
import { REPO_ROOT, TOOLS } from '../support/paths.ts';
import { VIP4, VrrpLab, instanceConf, waitFor } from '../support/lab.ts';
import type { Netns } from '../support/netns.ts';
import { parseExposition, sampleOf, type ParsedFamily } from '../fixtures/metrics/exposition-parser.ts';

const labs: VrrpLab[] = [];
const blockers: Array<{ kill(): boolean }> = [];
after(async () => {
  for (const b of blockers) b.kill();
  for (const l of labs) await l.destroy();
});

interface Scrape { readonly status: number; readonly type: string | null; readonly body: string }

/** One HTTP GET from inside `ns` (bounded: 3 s fetch timeout); undefined when it cannot connect. */
function scrapeFrom(ns: Netns, url: string): Scrape | undefined {
  const script = 'fetch(process.argv[1], { signal: AbortSignal.timeout(3000) })'
    + '.then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, type: r.headers.get("content-type"), body: await r.text() })))'
    + '.catch(() => process.exit(2))';
  const r = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, '-e', script, url], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout) as Scrape;
}

async function scrapeOk(ns: Netns, url: string): Promise<Map<string, ParsedFamily>> {
  let last: Scrape | undefined;
  await waitFor(() => (last = scrapeFrom(ns, url))?.status === 200, 20_000, `200 from ${url}`);
  assert.equal(last!.type, 'text/plain; version=0.0.4; charset=utf-8');
  promtoolCheck(last!.body);
  return parseExposition(last!.body);
}

const PROMTOOL = process.env.PROMTOOL ?? (hasCommand('promtool') ? 'promtool' : undefined);
const GEN2BRAIN_UNSUFFIXED = new Set(readFileSync(new URL('../fixtures/metrics/exporter-names.txt', import.meta.url), 'utf8')
  .split('\n').filter((l) => l.startsWith('gen2brain ') && / counter /.test(l)).map((l) => l.split(/\s+/)[1]!));
let promtoolRuns = 0;

/**
 * promtool check metrics: exit 1 = the text does not parse (fail); exit 3 = lint problems, of
 * which only one is expected: gen2brain/keepalived_exporter's counter names have no _total
 * suffix, and we keep its names on purpose.
 */
function promtoolCheck(body: string): void {
  if (!PROMTOOL) return;
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: body, encoding: 'utf8', timeout: 30_000 });
  promtoolRuns++;
  const out = `${r.stdout}${r.stderr}`.trim();
  assert.notEqual(r.status, 1, `promtool: ${out}`);
  if (r.status === 0) return;
  assert.equal(r.status, 3, `promtool exit ${r.status}: ${out}`);
  for (const line of out.split('\n').filter((x) => x.trim() !== '')) {
    const m = /^(\S+) counter metrics should have "_total" suffix$/.exec(line.trim());
    assert.ok(m && GEN2BRAIN_UNSUFFIXED.has(m[1]!), `unexpected promtool finding: ${line}`);
  }
}

const VI = { iname: 'VI_1', intf: 'eth0', vrid: '51' };
const VIP_SERIES = { ...VI, ip_address: `${VIP4}/24` };

test('/metrics of a MASTER and a BACKUP in their namespaces: states, growing counters, failover, a busy port', async (t) => {
  if (!need(t, isRoot(), 'root for network namespaces')) return;
  // promtool is the reader nobody here wrote: scripts/setup.sh installs it (package prometheus).
  if (!need(t, PROMTOOL !== undefined, 'promtool (Debian package prometheus; scripts/setup.sh installs it)')) return;
  const l = new VrrpLab('met', ['d1', 'd2', 'd3']);
  labs.push(l);
  const conf = (priority: number): string => instanceConf({ priority, version: 3, advertInt: 0.1 });
  const ns = (n: string): Netns => l.node(n).ns;

  // d3's port is taken before it starts: it must log that and run on without metrics.
  const blocker = ns('d3').spawn(process.execPath, ['-e', 'require("net").createServer().listen(9165, "127.0.0.1", () => console.log("ready"))']);
  blockers.push(blocker);
  let blockerOut = '';
  blocker.stdout?.on('data', (b: Buffer) => { blockerOut += b.toString(); });
  await waitFor(() => blockerOut.includes('ready'), 10_000, 'the port blocker in d3');

  const d1 = l.startTs('d1', conf(150), ['--metrics-listen=9165']);
  const d2 = l.startTs('d2', conf(100), ['--metrics-listen=10.99.0.12:9166']);
  const d3 = l.startTs('d3', conf(50), ['--metrics-listen=127.0.0.1:9165']);
  await waitFor(() => l.soleHolder() === 'd1', 30_000, 'd1 to become MASTER');
  const d1Url = 'http://127.0.0.1:9165/metrics';
  const d2Url = 'http://10.99.0.12:9166/metrics';

  const a1 = await scrapeOk(ns('d1'), d1Url);
  const b1 = await scrapeOk(ns('d2'), d2Url);
  assert.equal(sampleOf(a1, 'keepalived_up').value, 1);
  assert.equal(sampleOf(a1, 'keepalived_vrrp_state', VIP_SERIES).value, 2, 'MASTER = 2');
  await waitFor(() => {
    const b = scrapeFrom(ns('d2'), d2Url);
    return b !== undefined && sampleOf(parseExposition(b.body), 'keepalived_vrrp_state', VIP_SERIES).value === 1;
  }, 10_000, 'd2 to report BACKUP (1)');
  assert.equal(sampleOf(a1, 'keepalived_vrrp_advert_sent', { name: 'VI_1', intf: 'eth0', vrid: '51', state: 'MASTER' }).value,
    sampleOf(a1, 'keepalived_advertisements_sent_total', VI).value);
  assert.equal(sampleOf(a1, 'keepalived_ts_vrrp_effective_priority', VI).value, 150);
  assert.equal(sampleOf(a1, 'keepalived_become_master_total', VI).value, 1);

  // Counters grow between scrapes (advert_int 0.1 s: about 10 a second).
  await new Promise((r) => setTimeout(r, 1000));
  const a2 = await scrapeOk(ns('d1'), d1Url);
  const b2 = await scrapeOk(ns('d2'), d2Url);
  const sent = (p: Map<string, ParsedFamily>): number => sampleOf(p, 'keepalived_advertisements_sent_total', VI).value;
  const rcvd = (p: Map<string, ParsedFamily>): number => sampleOf(p, 'keepalived_advertisements_received_total', VI).value;
  assert.ok(sent(a2) - sent(a1) >= 5, `master sent ${sent(a2) - sent(a1)} adverts in about a second`);
  assert.ok(rcvd(b2) - rcvd(b1) >= 5, `backup received ${rcvd(b2) - rcvd(b1)} adverts in about a second`);
  // (d2 may have been MASTER for a moment if d1 was slower to start, so compare, not zero.)
  assert.equal(sent(b2), sent(b1), 'a backup sends nothing');

  // Only /metrics; the default address is loopback, an explicit LAN address is reachable.
  assert.equal(scrapeFrom(ns('d1'), 'http://127.0.0.1:9165/')?.status, 404);
  assert.equal(scrapeFrom(l.client, 'http://10.99.0.11:9165/metrics'), undefined, 'd1 (default 127.0.0.1) is not reachable from the LAN');
  assert.equal(scrapeFrom(l.client, d2Url)?.status, 200, 'd2 listens on its LAN address');

  // The busy port: an error, no metrics, and the daemon still runs VRRP.
  await waitFor(() => /cannot listen on 127\.0\.0\.1:9165: .*EADDRINUSE.*running without metrics/.test(d3.log()), 10_000, 'd3 to log the busy port');
  assert.equal(d3.exited(), false, d3.log());
  assert.match(d3.log(), /\(VI_1\) Entering BACKUP STATE/);

  // Failover seen through the metrics: d1 stops (priority 0), d2 (100) takes over from d3 (50).
  await d1.stop('SIGTERM');
  await waitFor(() => l.soleHolder() === 'd2', 10_000, 'd2 to take over');
  const b3 = await scrapeOk(ns('d2'), d2Url);
  assert.equal(sampleOf(b3, 'keepalived_vrrp_state', VIP_SERIES).value, 2);
  assert.equal(sampleOf(b3, 'keepalived_become_master_total', VI).value - sampleOf(b2, 'keepalived_become_master_total', VI).value, 1);
  assert.ok(sampleOf(b3, 'keepalived_priority_zero_received_total', VI).value >= 1);
  assert.ok(sampleOf(b3, 'keepalived_ts_vrrp_last_transition_timestamp_seconds', VI).value * 1000 > Date.now() - 60_000);
  assert.equal(d3.exited(), false);
  if (PROMTOOL) assert.ok(promtoolRuns >= 5, 'promtool checked every scrape');
  for (const d of [d2, d3]) await d.stop('SIGTERM');
  assert.equal(d2.child.exitCode, 0, d2.log());
});

const RUN_IN_VM = process.env.KTS_RUN_IN_VM ?? join(TOOLS, 'run-in-vm.sh');

function runGuest(cmd: string): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve) => {
    const child = spawn(RUN_IN_VM, [cmd], { cwd: REPO_ROOT, env: { ...process.env, VM_TIMEOUT: '200' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (b) => { text += b; });
    child.stderr.on('data', (b) => { text += b; });
    child.on('close', (code) => resolve({ code, text }));
  });
}

test('IPVS traffic counters (keepalived_lvs_vip_*, keepalived_lvs_rs_*) equal ipvsadm --stats in a guest kernel', { timeout: 300_000 }, async (t) => {
  if (!need(t, isRoot() && existsSync(RUN_IN_VM), `root and ${RUN_IN_VM} (a user-mode-linux guest with IPVS)`)) return;
  const out = await runGuest('KTS_IPVS_GUEST=1 node --import tsx test/fixtures/metrics/ipvs-counters-guest.ts');
  const line = out.text.split('\n').find((l) => l.startsWith('KTS-METRICS '));
  assert.ok(line, `guest exit ${out.code}:\n${out.text.slice(-3000)}`);
  const { metrics, ipvsadm } = JSON.parse(line.slice('KTS-METRICS '.length)) as { metrics: string; ipvsadm: string };
  const p = parseExposition(metrics);
  promtoolCheck(metrics);
  const PROTO: Record<string, string> = { TCP: '6', UDP: '17', SCTP: '132', FWM: '0' };
  let proto = '';
  let rows = 0;
  for (const row of ipvsadm.split('\n')) {
    const svc = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(row);
    const dst = /^\s+->\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(row);
    let kind: 'vip' | 'rs';
    let labels: { addr: string; proto: string };
    let nums: string[];
    if (svc) {
      proto = PROTO[svc[1]!]!;
      kind = 'vip';
      labels = { addr: svc[1] === 'FWM' ? '<nil>:0' : svc[2]!, proto };
      nums = svc.slice(3);
    } else if (dst) {
      kind = 'rs';
      labels = { addr: dst[1]!, proto };
      nums = dst.slice(2);
    } else {
      continue;
    }
    rows++;
    const [conns, inPkts, outPkts, inBytes, outBytes] = nums.map(Number);
    assert.equal(sampleOf(p, `keepalived_lvs_${kind}_conn`, labels).value, conns, `${kind} ${labels.addr} conns`);
    assert.equal(sampleOf(p, `keepalived_lvs_${kind}_in_packets`, labels).value, inPkts, `${kind} ${labels.addr} in packets`);
    assert.equal(sampleOf(p, `keepalived_lvs_${kind}_out_packets`, labels).value, outPkts);
    assert.equal(sampleOf(p, `keepalived_lvs_${kind}_in_bytes`, labels).value, inBytes);
    assert.equal(sampleOf(p, `keepalived_lvs_${kind}_out_bytes`, labels).value, outBytes);
  }
  assert.equal(rows, 4, ipvsadm);
  // Three connections were made; the kernel counted them as ipvsadm shows (compared above).
  assert.ok(sampleOf(p, 'keepalived_lvs_vip_conn', { addr: '10.0.0.100:80', proto: '6' }).value > 0, 'traffic went through the VIP');
  assert.ok(sampleOf(p, 'keepalived_lvs_rs_in_bytes', { addr: '10.0.0.100:8080', proto: '6' }).value > 0);
  assert.equal(out.code, 0, out.text.slice(-2000));
});
