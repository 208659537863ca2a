// buildConfig(statements, options) -> { config, diagnostics }: keepalived.conf MEANING.
//
// Theory of operation: the grammar package gives a tree of statements (syntax only). One pass
// applies the keyword tables (root-table.ts and the per-block tables) in file order, filling
// drafts and reporting unknown / unsupported / malformed keywords where they are written. A
// second pass completes the drafts as keepalived does after reading the whole file
// (vrrp_complete_instance, check_data.c validate): global defaults, inheritance, fix-ups with a
// message, names resolved across blocks, host checks when HostFacts are given, and the script
// security rule. Nothing here throws on user input; an exception would be our bug, and even then
// it becomes an 'internal-error' diagnostic so a config test never crashes.
import type { Diagnostic, Statement } from 'keepalived-conf-parser';
import { ConfigContext } from './config-context.ts';
import type { HostFacts } from './host-facts.ts';
import { applyTable } from './keyword-table.ts';
import { completeVirtualServer } from './lvs-complete.ts';
import { checkForwarding } from './forwarding-check.ts';
import { checkVipsOnHost } from './vip-on-host-check.ts';
import type { KeepalivedConfig } from './model.ts';
import type { GlobalDefs } from './model-global.ts';
import { defaultGlobalDefs } from './model-global.ts';
import type { TrackFile, VrrpInstance, VrrpScript, VrrpSyncGroup, VrrpTrackProcess } from './model-vrrp.ts';
import type { VirtualServer } from './model-lvs.ts';
import { rootTable, type RootDraft } from './root-table.ts';
import { completeVrrpInstance } from './vrrp-complete.ts';
import { checkAddressDevices, checkVrrpReferences } from './vrrp-cross-check.ts';

export interface BuildOptions {
  /** Host checks (interfaces, script files); absent = skipped (config test on another machine, corpus). */
  readonly host?: HostFacts;
  /** Original file text, for hints that need what the comment stripper removed (auth_pass abc!). */
  readonly readSource?: (file: string) => string | undefined;
}

export interface BuildResult {
  readonly config: KeepalivedConfig;
  readonly diagnostics: readonly Diagnostic[];
}

export function buildConfig(statements: readonly Statement[], options: BuildOptions = {}): BuildResult {
  const ctx = new ConfigContext(options.host, options.readSource);
  try {
    return { config: build(ctx, statements), diagnostics: ctx.diagnostics };
  } catch (e) {
    ctx.report('error', 'internal-error', { file: statements[0]?.pos.file ?? '', line: 1, col: 1 }, `keepalived-ts config builder failed: ${String(e)}`);
    return { config: emptyConfig(), diagnostics: ctx.diagnostics };
  }
}

function newRootDraft(): RootDraft {
  return {
    global_defs: { ...defaultGlobalDefs() },
    static_ipaddress: [], static_routes: [], static_rules: [], linkbeat_interfaces: [], interface_up_down_delays: [],
    garp_groups: [], track_groups: [], vrrp_scripts: [], track_files: [], vrrp_track_processes: [], vrrp_sync_groups: [],
    vrrp_instances: [], virtual_server_groups: [], virtual_servers: [],
  };
}

function emptyConfig(): KeepalivedConfig {
  return {
    child_wait_time: 5, global_defs: defaultGlobalDefs(), static_ipaddress: [], static_routes: [], static_rules: [],
    linkbeat_interfaces: [], interface_up_down_delays: [], garp_groups: [], track_groups: [], vrrp_scripts: [],
    track_files: [], vrrp_track_processes: [], vrrp_sync_groups: [], vrrp_instances: [], virtual_server_groups: [],
    virtual_servers: [],
  };
}

/** First definition wins; later ones with the same name are reported and dropped. */
function unique<T extends { name: string; origin: { file: string; line: number } }>(ctx: ConfigContext, kind: string, items: T[], severity: 'error' | 'warning' = 'error'): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    if (!seen.has(i.name)) { seen.add(i.name); return true; }
    ctx.report(severity, 'duplicate', { file: i.origin.file, line: i.origin.line, col: 1 }, `${kind} ${i.name} is defined twice - the second is ignored`);
    return false;
  });
}

