// What `-t` and the daemon check against the machine they run on (keepalived does the same: an
// interface named in the configuration must exist; a script must exist and be executable).
// Skipped with --no-host-checks, and on the corpus.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { formatIp, parseIp } from '../base/ip.ts';

/** Structurally the config layer's HostFacts (src/config/host-facts.ts). */
export interface NodeHostFacts {
  interfaceExists(name: string): boolean;
  fileExecutable(path: string): boolean;
  userExists(name: string): boolean;
  ipForwarding(family: 4 | 6): boolean | undefined;
  addressInterfaces(addr: string): readonly string[] | undefined;
}

/**
 * Host facts for ONE reading of the configuration: answers are cached (a big file asks about
 * the same interface thousands of times), and a reload makes a new one so it sees the host anew.
 */
export function nodeHostFacts(): NodeHostFacts {
  let interfaces: Set<string> | undefined;
  let passwdNames: Set<string> | undefined;
  let holders: Map<string, string[]> | undefined;
  return {
    addressInterfaces(addr) {
      holders ??= addressHolders();
      const canonical = canonicalIp(addr);
      return canonical === undefined ? undefined : holders.get(canonical) ?? [];
    },
    interfaceExists(name) {
      interfaces ??= interfaceNames();
      return interfaces.has(name);
    },
    fileExecutable(path) {
      try {
        if (!statSync(path).isFile()) return false;
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    ipForwarding(family) {
      const path = family === 4 ? '/proc/sys/net/ipv4/ip_forward' : '/proc/sys/net/ipv6/conf/all/forwarding';
      try {
        return readFileSync(path, 'utf8').trim() !== '0';
      } catch {
        return undefined;
      }
    },
    userExists(name) {
      if (!passwdNames) {
        try {
          passwdNames = new Set(readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':')[0]!).filter(Boolean));
        } catch {
          return true; // cannot tell: do not report a false error
        }
      }
      return passwdNames.has(name);
    },
  };
}

/**
 * Interface names of THIS process's network namespace. /proc/self/net/dev follows the
 * namespace of the reader; /sys/class/net shows whichever namespace mounted sysfs, which is
 * wrong under `unshare -n` (it still listed the host's eth0 there).
 */
function interfaceNames(): Set<string> {
  try {
    const lines = readFileSync('/proc/self/net/dev', 'utf8').split('\n').slice(2);
    return new Set(lines.map((l) => l.split(':')[0]!.trim()).filter(Boolean));
  } catch {
    return new Set();
  }
}

function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text.replace(/%.*$/, ''));
  return ip ? formatIp(ip) : undefined;
}

/**
 * Address -> interfaces holding it, in this process's network namespace (getifaddrs through
 * libuv, which lists only interfaces that are up: an address on a down interface takes no
 * traffic, so it does not matter here).
 */
function addressHolders(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let all: ReturnType<typeof networkInterfaces>;
  try {
    all = networkInterfaces();
  } catch {
    return out;
  }
  for (const [name, addrs] of Object.entries(all)) {
    // getifaddrs names an IPv4 address by its label ("lo:0"); the interface is before the colon.
    const ifname = name.split(':')[0]!;
    for (const a of addrs ?? []) {
      const key = canonicalIp(a.address);
      if (key === undefined) continue;
      const list = out.get(key) ?? [];
      if (!list.includes(ifname)) list.push(ifname);
      out.set(key, list);
    }
  }
  return out;
}
