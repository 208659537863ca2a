// The top level of keepalived.conf: init_global_keywords() (root-level switches, global_defs),
// init_vrrp_keywords() (vrrp_* blocks, static_*, garp_group, linkbeat...), init_check_keywords()
// (SSL, virtual_server_group, virtual_server), init_bfd_keywords() (bfd_instance: not supported)
// and add_track_file_keywords() (track_file; vrrp_track_file is the deprecated name).
// Handlers collect drafts in file order; buildConfig() completes them once everything is read,
// because keepalived too resolves names and global defaults only after the whole file.
import type { Statement } from 'keepalived-conf-parser';
import { parseAddressSpec } from './address-spec.ts';
import type { ConfigContext } from './config-context.ts';
import { globalDefsTable, type GlobalDefsDraft } from './global-defs-table.ts';
import { applyTable, deprecatedAlias, kw, KeywordTable, sub, unsupported, values, type KeywordSpec } from './keyword-table.ts';
import type { SslConfig, VirtualServerGroup } from './model-lvs.ts';
import type { GarpGroup, InterfaceUpDownDelay, LinkbeatInterface, TrackGroup, VirtualIpAddress, VirtualRoute, VirtualRule } from './model-vrrp.ts';
import { readVirtualServerGroup } from './lvs-complete.ts';
import { arg, noExtraArgs, readSeconds, readSecondsWord } from './read-value.ts';
import { parseRouteSpec } from './route-spec.ts';
import { parseRuleSpec } from './rule-spec.ts';
import { newSyncGroupDraft, syncGroupTable, type SyncGroupDraft } from './sync-group-table.ts';
import { valueLines } from './track-refs.ts';
import {
  newTrackFileDraft, newTrackProcessDraft, newVrrpScriptDraft, trackFileTable, trackProcessTable, vrrpScriptTable,
  type TrackFileDraft, type TrackProcessDraft, type VrrpScriptDraft,
} from './tracker-tables.ts';
import { readVirtualServerHeading, virtualServerTable, type VirtualServerDraft } from './virtual-server-table.ts';
import { newVrrpInstanceDraft, vrrpInstanceTable, type VrrpInstanceDraft } from './vrrp-instance-table.ts';

export interface RootDraft {
  net_namespace?: string;
  net_namespace_ipvs?: string | true;
  namespace_with_ipsets?: boolean;
  use_pid_dir?: boolean;
  instance?: string;
  child_wait_time?: number;
  linkbeat_use_polling?: boolean;
  global_defs: GlobalDefsDraft;
  static_ipaddress: VirtualIpAddress[];
  static_routes: VirtualRoute[];
  static_rules: VirtualRule[];
  linkbeat_interfaces: LinkbeatInterface[];
  interface_up_down_delays: InterfaceUpDownDelay[];
  garp_groups: GarpGroup[];
  track_groups: TrackGroup[];
  vrrp_scripts: { draft: VrrpScriptDraft; stmt: Statement }[];
  track_files: { draft: TrackFileDraft; stmt: Statement }[];
  vrrp_track_processes: { draft: TrackProcessDraft; stmt: Statement }[];
  vrrp_sync_groups: { draft: SyncGroupDraft; stmt: Statement }[];
  vrrp_instances: { draft: VrrpInstanceDraft; stmt: Statement }[];
  ssl?: SslConfig;
  virtual_server_groups: VirtualServerGroup[];
  virtual_servers: VirtualServerDraft[];
}

type Spec = KeywordSpec<RootDraft>;

/** The NAME after a block keyword (`vrrp_instance VI_1 {`). */
function blockName(ctx: ConfigContext, stmt: Statement): string | undefined {
  const w = arg(ctx, stmt, 0, 'a name');
  noExtraArgs(ctx, stmt, 1);
  return w?.text;
}

