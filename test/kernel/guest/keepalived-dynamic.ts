// keepalived 2.2.7 vs desiredTable over time: real servers fail and recover (MISC_CHECK on
// files we create and delete), and after each step the table keepalived leaves in its namespace
// must equal the one we compute from the same health verdicts and apply with IpvsSync -- quorum
// lost and regained with hysteresis, the sorry server swapped in and out, inhibit_on_failure
// weights at 0.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { parseIp } from '../../../src/base/ip.ts';
import { desiredTable, type Health, type VirtualServerSpec, type VsQuorumState } from '../../../src/ipvs/desired-table.ts';
import { IpvsSync } from '../../../src/ipvs/ipvs-sync.ts';
import { ipvsWire } from '../../../src/ipvs/ipvs-wire.ts';
import { sh, type IpvsClient } from './ipvs-client.ts';

const sorted = (text: string) => text.split('\n').map((l) => l.trimEnd()).filter(Boolean).sort().join('\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ip = (s: string) => parseIp(s)!;

function conf(dir: string): string {
  const rs = (addr: string, weight: number, flag: string) => `
  real_server ${addr} 80 {
    weight ${weight}
    MISC_CHECK {
      misc_path "/bin/sh -c 'test -e ${dir}/${flag}'"
      misc_timeout 2
      delay_loop 1
      retry 0
      delay_before_retry 1
      warmup 0
    }
  }`;
  return `
virtual_server 10.0.0.20 80 {
  lvs_sched wrr
  protocol TCP
  quorum 5
  hysteresis 1
  sorry_server 10.9.1.1 80
${rs('10.8.9.1', 3, 'up1')}
${rs('10.8.9.2', 3, 'up2')}
}
virtual_server 10.0.0.21 80 {
  lvs_sched rr
  protocol TCP
  inhibit_on_failure
${rs('10.8.9.3', 2, 'up3')}
${rs('10.8.9.4', 4, 'up4')}
}
`;
}

function spec(h: Record<string, Health>): VirtualServerSpec[] {
  return [
    { id: 'a', target: { kind: 'addr', addr: ip('10.0.0.20'), port: 80 }, scheduler: 'wrr', protocol: 'tcp', quorum: 5, hysteresis: 1,
      sorryServer: { addr: ip('10.9.1.1'), port: 80 },
      realServers: [
        { addr: ip('10.8.9.1'), port: 80, weight: 3, health: h.up1! },
        { addr: ip('10.8.9.2'), port: 80, weight: 3, health: h.up2! },
      ] },
    { id: 'b', target: { kind: 'addr', addr: ip('10.0.0.21'), port: 80 }, scheduler: 'rr', protocol: 'tcp', inhibitOnFailure: true,
      realServers: [
        { addr: ip('10.8.9.3'), port: 80, weight: 2, health: h.up3! },
        { addr: ip('10.8.9.4'), port: 80, weight: 4, health: h.up4! },
      ] },
  ];
}

export async function SCENARIO_KEEPALIVED_DYNAMIC(c: IpvsClient): Promise<string> {
  await c.request({ cmd: 'flush' });
  const ns = `ktskd${process.pid}`;
  const dir = `/tmp/${ns}`;
  mkdirSync(dir, { recursive: true });
  const health: Record<string, Health> = { up1: 'up', up2: 'up', up3: 'up', up4: 'up' };
  for (const f of Object.keys(health)) writeFileSync(`${dir}/${f}`, '');
  writeFileSync(`${dir}/k.conf`, conf(dir));
  sh(`ip netns add ${ns} && ip -n ${ns} link set lo up`);
  const child = spawn('ip', ['netns', 'exec', ns, 'keepalived', '-n', '-l', '-C', '-f', `${dir}/k.conf`, `--pid=${dir}/k.pid`, `--checkers_pid=${dir}/c.pid`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (b) => { log += b; });
  child.stderr.on('data', (b) => { log += b; });
  const sync = new IpvsSync(ipvsWire);
  let state: ReadonlyMap<string, VsQuorumState> = new Map();
  const steps: string[] = [];
  try {
    const step = async (name: string, change: Record<string, Health>) => {
      for (const [f, h] of Object.entries(change)) {
        health[f] = h;
        if (h === 'up') writeFileSync(`${dir}/${f}`, '');
        else if (existsSync(`${dir}/${f}`)) unlinkSync(`${dir}/${f}`);
      }
      const r = desiredTable({ virtualServers: spec(health), state });
      state = r.state;
      await c.sync(sync, r.table);
      const ours = sorted(sh('ipvsadm -S -n'));
      // keepalived notices within delay_loop + retry; wait until it agrees or 15 s pass.
      let theirs = '';
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        theirs = sorted(sh(`ip netns exec ${ns} ipvsadm -S -n`));
        if (theirs === ours) break;
        await sleep(300);
      }
      if (theirs !== ours) throw new Error(`step "${name}": ipvsadm -S -n differ:\n--- ours\n${ours}\n--- keepalived\n${theirs}\n--- keepalived log (tail)\n${log.slice(-3000)}`);
      steps.push(`${name}${r.actions.length ? ` [${r.actions.map((a) => `${a.vs}:${a.transition}`).join(',')}]` : ''}`);
    };
    await step('all up', {});
    await step('rs1 down: quorum 3 < 5-1 lost, sorry in', { up1: 'down' });
    await step('rs1 up: 6 >= 5+1 regained, sorry out', { up1: 'up' });
    await step('rs2 down: 3 < 4 lost again', { up2: 'down' });
    await step('rs3 down: inhibited at weight 0', { up3: 'down' });
    await step('rs4 down: quorum lost without sorry server, both at 0', { up4: 'down' });
    await step('rs4 up, rs2 up', { up4: 'up', up2: 'up' });
    return steps.join('; ');
  } finally {
    if (child.pid !== undefined && child.exitCode === null) {
      process.kill(child.pid, 'SIGTERM');
      await new Promise((r) => { const t = setTimeout(r, 5000); child.on('exit', () => { clearTimeout(t); r(undefined); }); });
    }
    sh(`ip netns del ${ns}`);
    rmSync(dir, { recursive: true, force: true });
  }
}
