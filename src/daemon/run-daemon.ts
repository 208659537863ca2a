// runDaemon: keepalived-ts as a running VRRP daemon (`keepalived-ts -n -f FILE ...`).
//
// Theory of operation (composition only; every decision lives in a core or a port):
//  1. read the configuration exactly as `-t` does; any error -> print the diagnostics through
//     the caller's formatter and refuse to start (exit 4, "cannot run");
//  2. pid files (-p, -r): refuse when one names a live process; the LVS half (lvs-start.ts)
//     starts unless -P, and runs alone with -C;
//  3. host facts from rtnetlink (each interface's addresses) -> the engine's specs
//     (vrrp-spec-from-config.ts);
//  4. the Linux ports: MonotonicClock, OsVrrpLink (raw sockets), NetlinkAddressPort,
//     PacketAnnouncer, ChildScriptRunner, ScriptNotifier, wrapped by VrrpLog for keepalived's
//     log lines; the LinkMonitor feeds interface up/down into tracking;
//  5. VIPs left behind by a previous run are removed (keepalived vrrp_init_state restores the
//     interface the same way), then the Director starts: every instance begins in BACKUP/FAULT;
//     Once running, systemd hears READY=1 ($NOTIFY_SOCKET, Type=notify);
//  6. SIGHUP: reload as keepalived does, as a diff (Director.reload): the file is read again and,
//     if it has no errors, instances that keep their identity keep their state; new sockets,
//     notify hooks, script users and watched files follow the new configuration;
//  7. SIGTERM / SIGINT: masters send priority 0 and remove their VIPs (kept with -V,
//     dontReleaseVrrp), scripts are killed; we wait for the netlink ACKs (bounded), close every
//     socket, remove the pid files and resolve with 0.

import type { Diagnostic } from 'keepalived-conf-parser';
import { formatIp } from '../base/ip.ts';
import type { ScriptCommand } from '../config/model-common.ts';
import type { KeepalivedConfig } from '../config/model.ts';
import { Director } from '../runtime/director.ts';
import type { AddressPort, PortResult } from '../runtime/ports.ts';
import type { VipSpec, VrrpInstanceSpec } from '../vrrp/instance-spec.ts';
import type { RouteSpec } from '../netlink/rtnl-route.ts';
import { NetlinkRoutePort, routeSpecOf } from '../os/route-port.ts';
import { PacketAnnouncer } from '../os/announcer.ts';
import { NetlinkAddressPort } from '../os/address-port.ts';
import { MonotonicClock } from '../os/clock.ts';
import { dumpInterfaceAddresses, primaryAddressOf } from '../os/interface-addresses.ts';
import { LinkMonitor } from '../os/link-monitor.ts';
import { NETLINK_ROUTE } from '../os/native-socket.ts';
import { NetlinkSocket } from '../os/netlink-socket.ts';
import { ScriptNotifier } from '../os/notifier.ts';
import { SdNotify } from '../os/sd-notify.ts';
import { ChildScriptRunner, type ScriptExec } from '../os/script-runner.ts';
import { TrackFileWatcher } from '../os/track-file-watcher.ts';
import { OsVrrpLink, type LinkEndpoint } from '../os/vrrp-link.ts';
import { VmacPort } from '../os/vmac-port.ts';
import { GcStats } from './gc-stats.ts';
import { InFlight } from './in-flight.ts';
import { enterNamespace } from './enter-namespace.ts';
import { renderDump } from './dump-service.ts';
import { dumpPaths } from './dump-paths.ts';
import { IoFirstClock } from './io-first-clock.ts';
import { TimingProbe } from './timing-probe.ts';
import { timingDeferredLog } from './timing-deferred-log.ts';
import { timingPrewarm } from './timing-prewarm.ts';
import { applyVrrpPriority } from './process-priority.ts';
import { createDaemonLogger, type DaemonLogger } from './daemon-log.ts';
import { loadConfig } from './load-config.ts';
import { LvsSyncDriver } from './lvs-sync-driver.ts';
import { startLvs, type LvsHandle } from './lvs-start.ts';
import { removePidFile, writePidFile } from './pid-file.ts';
import { SignalQueue, execResolver, notifierConfig, trackedFiles, vipOptionsOf } from './daemon-wiring.ts';
import { vrrpPlanFromConfig, type DaemonVrrpPlan } from './vrrp-spec-from-config.ts';
import { VrrpLog } from './vrrp-log.ts';
import { startDaemonServices, type DaemonServiceOptions } from './daemon-services.ts';
import type { DaemonView } from './daemon-view.ts';
import { EventHistory } from './event-history.ts';
import { VERSION } from './version.ts';
import { unactedGlobalWarnings } from './unacted-globals.ts';
import { wireAdvertCodec } from '../runtime/wire-advert-codec.ts';
import { VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6 } from '../vrrp/wire/vrrp-protocol.ts';

