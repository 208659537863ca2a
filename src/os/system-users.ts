// User and group names -> ids, from /etc/passwd and /etc/group (what getpwnam/getgrnam read on
// a plain Debian host). Used for script_user, the `user [group]` of script keywords and the
// owner of FIFOs. Read on each call: files are small and the daemon asks at start-up.

import { readFileSync } from 'node:fs';

export interface UserIds {
  readonly uid: number;
  readonly gid: number;
}

function table(path: string): string[][] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** A user name (or numeric id) and optional group (name or id); undefined if unknown. */
export function lookupUser(user: string, group?: string): UserIds | undefined {
  let ids: UserIds | undefined;
  if (/^[0-9]+$/.test(user)) {
    const row = table('/etc/passwd').find((r) => r[2] === user);
    ids = { uid: Number(user), gid: row ? Number(row[3]) : Number(user) };
  } else {
    const row = table('/etc/passwd').find((r) => r[0] === user);
    if (!row) return undefined;
    ids = { uid: Number(row[2]), gid: Number(row[3]) };
  }
  if (group === undefined) return ids;
  if (/^[0-9]+$/.test(group)) return { uid: ids.uid, gid: Number(group) };
  const g = table('/etc/group').find((r) => r[0] === group);
  return g ? { uid: ids.uid, gid: Number(g[2]) } : undefined;
}
