// keepalived 2.2.7's command line, parsed the way getopt_long parses it (keepalived/core/main.c):
// short options cluster (`-nld`), a required argument may be glued (`-fFILE`) or follow
// (`-f FILE`), long options take `--opt=VAL` or `--opt VAL`, and an OPTIONAL argument
// (`--config-test[=LOG_FILE]`) is only taken when glued. Unknown options are errors, never ignored.
//
// The table is the single source of truth: the help text and the parser both read it.

export type ArgKind = 'none' | 'required' | 'optional';

export interface OptionSpec {
  /** Key in the parsed result. */
  readonly key: string;
  readonly short?: string;
  readonly long: string;
  readonly arg: ArgKind;
  readonly argName?: string;
  readonly help: string;
  /** Set when keepalived-ts does not (or not yet) provide the feature: using it is an error. */
  readonly unsupported?: string;
}

export const OPTIONS: readonly OptionSpec[] = [
  { key: 'useFile', short: 'f', long: 'use-file', arg: 'required', argName: 'FILE', help: "Use the specified configuration file\n default '/etc/keepalived/keepalived.conf'" },
  { key: 'vrrp', short: 'P', long: 'vrrp', arg: 'none', help: 'Only run with VRRP subsystem' },
  { key: 'check', short: 'C', long: 'check', arg: 'none', help: 'Only run with Health-checker subsystem' },
  { key: 'noBfd', short: 'B', long: 'no_bfd', arg: 'none', help: "Don't run BFD subsystem (keepalived-ts has none)" },
  { key: 'all', long: 'all', arg: 'none', help: 'Force all child processes to run, even if have no configuration' },
  { key: 'logConsole', short: 'l', long: 'log-console', arg: 'none', help: 'Log messages to local console' },
  { key: 'logDetail', short: 'D', long: 'log-detail', arg: 'none', help: 'Detailed log messages' },
  { key: 'logFacility', short: 'S', long: 'log-facility', arg: 'required', argName: '([0-7]|local[0-7]|user|daemon)', help: 'Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)' },
  { key: 'noSyslog', short: 'G', long: 'no-syslog', arg: 'none', help: "Don't log via syslog" },
  { key: 'umask', short: 'u', long: 'umask', arg: 'required', argName: 'MASK', help: 'umask for file creation (in numeric form)' },
  { key: 'releaseVips', short: 'X', long: 'release-vips', arg: 'none', help: 'Drop VIP on transition from signal.' },
  { key: 'dontReleaseVrrp', short: 'V', long: 'dont-release-vrrp', arg: 'none', help: "Don't remove VRRP VIPs and VROUTEs on daemon stop" },
  { key: 'dontReleaseIpvs', short: 'I', long: 'dont-release-ipvs', arg: 'none', help: "Don't remove IPVS topology on daemon stop" },
  { key: 'dontRespawn', short: 'R', long: 'dont-respawn', arg: 'none', help: "Don't respawn child processes" },
  { key: 'dontFork', short: 'n', long: 'dont-fork', arg: 'none', help: "Don't fork the daemon process" },
  { key: 'dumpConf', short: 'd', long: 'dump-conf', arg: 'none', help: 'Dump the configuration data' },
  { key: 'pid', short: 'p', long: 'pid', arg: 'required', argName: 'FILE', help: 'Use specified pidfile for parent process' },
  { key: 'vrrpPid', short: 'r', long: 'vrrp_pid', arg: 'required', argName: 'FILE', help: 'Use specified pidfile for VRRP child process' },
  { key: 'genhash', short: 'T', long: 'genhash', arg: 'none', help: 'Enter into genhash utility mode (this should be the first option used).' },
  { key: 'checkersPid', short: 'c', long: 'checkers_pid', arg: 'required', argName: 'FILE', help: 'Use specified pidfile for checkers child process' },
  { key: 'addressMonitoring', short: 'a', long: 'address-monitoring', arg: 'none', help: 'Report all address additions/deletions notified via netlink' },
  { key: 'bfdPid', short: 'b', long: 'bfd_pid', arg: 'required', argName: 'FILE', help: 'Use specified pidfile for BFD child process', unsupported: 'BFD is not supported by keepalived-ts' },
  { key: 'snmp', short: 'x', long: 'snmp', arg: 'none', help: 'Enable SNMP subsystem', unsupported: 'SNMP is not supported by keepalived-ts (use the Prometheus metrics instead)' },
  { key: 'snmpAgentSocket', short: 'A', long: 'snmp-agent-socket', arg: 'required', argName: 'FILE', help: 'Use the specified socket for master agent', unsupported: 'SNMP is not supported by keepalived-ts' },
  { key: 'namespace', short: 's', long: 'namespace', arg: 'required', argName: 'NAME', help: 'Run in network namespace NAME (overrides config)' },
  { key: 'coreDump', short: 'm', long: 'core-dump', arg: 'none', help: 'Produce core dump if terminate abnormally' },
  { key: 'coreDumpPattern', short: 'M', long: 'core-dump-pattern', arg: 'optional', argName: 'PATN', help: "Also set /proc/sys/kernel/core_pattern to PATN (default 'core')" },
  { key: 'allConfig', short: 'e', long: 'all-config', arg: 'none', help: 'Error if any configuration file missing (same as includet)' },
  { key: 'configId', short: 'i', long: 'config-id', arg: 'required', argName: 'id', help: "Skip any configuration lines beginning '@' that don't match id\n or any lines beginning @^ that do match.\n The config-id defaults to the node name if option not used" },
  { key: 'signum', long: 'signum', arg: 'required', argName: 'SIGFUNC', help: 'Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON' },
  { key: 'configTest', short: 't', long: 'config-test', arg: 'optional', argName: 'LOG_FILE', help: 'Check the configuration for obvious errors, output to\n stderr by default' },
  { key: 'noHostChecks', long: 'no-host-checks', arg: 'none', help: '(keepalived-ts) With -t: do not check interfaces and files against this host' },
  { key: 'dumpConfig', long: 'dump-config', arg: 'none', help: '(keepalived-ts) Print the parsed configuration as JSON and exit' },
  { key: 'controlSocket', long: 'control-socket', arg: 'required', argName: 'PATH', help: "(keepalived-ts) Unix socket that `keepalived-ts status` reads\n default '/run/keepalived-ts.sock'" },
  { key: 'metricsListen', long: 'metrics-listen', arg: 'required', argName: '[ADDR:]PORT', help: '(keepalived-ts) Serve Prometheus /metrics on ADDR:PORT\n (ADDR defaults to 127.0.0.1; off unless given)' },
  { key: 'version', short: 'v', long: 'version', arg: 'none', help: 'Display the version number' },
  { key: 'help', short: 'h', long: 'help', arg: 'none', help: 'Display this help message' },
];

