// Every keyword of keepalived 2.4.3's keyword tree (reference/keepalived-keywords.md section 2,
// extracted from keepalived's C source by someone else) is known to our tables in the block
// where keepalived installs it, so nothing valid is ever reported as unknown.
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'keepalived-conf-parser';
import { buildConfig } from '../../../src/config/index.ts';
import { need } from '../../support/env.ts';
import { SHARED } from '../../support/paths.ts';

const REF = join(SHARED, 'reference/keepalived-keywords.md');

/** (path of block keywords, keyword) pairs from the indented tree. */
function tree(): { path: string[]; kw: string }[] {
  const text = readFileSync(REF, 'utf8');
  const start = text.indexOf('## 2. Keyword tree');
  const body = text.slice(text.indexOf('```', start) + 3, text.indexOf('```', text.indexOf('```', start) + 3));
  const out: { path: string[]; kw: string }[] = [];
  const stack: { indent: number; kw: string }[] = [];
  for (const line of body.split('\n')) {
    if (!line.trim() || line.startsWith('##')) continue;
    const indent = line.length - line.trimStart().length;
    const kw = line.trim().split(/\s+/)[0]!;
    while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
    out.push({ path: stack.map((s) => s.kw), kw });
    stack.push({ indent, kw });
  }
  return out;
}

/** A config placing `kw` inside its block path, with enough arguments to reach the table. */
function configFor(path: string[], kw: string): string {
  const heads: Record<string, string> = {
    vrrp_instance: 'vrrp_instance V', vrrp_sync_group: 'vrrp_sync_group G', vrrp_script: 'vrrp_script S',
    vrrp_track_process: 'vrrp_track_process P', track_file: 'track_file T', vrrp_track_file: 'vrrp_track_file T',
    virtual_server: 'virtual_server 10.0.0.1 80', real_server: 'real_server 10.0.0.2 80', track_group: 'track_group TG',
    bfd_instance: 'bfd_instance B',
  };
  let text = `${kw} x\n`;
  for (const p of [...path].reverse()) text = `${heads[p] ?? p} {\n${text}}\n`;
  return text;
}

test('reference keyword tree: no keyword keepalived 2.4.3 installs is unknown to us in its block', (t) => {
  if (!need(t, existsSync(REF), REF)) return;
  const fs = { readFile: () => undefined, readDir: () => undefined, kind: () => undefined };
  const entries = tree();
  assert.ok(entries.length > 500, `parsed ${entries.length} tree entries`);
  const unknown: string[] = [];
  for (const { path, kw } of entries) {
    // Value blocks (static_ipaddress, linkbeat_interfaces...) hold free-form lines, not keywords.
    const text = configFor(path, kw);
    const parsed = parse(text, '/t.conf', { fs, configId: 'x' });
    const b = buildConfig(parsed.statements);
    if (b.diagnostics.some((d) => d.code === 'unknown-keyword')) unknown.push([...path, kw].join(' > '));
  }
  assert.deepEqual(unknown, []);
});
