// plan(desired, observed, owned): the fewest IPVS operations that turn the observed kernel table
// into the desired one, touching only the services we own.
//
// Ownership: a service is ours when its key is in `owned` (the keys of every virtual service the
// configuration defines now or defined before a reload) or in `desired`. Anything else in the
// kernel -- ipvsadm rules, another daemon's services -- is never read for a decision and never
// written. Adopting a kernel table that already matches is therefore zero operations.
//
// Fewest operations: a service whose key exists on both sides is edited in place
// (IPVS_CMD_SET_SERVICE changes scheduler, flags, timeout, netmask, PE: ip_vs_edit_service), and
// so is a destination (IPVS_CMD_SET_DEST: fwd method, weight, thresholds, tunnel:
// __ip_vs_update_dest). Only keys are immutable. Deleting a service drops its destinations in
// the kernel (__ip_vs_del_service -> __ip_vs_unlink_dest for each), so no DEL_DEST precedes it.
//
// Safe order: add services, edit services, add dests, edit dests, delete dests, delete services.
// New destinations arrive before old ones leave, so a service being re-pointed never passes
// through an empty state where it would refuse connections; a dest is only ever added to a
// service that already exists; and no dest is deleted from a service after it was deleted.
import {
  compareServiceKeys, destAttrsEqual, serviceAttrsEqual,
  type DestKey, type IpvsDest, type IpvsService, type IpvsTable, type ServiceKey,
} from './model.ts';

export type IpvsOp =
  | { readonly op: 'add-service'; readonly service: IpvsService }
  | { readonly op: 'edit-service'; readonly service: IpvsService }
  | { readonly op: 'del-service'; readonly key: ServiceKey }
  | { readonly op: 'add-dest'; readonly service: ServiceKey; readonly dest: IpvsDest }
  | { readonly op: 'edit-dest'; readonly service: ServiceKey; readonly dest: IpvsDest }
  | { readonly op: 'del-dest'; readonly service: ServiceKey; readonly dest: DestKey };

export function plan(desired: IpvsTable, observed: IpvsTable, owned: ReadonlySet<string>): IpvsOp[] {
  const addSvc: IpvsOp[] = [];
  const editSvc: IpvsOp[] = [];
  const addDest: IpvsOp[] = [];
  const editDest: IpvsOp[] = [];
  const delDest: IpvsOp[] = [];
  const delSvc: IpvsOp[] = [];

  const desiredIds = [...desired.keys()].sort((a, b) =>
    compareServiceKeys(desired.get(a)!.service.key, desired.get(b)!.service.key));
  for (const id of desiredIds) {
    const want = desired.get(id)!;
    const have = observed.get(id);
    const key = want.service.key;
    if (!have) addSvc.push({ op: 'add-service', service: want.service });
    else if (!serviceAttrsEqual(want.service.attrs, have.service.attrs)) {
      editSvc.push({ op: 'edit-service', service: want.service });
    }
    for (const [did, d] of want.dests) {
      const cur = have?.dests.get(did);
      if (!cur) addDest.push({ op: 'add-dest', service: key, dest: d });
      else if (!destAttrsEqual(d.attrs, cur.attrs)) editDest.push({ op: 'edit-dest', service: key, dest: d });
    }
    if (have) {
      for (const [did, d] of have.dests) {
        if (!want.dests.has(did)) delDest.push({ op: 'del-dest', service: key, dest: d.key });
      }
    }
  }
  for (const [id, have] of observed) {
    if (!desired.has(id) && owned.has(id)) delSvc.push({ op: 'del-service', key: have.service.key });
  }
  return [...addSvc, ...editSvc, ...addDest, ...editDest, ...delDest, ...delSvc];
}
