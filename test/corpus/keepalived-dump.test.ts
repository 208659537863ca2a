// Values, not just exit codes: keepalived 2.2.7 started with -d (dump the configuration it
// parsed) in a fresh network namespace (veth eth0/eth1), its "VRRP Topology" section read back,
// and compared with our model for the same text: defaults (priority, GARP timings, down timer,
// accept, preempt), inheritance from global_defs, fix-ups (priority 300 -> 100, v2 advert_int
// rounding, state MASTER -> 255) and the VIP list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'keepalived-conf-parser';
import { buildConfig, type KeepalivedConfig, type VrrpInstance } from '../../src/config/index.ts';
import { hasCommand, isRoot, need } from '../support/env.ts';

const VIP = 'virtual_ipaddress {\n 10.0.0.10/24 dev eth0 label eth0:v\n 10.0.0.11\n}';
const CONFIGS: [string, string][] = [
  ['defaults', `vrrp_instance V {\n interface eth0\n virtual_router_id 5\n${VIP}\n}\n`],
  ['state MASTER, fix-ups', `vrrp_instance V {\n interface eth0\n virtual_router_id 6\n state MASTER\n advert_int 2.6\n${VIP}\n}\n`],
  ['priority 300', `vrrp_instance V {\n interface eth0\n virtual_router_id 7\n priority 300\n nopreempt\n no_accept\n${VIP}\n}\n`],
  ['global inheritance', `global_defs {\n vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 3\n vrrp_garp_master_refresh 30\n vrrp_down_timer_adverts 5\n vrrp_version 3\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 8\n priority 150\n advert_int 0.5\n garp_lower_prio_repeat 1\n${VIP}\n}\n`],
  ['auth', `vrrp_instance V {\n interface eth0\n virtual_router_id 9\n authentication {\n  auth_type PASS\n  auth_pass 12345678\n }\n${VIP}\n}\n`],
  ['IPv6', `vrrp_instance V {\n interface eth0\n virtual_router_id 11\n advert_int 0.25\n virtual_ipaddress {\n  fe80::10/64\n  2001:DB8::10/64\n }\n}\n`],
  ['unicast, lower_prio_no_advert', `vrrp_instance V {\n interface eth0\n virtual_router_id 12\n unicast_src_ip 10.0.0.1\n unicast_peer {\n  10.0.0.2\n }\n lower_prio_no_advert\n higher_prio_send_advert\n garp_master_delay 1\n garp_master_repeat 2\n${VIP}\n}\n`],
  ['strict', `global_defs {\n vrrp_strict\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 10\n priority 200\n${VIP}\n}\n`],
];

const GLOBAL_CONFIGS: [string, string][] = [
  ['global defaults', `vrrp_instance V {\n interface eth0\n virtual_router_id 5\n${VIP}\n}\n`],
  ['global values', `global_defs {\n vrrp_garp_master_delay 3\n vrrp_garp_master_repeat 2\n vrrp_garp_master_refresh 60\n vrrp_garp_master_refresh_repeat 4\n vrrp_garp_lower_prio_repeat 1\n vrrp_down_timer_adverts 4\n vrrp_garp_interval 0.002\n vrrp_gna_interval 0.5\n vrrp_version 3\n vrrp_mcast_group4 224.0.0.19\n vrrp_mcast_group6 ff02::13\n vrrp_lower_prio_no_advert\n vrrp_higher_prio_send_advert\n vrrp_check_unicast_src\n vrrp_skip_check_adv_addr\n default_interface eth1\n dynamic_interfaces\n lvs_flush\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 5\n${VIP}\n}\n`],
];

