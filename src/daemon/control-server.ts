// The control socket: a Unix stream socket on which the running daemon answers
// `keepalived-ts status`. Protocol: the client sends one request line ("status\n"), the daemon
// writes one JSON document and a newline, and closes. Anything else gets a JSON error
// ({"format":1,"error":{"code","message"}}), never a crash: requests are bounded in size
// (MAX_REQUEST_BYTES) and time (REQUEST_TIMEOUT_MS), and so is the number of clients.
//
// Access control is the file system's: the socket is created mode 0600 (under a umask of 0177,
// then chmod), its directory 0755 when we create it. Start-up never steals a live daemon's
// socket: an existing path is connected to first; if something answers, this daemon logs an
// error and runs without a control socket; if the connection is refused the file is a stale
// socket of a dead daemon and is replaced. A path that is not a socket is left alone.
// On stop the file is removed only if it is still the one we created (same inode).

import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { DaemonLogger } from './daemon-log.ts';
import { DEFAULT_CONTROL_SOCKET, type DaemonService } from './daemon-services.ts';
import type { DaemonView } from './daemon-view.ts';
import { STATUS_FORMAT, buildStatus } from './status-model.ts';

export const MAX_REQUEST_BYTES = 1024;
export const REQUEST_TIMEOUT_MS = 5000;
const MAX_CLIENTS = 32;
const PROBE_TIMEOUT_MS = 1000;

function errorReply(code: string, message: string): string {
  return JSON.stringify({ format: STATUS_FORMAT, error: { code, message } }) + '\n';
}

/** Whether something accepts connections on the socket at path. */
export function socketAnswers(path: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    const done = (alive: boolean): void => { clearTimeout(t); c.destroy(); resolve(alive); };
    // A live but stalled daemon still owns its socket: a timeout counts as alive.
    const t = setTimeout(() => done(true), timeoutMs);
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
  });
}

/** The first line of /proc/net/ip_vs (our network namespace's IPVS), as ipvsadm prints it. */
async function ipvsVersionLine(): Promise<string | undefined> {
  try {
    const f = await open('/proc/net/ip_vs', constants.O_RDONLY);
    try {
      const buf = Buffer.alloc(128);
      const { bytesRead } = await f.read(buf, 0, buf.length, 0);
      const line = buf.subarray(0, bytesRead).toString().split('\n')[0] ?? '';
      return line.startsWith('IP Virtual Server version') ? line : undefined;
    } finally {
      await f.close();
    }
  } catch {
    return undefined;
  }
}

async function answer(view: DaemonView, request: string): Promise<string> {
  if (request === 'status') {
    const line = view.lvs() ? await ipvsVersionLine() : undefined;
    return JSON.stringify(buildStatus(view, { nowMs: Date.now(), ...(line ? { ipvsVersionLine: line } : {}) })) + '\n';
  }
  const shown = request.length > 40 ? `${request.slice(0, 40)}...` : request;
  return errorReply('unknown-request', `unknown request ${JSON.stringify(shown)} (known: status)`);
}

function serve(view: DaemonView, log: DaemonLogger, c: Socket): void {
  let buf = Buffer.alloc(0);
  let requested = false;
  let replied = false;
  const reply = (text: string): void => {
    if (replied) return;
    replied = true;
    c.end(text);
  };
  const handle = (raw: Buffer): void => {
    if (requested) return;
    requested = true;
    c.pause();
    answer(view, raw.toString('utf8').trim()).then(reply, (e: unknown) => {
      log.warn(`control socket: ${e instanceof Error ? e.message : String(e)}`);
      reply(errorReply('internal', 'the daemon could not build the reply'));
    });
  };
  c.setTimeout(REQUEST_TIMEOUT_MS, () => {
    reply(errorReply('timeout', `no complete request within ${REQUEST_TIMEOUT_MS} ms`));
    c.destroySoon();
  });
  c.on('error', () => { /* the client went away; nothing to do */ });
  c.on('data', (chunk: Buffer) => {
    if (requested || replied) return;
    buf = Buffer.concat([buf, chunk]);
    const nl = buf.indexOf(0x0a);
    if (nl >= 0 && nl <= MAX_REQUEST_BYTES) handle(buf.subarray(0, nl));
    else if (buf.length > MAX_REQUEST_BYTES) reply(errorReply('request-too-long', `a request is one line of at most ${MAX_REQUEST_BYTES} bytes`));
  });
  // A request without its newline, ended by a half-close (`printf status | nc -U`).
  c.on('end', () => { if (!replied) handle(buf); });
}

export const startControlServer: DaemonService = async (view, o, log) => {
  const path = o.controlSocket ?? DEFAULT_CONTROL_SOCKET;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const existing = await lstat(path).catch(() => undefined);
  if (existing) {
    if (!existing.isSocket()) {
      log.error(`control socket: ${path} exists and is not a socket - running without a control socket`);
      return undefined;
    }
    if (await socketAnswers(path)) {
      log.error(`control socket: another daemon answers on ${path} - running without a control socket (use --control-socket=PATH)`);
      return undefined;
    }
    await unlink(path); // stale: its daemon is gone
    log.info(`control socket: replaced the stale socket ${path}`);
  }
  const clients = new Set<Socket>();
  // allowHalfOpen: a client that half-closes after its request still gets the reply.
  const server = createServer({ allowHalfOpen: true }, (c) => {
    clients.add(c);
    c.once('close', () => clients.delete(c));
    serve(view, log, c);
  });
  server.maxConnections = MAX_CLIENTS;
  server.on('error', (e) => log.warn(`control socket: ${e.message}`));
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => { server.off('error', reject); resolve(); });
  });
  // The socket file is born 0600 (no window with wider rights). listen() binds synchronously,
  // so the process-wide umask is back before anything else in the daemon creates a file.
  const oldMask = process.umask(0o177);
  try {
    server.listen(path);
  } finally {
    process.umask(oldMask);
  }
  await listening;
  await chmod(path, 0o600);
  const ino = (await lstat(path)).ino;
  log.info(`control socket listening on ${path}`);
  return async () => {
    for (const c of clients) c.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    // Only our own file: a daemon started after us may have replaced it.
    const now = await lstat(path).catch(() => undefined);
    if (now && now.ino === ino) await unlink(path).catch(() => {});
  };
};
