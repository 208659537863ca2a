// LvsSyncFollower against keepalived's own sequence (ipvswrapper.c ipvs_syncd_master/backup,
// vrrp_daemon.c start_vrrp/stop_vrrp) and its config resolution (vrrp.c: syncid = vrid when unset),
// from real keepalived.conf text through the grammar and the config layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LvsSyncFollower, lvsSyncSpecOf, type SyncDaemonRequest } from '../../../src/runtime/lvs-sync-follower.ts';
import { formatIp } from '../../../src/base/ip.ts';
import { buildText } from '../config/build-text.ts';

const conf = (syncd: string, name = 'VI_1'): string => `global_defs {
  ${syncd}
}
vrrp_instance ${name} {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`;

function drain(f: LvsSyncFollower): string[] {
  const out: string[] = [];
  for (let a: SyncDaemonRequest | undefined; (a = f.pollAction()); ) {
    out.push(a.cmd === 'del-daemon' ? `del ${a.state}` : `new ${a.daemon.state} ${a.daemon.mcastIfn} ${a.daemon.syncId}`);
  }
  return out;
}

test('lvsSyncSpecOf: syncid defaults to the instance vrid; every option reaches the daemon', () => {
  const plain = lvsSyncSpecOf(buildText(conf('lvs_sync_daemon eth1 VI_1')).config);
  assert.deepEqual(plain, { instance: 'VI_1', daemon: { mcastIfn: 'eth1', syncId: 51, mcastPort: 8848 } });
  const full = lvsSyncSpecOf(buildText(conf('lvs_sync_daemon eth1 inst VI_1 id 7 maxlen 1400 port 8850 ttl 2 group 224.0.0.82')).config);
  assert.ok(full);
  assert.equal(full.daemon.syncId, 7);
  assert.equal(full.daemon.syncMaxLen, 1400);
  assert.equal(full.daemon.mcastPort, 8850);
  assert.equal(full.daemon.mcastTtl, 2);
  assert.equal(full.daemon.mcastGroup && formatIp(full.daemon.mcastGroup), '224.0.0.82');
});

test('lvsSyncSpecOf: not configured, or naming no instance, is no spec', () => {
  assert.equal(lvsSyncSpecOf(buildText(conf('router_id x')).config), undefined);
  assert.equal(lvsSyncSpecOf(buildText(conf('lvs_sync_daemon eth1 VI_1', 'VI_2')).config), undefined);
});

test('start stops both leftovers; BACKUP starts the backup daemon; MASTER swaps; stop removes both', () => {
  const f = new LvsSyncFollower(lvsSyncSpecOf(buildText(conf('lvs_sync_daemon eth1 VI_1 id 9')).config));
  f.start();
  assert.deepEqual(drain(f), ['del master', 'del backup']);
  f.handleState('VI_1', 'BACKUP');
  assert.deepEqual(drain(f), ['del master', 'new backup eth1 9']);
  assert.equal(f.role, 'backup');
  f.handleState('VI_1', 'MASTER');
  assert.deepEqual(drain(f), ['del backup', 'new master eth1 9']);
  f.handleState('VI_1', 'FAULT');
  assert.deepEqual(drain(f), ['del master', 'new backup eth1 9']);
  f.handleState('VI_1', 'BACKUP'); // FAULT -> BACKUP: the backup daemon keeps running
  assert.deepEqual(drain(f), []);
  f.handleState('VI_1', 'MASTER');
  drain(f);
  f.handleState('VI_1', 'INIT'); // the instance stopping: stop() does the removal
  assert.deepEqual(drain(f), []);
  f.stop();
  assert.deepEqual(drain(f), ['del master', 'del backup']);
  assert.equal(f.role, undefined);
  f.handleState('VI_1', 'BACKUP');
  f.stop();
  assert.deepEqual(drain(f), [], 'nothing after stop');
});

test('other instances and no configuration change nothing', () => {
  const f = new LvsSyncFollower(lvsSyncSpecOf(buildText(conf('lvs_sync_daemon eth1 VI_1')).config));
  f.handleState('VI_9', 'MASTER');
  assert.deepEqual(drain(f), []);
  const none = new LvsSyncFollower(undefined);
  none.start();
  none.handleState('VI_1', 'MASTER');
  none.stop();
  assert.deepEqual(drain(none), []);
});

test('a master starting as MASTER first (priority 255 path) starts the master daemon', () => {
  const f = new LvsSyncFollower(lvsSyncSpecOf(buildText(conf('lvs_sync_daemon eth1 VI_1')).config));
  f.handleState('VI_1', 'MASTER');
  assert.deepEqual(drain(f), ['del backup', 'new master eth1 51']);
});

test('reconfigure: a changed daemon is restarted in the current role; an unchanged one is left alone', () => {
  const a = lvsSyncSpecOf(buildText(conf('lvs_sync_daemon eth1 VI_1 id 1')).config);
  const b = lvsSyncSpecOf(buildText(conf('lvs_sync_daemon eth2 VI_1 id 2')).config);
  const f = new LvsSyncFollower(a);
  f.handleState('VI_1', 'MASTER');
  drain(f);
  f.reconfigure(lvsSyncSpecOf(buildText(conf('lvs_sync_daemon eth1 VI_1 id 1')).config));
  assert.deepEqual(drain(f), []);
  f.reconfigure(b);
  assert.deepEqual(drain(f), ['del master', 'del backup', 'new master eth2 2']);
  f.reconfigure(undefined);
  assert.deepEqual(drain(f), ['del master']);
  assert.equal(f.role, undefined);
});
