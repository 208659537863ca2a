// `keepalived-ts realserver {apply|check|remove} VIP [VIP...] [--dev lo] [--json]`: the set-up an
// LVS direct-routing real server needs (each VIP on lo, the ARP sysctls), which sites have kept
// in hand-written RealServer scripts. The work is in src/os/realserver-setup.ts; this file reads
// the arguments, prints the report and picks the exit code:
//   0  apply/remove done, or check found everything in place
//   1  check found pieces missing (each listed), or the kernel refused a change, or not root
//   2  the command line is wrong (the bad argument is pointed at, with a hint)
// Never a stack trace: every failure is a sentence.

import { formatIp, parsePrefix, type IpAddress } from '../base/ip.ts';
import { didYouMean } from '../config/did-you-mean.ts';
import type { RealServerAction, RealServerReport, RealServerStep } from '../os/realserver-setup.ts';

const ACTIONS: readonly RealServerAction[] = ['apply', 'check', 'remove'];
const EXIT_OK = 0;
const EXIT_PROBLEM = 1;
const EXIT_USAGE = 2;

const USAGE = `Usage: keepalived-ts realserver {apply|check|remove} VIP [VIP...] [--dev DEV] [--json]

Sets up an LVS direct-routing (or TUN) real server, in the current network namespace:
  each VIP on DEV (default lo): IPv4 as VIP/32 labelled DEV:N, IPv6 as VIP/128 nodad
  net.ipv4.conf.{DEV,all}.arp_ignore=1 and arp_announce=2 (when any VIP is IPv4), so this host
  neither answers ARP for a VIP nor uses one as its ARP source: the director keeps the VIP

  apply   set what is missing; idempotent, reports each change
  check   change nothing; exit 0 when all is in place, 1 listing each missing piece
  remove  delete these VIPs from DEV; the sysctls go back to 0 only when no other IPv4
          address (outside 127.0.0.0/8) remains on DEV

  --dev DEV   the device holding the VIPs (lo for DR; tunl0 for TUN)
  --json      print the report as JSON on stdout
apply and remove need root.
`;

export interface RealServerArgs {
  readonly action: RealServerAction;
  readonly vips: readonly IpAddress[];
  readonly dev: string;
  readonly json: boolean;
}

export type ParsedRealServerArgs =
  | { readonly ok: true; readonly args: RealServerArgs }
  | { readonly ok: true; readonly help: true }
  | { readonly ok: false; readonly message: string; readonly hint?: string; readonly argIndex?: number; readonly json: boolean };

/** Parses the words after `realserver`; argIndex is 0-based into `args`. */
export function parseRealServerArgs(args: readonly string[]): ParsedRealServerArgs {
  const json = args.includes('--json');
  const fail = (message: string, argIndex?: number, hint?: string): ParsedRealServerArgs =>
    ({ ok: false, message, json, ...(argIndex !== undefined ? { argIndex } : {}), ...(hint !== undefined ? { hint } : {}) });
  if (args.some((a) => a === '-h' || a === '--help')) return { ok: true, help: true };
  let dev = 'lo';
  let action: RealServerAction | undefined;
  const vips: IpAddress[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') continue;
    if (a === '--dev' || a.startsWith('--dev=')) {
      const v = a === '--dev' ? args[++i] : a.slice('--dev='.length);
      if (v === undefined || v === '' || v.startsWith('-')) return fail('--dev needs a device name', a === '--dev' ? i - 1 : i, 'e.g. --dev lo');
      if (v.length > 15 || /[/\s:]/.test(v)) return fail(`'${v}' is not a device name`, i, 'an interface name has at most 15 characters, no "/", ":" or blank');
      dev = v;
      continue;
    }
    if (a.startsWith('-')) {
      const guess = didYouMean(a.replace(/^-+/, ''), ['dev', 'json', 'help']);
      return fail(`unknown option '${a}'`, i, guess ? `did you mean '--${guess}'?` : 'the options are --dev DEV, --json, --help');
    }
    if (action === undefined) {
      if ((ACTIONS as readonly string[]).includes(a)) { action = a as RealServerAction; continue; }
      if (parsePrefix(a)) return fail(`the action comes first: apply, check or remove`, i, `keepalived-ts realserver apply ${args.filter((x) => !x.startsWith('-')).join(' ')}`);
      const guess = didYouMean(a, ACTIONS);
      return fail(`unknown action '${a}'`, i, guess ? `did you mean '${guess}'?` : 'the actions are apply, check and remove');
    }
    const p = parsePrefix(a);
    if (!p) {
      const hint = /^\d+\.\d+\.\d+\.\d+:\d+$/.test(a) || /^\[.*\]:\d+$/.test(a)
        ? 'a VIP is an address without a port (the port belongs to the virtual_server)'
        : 'a VIP is an IPv4 or IPv6 address, e.g. 192.0.2.10 or 2001:db8::10';
      return fail(`'${a}' is not an IP address`, i, hint);
    }
    const full = p.addr.family === 4 ? 32 : 128;
    if (p.prefixLen !== full) {
      return fail(`'${a}': a VIP goes on ${dev} as a single address (/${full}), not /${p.prefixLen}`, i,
        `give it as ${formatIp(p.addr)}; a /${p.prefixLen} on lo would make the whole subnet local to this host`);
    }
    const key = formatIp(p.addr);
    if (!seen.has(key)) {
      seen.add(key);
      vips.push(p.addr);
    }
  }
  if (action === undefined) return fail('which action? apply, check or remove', undefined, 'keepalived-ts realserver apply 192.0.2.10');
  if (vips.length === 0) return fail(`${action} needs at least one VIP`, undefined, `keepalived-ts realserver ${action} 192.0.2.10`);
  return { ok: true, args: { action, vips, dev, json } };
}