function ourGlobals(g: KeepalivedConfig['global_defs']): Record<string, string> {
  return {
    'Gratuitous ARP delay': String(g.vrrp_garp_master_delay),
    'Gratuitous ARP repeat': String(g.vrrp_garp_master_repeat),
    'Gratuitous ARP refresh timer': String(g.vrrp_garp_master_refresh),
    'Gratuitous ARP refresh repeat': String(g.vrrp_garp_master_refresh_repeat),
    'Gratuitous ARP lower priority delay': String(g.vrrp_garp_lower_prio_delay ?? g.vrrp_garp_master_delay),
    'Gratuitous ARP lower priority repeat': String(g.vrrp_garp_lower_prio_repeat ?? g.vrrp_garp_master_repeat),
    'Num adverts before down': String(g.vrrp_down_timer_adverts),
    'Gratuitous ARP interval': g.vrrp_garp_interval.toFixed(6),
    'Gratuitous NA interval': g.vrrp_gna_interval.toFixed(6),
    'VRRP default protocol version': String(g.vrrp_version),
    'VRRP IPv4 mcast group': g.vrrp_mcast_group4,
    'VRRP IPv6 mcast group': g.vrrp_mcast_group6,
    'Send advert after receive lower priority advert': String(!g.vrrp_lower_prio_no_advert),
    'Send advert after receive higher priority advert': String(g.vrrp_higher_prio_send_advert),
    'VRRP check unicast_src': String(g.vrrp_check_unicast_src ?? false),
    'VRRP skip check advert addresses': String(g.vrrp_skip_check_adv_addr ?? false),
    'VRRP strict mode': String(g.vrrp_strict),
    // Not compared: 'Default interface' - 2.2.7's dump shows eth0 even after `default_interface
    // eth1` (with eth1 present); unclear whether the parent's dump just predates the VRRP
    // process applying it. Our model keeps the configured value.
    'Dynamic interfaces': String(g.dynamic_interfaces !== undefined && g.dynamic_interfaces !== false),
    'LVS flush': String(g.lvs_flush ?? false),
  };
}

/** Run keepalived -d in a namespace until it has dumped the VRRP topology; returns that section. */
function dumpOf(file: string, dir: string, section: 'vrrp' | 'global' = 'vrrp'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-n', 'sh', '-c',
      'ip link add eth0 type veth peer name eth1 && ip link set eth0 up && exec keepalived -n -l -D -d --no-syslog -f "$0" -p "$1/m.pid" -r "$1/v.pid" -c "$1/c.pid"', file, dir],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // End our own keepalived (the namespace's parent process, by its pid) and wait for it.
      child.kill('SIGTERM');
      const hard = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(hard);
        if (err) reject(err);
        else resolve(out.slice(out.indexOf(section === 'vrrp' ? '------< VRRP Topology >------' : '------< Global definitions >------'),
          out.indexOf(section === 'vrrp' ? '------< Interfaces >------' : '------< VRRP Topology >------')));
      });
    };
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (out.includes('------< Interfaces >------')) finish();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => finish(new Error(`no dump within 8 s:\n${out}`)), 8000);
    child.once('exit', () => finish(out.includes('------< Interfaces >------') ? undefined : new Error(`keepalived exited:\n${out}`)));
  });
}

/** "   Priority = 255" -> map of the instance's fields, plus the VIP lines. */
function fields(section: string): { kv: Map<string, string>; vips: string[] } {
  const kv = new Map<string, string>();
  const vips: string[] = [];
  let inVips = false;
  for (const raw of section.split('\n')) {
    const line = raw.replace(/^.*?: {2,}/, '').replace(/^[A-Z][a-z]{2} .*? \d{4}: /, '').trim();
    if (/^Virtual IP \(\d+\):$/.test(line)) { inVips = true; continue; }
    if (inVips && /^[0-9a-fA-F:.]+(\/\d+)?( |$)/.test(line)) { vips.push(line); continue; }
    inVips = false;
    const m = /^(.*?) = (.*)$/.exec(line);
    if (m && !kv.has(m[1]!)) kv.set(m[1]!, m[2]!);
  }
  return { kv, vips };
}