const sslTable = new KeywordTable<{ ssl: { -readonly [K in keyof SslConfig]: SslConfig[K] } }>('SSL', (['password', 'ca', 'certificate', 'key'] as const).map((k) =>
  kw(k, (c, s, d) => {
    const w = arg(c, s, 0, k === 'password' ? 'a password' : 'a file path');
    if (!w) return;
    d.ssl[k] = w.text;
    if (k === 'password') c.checkCommentCut(w, 'SSL password');
    noExtraArgs(c, s, 1);
  })));

function staticLines<T>(stmt: Statement, parse: (words: ReturnType<typeof valueLines>[number]) => T | undefined, into: T[]): void {
  for (const words of valueLines(stmt)) {
    const v = parse(words);
    if (v !== undefined) into.push(v);
  }
}

const garpGroupTable = new KeywordTable<{ g: { -readonly [K in keyof GarpGroup]: GarpGroup[K] } }>('garp_group', [
  kw('garp_interval', (c, s, d) => { const v = readSeconds(c, s, 0, 86400); if (v !== undefined) d.g.garp_interval = v; }),
  kw('gna_interval', (c, s, d) => { const v = readSeconds(c, s, 0, 86400); if (v !== undefined) d.g.gna_interval = v; }),
  kw('interface', (c, s, d) => { const w = arg(c, s, 0, 'an interface'); if (w) d.g.interfaces = [...d.g.interfaces, w.text]; }),
  values('interfaces', (_c, s, d) => { d.g.interfaces = [...d.g.interfaces, ...valueLines(s).flat().map((w) => w.text)]; }),
]);

const trackGroupTable = new KeywordTable<{ g: string[] }>('track_group', [
  values('group', (_c, s, d) => { d.g.push(...valueLines(s).flat().map((w) => w.text)); }),
]);

