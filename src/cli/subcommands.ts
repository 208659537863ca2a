// keepalived-ts's own commands beside keepalived's options: `keepalived-ts NAME [ARGS...]`.
// keepalived has no operands, so a first word that names a command here can never clash with a
// keepalived command line. Each command is loaded only when used (the daemon and -t stay lean)
// and returns its exit code; it prints its own errors and its own --help.

export type Subcommand = (args: readonly string[]) => Promise<number>;

export interface SubcommandEntry {
  /** One line for `keepalived-ts --help`. */
  readonly summary: string;
  readonly load: () => Promise<Subcommand>;
}

export const SUBCOMMANDS: ReadonlyMap<string, SubcommandEntry> = new Map<string, SubcommandEntry>([
  ['status', { summary: 'the running daemon: VRRP states and why, real servers, IPVS table', load: async () => (await import('./status-command.ts')).runStatus }],
  ['realserver', { summary: 'apply|check|remove VIP...: VIPs on lo + ARP sysctls for an LVS-DR real server', load: async () => (await import('./realserver-command.ts')).runRealServer }],
]);

export function subcommandHelp(): string {
  if (SUBCOMMANDS.size === 0) return '';
  const lines = ['', 'Commands (keepalived-ts only; `keepalived-ts COMMAND --help` for details):'];
  for (const [name, e] of SUBCOMMANDS) lines.push(`  ${name.padEnd(27)}${e.summary}`);
  return lines.join('\n') + '\n';
}
