// HTTP_GET / SSL_GET on Linux (keepalived check_http.c / check_ssl.c): one connection per probe,
// one request, the response read by HttpResponseReader, the verdict from src/check/http-verdict.ts.
//
// The request is keepalived's (genhash's): `GET <path> HTTP/1.0` (HTTP/1.1 with http_protocol
// 1.1), User-Agent: KeepAliveClient, Host, and Connection: close always -- like keepalived each
// probe opens and closes its own connection. The response ends at Content-Length, at the last
// chunk, or when the server closes. The body is streamed through MD5 only when the url has a
// digest (genhash's digest), and kept as text only when it has a regex.
// connect_timeout bounds the connect (and TLS handshake), the wait for the headers and every gap
// in the body, as keepalived's per-read timeout does: one timer per probe, refreshed by progress.
// bindto/bind_port, SNI (enable_sni/sni_name) and the certificate options are the socket's own;
// keepalived does not verify the server certificate unless told to, and neither do we. The TLS
// context (CA, client certificate) is built once per target and reused, as keepalived keeps one
// SSL_CTX, instead of once per connection. With a fixed bind_port the connection is closed with a
// RST, as TCP_CHECK does, so the 4-tuple is not held in TIME_WAIT by an early close of ours.
//
// Why not undici (used until issue 4): a Client request per probe built an AbortController, a
// Readable body consumed through an async iterator and several promises, for one small response
// per second; at a daemon's pace that JavaScript never gets optimised and was most of the checker's
// CPU (1.8 ms per probe on the host, 8.5 ms in the user-mode IPVS guest against keepalived's 2.9:
// bench/lvs-check-cost.ts).

import { createHash, type Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { ProbeSpec, TlsSpec } from '../../check/checker-spec.ts';
import { httpVerdict, needsBodyText, planHttpRequest } from '../../check/http-verdict.ts';
import { HttpResponseReader } from './http-response-reader.ts';
import { type Cancel, type ProbeImpl, dialHost, errorReason, msFromUs } from './probe-impl.ts';

export type HttpSpec = Extract<ProbeSpec, { kind: 'http' }>;

/** A regex is searched in at most this much of the body (the digest always covers all of it). */
const MAX_TEXT_BYTES = 4 * 1024 * 1024;

/** PEM text from the spec, else from its file (read once, when the target's context is made). */
function pem(text: string | undefined, file: string | undefined): string | undefined {
  if (text !== undefined) return text;
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // A missing file fails the TLS handshake with a clear error instead of crashing the probe.
    return undefined;
  }
}

/** Per-target state kept between probes: the TLS context of each SSL_GET target. */
export class HttpClients {
  private readonly contexts = new WeakMap<TlsSpec, tls.SecureContext | Error>();
  private count = 0;

  secureContext(t: TlsSpec): tls.SecureContext | Error {
    let c = this.contexts.get(t);
    if (!c) {
      const ca = pem(t.caPem, t.caFile);
      const cert = pem(t.certPem, t.certFile);
      const key = pem(t.keyPem, t.keyFile);
      try {
        c = tls.createSecureContext({
          ...(ca !== undefined ? { ca } : {}),
          ...(cert !== undefined ? { cert } : {}),
          ...(key !== undefined ? { key } : {}),
          ...(t.keyPassword !== undefined ? { passphrase: t.keyPassword } : {}),
        });
      } catch (e) {
        c = new Error(`TLS configuration: ${errorReason(e)}`);
      }
      this.contexts.set(t, c);
      this.count++;
    }
    return c;
  }

  /** How many TLS contexts were built (for tests: one per target, not per probe). */
  get size(): number {
    return this.count;
  }

  async close(): Promise<void> {
    // Nothing is held between probes: every connection is closed by its own probe.
  }
}

/** Header names as keepalived writes them ("User-Agent", "Host"). */
function headerName(lower: string): string {
  return lower.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}

