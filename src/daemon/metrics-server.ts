// The opt-in Prometheus endpoint: `--metrics-listen=[ADDR:]PORT` serves GET /metrics.
//
// Theory of operation: a daemon service (daemon-services.ts). Without the option nothing is
// opened at all. With it, one node:http server listens on ADDR:PORT (ADDR defaults to
// 127.0.0.1: metrics stay on the host unless asked; IPv6 as [::1]:9165). Each GET /metrics
// builds the samples afresh from the DaemonView (collectMetrics) and writes the 0.0.4 text
// format; HEAD gives the same headers without the body; other paths are 404 and other methods
// 405 (with Allow). Nothing is cached and nothing is kept between scrapes, so a reload is visible
// at the next scrape. When the LVS half runs, each scrape also reads the kernel's IPVS traffic
// counters over a netlink socket of its own (metrics-ipvs-counters.ts, bounded to
// IPVS_READ_TIMEOUT_MS); if that fails the scrape goes out without them (logged at debug).
//
// Failures never cost the VIP: a bad ADDR:PORT or a busy port is logged as an error and the
// daemon runs without metrics (the service resolves to undefined). A scrape that throws (our
// bug) answers 500 and is logged, and the daemon goes on.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { formatIp, parseIp } from '../base/ip.ts';
import type { DaemonService } from './daemon-services.ts';
import type { DaemonLogger } from './daemon-log.ts';
import type { DaemonView } from './daemon-view.ts';
import { ipvsWire } from '../ipvs/ipvs-wire.ts';
import { NetlinkIpvsPort } from '../os/ipvs-port.ts';
import { collectMetrics } from './metrics-collect.ts';
import { readIpvsCounters, type IpvsCounterEntry } from './metrics-ipvs-counters.ts';
import { PROMETHEUS_TEXT_CONTENT_TYPE } from './metrics-registry.ts';

export const DEFAULT_METRICS_ADDRESS = '127.0.0.1';
export const METRICS_PATH = '/metrics';
const IPVS_READ_TIMEOUT_MS = 1000;

/** Reads the kernel's IPVS counters for one scrape; undefined = none this time. */
export type IpvsCounterReader = (log: DaemonLogger) => Promise<readonly IpvsCounterEntry[] | undefined>;

export const readKernelIpvsCounters: IpvsCounterReader = async (log) => {
  let port: NetlinkIpvsPort;
  try {
    port = new NetlinkIpvsPort({ rcvbufBytes: 1 << 20 });
  } catch (e) {
    log.debug(`metrics: no IPVS netlink socket: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  try {
    const r = await readIpvsCounters(port, ipvsWire, IPVS_READ_TIMEOUT_MS);
    if (r.ok) return r.entries;
    log.debug(`metrics: IPVS counters not read: ${r.error}`);
    return undefined;
  } finally {
    port.close();
  }
};

export type ListenSpec = { readonly ok: true; readonly host: string; readonly port: number } | { readonly ok: false; readonly error: string };

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function parsePort(text: string, whole: string): number | string {
  if (!/^[0-9]{1,5}$/.test(text)) return `--metrics-listen=${whole}: "${text}" is not a port number (1-65535)`;
  const port = Number(text);
  if (port < 1 || port > 65535) return `--metrics-listen=${whole}: port ${port} is out of range (1-65535)`;
  return port;
}

/** "9165", "0.0.0.0:9165", "[::1]:9165", "localhost:9165" -> host and port. Never throws. */
export function parseMetricsListen(spec: string): ListenSpec {
  const s = spec.trim();
  if (s === '') return { ok: false, error: '--metrics-listen: empty value (expected [ADDR:]PORT)' };
  let hostText: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') return { ok: false, error: `--metrics-listen=${spec}: expected [IPV6]:PORT` };
    hostText = s.slice(1, close);
    portText = s.slice(close + 2);
    const a = parseIp(hostText);
    if (!a || a.family !== 6) return { ok: false, error: `--metrics-listen=${spec}: "${hostText}" is not an IPv6 address` };
    hostText = formatIp(a);
  } else {
    const colons = s.split(':').length - 1;
    if (colons === 0) {
      hostText = DEFAULT_METRICS_ADDRESS;
      portText = s;
    } else if (colons === 1) {
      [hostText = '', portText = ''] = s.split(':');
      const a = parseIp(hostText);
      if (a) hostText = formatIp(a);
      else if (!HOSTNAME.test(hostText)) return { ok: false, error: `--metrics-listen=${spec}: "${hostText}" is not an address or host name` };
    } else {
      return { ok: false, error: `--metrics-listen=${spec}: an IPv6 address goes in brackets, e.g. [::1]:9165` };
    }
  }
  const port = parsePort(portText, spec);
  if (typeof port === 'string') return { ok: false, error: port };
  return { ok: true, host: hostText, port };
}

/** "127.0.0.1:9165" / "[::1]:9165". */
export function formatListen(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

async function handle(view: DaemonView, log: DaemonLogger, readIpvs: IpvsCounterReader, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? '';
  const path = (req.url ?? '').split('?')[0];
  if (path !== METRICS_PATH) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(method === 'HEAD' ? undefined : 'Not Found: metrics are at /metrics\n');
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' });
    res.end('Method Not Allowed\n');
    return;
  }
  let body: Buffer;
  try {
    const ipvs = view.lvs() ? await readIpvs(log) : undefined;
    body = Buffer.from(collectMetrics(view, ipvs ? { ipvs } : {}).render(), 'utf8');
  } catch (e) {
    log.error(`metrics: scrape failed: ${e instanceof Error ? e.message : String(e)}`);
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Internal Server Error\n');
    return;
  }
  res.writeHead(200, { 'Content-Type': PROMETHEUS_TEXT_CONTENT_TYPE, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  res.end(method === 'HEAD' ? undefined : body);
}

function listen(server: Server, host: string, port: number): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const onError = (e: Error): void => { server.off('listening', onListening); resolve(e); };
    const onListening = (): void => { server.off('error', onError); resolve(undefined); };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

/** The service with its IPVS counter reader (tests give a fake one). */
export function createMetricsService(readIpvs: IpvsCounterReader): DaemonService {
  return (view, o, log) => serve(view, o.metricsListen, log, readIpvs);
}

/** The daemon service (registered in daemon-services.ts). */
export const startMetricsServer: DaemonService = createMetricsService(readKernelIpvsCounters);

async function serve(view: DaemonView, metricsListen: string | undefined, log: DaemonLogger, readIpvs: IpvsCounterReader): Promise<(() => Promise<void>) | undefined> {
  if (metricsListen === undefined) return undefined;
  const spec = parseMetricsListen(metricsListen);
  if (!spec.ok) {
    log.error(`${spec.error} - running without metrics`);
    return undefined;
  }
  const where = formatListen(spec.host, spec.port);
  const server = createServer((req, res) => {
    handle(view, log, readIpvs, req, res).catch((e: unknown) => {
      log.error(`metrics: ${e instanceof Error ? e.message : String(e)}`);
      res.destroy();
    });
  });
  // Scrapers are well-behaved and local: bound how long a slow client may hold a socket.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  // Prometheus keeps one connection per target; a few more for humans with curl.
  server.maxConnections = 32;
  const err = await listen(server, spec.host, spec.port);
  if (err) {
    log.error(`metrics: cannot listen on ${where}: ${err.message} - running without metrics`);
    server.close();
    return undefined;
  }
  server.on('error', (e) => log.error(`metrics: ${e.message}`));
  log.info(`Prometheus metrics on http://${where}${METRICS_PATH}`);
  return () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
