// vrrp_sync_group rules (keepalived vrrp_sync.c): a member goes MASTER only when every other
// member's down timer has fired too, then all go together; one master stepping down takes the
// others along; a member's own fault holds all the others in FAULT until it clears.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VrrpInstance } from '../../../src/vrrp/instance.ts';
import { SyncGroup } from '../../../src/vrrp/sync-group.ts';
import { advert, meta, spec, drain } from './fixtures.ts';

function group() {
  const a = new VrrpInstance(spec({ name: 'A', vrid: 1, trackScripts: [{ name: 'chk', weight: 0, reverse: false }] }));
  const b = new VrrpInstance(spec({ name: 'B', vrid: 2, advertIntervalCs: 200 }));
  const g = new SyncGroup('G');
  g.add(a); g.add(b);
  a.start(0); b.start(0);
  return { a, b, g };
}

test('the first expired member waits for the others, then all become MASTER together', () => {
  const { a, b, g } = group();
  const ta = a.timerDeadline('down')!;
  const tb = b.timerDeadline('down')!;
  assert.ok(ta < tb);
  a.handleTimeout(ta);
  assert.equal(a.state, 'BACKUP', 'B has not expired yet');
  assert.ok(a.downTimerExpired);
  b.handleTimeout(tb);
  assert.equal(a.state, 'MASTER');
  assert.equal(b.state, 'MASTER');
  assert.equal(g.sharedState(), 'MASTER');
  const changes = drain(a).filter((x) => x.kind === 'stateChanged');
  assert.match(changes.at(-1)!.kind === 'stateChanged' ? changes.at(-1)!.cause : '', /sync group G/);
});

test('an advert heard by one member keeps the whole group in BACKUP', () => {
  const { a, b } = group();
  a.handleAdvert(1_000_000, advert({ vrid: 1, priority: 200 }), meta());
  b.handleTimeout(b.timerDeadline('down')!);
  assert.equal(b.state, 'BACKUP');
  assert.ok(b.downTimerExpired);
});

test('one master stepping down takes the others along', () => {
  const { a, b } = group();
  a.handleTimeout(a.timerDeadline('down')!);
  b.handleTimeout(b.timerDeadline('down')!);
  const t = 20_000_000;
  b.handleAdvert(t, advert({ vrid: 2, priority: 200, advertIntervalCs: 200 }), meta());
  assert.equal(b.state, 'BACKUP');
  assert.equal(a.state, 'BACKUP');
});

test("a member's own fault faults all; clearing it releases all", () => {
  const { a, b, g } = group();
  a.handleTrack(1, { kind: 'script', name: 'chk', ok: false });
  assert.equal(a.state, 'FAULT');
  assert.equal(b.state, 'FAULT');
  assert.ok(!b.ownFault);
  a.handleTrack(2, { kind: 'script', name: 'chk', ok: true });
  assert.equal(g.sharedState(), 'BACKUP');
});