export interface DaemonOptions extends DaemonServiceOptions {
  readonly file: string;
  readonly configId: string;
  readonly allConfig: boolean;
  /** -l: human log lines on stderr. */
  readonly logConsole: boolean;
  /** -D: debug detail. */
  readonly logDetail: boolean;
  /** -P: VRRP only (the only subsystem this daemon runs). */
  readonly vrrpOnly: boolean;
  /** -C: the LVS half only (virtual servers and their checkers). */
  readonly checkOnly: boolean;
  /** -I: leave our IPVS services in the kernel on stop. */
  readonly dontReleaseIpvs?: boolean;
  readonly pidFile?: string;
  readonly vrrpPidFile?: string;
  /** -c: written when the LVS half runs (one process here, so every pid file holds our pid). */
  readonly checkersPidFile?: string;
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
  /** -d: log the data dump (USR1's text) once the daemon has started, as keepalived -d does. */
  readonly dumpConf?: boolean;
  /** -s NAME: run in that network namespace (overrides the configuration's net_namespace). */
  readonly namespace?: string;
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
  if (o.namespace !== undefined) {
    const err = enterNamespace(o.namespace);
    if (err) {
      errOut.write(`keepalived-ts: ${err} - not starting\n`);
      return EXIT_CONFIG;
    }
  }
  let loaded = await loadConfig({ ...o, hostChecks: o.hostChecks ?? true });
  const configNs = loaded.config?.net_namespace;
  if (o.namespace === undefined && configNs !== undefined) {
    // The file names the namespace: enter it, then read the file again so the host checks
    // (interfaces, addresses) judge it against the namespace it will run in.
    const err = enterNamespace(configNs);
    if (err) {
      errOut.write(`keepalived-ts: ${err} - not starting\n`);
      return EXIT_CONFIG;
    }
    log.info(`Running in network namespace ${configNs}`);
    loaded = await loadConfig({ ...o, hostChecks: o.hostChecks ?? true });
  }
  const fmt = o.formatDiagnostic ?? defaultFormat;
  for (const d of loaded.diagnostics) errOut.write(fmt(d) + '\n');
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
  if (!loaded.config || errors > 0) {
    errOut.write(`keepalived-ts: ${errors} configuration error(s) in ${o.file} - not starting\n`);
    return EXIT_CONFIG;
  }
  const config = loaded.config;
  // keepalived runs both halves unless -P (VRRP only) or -C (checkers / LVS only).
  const wantVrrp = !o.checkOnly || o.vrrpOnly;
  const wantLvs = !o.vrrpOnly && config.virtual_servers.length > 0;
  const pidFiles = [o.pidFile, wantVrrp ? o.vrrpPidFile : undefined, wantLvs ? o.checkersPidFile : undefined]
    .filter((p): p is string => p !== undefined);
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
  let lvs: LvsHandle | undefined;
  const history = new EventHistory();
  const running: Running = { config, director: undefined, history, started: () => { if (o.dumpConf) logDataDump(view, log); } };
  const view: DaemonView = {
    pid: process.pid,
    version: VERSION,
    configFile: o.file,
    startedAtMs: Date.now(),
    config: () => running.config,
    vrrp: () => running.director,
    lvs: () => lvs?.director,
    history,
  };
  let stopServices: (() => Promise<void>) | undefined;
  try {
    for (const m of unactedGlobalWarnings(config.global_defs)) log.warn(m);
    if (wantLvs) lvs = startLvs(config, { log, releaseOnStop: !(o.dontReleaseIpvs ?? false), onEvent: history.onLvs });
    stopServices = await startDaemonServices(view, o, log);
    if (wantVrrp && config.vrrp_instances.length > 0) return await runVrrp(running, o, log, errOut, lvs);
    if (!lvs) {
      errOut.write(`keepalived-ts: nothing to run in ${o.file} (no ${wantVrrp ? 'vrrp_instance' : 'virtual_server'})\n`);
      return EXIT_FATAL;
    }
    running.started();
    // The LVS half alone (-C, or no vrrp_instance) tells systemd too (Type=notify).
    const signals = new SignalQueue(o.stopSignal);
    const sd = new SdNotify();
    const readyText = `${config.virtual_servers.length} virtual server(s)`;
    const notifyErr = sd.ready(readyText);
    if (notifyErr) log.warn(`sd_notify READY failed: ${notifyErr}`);
    try {
      while ((await signals.next()) === 'SIGHUP') {
        sd.reloading();
        // keepalived SIGHUP: re-read the file; a configuration with errors keeps the running one.
        const next = await reloadConfiguration(o, log);
        if (next) {
          lvs.reload(next);
          running.config = next;
          log.info('Reload finished');
        }
        sd.ready(`${running.config.virtual_servers.length} virtual server(s)`);
      }
      sd.stopping();
    } finally {
      signals.close();
      sd.close();
    }
    log.info('Stopping');
    return EXIT_OK;
  } catch (e) {
    log.error(`VRRP start-up failed: ${e instanceof Error ? e.message : String(e)}`);
    errOut.write(`keepalived-ts: VRRP start-up failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FATAL;
  } finally {
    if (stopServices) await stopServices();
    if (lvs) await lvs.stop();
    for (const w of written) removePidFile(w);
  }
}

/** What the DaemonView reads: replaced as the daemon starts and reloads. */
interface Running {
  config: KeepalivedConfig;
  director: Director | undefined;
  readonly history: EventHistory;
  /** Called once both halves run (-d's dump). */
  readonly started: () => void;
}

/** keepalived -d: the configuration data, as USR1 writes it, into the log line by line. */
function logDataDump(view: DaemonView, log: DaemonLogger): void {
  try {
    for (const f of renderDump('data', view, dumpPaths(view.config()))) {
      for (const line of f.text.split('\n')) if (line !== '') log.info(line);
    }
  } catch (e) {
    log.warn(`-d: the configuration dump failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

interface Live {
  config: KeepalivedConfig;
  plan: DaemonVrrpPlan;
  exec: (c: ScriptCommand) => ScriptExec;
  watched: Set<string>;
}

async function planFor(nl: NetlinkSocket, config: KeepalivedConfig, log: DaemonLogger): Promise<DaemonVrrpPlan> {
  const addrs = await dumpInterfaceAddresses(nl);
  const ours = new Set<string>();
  for (const i of config.vrrp_instances) for (const v of [...i.virtual_ipaddress, ...i.virtual_ipaddress_excluded]) ours.add(v.address);
  const plan = vrrpPlanFromConfig(config, { primaryAddress: (ifname, family) => primaryAddressOf(addrs, ifname, family, ours) });
  for (const p of plan.problems) (p.severity === 'error' ? log.error.bind(log) : log.warn.bind(log))(p.message);
  return plan;
}

function endpointOf(s: VrrpInstanceSpec): LinkEndpoint {
  return { ifname: s.ifname, family: s.family, group: s.mcastGroup ?? (s.family === 4 ? VRRP_MCAST_GROUP4 : VRRP_MCAST_GROUP6) };
}

function watchedInterfaces(plan: DaemonVrrpPlan): Set<string> {
  const w = new Set<string>();
  for (const s of plan.director.instances) {
    w.add(s.ifname);
    for (const t of s.trackInterfaces) w.add(t.ifname);
  }
  return w;
}

/**
 * keepalived SIGHUP: re-read the file. A configuration with errors is refused with its
 * diagnostics in the log and the running one stays (undefined is returned).
 */
async function reloadConfiguration(o: DaemonOptions, log: DaemonLogger): Promise<KeepalivedConfig | undefined> {
  log.info('Reloading');
  const loaded = await loadConfig({ ...o, hostChecks: o.hostChecks ?? true });
  const fmt = o.formatDiagnostic ?? defaultFormat;
  for (const d of loaded.diagnostics) (d.severity === 'error' ? log.error.bind(log) : log.warn.bind(log))(fmt(d));
  if (loaded.diagnostics.some((d) => d.severity === 'error')) {
    log.error('Reload aborted: the configuration has errors - keeping the running configuration');
    return undefined;
  }
  return loaded.config;
}

async function runVrrp(
  running: Running,
  o: DaemonOptions,
  log: DaemonLogger,
  errOut: { write(s: string): unknown },
  /** The LVS half, when it runs beside VRRP: a reload reaches it too. */
  lvs: LvsHandle | undefined,
): Promise<number> {
  const config = running.config;
  const signals = new SignalQueue(o.stopSignal);
  const nl = NetlinkSocket.open(NETLINK_ROUTE);
  const closers: Array<() => void> = [() => signals.close(), () => nl.close()];
  const gcStats = GcStats.fromEnv(log); // KEEPALIVED_TS_GC_STATS=1 (bench/vrrp-soak.ts)
  if (gcStats) closers.push(() => gcStats.stop());
  applyVrrpPriority(config.global_defs, log);
  try {
    const plan = await planFor(nl, config, log);
    const specs = plan.director.instances;
    if (specs.length === 0) {
      errOut.write('keepalived-ts: no VRRP instance can run - stopping\n');
      return EXIT_FATAL;
    }
    const live: Live = { config, plan, exec: execResolver(config, log), watched: watchedInterfaces(plan) };
    // use_vmac: the macvlans exist before the sockets bind to them; deleted last on stop.
    const vmacs = new VmacPort(nl, { info: (m) => log.info(m), warn: (m) => log.warn(m) });
    closers.push(() => { void vmacs.removeAll(); });
    for (const v of plan.vmacs) {
      const err = await vmacs.create(v);
      if (err) log.error(`(${v.instance}) ${err}`);
    }
    // The VRRP log lines are written after each step's packets (timing-deferred-log.ts).
    const vlog = new VrrpLog(timingDeferredLog(log));
    const osLink = OsVrrpLink.open(specs.map(endpointOf), { warn: (m) => log.warn(m), debug: (m) => log.debug(m) });
    closers.push(() => osLink.close());
    const monotonic = new MonotonicClock({ precise: true });
    // Adverts queued during a stall are read before a due timer fires (io-first-clock.ts).
    const clock = new IoFirstClock(monotonic);
    closers.push(() => clock.cancel());
    const netAddrs = new NetlinkAddressPort(nl, vipOptionsOf(() => live.plan));
    const announcer = new PacketAnnouncer({ warn: (m) => log.warn(m) });
    announcer.prepare(specs.flatMap((s) => [s.ifname, ...s.vips.map((v) => v.ifname ?? s.ifname)]));
    log.debug(`takeover path prewarmed: ${timingPrewarm(specs, wireAdvertCodec(plan.mcastGroup4)).paths.join('; ')}`);
    closers.push(() => announcer.close());
    const scripts = new ChildScriptRunner((s) => {
      const c = live.plan.scriptCommands.get(s.name);
      return c ? live.exec(c) : { argv: [] };
    }, { warn: (m) => log.warn(m) });
    closers.push(() => scripts.killAll());
    const notifier = new ScriptNotifier(notifierConfig(config, plan, live.exec), { warn: (m) => log.warn(m), info: (m) => log.info(m) });
    closers.push(() => notifier.close());
    // global_defs lvs_sync_daemon: the IPVS sync daemon follows its VRRP instance (lvs-sync-driver.ts).
    const lvsSync = new LvsSyncDriver(config, log);
    closers.push(() => lvsSync.close());

    // virtual_routes follow the VIPs: added after them, removed before them. -V keeps both.
    const routePort = new NetlinkRoutePort(nl);
    const routesOf = (ifname: string, vips: readonly VipSpec[]): RouteSpec[] => {
      const inst = director.instances.find((i) => i.allVips === vips || i.spec.vips === vips);
      const out: RouteSpec[] = [];
      for (const r of (inst ? live.plan.routes.get(inst.name) : undefined) ?? []) {
        const s = routeSpecOf(r, ifname);
        if (s.ok) out.push(s.spec);
        else log.warn(`(${inst?.name ?? '?'}) ${s.error}`);
      }
      return out;
    };
    let stopping = false;
    // Shutdown waits for every chained route + address change, not only the queued ones.
    const inFlight = new InFlight();
    const addresses: AddressPort = {
      add: (ifname, vips, accept, done) => {
        const end = inFlight.begin();
        netAddrs.add(ifname, vips, accept, (r) => {
          const routes = routesOf(ifname, vips);
          if (routes.length === 0) { end(); done(r); return; }
          routePort.apply('add', routes, (rr) => { end(); done(r.ok ? rr : r); });
        });
      },
      remove: (ifname, vips, done) => {
        if (stopping && o.dontReleaseVrrp) { queueMicrotask(() => done({ ok: true })); return; }
        const end = inFlight.begin();
        routePort.apply('del', routesOf(ifname, vips), (rr) => netAddrs.remove(ifname, vips, (r) => { end(); done(r.ok ? rr : r); }));
      },
    };

    // KEEPALIVED_TS_TIMING=1: decision -> first GARP stamps (timing-probe.ts, bench/failover-vs-keepalived.ts).
    const timing = TimingProbe.fromEnv(log);
    const unprobed = { clock, link: osLink, addresses, announcer };
    const probed = timing ? timing.wrapPorts(unprobed) : unprobed;
    const director = new Director({
      clock: probed.clock,
      link: probed.link,
      codec: wireAdvertCodec(plan.mcastGroup4),
      addresses: vlog.wrapAddresses(probed.addresses),
      announcer: vlog.wrapAnnouncer(probed.announcer),
      scripts,
      notifier: vlog.wrapNotifier(notifier),
    }, plan.director, (e) => { timing?.onEvent(e); vlog.onEvent(e); running.history.onVrrp(e); lvsSync.onEvent(e); });
    vlog.attach(director);
    running.director = director;

    let started = false;
    const monitor = new LinkMonitor((ifname, up) => {
      if (!live.watched.has(ifname)) return;
      if (started || !up) log.info(`Netlink reports ${ifname} ${up ? 'up' : 'down'}`);
      director.interfaceChanged(ifname, up);
    }, { warn: (m) => log.warn(m) });
    await monitor.start();
    closers.push(() => monitor.close());
    const fileLog = { warn: (m: string) => log.warn(m) };
    const onFile = (name: string, value: number): void => {
      log.info(`track_file ${name} value ${value}`);
      director.fileChanged(name, value);
    };
    let files = new TrackFileWatcher(trackedFiles(plan), onFile, fileLog);
    files.start();
    closers.push(() => files.close());

    // Leftovers of an earlier run (a crash keeps them): an instance starts without its VIPs.
    const cleaned = await Promise.all(specs.map((s) => new Promise<PortResult>((r) => netAddrs.remove(s.ifname, [...s.vips, ...(s.excludedVips ?? [])], r))));
    for (const r of cleaned) if (!r.ok) log.warn(`removing leftover VIPs: ${r.error}`);

    for (const s of specs) {
      log.info(`(${s.name}) VRRPv${s.version} on ${s.ifname} from ${formatIp(s.primaryAddr)}, priority ${s.priority}, advert_int ${s.advertIntervalCs / 100}s`);
    }
    director.start();
    started = true;
    running.started();
    const sd = new SdNotify();
    closers.push(() => sd.close());
    const notifyErr = sd.ready(`${specs.length} VRRP instance(s)`);
    if (notifyErr) log.warn(`sd_notify READY failed: ${notifyErr}`);

    // keepalived SIGHUP: re-read the file; a configuration with errors keeps the running one.
    const reload = async (): Promise<void> => {
      const loaded = await reloadConfiguration(o, log);
      if (!loaded) return;
      const next = await planFor(nl, loaded, log);
      for (const v of next.vmacs) {
        if (!plan.vmacs.some((p) => p.name === v.name)) log.warn(`(${v.instance}) use_vmac added by a reload is not created until a restart`);
      }
      for (const s of next.director.instances) {
        try {
          osLink.ensure(endpointOf(s));
        } catch (e) {
          log.error(`(${s.name}) cannot open its VRRP socket on ${s.ifname}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      lvs?.reload(loaded);
      lvsSync.reload(loaded);
      live.config = loaded;
      running.config = loaded;
      live.plan = next;
      live.exec = execResolver(loaded, log);
      live.watched = watchedInterfaces(next);
      notifier.setConfig(notifierConfig(loaded, next, live.exec));
      files.close();
      files = new TrackFileWatcher(trackedFiles(next), onFile, fileLog);
      files.start();
      director.reload(next.director);
      // Links we did not report before (a newly tracked interface that is down) matter now.
      for (const name of live.watched) {
        const up = monitor.isUp(name);
        if (up === false) director.interfaceChanged(name, false);
      }
      log.info('Reload finished');
    };

    for (;;) {
      const sig = await signals.next();
      if (sig !== 'SIGHUP') {
        log.info(`Stopping (${sig})`);
        break;
      }
      sd.reloading();
      await reload();
      sd.ready(`${director.instances.length} VRRP instance(s)`);
    }
    sd.stopping();
    stopping = true;
    director.stop();
    await inFlight.idle(STOP_NETLINK_WAIT_MS);
    await netAddrs.idle(STOP_NETLINK_WAIT_MS);
    await lvsSync.stop(STOP_NETLINK_WAIT_MS);
    await vmacs.removeAll();
    log.info('Stopped');
    return EXIT_OK;
  } finally {
    for (const c of closers.reverse()) {
      try { c(); } catch { /* closing anyway */ }
    }
  }
}
