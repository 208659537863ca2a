// `keepalived-ts status`: asks the running daemon over its control socket (control-server.ts)
// and prints the readable report (status-format.ts) or, with --json, the daemon's JSON as is.
// Exit codes: 0 ok, 1 bad usage, 3 no daemon answered (or its reply was not a status).

import { createConnection } from 'node:net';
import { DEFAULT_CONTROL_SOCKET } from '../daemon/daemon-services.ts';
import type { DaemonStatus } from '../daemon/status-model.ts';
import { formatStatus } from './status-format.ts';

const EXIT_OK = 0;
const EXIT_USAGE = 1;
export const EXIT_NO_DAEMON = 3;
const REPLY_TIMEOUT_MS = 10_000;
/** A status of thousands of real servers is a few MB; anything far beyond is not ours. */
const MAX_REPLY_BYTES = 256 * 1024 * 1024;

export const STATUS_HELP = `Usage: keepalived-ts status [--json] [--control-socket=PATH]

Shows what the running keepalived-ts daemon is doing, from its control socket:
  VRRP     each instance's state, effective priority and why it differs from the
           configured one (which track_script / track_interface / track_file adds
           or removes how much, fault reasons), the master as this node sees it,
           the VIPs and whether they are held, the last transition (when, why),
           advert counters; each vrrp_sync_group and vrrp_script.
  LVS      each virtual server's real servers: health (up/down/unknown), configured
           and current weight, whether in the kernel, reason and time of the last
           health change; then the IPVS table as the daemon last read it from the
           kernel, in \`ipvsadm -Ln\` layout with Health and Last change columns on
           the right. The daemon does not collect connection counters: ActiveConn
           and InActConn always print 0 (use ipvsadm -Ln for live counters).

Options:
  --json                  print the daemon's JSON reply ({"format": 1, ...}) unchanged
  --control-socket=PATH   the daemon's socket (default ${DEFAULT_CONTROL_SOCKET}); must match
                          the daemon's own --control-socket
  -h, --help              this text

Exit status: 0 ok, 1 bad usage, 3 no daemon answered.
`;

interface StatusArgs { json: boolean; socket: string; help: boolean }

function parseArgs(args: readonly string[]): StatusArgs | string {
  const o: StatusArgs = { json: false, socket: DEFAULT_CONTROL_SOCKET, help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') o.json = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else if (a.startsWith('--control-socket=')) o.socket = a.slice('--control-socket='.length);
    else if (a === '--control-socket') {
      const v = args[++i];
      if (v === undefined) return 'option --control-socket needs a PATH';
      o.socket = v;
    } else return `unknown argument '${a}'`;
  }
  if (o.socket === '') return 'option --control-socket needs a PATH';
  return o;
}

type Reply = { ok: true; text: string } | { ok: false; code: string | undefined; message: string };

/** One request line, the whole reply until the daemon closes. */
export function requestStatus(path: string, request = 'status', timeoutMs = REPLY_TIMEOUT_MS): Promise<Reply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (r: Reply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      c.destroy();
      resolve(r);
    };
    const c = createConnection(path);
    const timer = setTimeout(() => finish({ ok: false, code: 'ETIMEDOUT', message: `no reply within ${timeoutMs / 1000} s` }), timeoutMs);
    c.once('connect', () => c.write(`${request}\n`));
    c.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_REPLY_BYTES) finish({ ok: false, code: 'E2BIG', message: 'the reply is too large' });
      else chunks.push(b);
    });
    c.once('end', () => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    c.once('error', (e: NodeJS.ErrnoException) => finish({ ok: false, code: e.code, message: e.message }));
  });
}

function noDaemon(path: string, detail: string): number {
  process.stderr.write(`keepalived-ts: no keepalived-ts daemon at ${path}: is it running? (start it with -n, or pass --control-socket)${detail ? `\n  (${detail})` : ''}\n`);
  return EXIT_NO_DAEMON;
}

export async function runStatus(args: readonly string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`keepalived-ts status: ${parsed}\nTry 'keepalived-ts status --help' for more information.\n`);
    return EXIT_USAGE;
  }
  if (parsed.help) {
    process.stdout.write(STATUS_HELP);
    return EXIT_OK;
  }
  const path = parsed.socket;
  const r = await requestStatus(path);
  if (!r.ok) {
    if (r.code === 'EACCES' || r.code === 'EPERM') {
      process.stderr.write(`keepalived-ts: permission denied on ${path}: the control socket is mode 0600; run status as the daemon's user (root)\n`);
      return EXIT_NO_DAEMON;
    }
    if (r.code === 'ENOENT' || r.code === 'ECONNREFUSED' || r.code === 'ENOTSOCK') return noDaemon(path, '');
    return noDaemon(path, r.message);
  }
  let status: DaemonStatus & { error?: { code?: string; message?: string } };
  try {
    status = JSON.parse(r.text) as typeof status;
  } catch {
    return noDaemon(path, 'the reply was not JSON: is this a keepalived-ts control socket?');
  }
  if (status.error) return noDaemon(path, `the daemon refused: ${status.error.message ?? status.error.code ?? '?'}`);
  if (status.format !== 1) return noDaemon(path, `unknown status format ${String(status.format)}: this keepalived-ts is older than the daemon`);
  process.stdout.write(parsed.json ? r.text.endsWith('\n') ? r.text : `${r.text}\n` : formatStatus(status));
  return EXIT_OK;
}
