// The benchmark configuration of the parse-speed issue: 2000 vrrp_instances and 1000
// virtual_servers x 20 real_servers with HTTP_GET, about 280,000 lines. Deterministic, so the
// bench (bench/) and test/grammar/bench-parse.ts time the same text keepalived is timed on.

export interface BigConfigShape {
  readonly vrrpInstances: number;
  readonly virtualServers: number;
  readonly realServersPerVs: number;
}

export const BIG_CONFIG: BigConfigShape = { vrrpInstances: 2000, virtualServers: 1000, realServersPerVs: 20 };

export function generateBigConfig(shape: BigConfigShape = BIG_CONFIG): string {
  const out: string[] = [];
  out.push('! generated: parse-speed benchmark', 'global_defs {', '    router_id bench_director', '    enable_script_security', '}', '');
  for (let i = 0; i < shape.vrrpInstances; i++) {
    const vrid = (i % 255) + 1;
    const vlan = Math.floor(i / 255);
    out.push(
      `vrrp_instance VI_${i} {`,
      '    state BACKUP',
      `    interface eth${vlan % 4}`,
      `    virtual_router_id ${vrid}`,
      `    priority ${100 + (i % 50)}`,
      '    advert_int 1',
      '    nopreempt',
      '    authentication {',
      '        auth_type PASS',
      `        auth_pass p${i % 1000}`,
      '    }',
      '    virtual_ipaddress {',
      `        10.${vlan}.${i % 256}.1/24 dev eth${vlan % 4}`,
      '    }',
      '}',
    );
  }
  out.push('');
  for (let v = 0; v < shape.virtualServers; v++) {
    const a = Math.floor(v / 250);
    const b = v % 250;
    out.push(
      `virtual_server 192.168.${a}.${b + 1} 80 {`,
      '    delay_loop 6',
      '    lb_algo wrr',
      '    lb_kind DR',
      '    persistence_timeout 50',
      '    protocol TCP',
      '',
    );
    for (let r = 0; r < shape.realServersPerVs; r++) {
      out.push(
        `    real_server 172.${16 + a}.${b}.${r + 1} 80 {   # backend ${r}`,
        `        weight ${1 + (r % 3)}`,
        '        HTTP_GET {',
        '            url {',
        '                path /healthz',
        '                status_code 200',
        '            }',
        '            connect_timeout 3',
        '            retry 3',
        '            delay_before_retry 2',
        '        }',
        '    }',
      );
    }
    out.push('}');
  }
  return out.join('\n') + '\n';
}
