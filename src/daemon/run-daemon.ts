// runDaemon: keepalived-ts as a running VRRP daemon (`keepalived-ts -n -f FILE ...`).
//
// Theory of operation (composition only; every decision lives in a core or a port):
//  1. read the configuration exactly as `-t` does; any error -> print the diagnostics through
//     the caller's formatter and refuse to start (exit 4, "cannot run");
//  2. pid files (-p, -r): refuse when one names a live process;
//  3. host facts from rtnetlink (each interface's addresses) -> the engine's specs
//     (vrrp-spec-from-config.ts);
//  4. the Linux ports: MonotonicClock, OsVrrpLink (raw sockets), NetlinkAddressPort,
//     PacketAnnouncer, ChildScriptRunner, ScriptNotifier, wrapped by VrrpLog for keepalived's
//     log lines; the LinkMonitor feeds interface up/down into tracking;
//  5. VIPs left behind by a previous run are removed (keepalived vrrp_init_state restores the
//     interface the same way), then the Director starts: every instance begins in BACKUP/FAULT;
//  6. SIGTERM / SIGINT: masters send priority 0 and remove their VIPs (kept with -V,
//     dontReleaseVrrp), scripts are killed; we wait for the netlink ACKs (bounded), close every
//     socket, remove the pid files and resolve with 0. SIGHUP (reload) is logged and ignored.

import type { Diagnostic } from 'keepalived-conf-parser';
import { formatIp } from '../base/ip.ts';
import type { ScriptCommand } from '../config/model-common.ts';
import type { KeepalivedConfig } from '../config/model.ts';
import { Director } from '../runtime/director.ts';
import type { AddressPort, PortResult } from '../runtime/ports.ts';
import type { VipSpec } from '../vrrp/instance-spec.ts';
import { PacketAnnouncer } from '../os/announcer.ts';
import { NetlinkAddressPort, type VipOptions } from '../os/address-port.ts';
import { MonotonicClock } from '../os/clock.ts';
import { dumpInterfaceAddresses, primaryAddressOf } from '../os/interface-addresses.ts';
import { LinkMonitor } from '../os/link-monitor.ts';
import { NETLINK_ROUTE } from '../os/native-socket.ts';
import { NetlinkSocket } from '../os/netlink-socket.ts';
import { ScriptNotifier, type NotifyHooks } from '../os/notifier.ts';
import { ChildScriptRunner, type ScriptExec } from '../os/script-runner.ts';
import { lookupUser } from '../os/system-users.ts';
import { OsVrrpLink, type LinkEndpoint } from '../os/vrrp-link.ts';
import { createDaemonLogger, type DaemonLogger } from './daemon-log.ts';
import { loadConfig } from './load-config.ts';
import { removePidFile, writePidFile } from './pid-file.ts';
import { vipKey, vrrpPlanFromConfig, type DaemonVrrpPlan } from './vrrp-spec-from-config.ts';
import { VrrpLog } from './vrrp-log.ts';
import { wireAdvertCodec } from '../runtime/wire-advert-codec.ts';
import { VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6 } from '../vrrp/wire/vrrp-protocol.ts';

export interface DaemonOptions {
  readonly file: string;
  readonly configId: string;
  readonly allConfig: boolean;
  /** -l: human log lines on stderr. */
  readonly logConsole: boolean;
  /** -D: debug detail. */
  readonly logDetail: boolean;
  /** -P: VRRP only (the only subsystem this daemon runs). */
  readonly vrrpOnly: boolean;
  /** -C: checkers only (not built: refused). */
  readonly checkOnly: boolean;
  readonly pidFile?: string;
  readonly vrrpPidFile?: string;
  /** -V: leave the VIPs in place on stop. */
  readonly dontReleaseVrrp: boolean;
  /** Default true; false = --no-host-checks. */
  readonly hostChecks?: boolean;
  /** How a diagnostic is printed (the CLI passes its formatter). */
  readonly formatDiagnostic?: (d: Diagnostic) => string;
  /** Where diagnostics and start-up failures are written (default stderr). */
  readonly errorOut?: { write(s: string): unknown };
  /** Aborting stops the daemon like SIGTERM (in-process use and tests). */
  readonly stopSignal?: AbortSignal;
}

