import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { plan, type IpvsOp } from '../../../src/ipvs/plan.ts';
import { applyPlan } from '../../../src/ipvs/apply-plan.ts';
import {
  destAttrsEqual, serviceAttrsEqual, serviceKeyId, type IpvsTable, type ServiceEntry,
} from '../../../src/ipvs/model.ts';
import { arbTable, SERVICE_KEYS } from './arbitraries.ts';

function entriesEqual(a: ServiceEntry | undefined, b: ServiceEntry | undefined): boolean {
  if (!a || !b) return a === b;
  if (!serviceAttrsEqual(a.service.attrs, b.service.attrs) || a.dests.size !== b.dests.size) return false;
  for (const [id, d] of a.dests) {
    const o = b.dests.get(id);
    if (!o || !destAttrsEqual(d.attrs, o.attrs)) return false;
  }
  return true;
}

const arbOwned = fc.subarray(SERVICE_KEYS.map(serviceKeyId));

test('applying plan(desired, observed) gives desired on owned keys and leaves the rest alone', () => {
  fc.assert(fc.property(arbTable, arbTable, arbOwned, (desired, observed, ownedList) => {
    const owned = new Set([...ownedList, ...desired.keys()]);
    const ops = plan(desired, observed, owned);
    const r = applyPlan(observed, ops);
    assert.equal(r.failed, undefined, 'the kernel would refuse an op');
    for (const id of SERVICE_KEYS.map(serviceKeyId)) {
      const expect = owned.has(id) ? desired.get(id) : observed.get(id);
      assert.ok(entriesEqual(r.table.get(id), expect), `service ${id}`);
      // Services we do not own are not even referenced by an op.
      if (!owned.has(id)) assert.ok(!ops.some((o) => opServiceId(o) === id));
    }
  }), { numRuns: 500 });
});

function opServiceId(o: IpvsOp): string {
  switch (o.op) {
    case 'add-service': case 'edit-service': return serviceKeyId(o.service.key);
    case 'del-service': return serviceKeyId(o.key);
    default: return serviceKeyId(o.service);
  }
}

test('plan of equal tables is empty (adopting a matching kernel table costs nothing)', () => {
  fc.assert(fc.property(arbTable, arbOwned, (t, ownedList) => {
    assert.deepEqual(plan(t, t, new Set([...ownedList, ...t.keys()])), []);
  }));
});

test('plan is minimal: one op per differing service or dest, none for dests of deleted services', () => {
  fc.assert(fc.property(arbTable, arbTable, (desired, observed) => {
    const owned = new Set([...desired.keys(), ...observed.keys()]);
    let expected = 0;
    for (const [id, want] of desired) {
      const have = observed.get(id);
      if (!have || !serviceAttrsEqual(want.service.attrs, have.service.attrs)) expected++;
      for (const [did, d] of want.dests) {
        const cur = have?.dests.get(did);
        if (!cur || !destAttrsEqual(d.attrs, cur.attrs)) expected++;
      }
      for (const did of have?.dests.keys() ?? []) if (!want.dests.has(did)) expected++;
    }
    for (const id of observed.keys()) if (!desired.has(id)) expected++;
    assert.equal(plan(desired, observed, owned).length, expected);
  }));
});

test('order: services added before their dests, dests deleted before services, adds before deletes', () => {
  const rank: Record<IpvsOp['op'], number> = {
    'add-service': 0, 'edit-service': 1, 'add-dest': 2, 'edit-dest': 3, 'del-dest': 4, 'del-service': 5,
  };
  fc.assert(fc.property(arbTable, arbTable, (desired, observed: IpvsTable) => {
    const ops = plan(desired, observed, new Set([...desired.keys(), ...observed.keys()]));
    for (let i = 1; i < ops.length; i++) assert.ok(rank[ops[i - 1]!.op] <= rank[ops[i]!.op]);
  }));
});
