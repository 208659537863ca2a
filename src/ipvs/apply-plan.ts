// applyPlan: what a kernel does with a list of IpvsOps, on the model. Used by IpvsSync (each
// ACKed op is applied to the observed table, in place: copying a 20,000-dest table per ACK
// would make a full apply quadratic), by the planner's property tests and by the simulator's
// fake kernel. It follows the kernel's answers (ip_vs_ctl.c): adding an existing service or
// dest is EEXIST, touching a missing one is ESRCH, deleting a service drops its dests. The
// first failing op stops the run, as it would stop us.
import { destKeyId, serviceKeyId, type IpvsDest, type IpvsService, type IpvsTable, type ServiceEntry } from './model.ts';
import type { IpvsOp } from './plan.ts';

/** A table whose entries and dest maps may be changed in place. */
export type MutableTable = Map<string, { service: IpvsService; dests: Map<string, IpvsDest> }>;

export interface ApplyResult {
  readonly table: Map<string, ServiceEntry>;
  /** Index of the op that failed and why, when one did. */
  readonly failed?: { readonly index: number; readonly errno: 'EEXIST' | 'ESRCH' };
}

export function copyTable(table: IpvsTable): MutableTable {
  const out: MutableTable = new Map();
  for (const [id, e] of table) out.set(id, { service: e.service, dests: new Map(e.dests) });
  return out;
}

/** Applies one op to `table` in place; returns the kernel's refusal, or undefined on success. */
export function applyOpInPlace(table: MutableTable, op: IpvsOp): 'EEXIST' | 'ESRCH' | undefined {
  switch (op.op) {
    case 'add-service': {
      const id = serviceKeyId(op.service.key);
      if (table.has(id)) return 'EEXIST';
      table.set(id, { service: op.service, dests: new Map() });
      return undefined;
    }
    case 'edit-service': {
      const cur = table.get(serviceKeyId(op.service.key));
      if (!cur) return 'ESRCH';
      cur.service = { ...cur.service, attrs: op.service.attrs };
      return undefined;
    }
    case 'del-service':
      return table.delete(serviceKeyId(op.key)) ? undefined : 'ESRCH';
    case 'add-dest':
    case 'edit-dest':
    case 'del-dest': {
      const cur = table.get(serviceKeyId(op.service));
      if (!cur) return 'ESRCH';
      if (op.op === 'del-dest') return cur.dests.delete(destKeyId(op.dest)) ? undefined : 'ESRCH';
      const did = destKeyId(op.dest.key);
      if (op.op === 'add-dest' && cur.dests.has(did)) return 'EEXIST';
      if (op.op === 'edit-dest' && !cur.dests.has(did)) return 'ESRCH';
      cur.dests.set(did, op.dest);
      return undefined;
    }
  }
}

export function applyPlan(table: IpvsTable, ops: readonly IpvsOp[]): ApplyResult {
  const out = copyTable(table);
  for (let index = 0; index < ops.length; index++) {
    const errno = applyOpInPlace(out, ops[index]!);
    if (errno) return { table: out, failed: { index, errno } };
  }
  return { table: out };
}
