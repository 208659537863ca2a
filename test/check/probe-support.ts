// Loopback fixtures for the probe tests: a one-shot probe runner call as a promise, a
// self-signed certificate from openssl, small servers that close themselves.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectSpec, ProbeOutcome, ProbeSpec } from '../../src/check/checker-spec.ts';
import { OsProbeRunner } from '../../src/os/probes/os-probe-runner.ts';
import { hasCommand } from '../support/env.ts';

let seq = 0;

/** Runs one probe; rejects if it does not report within `limitMs` (every wait is bounded). */
export function probeOnce(runner: OsProbeRunner, spec: ProbeSpec, limitMs = 10_000): Promise<ProbeOutcome> {
  return new Promise((resolve, reject) => {
    const id = `t@${++seq}`;
    const guard = setTimeout(() => {
      runner.cancel(id);
      reject(new Error(`probe ${spec.kind} did not report within ${limitMs} ms`));
    }, limitMs);
    runner.start(id, spec, (o) => {
      clearTimeout(guard);
      resolve(o);
    });
  });
}

export function loop(port: number, extra: Partial<ConnectSpec> = {}): ConnectSpec {
  return { host: '127.0.0.1', port, timeoutUs: 1_000_000, ...extra };
}

export interface SelfSigned { readonly certPem: string; readonly keyPem: string }

/** A certificate for CN/SAN checker.test and IP 127.0.0.1, or undefined without openssl. */
export function selfSigned(): SelfSigned | undefined {
  if (!hasCommand('openssl')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'probe-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=checker.test',
      '-addext', 'subjectAltName=DNS:checker.test,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function portOf(server: { address(): unknown }): number {
  const a = server.address();
  if (a && typeof a === 'object' && 'port' in a) return (a as { port: number }).port;
  throw new Error('server has no port');
}
