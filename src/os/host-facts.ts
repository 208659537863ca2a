// What `-t` and the daemon check against the machine they run on (keepalived does the same: an
// interface named in the configuration must exist; a script must exist and be executable).
// Skipped with --no-host-checks, and on the corpus.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';

/** Structurally the config layer's HostFacts (src/config/host-facts.ts). */
export interface NodeHostFacts {
  interfaceExists(name: string): boolean;
  fileExecutable(path: string): boolean;
  userExists(name: string): boolean;
  ipForwarding(family: 4 | 6): boolean | undefined;
}

/**
 * Host facts for ONE reading of the configuration: answers are cached (a big file asks about
 * the same interface thousands of times), and a reload makes a new one so it sees the host anew.
 */
export function nodeHostFacts(): NodeHostFacts {
  let interfaces: Set<string> | undefined;
  let passwdNames: Set<string> | undefined;
  return {
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