const EXIT_OK = 0;
const EXIT_FATAL = 1;
/** keepalived's "cannot run" (KEEPALIVED_CHK_EXIT_FATAL). */
const EXIT_CONFIG = 4;
/** How long shutdown waits for the kernel to acknowledge VIP removal. */
const STOP_NETLINK_WAIT_MS = 2000;

function defaultFormat(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message} [${d.code}]`;
}

export async function runDaemon(o: DaemonOptions): Promise<number> {
  const errOut = o.errorOut ?? process.stderr;
  const log = createDaemonLogger(o);
  if (o.checkOnly && !o.vrrpOnly) {
    errOut.write('keepalived-ts: the checker subsystem (-C) is not part of this build; run VRRP with -P\n');
    return EXIT_CONFIG;
  }
  const loaded = await loadConfig({ ...o, hostChecks: o.hostChecks ?? true });
  const fmt = o.formatDiagnostic ?? defaultFormat;
  for (const d of loaded.diagnostics) errOut.write(fmt(d) + '\n');
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
  if (!loaded.config || errors > 0) {
    errOut.write(`keepalived-ts: ${errors} configuration error(s) in ${o.file} - not starting\n`);
    return EXIT_CONFIG;
  }
  const pidFiles = [o.pidFile, o.vrrpPidFile].filter((p): p is string => p !== undefined);
  const written: string[] = [];
  for (const p of pidFiles) {
    const r = writePidFile(p);
    if (!r.ok) {
      errOut.write(`keepalived-ts: ${r.error}\n`);
      for (const w of written) removePidFile(w);
      return EXIT_FATAL;
    }
    written.push(p);
  }
  try {
    return await runVrrp(loaded.config, o, log, errOut);
  } catch (e) {
    log.error(`VRRP start-up failed: ${e instanceof Error ? e.message : String(e)}`);
    errOut.write(`keepalived-ts: VRRP start-up failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FATAL;
  } finally {
    for (const w of written) removePidFile(w);
  }
}

/** keepalived's script user: the command's own, else script_user, else keepalived_script if it exists, else root. */
function execResolver(config: KeepalivedConfig, log: DaemonLogger): (c: ScriptCommand) => ScriptExec {
  const g = config.global_defs;
  const fallback = g.script_user ?? (lookupUser('keepalived_script') ? { user: 'keepalived_script' } : undefined);
  return (c) => {
    const who = c.user !== undefined ? { user: c.user, group: c.group } : fallback;
    if (!who) return { argv: c.argv };
    const ids = lookupUser(who.user, who.group);
    if (!ids) {
      log.warn(`script user ${who.user} not found - running ${c.argv[0] ?? ''} as root`);
      return { argv: c.argv };
    }
    return { argv: c.argv, uid: ids.uid, gid: ids.gid };
  };
}

function notifyHooks(config: KeepalivedConfig, exec: (c: ScriptCommand) => ScriptExec): Map<string, NotifyHooks> {
  const m = new Map<string, NotifyHooks>();
  const hooks = (x: { notify_master?: ScriptCommand; notify_backup?: ScriptCommand; notify_fault?: ScriptCommand; notify_stop?: ScriptCommand; notify?: ScriptCommand; notify_master_rx_lower_pri?: ScriptCommand }): NotifyHooks => ({
    ...(x.notify_master ? { master: exec(x.notify_master) } : {}),
    ...(x.notify_backup ? { backup: exec(x.notify_backup) } : {}),
    ...(x.notify_fault ? { fault: exec(x.notify_fault) } : {}),
    ...(x.notify_stop ? { stop: exec(x.notify_stop) } : {}),
    ...(x.notify ? { generic: exec(x.notify) } : {}),
    ...(x.notify_master_rx_lower_pri ? { masterRxLowerPri: exec(x.notify_master_rx_lower_pri) } : {}),
  });
  for (const i of config.vrrp_instances) m.set(i.name, hooks(i));
  for (const g of config.vrrp_sync_groups) m.set(`group:${g.name}`, hooks(g));
  return m;
}

