// Two network namespaces joined by one veth pair, for the tests that put our bytes in front of
// keepalived 2.2.7 and the kernel (and take theirs). A = 10.99.0.11 / 02:99:00:00:00:11 on "va",
// B = 10.99.0.12 / 02:99:00:00:00:12 on "vb" (+ 2001:db8::12/64), DAD off, as in the captures.
// Names carry our pid; dispose() removes everything; keepalived is ended by its own pid;
// every wait is bounded. Nothing here touches the root namespace's interfaces.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, isRoot } from '../../../support/env.ts';

export const netnsUsable = isRoot() && hasCommand('keepalived') && hasCommand('python3') && hasCommand('ip');

export interface Keepalived {
  readonly proc: ChildProcess;
  log(): string;
  waitFor(re: RegExp, ms: number): Promise<boolean>;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}${r.error ?? ''}`);
  return r.stdout;
}

const SEND_PY = [
  'import socket, sys, time',
  'ifname, interval, rounds = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])',
  'frames = [bytes.fromhex(h) for h in sys.argv[4:]]',
  's = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)',
  's.bind((ifname, 0))',
  'for i in range(rounds):',
  '    for f in frames: s.send(f)',
  '    time.sleep(interval)',
].join('\n');

export class NetnsPair {
  readonly a = `kts-wire-${process.pid}-a`;
  readonly b = `kts-wire-${process.pid}-b`;
  readonly dir = mkdtempSync(join(tmpdir(), `kts-wire-${process.pid}-`));
  private readonly running = new Set<Keepalived>();

  constructor() {
    try {
      run('ip', ['netns', 'add', this.a]);
      run('ip', ['netns', 'add', this.b]);
      for (const ns of [this.a, this.b]) {
        // No DAD: keepalived needs its link-local address usable at once.
        this.exec(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
        this.exec(ns, ['ip', 'link', 'set', 'lo', 'up']);
      }
      run('ip', ['link', 'add', 'va', 'netns', this.a, 'address', '02:99:00:00:00:11', 'type', 'veth',
        'peer', 'name', 'vb', 'netns', this.b, 'address', '02:99:00:00:00:12']);
      this.exec(this.a, ['ip', 'addr', 'add', '10.99.0.11/24', 'dev', 'va']);
      this.exec(this.b, ['ip', 'addr', 'add', '10.99.0.12/24', 'dev', 'vb']);
      this.exec(this.b, ['ip', '-6', 'addr', 'add', '2001:db8::12/64', 'dev', 'vb', 'nodad']);
      this.exec(this.a, ['ip', 'link', 'set', 'va', 'up']);
      this.exec(this.b, ['ip', 'link', 'set', 'vb', 'up']);
    } catch (e) {
      this.disposeNamespaces();
      throw e;
    }
  }

  exec(ns: string, args: string[]): string {
    return run('ip', ['netns', 'exec', ns, ...args]);
  }

  /** Sends whole Ethernet frames from A on an AF_PACKET socket, `rounds` times, `intervalS` apart. */
  sendFromA(frames: Uint8Array[], intervalS: number, rounds: number): void {
    const hex = frames.map((f) => Buffer.from(f).toString('hex'));
    this.exec(this.a, ['python3', '-c', SEND_PY, 'va', String(intervalS), String(rounds), ...hex]);
  }

  /** keepalived -P in B with one vrrp_instance VI_1 on vb (vrid 51) whose body is `instance`. */
  async startKeepalived(name: string, instance: string, ready: RegExp): Promise<Keepalived> {
    const conf = join(this.dir, `${name}.conf`);
    writeFileSync(conf, `global_defs {\n  router_id ${name}\n}\nvrrp_instance VI_1 {\n  interface vb\n  virtual_router_id 51\n${instance}\n}\n`);
    const proc = spawn('ip', ['netns', 'exec', this.b, 'keepalived', '-f', conf, '-P', '-l', '-D', '-n', '-G',
      '-p', join(this.dir, `${name}.pid`), '-r', join(this.dir, `${name}.vrrp.pid`)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    proc.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { text += d.toString(); });
    const exited = new Promise<void>((res) => proc.once('exit', () => res()));
    const k: Keepalived = {
      proc,
      log: () => text,
      waitFor: async (re, ms) => {
        for (let waited = 0; waited < ms; waited += 50) {
          if (re.test(text)) return true;
          if (proc.exitCode !== null) throw new Error(`keepalived exited:\n${text}`);
          await new Promise((res) => setTimeout(res, 50));
        }
        return re.test(text);
      },
      stop: async () => {
        this.running.delete(k);
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      },
    };
    this.running.add(k);
    if (!(await k.waitFor(ready, 10_000))) {
      await k.stop();
      throw new Error(`keepalived did not reach ${ready}:\n${text}`);
    }
    return k;
  }

  async dispose(): Promise<void> {
    for (const k of [...this.running]) await k.stop();
    this.disposeNamespaces();
  }

  private disposeNamespaces(): void {
    // Deleting a namespace deletes the veth end in it, and so the pair.
    for (const ns of [this.a, this.b]) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
