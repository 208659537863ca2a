// keepalived's `-s NAME` / `net_namespace NAME`: the daemon runs in the named network namespace
// (an `ip netns add NAME` one, /var/run/netns/NAME). setns(2) moves the calling thread, which is
// the JavaScript thread: every socket, netlink request and script started afterwards belongs to
// the namespace, and /proc/self/net (the host checks) shows it. Failing to enter is fatal: going
// on would run VRRP in the wrong namespace, on the wrong interfaces.
import { closeSync, openSync } from 'node:fs';
import { setNetns } from '../os/native-socket.ts';

/** Returns undefined once inside, or why it could not enter. */
export function enterNamespace(name: string): string | undefined {
  if (name === '' || name.includes('/') || name === '.' || name === '..') return `invalid network namespace name '${name}'`;
  const path = `/var/run/netns/${name}`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return `network namespace ${name}: cannot open ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)}); create it with 'ip netns add ${name}'`;
  }
  try {
    const errno = setNetns(fd);
    return errno === 0 ? undefined : `network namespace ${name}: setns failed (errno ${errno}); CAP_SYS_ADMIN is needed`;
  } finally {
    closeSync(fd);
  }
}
