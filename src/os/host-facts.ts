// What `-t` and the daemon check against the machine they run on (keepalived does the same: an
// interface named in the configuration must exist; a script must exist and be executable).
// Skipped with --no-host-checks, and on the corpus.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';

let passwdNames: Set<string> | undefined;

/** Structurally the config layer's HostFacts (src/config/host-facts.ts). */
export interface NodeHostFacts {
  interfaceExists(name: string): boolean;
  fileExecutable(path: string): boolean;
  userExists(name: string): boolean;
}

export const nodeHostFacts: NodeHostFacts = {
  interfaceExists(name) {
    // A name with a slash or a dot-only name could walk out of /sys/class/net.
    if (!/^[^/\s]{1,15}$/.test(name) || name === '.' || name === '..') return false;
    try {
      statSync(`/sys/class/net/${name}`);
      return true;
    } catch {
      return false;
    }
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
