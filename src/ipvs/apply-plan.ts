// applyPlan: what a kernel does with a list of IpvsOps, on the model. Used by the planner's
// property tests and by the simulator's fake kernel; it follows the kernel's answers
// (ip_vs_ctl.c): adding an existing service or dest is EEXIST, touching a missing one is ESRCH,
// deleting a service drops its dests. The first failing op stops the run, as it would stop us.
import { destKeyId, serviceKeyId, type IpvsDest, type IpvsTable, type ServiceEntry } from './model.ts';
import type { IpvsOp } from './plan.ts';

export interface ApplyResult {
  readonly table: Map<string, ServiceEntry>;
  /** Index of the op that failed and why, when one did. */
  readonly failed?: { readonly index: number; readonly errno: 'EEXIST' | 'ESRCH' };
}

export function applyPlan(table: IpvsTable, ops: readonly IpvsOp[]): ApplyResult {
  const out = new Map<string, ServiceEntry>();
  for (const [id, e] of table) out.set(id, { service: e.service, dests: new Map(e.dests) });
  for (let index = 0; index < ops.length; index++) {
    const op = ops[index]!;
    const fail = (errno: 'EEXIST' | 'ESRCH'): ApplyResult => ({ table: out, failed: { index, errno } });
    switch (op.op) {
      case 'add-service': {
        const id = serviceKeyId(op.service.key);
        if (out.has(id)) return fail('EEXIST');
        out.set(id, { service: op.service, dests: new Map() });
        break;
      }
      case 'edit-service': {
        const id = serviceKeyId(op.service.key);
        const cur = out.get(id);
        if (!cur) return fail('ESRCH');
        out.set(id, { service: { ...cur.service, attrs: op.service.attrs }, dests: cur.dests });
        break;
      }
      case 'del-service': {
        if (!out.delete(serviceKeyId(op.key))) return fail('ESRCH');
        break;
      }
      case 'add-dest':
      case 'edit-dest':
      case 'del-dest': {
        const cur = out.get(serviceKeyId(op.service));
        if (!cur) return fail('ESRCH');
        const dests = cur.dests as Map<string, IpvsDest>;
        if (op.op === 'del-dest') {
          if (!dests.delete(destKeyId(op.dest))) return fail('ESRCH');
          break;
        }
        const did = destKeyId(op.dest.key);
        if (op.op === 'add-dest' && dests.has(did)) return fail('EEXIST');
        if (op.op === 'edit-dest' && !dests.has(did)) return fail('ESRCH');
        dests.set(did, op.dest);
        break;
      }
    }
  }
  return { table: out };
}
