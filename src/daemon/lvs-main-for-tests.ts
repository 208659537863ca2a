// Runs only the LVS half (checkers + IPVS) until the CLI wires `keepalived-ts -C`:
//   node --import tsx src/daemon/lvs-main-for-tests.ts -f FILE [-I] [-l] [-D] [--events] [--seed N]
// -I: keep the IPVS table on stop (--dont-release-ipvs). -l / -D: console log / debug detail.
// --events: one JSON object per director event on stdout, with `ms` = milliseconds on this
// process's monotonic clock and `wall` = Date.now() (to line up with other processes); a line {"kind":"ready"} once the
// kernel table first matches the configuration. SIGTERM / SIGINT: stop (table removed unless
// -I), exit 0. SIGHUP: re-read FILE and apply it as a diff (a line {"kind":"reloaded"}).
import { formatIp } from '../base/ip.ts';
import type { LvsEvent } from '../runtime/lvs-director.ts';
import { createDaemonLogger } from './daemon-log.ts';
import { loadConfig } from './load-config.ts';
import { startLvs } from './lvs-start.ts';

const argv = process.argv.slice(2);
let file = '/etc/keepalived/keepalived.conf';
let seed: number | undefined;
let events = false;
const flags = new Set<string>();
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a === '-f') file = argv[++i] ?? file;
  else if (a === '--seed') seed = Number(argv[++i]);
  else if (a === '--events') events = true;
  else for (const c of a.replace(/^-/, '')) flags.add(c);
}

const t0 = process.hrtime.bigint();
const ms = (): number => Number((process.hrtime.bigint() - t0) / 1000n) / 1000;
const emit = (o: object): void => { process.stdout.write(`${JSON.stringify({ ms: ms(), wall: Date.now(), ...o })}\n`); };

function eventLine(e: LvsEvent): object | undefined {
  switch (e.kind) {
    case 'desired': {
      // The whole table only while it is small: a big line per change would cost the daemon more than the change.
      let dests = 0;
      for (const s of e.table.values()) dests += s.dests.size;
      if (e.table.size > 16) return { kind: 'desired', services: e.table.size, dests };
      const t: Record<string, string[]> = {};
      for (const [id, s] of e.table) t[id] = [...s.dests.values()].map((d) => `${formatIp(d.key.addr)}:${d.key.port}/${d.attrs.weight}`);
      return { kind: 'desired', services: e.table.size, dests, table: t };
    }
    case 'ipvs': return e.event.type === 'op-failed' ? { kind: 'ipvs', type: 'op-failed', errno: e.event.errno, op: e.event.op.op } : { kind: 'ipvs', ...e.event };
    case 'sent': return { kind: 'sent', messages: e.messages, bytes: e.bytes };
    default: {
      const { at: _at, ...rest } = e;
      return rest;
    }
  }
}

const log = createDaemonLogger({ logConsole: flags.has('l'), logDetail: flags.has('D') });
const loaded = await loadConfig({ file, configId: '', allConfig: false, hostChecks: false });
const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
for (const d of loaded.diagnostics) process.stderr.write(`${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message} [${d.code}]\n`);
if (!loaded.config || errors.length > 0) process.exit(4);

const lvs = startLvs(loaded.config, {
  log,
  releaseOnStop: !flags.has('I'),
  ...(seed !== undefined ? { seed } : {}),
  ...(events ? { onEvent: (e: LvsEvent) => { const l = eventLine(e); if (l) emit(l); } } : {}),
});
void lvs.firstSync.then(() => { if (events) emit({ kind: 'ready' }); });
let stopping = false;
const onSignal = (): void => {
  if (stopping) return;
  stopping = true;
  void lvs.stop().then(() => {
    if (events) emit({ kind: 'exit' });
    process.exit(0);
  });
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
process.on('SIGHUP', () => {
  void loadConfig({ file, configId: '', allConfig: false, hostChecks: false }).then((next) => {
    const bad = next.diagnostics.filter((d) => d.severity === 'error');
    for (const d of next.diagnostics) process.stderr.write(`${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message} [${d.code}]\n`);
    if (!next.config || bad.length > 0) { log.error('SIGHUP: the new configuration has errors - keeping the running one'); return; }
    lvs.reload(next.config);
    if (events) emit({ kind: 'reloaded' });
  });
});