const specs: Spec[] = [
  kw('linkbeat_use_polling', (c, s, d) => { d.linkbeat_use_polling = true; noExtraArgs(c, s, 0); }),
  kw('net_namespace', (c, s, d) => { const w = arg(c, s, 0, 'a namespace name'); if (w) d.net_namespace = w.text; noExtraArgs(c, s, 1); }),
  kw('net_namespace_ipvs', (c, s, d) => { d.net_namespace_ipvs = s.args[0]?.text ?? true; noExtraArgs(c, s, 1); }),
  kw('namespace_with_ipsets', (c, s, d) => { d.namespace_with_ipsets = true; noExtraArgs(c, s, 0); }),
  kw('use_pid_dir', (c, s, d) => { d.use_pid_dir = true; noExtraArgs(c, s, 0); }),
  kw('instance', (c, s, d) => { const w = arg(c, s, 0, 'an instance name'); if (w) d.instance = w.text; noExtraArgs(c, s, 1); }),
  kw('child_wait_time', (c, s, d) => { const v = readSeconds(c, s, 0, 3600); if (v !== undefined) d.child_wait_time = v; noExtraArgs(c, s, 1); }),
  sub('global_defs', (c, s, d) => applyTable(c, globalDefsTable, s.block?.statements ?? [], d.global_defs)),
  sub('track_group', (c, s, d) => {
    const name = blockName(c, s);
    const g: string[] = [];
    applyTable(c, trackGroupTable, s.block?.statements ?? [], { g });
    if (name) d.track_groups.push({ name, group: g, origin: { file: s.pos.file, line: s.pos.line } });
  }),
  values('static_ipaddress', (c, s, d) => { noExtraArgs(c, s, 0); staticLines(s, (w) => parseAddressSpec(c, w, { kind: 'static' }), d.static_ipaddress); }),
  values('static_routes', (c, s, d) => { noExtraArgs(c, s, 0); staticLines(s, (w) => parseRouteSpec(c, w, 'static'), d.static_routes); }),
  values('static_rules', (c, s, d) => { noExtraArgs(c, s, 0); staticLines(s, (w) => parseRuleSpec(c, w, 'static'), d.static_rules); }),
  sub('vrrp_sync_group', (c, s, d) => {
    const name = blockName(c, s);
    const g = newSyncGroupDraft(name ?? '', s);
    applyTable(c, syncGroupTable, s.block?.statements ?? [], g);
    if (name) d.vrrp_sync_groups.push({ draft: g, stmt: s });
  }),
  sub('garp_group', (c, s, d) => {
    const g = { g: { interfaces: [] as string[], origin: { file: s.pos.file, line: s.pos.line } } as { -readonly [K in keyof GarpGroup]: GarpGroup[K] } };
    applyTable(c, garpGroupTable, s.block?.statements ?? [], g);
    if (g.g.interfaces.length === 0) c.error('missing-value', s.keyword, 'garp_group without interface(s) - ignored');
    else d.garp_groups.push(g.g);
  }),
  values('linkbeat_interfaces', (c, s, d) => {
    for (const words of valueLines(s)) {
      const m = words[1]?.text;
      if (m !== undefined && m !== 'MII' && m !== 'ETHTOOL' && m !== 'IOCTL') {
        c.error('invalid-value', words[1]!, `linkbeat_interfaces: unknown method '${m}'`, 'expected MII, ETHTOOL or IOCTL');
        continue;
      }
      d.linkbeat_interfaces.push(m === undefined ? { name: words[0]!.text } : { name: words[0]!.text, method: m });
    }
  }),
  sub('vrrp_instance', (c, s, d) => {
    const name = blockName(c, s);
    const draft = newVrrpInstanceDraft(name ?? '');
    applyTable(c, vrrpInstanceTable, s.block?.statements ?? [], draft);
    if (name) d.vrrp_instances.push({ draft, stmt: s });
  }),
  sub('vrrp_script', (c, s, d) => {
    const name = blockName(c, s);
    const draft = newVrrpScriptDraft(name ?? '', s);
    applyTable(c, vrrpScriptTable, s.block?.statements ?? [], draft);
    if (name) d.vrrp_scripts.push({ draft, stmt: s });
  }),
  sub('vrrp_track_process', (c, s, d) => {
    const name = blockName(c, s);
    const draft = newTrackProcessDraft(name ?? '', s);
    applyTable(c, trackProcessTable, s.block?.statements ?? [], draft);
    if (name) d.vrrp_track_processes.push({ draft, stmt: s });
  }),
  values('interface_up_down_delays', (c, s, d) => {
    for (const words of valueLines(s)) {
      const down = words[1];
      if (!down) { c.error('missing-value', words[0]!, `interface_up_down_delays ${words[0]!.text}: needs a down delay`); continue; }
      const dd = readSecondsWord(c, down, 0, 255);
      const ud = words[2] ? readSecondsWord(c, words[2], 0, 255) : dd;
      if (dd === undefined || ud === undefined) continue;
      d.interface_up_down_delays.push({ interface: words[0]!.text, down_delay: dd, up_delay: ud });
    }
  }),
  sub('SSL', (c, s, d) => {
    const box = { ssl: {} as { -readonly [K in keyof SslConfig]: SslConfig[K] } };
    applyTable(c, sslTable, s.block?.statements ?? [], box);
    d.ssl = box.ssl;
  }),
  values('virtual_server_group', (c, s, d) => {
    const g = readVirtualServerGroup(c, s);
    if (g) d.virtual_server_groups.push(g);
  }),
  sub('virtual_server', (c, s, d) => {
    const vs = readVirtualServerHeading(c, s);
    const draft = vs ?? { stmt: s, f: {}, real_servers: [] };
    applyTable(c, virtualServerTable, s.block?.statements ?? [], draft);
    if (vs) d.virtual_servers.push(vs);
  }),
  unsupported('bfd_instance', 'bfd', 'keywords'),
  sub('track_file', (c, s, d) => {
    const name = blockName(c, s);
    const draft = newTrackFileDraft(name ?? '', s);
    applyTable(c, trackFileTable, s.block?.statements ?? [], draft);
    if (name) d.track_files.push({ draft, stmt: s });
  }),
];

export const rootTable = new KeywordTable<RootDraft>('the top level', [
  ...specs,
  deprecatedAlias('vrrp_track_file', specs.find((s) => s.name === 'track_file')!),
]);