function build(ctx: ConfigContext, statements: readonly Statement[]): KeepalivedConfig {
  const d = newRootDraft();
  applyTable(ctx, rootTable, statements, d);
  const g: GlobalDefs = d.global_defs;

  const scripts: VrrpScript[] = [];
  for (const { draft, stmt } of d.vrrp_scripts) {
    if (!draft.script) {
      ctx.error('missing-value', stmt.keyword, `vrrp_script ${draft.name} has no 'script' - ignored`);
      continue;
    }
    const { timeout_set, entry: _entry, ...s } = draft;
    if (!timeout_set) s.timeout = s.interval;
    scripts.push(s);
  }
  const trackFiles: TrackFile[] = [];
  for (const { draft, stmt } of d.track_files) {
    if (draft.file === undefined) { ctx.error('missing-value', stmt.keyword, `track_file ${draft.name} has no 'file' - ignored`); continue; }
    trackFiles.push(draft);
  }
  const processes: VrrpTrackProcess[] = [];
  for (const { draft, stmt } of d.vrrp_track_processes) {
    if (draft.process === undefined) { ctx.error('missing-value', stmt.keyword, `vrrp_track_process ${draft.name} has no 'process' - ignored`); continue; }
    if (draft.quorum_max !== undefined && draft.quorum_max < draft.quorum) {
      ctx.error('invalid-value', stmt.keyword, `vrrp_track_process ${draft.name}: quorum_max ${draft.quorum_max} is below quorum ${draft.quorum}`);
    }
    processes.push(draft);
  }
  // keepalived 2.2.7 accepts a second tracker of the same name silently (measured): a warning.
  const uScripts = unique(ctx, 'vrrp_script', scripts, 'warning');
  const uFiles = unique(ctx, 'track_file', trackFiles, 'warning');
  const uProcs = unique(ctx, 'vrrp_track_process', processes, 'warning');

  const instances: VrrpInstance[] = [];
  for (const { draft, stmt } of d.vrrp_instances) {
    const i = completeVrrpInstance(ctx, draft, g, stmt.keyword.pos);
    if (i) instances.push(i);
  }
  const groups: VrrpSyncGroup[] = d.vrrp_sync_groups.map(({ draft }) => {
    const { groupWords: _gw, ...rest } = draft;
    return rest;
  });
  const vrrp = checkVrrpReferences(ctx, instances, groups, {
    scripts: new Set(uScripts.map((s) => s.name)),
    files: new Set(uFiles.map((s) => s.name)),
    processes: new Set(uProcs.map((s) => s.name)),
  }, g.dynamic_interfaces !== undefined && g.dynamic_interfaces !== false);
  checkAddressDevices(ctx, [
    { name: 'static_ipaddress', addrs: d.static_ipaddress },
    ...vrrp.instances.filter((i) => vrrp.running.has(i.name)).map((i) => ({ name: `(${i.name})`, addrs: [...i.virtual_ipaddress, ...i.virtual_ipaddress_excluded] })),
  ], g.dynamic_interfaces !== undefined && g.dynamic_interfaces !== false);

  const vsgs = unique(ctx, 'virtual_server_group', d.virtual_server_groups);
  const names = {
    groups: new Set(vsgs.map((x) => x.name)),
    fwmarkGroups: new Set(vsgs.filter((x) => x.fwmarks.length > 0).map((x) => x.name)),
    trackFiles: new Set(uFiles.map((x) => x.name)),
  };
  const vss: VirtualServer[] = [];
  const vsKeys = new Map<string, VirtualServer>();
  for (const vd of d.virtual_servers) {
    const vs = completeVirtualServer(ctx, vd, g, names);
    if (!vs) continue;
    const key = vs.group !== undefined ? `group ${vs.group} ${vs.protocol}` : vs.fwmark !== undefined ? `fwmark ${vs.fwmark}/${vs.family}` : `${vs.protocol} ${vs.ip}:${vs.port ?? 0}`;
    const prev = vsKeys.get(key);
    if (prev) {
      ctx.error('duplicate', vd.stmt.keyword.pos, `virtual_server ${key} is already defined at ${prev.origin.file}:${prev.origin.line} - ignored`);
      continue;
    }
    vsKeys.set(key, vs);
    vss.push(vs);
  }

  checkForwarding(ctx, vss);
  checkVipsOnHost(ctx, vrrp.instances, vss);
  checkUsers(ctx, g, statements);
  checkLvsSyncInstance(ctx, g, vrrp.instances.map((i) => i.name), statements);
  const groupRuns = new Set(vrrp.groups.filter((gr) => gr.group.some((m) => vrrp.running.has(m))).map((gr) => gr.name));
  checkScriptSecurity(ctx, g, vrrp.running, groupRuns, vss.length > 0);

  const config: { -readonly [K in keyof KeepalivedConfig]: KeepalivedConfig[K] } = {
    child_wait_time: d.child_wait_time ?? 5,
    global_defs: g,
    static_ipaddress: d.static_ipaddress,
    static_routes: d.static_routes,
    static_rules: d.static_rules,
    linkbeat_interfaces: d.linkbeat_interfaces,
    interface_up_down_delays: d.interface_up_down_delays,
    garp_groups: d.garp_groups,
    track_groups: d.track_groups,
    vrrp_scripts: uScripts,
    track_files: uFiles,
    vrrp_track_processes: uProcs,
    vrrp_sync_groups: vrrp.groups,
    vrrp_instances: vrrp.instances,
    virtual_server_groups: vsgs,
    virtual_servers: vss,
  };
  for (const k of ['net_namespace', 'net_namespace_ipvs', 'namespace_with_ipsets', 'use_pid_dir', 'instance', 'linkbeat_use_polling', 'ssl'] as const) {
    if (d[k] !== undefined) (config as Record<string, unknown>)[k] = d[k];
  }
  return config;
}