function ours(i: VrrpInstance): Record<string, string> {
  return {
    'VRRP Version': String(i.version),
    Wantstate: i.state,
    Interface: i.interface ?? '',
    'Virtual Router ID': String(i.virtual_router_id),
    Priority: String(i.priority),
    'Advert interval': i.version === 2 ? `${i.advert_int} sec` : `${Math.round(i.advert_int * 1000)} milli-sec`,
    'Gratuitous ARP delay': String(i.garp_master_delay),
    'Gratuitous ARP repeat': String(i.garp_master_repeat),
    'Gratuitous ARP refresh': String(i.garp_master_refresh),
    'Gratuitous ARP refresh repeat': String(i.garp_master_refresh_repeat),
    'Gratuitous ARP lower priority delay': String(i.garp_lower_prio_delay),
    'Gratuitous ARP lower priority repeat': String(i.garp_lower_prio_repeat),
    'Down timer adverts': String(i.down_timer_adverts),
    'Send advert after receive lower priority advert': String(!i.lower_prio_no_advert),
    'Send advert after receive higher priority advert': String(i.higher_prio_send_advert),
    Accept: i.accept ? 'enabled' : 'disabled',
    Preempt: i.nopreempt ? 'disabled' : 'enabled',
    // keepalived prints no authentication line for VRRPv3.
    ...(i.version === 2 ? { 'Authentication type': i.authentication ? (i.authentication.auth_type === 'PASS' ? 'SIMPLE_PASSWORD' : 'IPSEC_AH') : 'none' } : {}),
  };
}

test('keepalived 2.2.7 -d dump of the VRRP topology matches our model', async (t) => {
  if (!need(t, isRoot() && hasCommand('keepalived') && hasCommand('unshare') && hasCommand('ip'), 'root, keepalived, unshare and ip')) return;
  const dir = mkdtempSync(join(tmpdir(), `ka-dump-${process.pid}-`));
  try {
    const diffs: string[] = [];
    for (const [name, text] of CONFIGS) {
      const file = join(dir, 'k.conf');
      writeFileSync(file, text);
      const { kv, vips } = fields(await dumpOf(file, dir));
      const parsed = parse(text, file, { fs: { readFile: () => undefined, readDir: () => undefined, kind: () => undefined }, configId: 'test' });
      const inst = buildConfig(parsed.statements).config.vrrp_instances[0]!;
      for (const [k, v] of Object.entries(ours(inst))) {
        if (!kv.has(k)) diffs.push(`${name}: keepalived dump has no '${k}'`);
        else if (kv.get(k) !== v) diffs.push(`${name}: ${k}: keepalived '${kv.get(k)}', ours '${v}'`);
      }
      // keepalived prints a host address without its /32 (/128).
      const ourVips = inst.virtual_ipaddress.map((a) => (a.prefix_len === (a.family === 4 ? 32 : 128) ? a.address : `${a.address}/${a.prefix_len}`));
      const theirVips = vips.map((l) => l.split(' ')[0]!);
      if (JSON.stringify(ourVips) !== JSON.stringify(theirVips)) diffs.push(`${name}: VIPs keepalived ${theirVips}, ours ${ourVips}`);
    }
    assert.deepEqual(diffs, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('keepalived 2.2.7 -d dump of the global definitions matches our global_defs (defaults and values)', async (t) => {
  if (!need(t, isRoot() && hasCommand('keepalived') && hasCommand('unshare') && hasCommand('ip'), 'root, keepalived, unshare and ip')) return;
  const dir = mkdtempSync(join(tmpdir(), `ka-dump-${process.pid}-`));
  try {
    const diffs: string[] = [];
    for (const [name, text] of GLOBAL_CONFIGS) {
      const file = join(dir, 'k.conf');
      writeFileSync(file, text);
      const { kv } = fields(await dumpOf(file, dir, 'global'));
      const parsed = parse(text, file, { fs: { readFile: () => undefined, readDir: () => undefined, kind: () => undefined }, configId: 'test' });
      const g = buildConfig(parsed.statements).config.global_defs;
      for (const [k, v] of Object.entries(ourGlobals(g))) {
        if (!kv.has(k)) diffs.push(`${name}: keepalived dump has no '${k}'`);
        else if (kv.get(k) !== v) diffs.push(`${name}: ${k}: keepalived '${kv.get(k)}', ours '${v}'`);
      }
    }
    assert.deepEqual(diffs, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
