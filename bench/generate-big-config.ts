// The large configuration of the `-t` benchmark, as an operator with many VIPs and a big LVS
// farm would write it: vrrp_instances spread over interfaces eth0..ethN (a VRID is unique per
// interface, 255 per interface at most, so 2000 instances need 8 interfaces), then
// virtual_servers of real_servers with HTTP_GET. 2000 / 1000 x 20 gives about 280,000 lines.
export interface BigConfigShape {
  readonly vrrpInstances: number;
  readonly virtualServers: number;
  readonly realServersPerVs: number;
}

export const VRIDS_PER_INTERFACE = 255;

/** How many interfaces (eth0..) the generated configuration names. */
export function interfacesNeeded(shape: BigConfigShape): number {
  return Math.max(1, Math.ceil(shape.vrrpInstances / VRIDS_PER_INTERFACE));
}

export function generateBigConfig(shape: BigConfigShape): string {
  const out: string[] = ['global_defs {', '   router_id bench', '}', ''];
  for (let i = 0; i < shape.vrrpInstances; i++) {
    const vrid = (i % VRIDS_PER_INTERFACE) + 1;
    const ifIndex = Math.floor(i / VRIDS_PER_INTERFACE);
    out.push(
      `vrrp_instance VI_${i} {`,
      '   state BACKUP',
      `   interface eth${ifIndex}`,
      `   virtual_router_id ${vrid}`,
      `   priority ${100 + (i % 50)}`,
      '   advert_int 1',
      '   authentication {',
      '      auth_type PASS',
      `      auth_pass p${i % 1000}`,
      '   }',
      '   virtual_ipaddress {',
      `      10.${100 + ifIndex}.${vrid}.1/24 dev eth${ifIndex}`,
      '   }',
      '}',
      '',
    );
  }
  for (let v = 0; v < shape.virtualServers; v++) {
    const vip = `10.200.${Math.floor(v / 250)}.${(v % 250) + 1}`;
    out.push(`virtual_server ${vip} 80 {`, '   delay_loop 6', '   lb_algo wrr', '   lb_kind DR', '   protocol TCP');
    for (let r = 0; r < shape.realServersPerVs; r++) {
      const n = v * shape.realServersPerVs + r;
      out.push(
        `   real_server 10.${201 + Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${n % 256} 80 {`,
        `      weight ${1 + (r % 5)}`,
        '      HTTP_GET {',
        '         url {',
        '            path /health',
        '            status_code 200',
        '         }',
        '         connect_timeout 3',
        '         retry 3',
        '         delay_before_retry 3',
        '      }',
        '   }',
      );
    }
    out.push('}', '');
  }
  return out.join('\n');
}