/**
 * keepalived (notify.c check_script_secure / main.c): scripts run as root without
 * `enable_script_security` are a "SECURITY VIOLATION"; `keepalived -t` then exits 6.
 */
/** Users named by script_user and the scripts' own `user` must exist (keepalived: "Error setting global script uid/gid"). */
function checkUsers(ctx: ConfigContext, g: GlobalDefs, statements: readonly Statement[]): void {
  const exists = ctx.host?.userExists;
  if (!exists || !g.script_user) return;
  if (!exists(g.script_user.user)) {
    const gd = statements.find((s) => s.keyword.text === 'global_defs');
    const su = gd?.block?.statements.find((s) => s.keyword.text === 'script_user');
    ctx.error('no-such-user', su?.keyword.pos ?? { file: '', line: 1, col: 1 }, `script_user ${g.script_user.user} does not exist on this host`);
  }
}

/**
 * `lvs_sync_daemon IF VI_NAME`: keepalived (and keepalived-ts) log "Unable to find vrrp instance"
 * only when the daemon starts, and `-t` says nothing; the sync daemon then never runs.
 */
function checkLvsSyncInstance(ctx: ConfigContext, g: GlobalDefs, instances: readonly string[], statements: readonly Statement[]): void {
  const inst = g.lvs_sync_daemon?.inst;
  if (inst === undefined || instances.includes(inst)) return;
  const gd = statements.find((s) => s.keyword.text === 'global_defs');
  const st = gd?.block?.statements.find((s) => s.keyword.text === 'lvs_sync_daemon');
  ctx.warn('unknown-reference', st?.keyword.pos ?? { file: '', line: 1, col: 1 },
    `lvs_sync_daemon: no vrrp_instance ${inst} - the IPVS sync daemon will not run`,
    instances.length > 0 ? `name one of: ${instances.slice(0, 5).join(', ')}` : 'add the vrrp_instance whose state the sync daemon follows');
}

function checkScriptSecurity(ctx: ConfigContext, g: GlobalDefs, running: ReadonlySet<string>, groupRuns: ReadonlySet<string>, lvsRuns: boolean): void {
  const vrrpRuns = running.size > 0;
  const used = ctx.scripts.filter((s) => {
    // The FIFO scripts belong to the process that writes the FIFO.
    if (s.owner === 'fifo:vrrp' && !vrrpRuns) return false;
    if (s.owner === 'fifo:lvs' && !lvsRuns) return false;
    if (s.owner === 'fifo:any' && !vrrpRuns && !lvsRuns) return false;
    if (s.owner?.startsWith('vrrp_sync_group:') && !groupRuns.has(s.owner.slice('vrrp_sync_group:'.length))) return false;
    // vrrp_scripts are checked only when some instance runs; an instance's own scripts only
    // when it runs (keepalived drops an instance whose interface is missing).
    if (s.owner === 'vrrp_script' && running.size === 0) return false;
    if (s.owner?.startsWith('vrrp_instance:') && !running.has(s.owner.slice('vrrp_instance:'.length))) return false;
    // keepalived disables a script it cannot find ("not found/accessible"), with a warning only.
    if (ctx.host?.fileExecutable && s.argv0.startsWith('/') && !ctx.host.fileExecutable(s.argv0)) {
      ctx.warn('script-not-found', s.pos, `${s.keyword}: '${s.argv0}' does not exist or is not executable - disabled`);
      return false;
    }
    return true;
  });
  // Only scripts that would run as root are a violation (own user, else script_user, else root).
  const asRoot = used.filter((s) => (s.user ?? g.script_user?.user ?? 'root') === 'root');
  const first = asRoot[0];
  if (first && !g.enable_script_security) {
    ctx.warn('script-security', first.pos,
      `scripts run as root (${asRoot.length}, first '${first.keyword}') but enable_script_security is not set: they would run as root unchecked`,
      'add enable_script_security (and script_user) to global_defs');
  }
}
