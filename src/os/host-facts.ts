// What `-t` and the daemon check against the machine they run on (keepalived does the same: an
// interface named in the configuration must exist; a script must exist and be executable).
// Skipped with --no-host-checks, and on the corpus.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';

/** Structurally the config layer's HostFacts (src/config/host-facts.ts). */
export interface NodeHostFacts {
  interfaceExists(name: string): boolean;
  fileExecutable(path: string): boolean;
  userExists(name: string): boolean;
}

/**
 * Host facts for ONE reading of the configuration: answers are cached (a big file asks about
 * the same interface thousands of times), and a reload makes a new one so it sees the host anew.
 */
export function nodeHostFacts(): NodeHostFacts {
  const interfaces = new Map<string, boolean>();
  let passwdNames: Set<string> | undefined;
  return {
    interfaceExists(name) {
      let known = interfaces.get(name);
      if (known === undefined) {
        known = sysClassNetHas(name);
        interfaces.set(name, known);
      }
      return known;
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

function sysClassNetHas(name: string): boolean {
  // A name with a slash or a dot-only name could walk out of /sys/class/net.
  if (!/^[^/\s]{1,15}$/.test(name) || name === '.' || name === '..') return false;
  try {
    statSync(`/sys/class/net/${name}`);
    return true;
  } catch {
    return false;
  }
}
