// Every keyword any of our tables knows (with aliases and not-supported ones), for tools that
// ask "is this a keepalived keyword at all?" (the corpus comparison, editor completion).
import { checkerTables } from './checker-tables.ts';
import { globalDefsTable } from './global-defs-table.ts';
import { rootTable } from './root-table.ts';
import { syncGroupTable } from './sync-group-table.ts';
import { trackFileTable, trackProcessTable, vrrpScriptTable } from './tracker-tables.ts';
import { realServerTable, virtualServerTable } from './virtual-server-table.ts';
import { vrrpInstanceTable } from './vrrp-instance-table.ts';

export function allKeywordNames(): Set<string> {
  const out = new Set<string>();
  const tables = [rootTable, globalDefsTable, vrrpInstanceTable, syncGroupTable, vrrpScriptTable, trackFileTable, trackProcessTable,
    virtualServerTable, realServerTable, ...checkerTables.values()];
  for (const t of tables) for (const n of t.names()) out.add(n);
  // Keywords of nested blocks without their own exported table.
  for (const n of ['auth_type', 'auth_pass', 'path', 'digest', 'status_code', 'group', 'garp_interval', 'gna_interval', 'interface',
    'interfaces', 'password', 'ca', 'certificate', 'key', 'host']) out.add(n);
  return out;
}
