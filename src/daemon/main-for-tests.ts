// A minimal entry point for running the daemon before the CLI wires `keepalived-ts -n -f`:
//   node --import tsx src/daemon/main-for-tests.ts -f FILE [-p PID] [-r VRRPPID] [-l] [-D] [-V] [-P] [-n]
// Only the options runDaemon takes; the real CLI (src/cli) owns keepalived's full option table.

import { runDaemon } from './run-daemon.ts';

const argv = process.argv.slice(2);
let file = '/etc/keepalived/keepalived.conf';
let pidFile: string | undefined;
let vrrpPidFile: string | undefined;
const flags = new Set<string>();
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a === '-f') file = argv[++i] ?? file;
  else if (a === '-p') pidFile = argv[++i];
  else if (a === '-r') vrrpPidFile = argv[++i];
  else for (const c of a.replace(/^-/, '')) flags.add(c);
}
const code = await runDaemon({
  file,
  configId: '',
  allConfig: false,
  logConsole: flags.has('l'),
  logDetail: flags.has('D'),
  vrrpOnly: true,
  checkOnly: false,
  dontReleaseVrrp: flags.has('V'),
  ...(pidFile !== undefined ? { pidFile } : {}),
  ...(vrrpPidFile !== undefined ? { vrrpPidFile } : {}),
});
process.exit(code);