/** The request bytes, built once per spec object (a checker's spec is the same object every probe). */
const requests = new WeakMap<HttpSpec, Buffer>();
function requestOf(spec: HttpSpec): Buffer {
  let r = requests.get(spec);
  if (!r) {
    const c = spec.connect;
    const plan = planHttpRequest(spec.url, spec.protocol, c.host, c.port, spec.tls !== undefined);
    const lines = [`${plan.method} ${plan.path} HTTP/${spec.protocol === '1.1' ? '1.1' : '1.0'}`];
    for (const [name, value] of plan.headers) lines.push(`${headerName(name)}: ${value}`);
    lines.push('Connection: close', '', '');
    r = Buffer.from(lines.join('\r\n'), 'latin1');
    requests.set(spec, r);
  }
  return r;
}

export function httpProbe(clients: HttpClients): ProbeImpl<HttpSpec> {
  return (spec, done): Cancel => {
    const c = spec.connect;
    const t = spec.tls;
    let finished = false;
    let phase: 'connect' | 'response' = 'connect';
    const url = spec.url;
    const md5: Hash | undefined = url.digest !== undefined ? createHash('md5') : undefined;
    const wantText = needsBodyText(url);
    const parts: Buffer[] = [];
    let kept = 0;
    const reader = new HttpResponseReader((chunk) => {
      md5?.update(chunk);
      if (wantText && kept < MAX_TEXT_BYTES) {
        parts.push(chunk);
        kept += chunk.length;
      }
    });

    let context: tls.SecureContext | undefined;
    if (t) {
      const ctx = clients.secureContext(t);
      if (ctx instanceof Error) {
        done({ kind: 'failed', reason: `HTTP request failed: ${ctx.message}` });
        return () => undefined;
      }
      context = ctx;
    }
    const common = {
      host: dialHost(c.host, c.bindIf),
      port: c.port,
      // keepalived never resolves names and never tries several addresses.
      autoSelectFamily: false,
      ...(c.bindTo !== undefined ? { localAddress: c.bindTo } : {}),
      ...(c.bindPort !== undefined ? { localPort: c.bindPort } : {}),
    };
    const socket: net.Socket = t
      ? tls.connect({
          ...common,
          secureContext: context!,
          rejectUnauthorized: t.verify,
          ...(t.servername !== undefined ? { servername: t.servername } : {}),
        })
      : net.connect(common);

    const close = (): void => {
      if (c.bindPort !== undefined && socket.readyState === 'open') socket.resetAndDestroy();
      else socket.destroy();
    };
    const finish = (o: Parameters<typeof done>[0]): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      close();
      done(o);
    };
    const timer = setTimeout(() => {
      finish({ kind: 'timeout', reason: phase === 'connect' ? `HTTP connect timeout after ${c.timeoutUs / 1000} ms` : `HTTP no data from the server for ${c.timeoutUs / 1000} ms` });
    }, msFromUs(c.timeoutUs));
    const verdict = (): void => {
      const v = httpVerdict(url, {
        status: reader.status,
        bodyMd5: md5 ? md5.digest('hex') : '',
        ...(wantText ? { bodyText: Buffer.concat(parts).subarray(0, MAX_TEXT_BYTES).toString('latin1') } : {}),
      });
      finish(v.ok ? { kind: 'ok', detail: v.detail } : { kind: 'failed', reason: v.reason });
    };
    const result = (r: ReturnType<HttpResponseReader['feed']>): void => {
      if (r === 'more') return;
      if (r === 'done') verdict();
      else finish({ kind: 'failed', reason: `HTTP request failed: ${r.bad}` });
    };

    socket.once(t ? 'secureConnect' : 'connect', () => {
      phase = 'response';
      timer.refresh();
    });
    socket.on('data', (chunk: Buffer) => {
      if (finished) return;
      const r = reader.feed(chunk);
      // Refreshing reads the clock: only when more is awaited (a small page is usually one read).
      if (r === 'more') timer.refresh();
      else result(r);
    });
    socket.once('end', () => { if (!finished) result(reader.end()); });
    socket.once('error', (e) => finish({ kind: 'failed', reason: `HTTP request failed: ${errorReason(e)}` }));
    // Queued by the socket until the connection (and the TLS handshake) is up.
    socket.write(requestOf(spec));
    return () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
    };
  };
}