function vipOptions(plan: DaemonVrrpPlan): (ifname: string, vip: VipSpec) => VipOptions | undefined {
  return (ifname, vip) => {
    const line = plan.vipLines.get(vipKey(vip.ifname ?? ifname, vip.addr));
    if (!line) return undefined;
    const peer = line.peer?.split('/');
    return {
      ...(line.label !== undefined ? { label: line.label } : {}),
      ...(line.scope !== undefined ? { scope: line.scope } : {}),
      ...(line.brd !== undefined ? { brd: line.brd } : {}),
      ...(peer?.[0] ? { peer: { family: vip.addr.family, bytes: vipPeerBytes(peer[0]) ?? vip.addr.bytes } } : {}),
      ...(line.nodad ? { nodad: true } : {}),
      ...(line.noprefixroute ? { noprefixroute: true } : {}),
      ...(line.home ? { home: true } : {}),
      ...(line.mngtmpaddr ? { mngtmpaddr: true } : {}),
      ...(line.autojoin ? { autojoin: true } : {}),
      ...(typeof line.preferred_lft === 'number' ? { preferredLftS: line.preferred_lft } : {}),
    };
  };
}

function vipPeerBytes(text: string): Uint8Array | undefined {
  const parts = text.split('.').map(Number);
  return parts.length === 4 && parts.every((n) => n >= 0 && n <= 255) ? Uint8Array.from(parts) : undefined;
}

function until(o: DaemonOptions, log: DaemonLogger): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (sig: string) => (): void => { cleanup(); resolve(sig); };
    const term = onSignal('SIGTERM');
    const int = onSignal('SIGINT');
    const hup = (): void => log.warn('SIGHUP: reloading is not supported yet - configuration unchanged');
    const abort = onSignal('abort');
    const cleanup = (): void => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
      process.off('SIGHUP', hup);
      o.stopSignal?.removeEventListener('abort', abort);
    };
    process.on('SIGTERM', term);
    process.on('SIGINT', int);
    process.on('SIGHUP', hup);
    if (o.stopSignal?.aborted) { cleanup(); resolve('abort'); return; }
    o.stopSignal?.addEventListener('abort', abort);
  });
}

