// Runs INSIDE a guest booted WITHOUT ip_vs loaded (VM_MODULES=veth) and with module
// autoloading off: IpvsSync must find the IPVS generic-netlink family missing and ask for
// `modprobe ip_vs` (carried out here, as the OS layer would), then meet ENOENT adding an rr
// service (scheduler module not loaded), ask for `modprobe ip_vs_rr`, and converge.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { IpvsClient } from './ipvs-client.ts';
import { IpvsSync } from '../../../src/ipvs/ipvs-sync.ts';
import { ipvsWire } from '../../../src/ipvs/ipvs-wire.ts';
import { buildTable } from '../../../src/ipvs/model.ts';

if (process.env.KTS_IPVS_GUEST !== '1') throw new Error('run me through test/kernel/ipvs.test.ts');
const before = existsSync('/proc/net/ip_vs');
// The guest kernel would autoload ip_vs on the family lookup (request_module); a host with
// module autoloading off (or a container without modprobe) would not: simulate that.
writeFileSync('/proc/sys/kernel/modprobe', '/bin/false\n');
const c = new IpvsClient();
const key = { kind: 'addr' as const, protocol: 'tcp' as const, addr: { family: 4 as const, bytes: Uint8Array.of(10, 0, 0, 1) }, port: 80 };
const table = buildTable([{ service: { key, attrs: { scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 0xffffffff, peName: '' } }, dests: [] }]);
const events = await c.sync(new IpvsSync(ipvsWire), table);
const save = execFileSync('ipvsadm', ['-S', '-n'], { encoding: 'utf8' }).trim();
c.close();
const ok = !before && c.modprobes === 2 && events.some((e) => e.type === 'family-resolved') && save === '-A -t 10.0.0.1:80 -s rr';
process.stdout.write(`KTS-RESULT ${JSON.stringify({ name: 'modprobe-when-family-missing', ok, detail: `ip_vs loaded before: ${before}; modprobe actions: ${c.modprobes}; events: ${events.map((e) => e.type).join(',')}; ipvsadm -S: ${save}` })}\n`);
