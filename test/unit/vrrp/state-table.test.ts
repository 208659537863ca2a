// Walks every row of TRANSITIONS through the public API of VrrpInstance and checks that the
// state, the StateChanged action and each effect happen as the row says; then checks that every
// (state, event) pair NOT in the table leaves the instance alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TRANSITIONS, findTransition, stateDiagram, type TransitionEvent } from '../../../src/vrrp/state-table.ts';
import type { VrrpState } from '../../../src/vrrp/actions.ts';
import { VrrpInstance } from '../../../src/vrrp/instance.ts';
import { advert, drain, instanceIn, meta, spec } from './fixtures.ts';

const STATES: VrrpState[] = ['INIT', 'BACKUP', 'MASTER', 'FAULT'];
const EVENTS: TransitionEvent[] = ['start', 'startFaulted', 'masterDownTimer', 'higherPriorityAdvert', 'faultOn', 'faultOff', 'syncMaster', 'syncBackup', 'stop'];
const T = 10_000_000;

/** Produces `event` through the public API; returns the instance afterwards. */
function fire(from: VrrpState, event: TransitionEvent): VrrpInstance {
  const inst = instanceIn(from);
  switch (event) {
    case 'start': inst.start(T); break;
    case 'startFaulted':
      inst.handleTrack(T, { kind: 'interface', ifname: 'eth0', up: false });
      inst.start(T);
      break;
    case 'masterDownTimer': { const at = inst.timerDeadline('down'); if (at !== undefined) inst.handleTimeout(at); break; }
    case 'higherPriorityAdvert': inst.handleAdvert(T, advert({ priority: 200 }), meta()); break;
    case 'faultOn': inst.handleTrack(T, { kind: 'interface', ifname: 'eth0', up: false }); break;
    case 'faultOff': inst.handleTrack(T, { kind: 'interface', ifname: 'eth0', up: true }); break;
    case 'syncMaster': inst.syncTo(T, 'MASTER', 'test'); break;
    case 'syncBackup': inst.syncTo(T, 'BACKUP', 'test'); break;
    case 'stop': inst.shutdown(T); break;
  }
  return inst;
}

test('the table has at most one row per (state, event)', () => {
  for (const s of STATES) for (const e of EVENTS) {
    assert.ok(TRANSITIONS.filter((t) => t.from === s && t.event === e).length <= 1, `${s}/${e}`);
  }
});

for (const row of TRANSITIONS) {
  test(`${row.from} --${row.event}--> ${row.to} runs [${row.effects.join(', ')}]`, () => {
    const inst = fire(row.from, row.event);
    assert.equal(inst.state, row.to);
    const actions = drain(inst);
    const changed = actions.find((a) => a.kind === 'stateChanged');
    assert.deepEqual(changed && { from: changed.from, to: changed.to, event: changed.event }, { from: row.from, to: row.to, event: row.event });
    const notify = actions.filter((a) => a.kind === 'notify').map((a) => a.event);
    assert.ok(notify.includes(({ MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', INIT: 'stop' } as const)[row.to]));
    const adverts = actions.flatMap((a) => (a.kind === 'sendAdvert' ? [a.advert.priority] : []));
    const has = (k: string) => actions.some((a) => a.kind === k);
    for (const e of row.effects) {
      switch (e) {
        case 'sendPriorityZero': assert.ok(adverts.includes(0), 'priority-0 advert'); break;
        case 'sendAdvertAndArm':
          assert.ok(adverts.some((p) => p > 0), 'advert sent');
          assert.ok(inst.timerDeadline('advert') !== undefined, 'advert timer');
          break;
        case 'addVips': assert.ok(has('addVips')); break;
        case 'removeVips': assert.ok(has('removeVips')); break;
        case 'startGarp': assert.equal(actions.filter((a) => a.kind === 'sendGratuitous').length, 5); assert.ok(inst.timerDeadline('garpDelay')); break;
        case 'armStartTimer': case 'armMasterDownTimer': assert.ok(inst.timerDeadline('down')! > T); break;
        case 'disarm': if (!row.effects.some((x) => x.startsWith('arm') || x === 'sendAdvertAndArm')) assert.equal(inst.nextDeadline(), undefined); break;
        case 'resetMasterAdverInt': assert.equal(inst.masterAdvertIntervalUs, 1_000_000); break;
      }
    }
    if (!row.effects.includes('sendPriorityZero')) assert.ok(!adverts.includes(0));
    if (!row.effects.includes('addVips')) assert.ok(!has('addVips'));
    if (!row.effects.includes('removeVips')) assert.ok(!has('removeVips'));
  });
}

test('every (state, event) pair outside the table is ignored', () => {
  for (const s of STATES) for (const e of EVENTS) {
    if (findTransition(s, e)) continue;
    // startFaulted from INIT is a row; the API call for it in other states is a plain track change.
    if (e === 'startFaulted' || e === 'faultOn' || e === 'faultOff') continue;
    const inst = fire(s, e);
    assert.equal(inst.state, s, `${s}/${e}`);
    assert.ok(!drain(inst).some((a) => a.kind === 'stateChanged'), `${s}/${e}`);
  }
});

test('the state diagram is generated from the table', () => {
  const d = stateDiagram();
  assert.equal(d.split('\n').length, TRANSITIONS.length + 1);
  assert.match(d, /MASTER --> FAULT: faultOn/);
});

test('VrrpInstance constructor leaves it in INIT with no timers', () => {
  const inst = new VrrpInstance(spec());
  assert.equal(inst.state, 'INIT');
  assert.equal(inst.nextDeadline(), undefined);
});