async function runVrrp(config: KeepalivedConfig, o: DaemonOptions, log: DaemonLogger, errOut: { write(s: string): unknown }): Promise<number> {
  const nl = NetlinkSocket.open(NETLINK_ROUTE);
  const closers: Array<() => void> = [() => nl.close()];
  try {
    const addrs = await dumpInterfaceAddresses(nl);
    const ours = new Set<string>();
    for (const i of config.vrrp_instances) for (const v of [...i.virtual_ipaddress, ...i.virtual_ipaddress_excluded]) ours.add(v.address);
    const plan = vrrpPlanFromConfig(config, { primaryAddress: (ifname, family) => primaryAddressOf(addrs, ifname, family, ours) });
    for (const p of plan.problems) (p.severity === 'error' ? log.error.bind(log) : log.warn.bind(log))(p.message);
    const specs = plan.director.instances;
    if (specs.length === 0) {
      errOut.write('keepalived-ts: no VRRP instance can run - stopping\n');
      return EXIT_FATAL;
    }
    const exec = execResolver(config, log);
    const vlog = new VrrpLog(log);

    const endpoints: LinkEndpoint[] = [];
    for (const s of specs) {
      endpoints.push({ ifname: s.ifname, family: s.family, group: s.mcastGroup ?? (s.family === 4 ? VRRP_MCAST_GROUP4 : VRRP_MCAST_GROUP6) });
    }
    const osLink = OsVrrpLink.open(endpoints, { warn: (m) => log.warn(m), debug: (m) => log.debug(m) });
    closers.push(() => osLink.close());
    const clock = new MonotonicClock();
    closers.push(() => clock.cancel());
    const netAddrs = new NetlinkAddressPort(nl, vipOptions(plan));
    const announcer = new PacketAnnouncer({ warn: (m) => log.warn(m) });
    closers.push(() => announcer.close());
    const scripts = new ChildScriptRunner((s) => {
      const c = plan.scriptCommands.get(s.name);
      return c ? exec(c) : { argv: [] };
    }, { warn: (m) => log.warn(m) });
    closers.push(() => scripts.killAll());
    const hooks = notifyHooks(config, exec);
    const fifo = config.global_defs.vrrp_notify_fifo ?? config.global_defs.notify_fifo;
    const notifier = new ScriptNotifier({
      instances: hooks,
      groups: plan.director.syncGroups.map((g) => ({ name: g.name, members: g.members, hooks: hooks.get(`group:${g.name}`) ?? {} })),
      ...(fifo ? { fifoPath: fifo.path } : {}),
    }, { warn: (m) => log.warn(m), info: (m) => log.info(m) });
    closers.push(() => notifier.close());

    // -V: the VIPs stay where they are when we stop.
    let stopping = false;
    const addresses: AddressPort = {
      add: (ifname, vips, accept, done) => netAddrs.add(ifname, vips, accept, done),
      remove: (ifname, vips, done) => {
        if (stopping && o.dontReleaseVrrp) { queueMicrotask(() => done({ ok: true })); return; }
        netAddrs.remove(ifname, vips, done);
      },
    };

    const director = new Director({
      clock,
      link: osLink,
      codec: wireAdvertCodec(plan.mcastGroup4),
      addresses: vlog.wrapAddresses(addresses),
      announcer: vlog.wrapAnnouncer(announcer),
      scripts,
      notifier: vlog.wrapNotifier(notifier),
    }, plan.director, vlog.onEvent);
    vlog.attach(director);

    const watched = new Set<string>();
    for (const s of specs) {
      watched.add(s.ifname);
      for (const t of s.trackInterfaces) watched.add(t.ifname);
    }
    let started = false;
    const monitor = new LinkMonitor((ifname, up) => {
      if (!watched.has(ifname)) return;
      if (started || !up) log.info(`Netlink reports ${ifname} ${up ? 'up' : 'down'}`);
      director.interfaceChanged(ifname, up);
    }, { warn: (m) => log.warn(m) });
    await monitor.start();
    closers.push(() => monitor.close());

    // Leftovers of an earlier run (a crash keeps them): an instance starts without its VIPs.
    const cleaned = await Promise.all(specs.map((s) => new Promise<PortResult>((r) => netAddrs.remove(s.ifname, [...s.vips, ...(s.excludedVips ?? [])], r))));
    for (const r of cleaned) if (!r.ok) log.warn(`removing leftover VIPs: ${r.error}`);
    log.debug('leftover VIPs removed');

    for (const s of specs) {
      log.info(`(${s.name}) VRRPv${s.version} on ${s.ifname} from ${formatIp(s.primaryAddr)}, priority ${s.priority}, advert_int ${s.advertIntervalCs / 100}s`);
    }
    director.start();
    started = true;
    const why = await until(o, log);
    log.info(`Stopping (${why})`);
    stopping = true;
    director.stop();
    await netAddrs.idle(STOP_NETLINK_WAIT_MS);
    log.info('Stopped');
    return EXIT_OK;
  } finally {
    for (const c of closers.reverse()) {
      try { c(); } catch { /* closing anyway */ }
    }
  }
}
