// The ConfigFileSystem the grammar's preprocessor reads includes through, on the real disk.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import type { ConfigFileSystem } from 'keepalived-conf-parser';

export const nodeConfigFs: ConfigFileSystem = {
  readFile(path) {
    try {
      return readFileSync(path, 'latin1');
    } catch {
      return undefined;
    }
  },
  readDir(path) {
    try {
      return readdirSync(path);
    } catch {
      return undefined;
    }
  },
  kind(path) {
    try {
      const st = statSync(path);
      return st.isDirectory() ? 'dir' : 'file';
    } catch {
      return undefined;
    }
  },
};
