// The demo's client: one HTTP GET to URL every INTERVAL ms, each on a new connection with its own
// TIMEOUT ms deadline (so an outage costs the requests sent during it, not a queue behind a stuck
// one). One line per finished request on stdout:
//   R <sentWallMs> <doneWallMs> 1 <body>        answered (body = the server's name)
//   R <sentWallMs> <doneWallMs> 0 <error code>  failed
// Starts at once; SIGTERM stops sending and exits after the requests in flight have finished.
//   node load-client.mjs URL INTERVAL_MS TIMEOUT_MS
import { request } from 'node:http';

const [url, intervalArg, timeoutArg] = process.argv.slice(2);
if (!url || !intervalArg || !timeoutArg) throw new Error('usage: load-client URL INTERVAL_MS TIMEOUT_MS');
const intervalMs = Number(intervalArg);
const timeoutMs = Number(timeoutArg);
let inFlight = 0;
let stopping = false;

function report(sent: number, ok: boolean, what: string): void {
  process.stdout.write(`R ${sent} ${Date.now()} ${ok ? 1 : 0} ${what.replace(/\s+/g, '_') || '-'}\n`);
}

function once(): void {
  const sent = Date.now();
  inFlight++;
  let done = false;
  const finish = (ok: boolean, what: string): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    inFlight--;
    report(sent, ok, what);
    if (stopping && inFlight === 0) process.exit(0);
  };
  const req = request(url!, { agent: false, headers: { connection: 'close' } }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => { body += d; });
    res.on('end', () => finish(res.statusCode === 200, res.statusCode === 200 ? body : `HTTP_${res.statusCode}`));
    res.on('error', (e: NodeJS.ErrnoException) => finish(false, e.code ?? e.message));
  });
  // The deadline covers the whole exchange (connect included), not only idle time.
  const timer = setTimeout(() => { finish(false, 'TIMEOUT'); req.destroy(); }, timeoutMs);
  req.on('error', (e: NodeJS.ErrnoException) => finish(false, e.code ?? e.message));
  req.end();
}

// A fixed grid from the start time: a slow tick neither stretches the interval for good nor
// fires a burst of catch-up requests (missed slots are skipped).
const t0 = Date.now();
function tick(): void {
  if (stopping) return;
  once();
  const now = Date.now();
  const next = t0 + (Math.floor((now - t0) / intervalMs) + 1) * intervalMs;
  setTimeout(tick, next - now);
}
tick();
process.on('SIGTERM', () => {
  stopping = true;
  if (inFlight === 0) process.exit(0);
});
