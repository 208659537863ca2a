// Reads `ipvsadm -S -n` (ipvsadm 1.31) back into our model, so the kernel table as ipvsadm
// decodes it -- an implementation nobody here wrote -- can be compared with ours.
// -S leaves out thresholds and, for non-persistent services, timeout and netmask; those are
// filled with the defaults (0, 0, full mask) and compared elsewhere (ipvsadm -Ln --thresholds).
import { parseIp, type IpAddress } from '../../../src/base/ip.ts';
import {
  buildTable, destKeyId, fullNetmask, serviceKeyId, type DestAttrs, type IpvsDest, type IpvsProtocol,
  type IpvsService, type IpvsTable, type ServiceKey, type TunnelType,
} from '../../../src/ipvs/model.ts';
import { SvcFlag } from '../../../src/ipvs/numbers.ts';

function hostPort(text: string): { addr: IpAddress; port: number } {
  const m = /^\[(.*)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const addr = m ? parseIp(m[1]!) : undefined;
  if (!m || !addr) throw new Error(`ipvsadm address ${text}`);
  return { addr, port: Number(m[2]) };
}

const FLAG_NAMES: Record<string, number> = {
  'sh-fallback': SvcFlag.SCHED1, 'mh-fallback': SvcFlag.SCHED1, 'flag-1': SvcFlag.SCHED1,
  'sh-port': SvcFlag.SCHED2, 'mh-port': SvcFlag.SCHED2, 'flag-2': SvcFlag.SCHED2, 'flag-3': SvcFlag.SCHED3,
};

function parseNetmask(text: string, family: 4 | 6): number {
  if (family === 6) return Number(text);
  const a = parseIp(text)!;
  return ((a.bytes[0]! << 24) | (a.bytes[1]! << 16) | (a.bytes[2]! << 8) | a.bytes[3]!) >>> 0;
}

export function parseIpvsadmSave(text: string): IpvsTable {
  const services = new Map<string, { service: IpvsService; dests: IpvsDest[] }>();
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const t = line.split(/\s+/);
    let i = 1;
    const readKey = (): ServiceKey => {
      const opt = t[i++]!;
      if (opt === '-f') {
        const fwmark = Number(t[i++]);
        const v6 = t[i] === '-6';
        if (v6) i++;
        return { kind: 'fwmark', fwmark, family: v6 ? 6 : 4 };
      }
      const protocol: IpvsProtocol = opt === '-t' ? 'tcp' : opt === '-u' ? 'udp' : opt === '--sctp-service' ? 'sctp' : (() => { throw new Error(`ipvsadm: ${opt}`); })();
      const { addr, port } = hostPort(t[i++]!);
      return { kind: 'addr', protocol, addr, port };
    };
    if (t[0] === '-A') {
      const key = readKey();
      const family = key.kind === 'addr' ? key.addr.family : key.family;
      let scheduler = ''; let flags = 0; let timeoutS = 0; let netmask = fullNetmask(family); let peName = '';
      while (i < t.length) {
        const o = t[i++]!;
        if (o === '-6') continue;
        else if (o === '-s') scheduler = t[i++]!;
        else if (o === '-p') { flags |= SvcFlag.PERSISTENT; timeoutS = Number(t[i++]); }
        else if (o === '-M') netmask = parseNetmask(t[i++]!, family);
        else if (o === '--pe') peName = t[i++]!;
        else if (o === '-o') flags |= SvcFlag.ONEPACKET;
        else if (o === '-b') for (const f of (t[i++] ?? '').split(',')) flags |= FLAG_NAMES[f] ?? 0;
        else throw new Error(`ipvsadm -S service option ${o} in: ${line}`);
      }
      services.set(serviceKeyId(key), { service: { key, attrs: { scheduler, flags, timeoutS, netmask, peName } }, dests: [] });
    } else if (t[0] === '-a') {
      const key = readKey();
      const entry = services.get(serviceKeyId(key));
      if (!entry) throw new Error(`ipvsadm -S dest before its service: ${line}`);
      let dkey: { addr: IpAddress; port: number } | undefined;
      const a: { -readonly [K in keyof DestAttrs]: DestAttrs[K] } = { fwd: 'nat', weight: 1, uThreshold: 0, lThreshold: 0, tunType: 'ipip', tunPort: 0, tunFlags: 0 };
      while (i < t.length) {
        const o = t[i++]!;
        if (o === '-r') dkey = hostPort(t[i++]!);
        else if (o === '-g') a.fwd = 'dr';
        else if (o === '-i') a.fwd = 'tun';
        else if (o === '-m') a.fwd = 'nat';
        else if (o === '-w') a.weight = Number(t[i++]);
        else if (o === '-x') a.uThreshold = Number(t[i++]);
        else if (o === '-y') a.lThreshold = Number(t[i++]);
        else if (o === '--tun-type') a.tunType = t[i++] as TunnelType;
        else if (o === '--tun-port') a.tunPort = Number(t[i++]);
        else if (o === '--tun-nocsum') a.tunFlags = 0;
        else if (o === '--tun-csum') a.tunFlags = 1;
        else if (o === '--tun-remcsum') a.tunFlags = 2;
        else throw new Error(`ipvsadm -S dest option ${o} in: ${line}`);
      }
      if (!dkey) throw new Error(`ipvsadm -S dest without -r: ${line}`);
      entry.dests.push({ key: dkey, attrs: a });
    }
  }
  return buildTable(services.values());
}

/** Canonical sorted text of a table: equal tables give equal text; diffs read well in a failure. */
export function renderTable(table: IpvsTable, opts: { thresholds?: boolean; only?: (id: string) => boolean } = {}): string {
  const lines: string[] = [];
  for (const [id, e] of table) {
    if (opts.only && !opts.only(id)) continue;
    const s = e.service.attrs;
    lines.push(`${id} ${s.scheduler} flags=${s.flags} timeout=${s.timeoutS} mask=${s.netmask.toString(16)} pe=${s.peName}`);
    for (const d of e.dests.values()) {
      const a = d.attrs;
      const th = opts.thresholds === false ? '' : ` x=${a.uThreshold} y=${a.lThreshold}`;
      lines.push(`${id} -> ${destKeyId(d.key)} ${a.fwd} w=${a.weight}${th} tun=${a.tunType}/${a.tunPort}/${a.tunFlags}`);
    }
  }
  return lines.sort().join('\n');
}
