import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unactedGlobalWarnings } from '../../../src/daemon/unacted-globals.ts';
import { buildText } from '../config/build-text.ts';

test('global_defs keywords read but not acted upon are named, one warning each; a plain file gives none', () => {
  const g = (body: string) => buildText(`global_defs {\n${body}\n}\n`).config.global_defs;
  assert.deepEqual(unactedGlobalWarnings(g('  router_id lb1')), []);
  const w = unactedGlobalWarnings(g('  notification_email {\n    ops@example.com\n  }\n  smtp_server 127.0.0.1\n  vrrp_startup_delay 5\n  process_names'));
  assert.deepEqual(w.map((l) => l.split(':')[0]), [
    'global_defs smtp_server', 'global_defs vrrp_startup_delay', 'global_defs process_names', 'global_defs notification_email',
  ]);
  assert.match(w[0]!, /no SMTP client/);
});