/** Parsed options: key -> true (flag) or the argument text; `''` for an optional arg not given. */
export type ParsedOptions = Readonly<Record<string, string | true | undefined>>;

export type OptionsResult =
  | { readonly ok: true; readonly options: ParsedOptions; readonly operands: readonly string[] }
  | { readonly ok: false; readonly message: string };

const byShort = new Map(OPTIONS.filter((o) => o.short).map((o) => [o.short!, o]));
const byLong = new Map(OPTIONS.map((o) => [o.long, o]));

/** getopt_long also accepts any unambiguous prefix of a long option. */
function findLong(name: string): OptionSpec | string {
  const exact = byLong.get(name);
  if (exact) return exact;
  const matches = OPTIONS.filter((o) => o.long.startsWith(name));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) return `option '--${name}' is ambiguous; possibilities: ${matches.map((m) => `'--${m.long}'`).join(' ')}`;
  return `unrecognized option '--${name}'`;
}

export function parseOptions(argv: readonly string[]): OptionsResult {
  const options: Record<string, string | true> = {};
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = findLong(name);
      if (typeof spec === 'string') return { ok: false, message: spec };
      if (spec.arg === 'none') {
        if (eq >= 0) return { ok: false, message: `option '--${spec.long}' doesn't allow an argument` };
        options[spec.key] = true;
      } else if (spec.arg === 'optional') {
        options[spec.key] = eq >= 0 ? a.slice(eq + 1) : '';
      } else if (eq >= 0) {
        options[spec.key] = a.slice(eq + 1);
      } else if (i + 1 < argv.length) {
        options[spec.key] = argv[++i]!;
      } else {
        return { ok: false, message: `option '--${spec.long}' requires an argument` };
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const spec = byShort.get(c);
        if (!spec) return { ok: false, message: `invalid option -- '${c}'` };
        if (spec.arg === 'none') {
          options[spec.key] = true;
          continue;
        }
        const glued = a.slice(j + 1);
        if (spec.arg === 'optional') options[spec.key] = glued;
        else if (glued !== '') options[spec.key] = glued;
        else if (i + 1 < argv.length) options[spec.key] = argv[++i]!;
        else return { ok: false, message: `option requires an argument -- '${c}'` };
        break;
      }
      continue;
    }
    operands.push(a);
  }
  return { ok: true, options, operands };
}

export function helpText(): string {
  const lines = ['Usage: keepalived-ts [OPTION...]'];
  for (const o of OPTIONS) {
    const names = `${o.short ? `-${o.short}, ` : '    '}--${o.long}`;
    const arg = o.arg === 'required' ? `=${o.argName}` : o.arg === 'optional' ? `[=${o.argName}]` : '';
    const [first, ...more] = o.help.split('\n');
    lines.push(`  ${(names + arg).padEnd(29)}${first}`);
    for (const m of more) lines.push(`${' '.repeat(30)}${m.trim()}`);
  }
  return lines.join('\n') + '\n';
}
