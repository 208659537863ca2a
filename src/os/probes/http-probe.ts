// HTTP_GET / SSL_GET on Linux through undici (keepalived check_http.c / check_ssl.c).
//
// One undici Client per target (address, port, bind, TLS options), created on first use and
// kept: it holds no socket between probes because every request is sent with `reset: true`
// (Connection: close), so like keepalived each probe opens and closes its own connection.
// The Client dials through our own connector, so bindto/bind_port, SNI (enable_sni/sni_name)
// and the certificate options (verify or not, CA, client certificate) are exactly ours:
// keepalived does not verify the server certificate unless told to, and neither do we.
// The body is streamed through node:crypto's MD5 (genhash's digest); only a url with a regex keeps
// the text. The verdict itself is src/check/http-verdict.ts. connect_timeout bounds the connect,
// the wait for headers and every gap in the body, as keepalived's per-read timeout does.
// Not reproduced: HTTP/1.0 on the wire (undici speaks HTTP/1.1; the request still closes).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Client, type buildConnector } from 'undici';
import type { ProbeSpec } from '../../check/checker-spec.ts';
import { httpVerdict, needsBodyText, planHttpRequest } from '../../check/http-verdict.ts';
import { type Cancel, type ProbeImpl, dialHost, errorReason, msFromUs } from './probe-impl.ts';

export type HttpSpec = Extract<ProbeSpec, { kind: 'http' }>;

/** A regex is searched in at most this much of the body (the digest always covers all of it). */
const MAX_TEXT_BYTES = 4 * 1024 * 1024;

export class HttpClients {
  private readonly clients = new Map<string, Client>();

  get(spec: HttpSpec): Client {
    const c = spec.connect;
    const key = JSON.stringify([c.host, c.port, c.bindTo, c.bindPort, c.bindIf, c.timeoutUs, spec.tls ?? null]);
    let client = this.clients.get(key);
    if (!client) {
      client = new Client(`${spec.tls ? 'https' : 'http'}://${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`, {
        connect: connector(spec),
        pipelining: 1,
        headersTimeout: msFromUs(c.timeoutUs),
        bodyTimeout: msFromUs(c.timeoutUs),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  get size(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.destroy().catch(() => undefined)));
  }
}

/** PEM text from the spec, else from its file (read once, when the target's Client is made). */
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

function connector(spec: HttpSpec): buildConnector.connector {
  const c = spec.connect;
  const t = spec.tls;
  const ca = pem(t?.caPem, t?.caFile);
  const cert = pem(t?.certPem, t?.certFile);
  const key = pem(t?.keyPem, t?.keyFile);
  return (_opts, callback) => {
    const common = {
      host: dialHost(c.host, c.bindIf),
      port: c.port,
      autoSelectFamily: false,
      ...(c.bindTo !== undefined ? { localAddress: c.bindTo } : {}),
      ...(c.bindPort !== undefined ? { localPort: c.bindPort } : {}),
    };
    const socket: net.Socket = t
      ? tls.connect({
          ...common,
          rejectUnauthorized: t.verify,
          ...(t.servername !== undefined ? { servername: t.servername } : {}),
          ...(ca !== undefined ? { ca } : {}),
          ...(cert !== undefined ? { cert } : {}),
          ...(key !== undefined ? { key } : {}),
          ...(t.keyPassword !== undefined ? { passphrase: t.keyPassword } : {}),
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect(common);
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const err = Object.assign(new Error(`connect timeout after ${c.timeoutUs / 1000} ms`), { code: 'ETIMEDOUT' });
      callback(err, null);
    }, msFromUs(c.timeoutUs));
    socket.once(t ? 'secureConnect' : 'connect', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.setNoDelay(true);
      callback(null, socket as Parameters<Parameters<buildConnector.connector>[1]>[1] & object);
    });
    socket.once('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      callback(e, null);
    });
  };
}

export function httpProbe(clients: HttpClients): ProbeImpl<HttpSpec> {
  return (spec, done): Cancel => {
    const abort = new AbortController();
    let finished = false;
    const finish = (o: Parameters<typeof done>[0]) => {
      if (finished) return;
      finished = true;
      done(o);
    };
    const plan = planHttpRequest(spec.url, spec.protocol, spec.connect.host, spec.connect.port, spec.tls !== undefined);
    const wantText = needsBodyText(spec.url);
    const run = async () => {
      const res = await clients.get(spec).request({
        method: plan.method,
        path: plan.path,
        headers: Object.fromEntries(plan.headers),
        // Connection: close: a fresh connection per probe, as keepalived does.
        reset: true,
        signal: abort.signal,
      });
      const md5 = createHash('md5');
      const parts: Buffer[] = [];
      let kept = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        md5.update(chunk);
        if (wantText && kept < MAX_TEXT_BYTES) {
          parts.push(chunk);
          kept += chunk.length;
        }
      }
      const v = httpVerdict(spec.url, {
        status: res.statusCode,
        bodyMd5: md5.digest('hex'),
        ...(wantText ? { bodyText: Buffer.concat(parts).subarray(0, MAX_TEXT_BYTES).toString('latin1') } : {}),
      });
      finish(v.ok ? { kind: 'ok', detail: v.detail } : { kind: 'failed', reason: v.reason });
    };
    run().catch((e: unknown) => {
      const code = (e as { code?: string }).code;
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
        finish({ kind: 'timeout', reason: `HTTP ${errorReason(e)}` });
      } else {
        finish({ kind: 'failed', reason: `HTTP request failed: ${errorReason(e)}` });
      }
    });
    return () => {
      finished = true;
      abort.abort();
    };
  };
}
