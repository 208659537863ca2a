// sd_notify(3) without libsystemd: a datagram to $NOTIFY_SOCKET (a path, or '@name' for the
// abstract namespace) saying READY=1 once the daemon runs, RELOADING=1 / READY=1 around a
// reload and STOPPING=1 on the way out, so a Type=notify unit knows when keepalived-ts is up.
// Without NOTIFY_SOCKET every call is a no-op. Failures are returned, never thrown: the daemon
// keeps running whether or not systemd is listening.

import { AF_UNIX, NativeSocket, SOCK_DGRAM, errnoCode } from './native-socket.ts';

export class SdNotify {
  private sock: NativeSocket | undefined;

  constructor(private readonly path: string | undefined = process.env.NOTIFY_SOCKET) {}

  get enabled(): boolean {
    return this.path !== undefined && this.path !== '';
  }

  /** Sends "KEY=VALUE\n..." lines; returns undefined on success, else the error code. */
  send(state: string): string | undefined {
    if (!this.enabled) return undefined;
    try {
      this.sock ??= NativeSocket.open(AF_UNIX, SOCK_DGRAM, 0);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    const errno = this.sock.send(Buffer.from(state), { family: 'unix', path: this.path! });
    return errno === 0 ? undefined : errnoCode(errno);
  }

  ready(status?: string): string | undefined {
    return this.send(`READY=1\nMAINPID=${process.pid}${status ? `\nSTATUS=${status}` : ''}`);
  }

  reloading(): string | undefined {
    // systemd >= 253 wants MONOTONIC_USEC with RELOADING=1 (Type=notify-reload).
    const usec = process.hrtime.bigint() / 1000n;
    return this.send(`RELOADING=1\nMONOTONIC_USEC=${usec}`);
  }

  stopping(): string | undefined {
    return this.send('STOPPING=1');
  }

  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }
}
