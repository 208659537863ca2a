// watchSignal: catch a signal by NUMBER, including those Node's process.on cannot name.
//
// Theory of operation. keepalived's JSON dump is SIGRTMIN+2 (36 with glibc); Node names only the
// classic signals, so `process.on` cannot catch it and its default action (terminate) would
// kill the daemon. The ktsnative addon opens a libuv uv_signal_t on Node's own loop: libuv's
// handler only writes to a pipe, and the callback runs later on the loop like any I/O callback,
// so JavaScript never runs in signal context and the VRRP timers are never preempted.
// While a watch is open the signal no longer has its default action; close() restores it (libuv
// resets SIG_DFL when the last watch of that number closes). Like process.on, a watch does not
// keep the process alive unless asked (keepAlive).
// Set-up failures (SIGKILL, SIGSTOP, a number out of range) throw SignalWatchError: asking for
// an impossible watch is the caller's bug or a configuration problem reported at start.

import { errnoCode, loadAddon } from './native-socket.ts';

export interface SignalWatch {
  readonly signum: number;
  /** Stops watching; idempotent. */
  close(): void;
}

interface AddonSignalWatch {
  readonly signum: number;
  close(): void;
  ref(): void;
  unref(): void;
}

interface SignalAddon {
  watchSignal?: (signum: number, callback: (signum: number) => void) => AddonSignalWatch;
}

export class SignalWatchError extends Error {
  readonly code: string;
  constructor(readonly signum: number, readonly errno: number | undefined, message: string) {
    const code = errno !== undefined ? errnoCode(errno) : 'EINVAL';
    super(`watch signal ${signum}: ${message} (${code})`);
    this.name = 'SignalWatchError';
    this.code = code;
  }
}

export interface WatchOptions {
  /** Keep the event loop alive while the watch is open (default false, as process.on). */
  readonly keepAlive?: boolean;
}

export function watchSignal(signum: number, onSignal: (signum: number) => void, o: WatchOptions = {}): SignalWatch {
  const addon = loadAddon() as unknown as SignalAddon;
  if (typeof addon.watchSignal !== 'function') {
    throw new SignalWatchError(signum, undefined, 'the native addon has no watchSignal: rebuild it (npm ci)');
  }
  let handle: AddonSignalWatch;
  try {
    handle = addon.watchSignal(signum, onSignal);
  } catch (e) {
    const errno = typeof (e as { errno?: unknown }).errno === 'number' ? (e as { errno: number }).errno : undefined;
    throw new SignalWatchError(signum, errno, e instanceof Error ? e.message : String(e));
  }
  if (!o.keepAlive) handle.unref();
  let open = true;
  return {
    signum,
    close() {
      if (!open) return;
      open = false;
      handle.close();
    },
  };
}