/** The command line with a caret under the bad argument. */
function pointAt(args: readonly string[], index: number): string {
  const head = 'keepalived-ts realserver';
  let col = head.length + 1;
  for (let k = 0; k < index; k++) col += args[k]!.length + 1;
  const width = Math.max(1, args[index]?.length ?? 1);
  return `  ${head} ${args.join(' ')}\n  ${' '.repeat(col)}${'^'.repeat(width)}\n`;
}

function stepLine(s: RealServerStep, width: number): string {
  const what = s.subject.padEnd(width);
  let tail = '';
  if (s.kind === 'sysctl') {
    if (s.status === 'changed') tail = `${s.before} -> ${s.after}`;
    else if (s.status === 'missing') tail = `is ${s.before}, needs ${s.after}`;
    else if (s.before !== undefined) tail = `= ${s.before}`;
  } else if (s.status === 'changed') tail = s.after === 'removed' ? 'removed' : 'added';
  else if (s.status === 'missing') tail = 'absent';
  else if (s.status === 'ok') tail = s.detail ?? 'present';
  if (s.detail && s.status !== 'ok') tail = tail ? `${tail} (${s.detail})` : s.detail;
  return `  ${s.status.padEnd(8)} ${what}  ${tail}`.trimEnd();
}

function permissionHint(report: RealServerReport): string | undefined {
  const failed = report.steps.filter((s) => s.status === 'failed').map((s) => s.detail ?? '');
  if (failed.some((d) => /EROFS/.test(d))) return '/proc/sys is read-only here (a container without privileges?): set the sysctls on the host or give the container its own network namespace with write access';
  if (failed.some((d) => /EPERM|EACCES/.test(d))) return 'changing addresses and sysctls needs root (CAP_NET_ADMIN): run it with sudo';
  return undefined;
}

function printReport(r: RealServerReport, out: NodeJS.WritableStream): void {
  out.write(`realserver ${r.action} on ${r.dev} (${r.vips.join(', ')}):\n`);
  const width = Math.max(...r.steps.map((s) => s.subject.length));
  for (const s of r.steps) out.write(stepLine(s, width) + '\n');
  for (const n of r.notes) out.write(`  note: ${n}\n`);
  const count = (st: RealServerStep['status']): number => r.steps.filter((s) => s.status === st).length;
  if (r.action === 'check') {
    const missing = count('missing');
    out.write(r.ok
      ? 'realserver check: everything in place\n'
      : `realserver check: ${missing} piece${missing === 1 ? '' : 's'} missing${count('failed') ? `, ${count('failed')} unreadable` : ''} -- fix with: keepalived-ts realserver apply ${r.dev === 'lo' ? '' : `--dev ${r.dev} `}${r.vips.join(' ')}\n`);
    return;
  }
  const parts = [`${count('changed')} changed`, `${count('ok')} already ${r.action === 'remove' ? 'gone or at 0' : 'in place'}`];
  if (count('kept')) parts.push(`${count('kept')} kept`);
  if (count('failed')) parts.push(`${count('failed')} FAILED`);
  out.write(`realserver ${r.action}: ${parts.join(', ')}\n`);
}

export async function runRealServer(args: readonly string[]): Promise<number> {
  const parsed = parseRealServerArgs(args);
  if (parsed.ok && 'help' in parsed) {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (!parsed.ok) {
    if (parsed.json) process.stdout.write(JSON.stringify({ ok: false, error: parsed.message, ...(parsed.hint ? { hint: parsed.hint } : {}), ...(parsed.argIndex !== undefined ? { argument: parsed.argIndex + 1 } : {}) }) + '\n');
    const where = parsed.argIndex !== undefined ? ` (argument ${parsed.argIndex + 1})` : '';
    process.stderr.write(`keepalived-ts realserver: ${parsed.message}${where}\n`);
    if (parsed.argIndex !== undefined) process.stderr.write(pointAt(args, parsed.argIndex));
    if (parsed.hint) process.stderr.write(`  hint: ${parsed.hint}\n`);
    process.stderr.write("Try 'keepalived-ts realserver --help'.\n");
    return EXIT_USAGE;
  }
  const a = parsed.args;
  const fail = (error: string, hint?: string): number => {
    if (a.json) process.stdout.write(JSON.stringify({ ok: false, error, ...(hint ? { hint } : {}) }) + '\n');
    process.stderr.write(`keepalived-ts realserver: ${error}\n${hint ? `  hint: ${hint}\n` : ''}`);
    return EXIT_PROBLEM;
  };
  if (a.action !== 'check' && typeof process.getuid === 'function' && process.getuid() !== 0) {
    return fail(`${a.action} changes addresses and sysctls: it needs root`, `sudo keepalived-ts realserver ${args.join(' ')}   ('check' works without root)`);
  }
  // Loaded here: --help and argument errors need neither the native addon nor netlink.
  const { realServerSetup } = await import('../os/realserver-setup.ts');
  let outcome;
  try {
    outcome = await realServerSetup(a.action, a.vips, { dev: a.dev });
  } catch (e) {
    // The native addon missing or failing to load: a setup problem, said plainly.
    return fail(e instanceof Error ? e.message : String(e));
  }
  if (!outcome.ok) return fail(outcome.error, outcome.hint);
  const r = outcome.report;
  if (a.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else printReport(r, process.stdout);
  const hint = permissionHint(r);
  if (hint) process.stderr.write(`keepalived-ts realserver: some changes were refused\n  hint: ${hint}\n`);
  return r.ok ? EXIT_OK : EXIT_PROBLEM;
}
