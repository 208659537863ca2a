import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DnsCheck, HttpCheck, MiscCheck, TcpCheck, UdpCheck } from '../../../src/config/index.ts';
import { buildText, only } from './build-text.ts';

const SEC = 'global_defs {\n enable_script_security\n}\n';

/** Codes other than the protocol/scheduler/method defaults keepalived reports (tested once below). */
const codesOf = (b: ReturnType<typeof buildText>): string[] => b.codes.filter((c) => c !== 'value-fixed');

test('virtual_server: keepalived defaults (UDP!, wlc, NAT with config errors; delay_loop 60, quorum 1, hysteresis 0)', () => {
  const b = buildText('virtual_server 10.0.0.1 80 {\n  real_server 192.168.1.2 80 {\n  }\n}\n');
  // keepalived 2.2.7 -t: "no protocol set - defaulting to UDP", "no scheduler set, setting
  // default 'wlc'", "no forwarding method set, setting default NAT", and exit 5.
  assert.deepEqual(b.codes, ['value-fixed', 'value-fixed', 'value-fixed']);
  assert.equal(b.exit, 5);
  const vs = b.config.virtual_servers[0]!;
  assert.deepEqual([vs.ip, vs.port, vs.family, vs.protocol, vs.lb_algo, vs.lvs_method.lb_kind], ['10.0.0.1', 80, 4, 'UDP', 'wlc', 'NAT']);
  const set = buildText('virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 10.0.1.1 80 {\n }\n}\n');
  assert.deepEqual([set.codes, set.exit], [[], 0]);
  assert.deepEqual([vs.delay_loop, vs.connect_timeout, vs.quorum, vs.hysteresis, vs.alpha, vs.omega, vs.inhibit_on_failure], [60, 5, 1, 0, false, false, false]);
  const rs = vs.real_servers[0]!;
  assert.deepEqual([rs.ip, rs.port, rs.weight, rs.delay_loop, rs.connect_timeout], ['192.168.1.2', 80, 1, 60, 5]);
});

test('virtual_server: every VS keyword, aliases lvs_sched / lvs_method', () => {
  const b = buildText(`${SEC}virtual_server 2001:DB8::1 443 {
  delay_loop 6
  lvs_sched sh
  sh-port
  sh-fallback
  ops
  hashed
  lvs_method TUN type gue port 6080 remcsum
  persistence_timeout
  persistence_granularity 64
  persistence_engine sip
  protocol udp
  ha_suspend
  alpha
  omega
  quorum 2
  hysteresis 1
  quorum_up "/bin/echo up"
  quorum_down /bin/echo
  sorry_server 2001:db8::99 8443
  sorry_server_inhibit
  inhibit_on_failure
  retry 4
  delay_before_retry 2
  warmup 10
  connect_timeout 3
  virtualhost www.example.com
  ip_family inet6
  real_server 2001:db8::2 443 {
    weight 3
  }
}
`);
  assert.deepEqual(codesOf(b), []);
  const vs = b.config.virtual_servers[0]!;
  assert.equal(vs.ip, '2001:db8::1');
  assert.deepEqual([vs.lb_algo, vs.sched_flags, vs.ops, vs.hashed], ['sh', ['sh-port', 'sh-fallback'], true, true]);
  assert.deepEqual(vs.lvs_method, { lb_kind: 'TUN', tunnel_type: 'gue', tunnel_port: 6080, tunnel_csum: 'remcsum' });
  assert.deepEqual([vs.persistence_timeout, vs.persistence_granularity, vs.persistence_engine, vs.protocol], [360, '64', 'sip', 'UDP']);
  assert.deepEqual([vs.ha_suspend, vs.alpha, vs.omega, vs.quorum, vs.hysteresis], [true, true, true, 2, 1]);
  assert.deepEqual(vs.quorum_up!.argv, ['/bin/echo', 'up']);
  assert.deepEqual(vs.sorry_server, { ip: '2001:db8::99', port: 8443 });
  assert.deepEqual([vs.sorry_server_inhibit, vs.inhibit_on_failure, vs.retry, vs.delay_before_retry, vs.warmup, vs.connect_timeout, vs.delay_loop, vs.ip_family],
    [true, true, 4, 2, 10, 3, 6, 6]);
  assert.equal(b.config.virtual_servers[0]!.virtualhost, 'www.example.com');
});

test('virtual_server headings: fwmark and group; a group must be defined', () => {
  const b = buildText(`virtual_server_group G {
  10.0.0.1-10 80
  10.1.0.0/30 443
  2001:db8::1-ff 80
  fwmark 7 inet6
}
virtual_server fwmark 5 {
  real_server 10.0.1.1 {
  }
}
virtual_server group G {
  real_server 10.0.1.1 80 {
  }
}
virtual_server group H {
  real_server 10.0.1.1 80 {
  }
}
`);
  assert.deepEqual(codesOf(b), ['unknown-reference']);
  assert.equal(only(b, 'unknown-reference').line, 15);
  const [fw, grp] = b.config.virtual_servers;
  assert.equal(fw!.fwmark, 5);
  assert.equal(grp!.group, 'G');
  const g = b.config.virtual_server_groups[0]!;
  assert.deepEqual(g.addresses.map((a) => [a.address, a.range_end, a.port]), [
    ['10.0.0.1', '10.0.0.10', 80], ['10.1.0.0', '10.1.0.3', 443], ['2001:db8::1', '2001:db8::ff', 80],
  ]);
  assert.deepEqual(g.fwmarks.map((f) => [f.fwmark, f.family]), [[7, 6]]);
  assert.deepEqual(buildText('virtual_server_group G {\n 10.0.0.9-3 80\n}\n').codes, ['invalid-address']);
});

test('virtual_server without real_server is ignored (keepalived: "has no real servers - ignoring")', () => {
  const b = buildText('virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n}\n');
  assert.deepEqual(b.codes, ['no-real-server']);
  assert.equal(b.config.virtual_servers.length, 0);
});

test('quorum above the total real-server weight is reduced to it (check_data.c)', () => {
  const b = buildText('virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n quorum 5\n real_server 10.0.1.1 80 {\n  weight 2\n }\n}\n');
  assert.match(only(b, 'value-fixed').message, /quorum 5 exceeds .* \(2\) - reduced to 2/);
  assert.equal(b.config.virtual_servers[0]!.quorum, 2);
});

test('fwmark service: protocol is ignored; DR real-server ports are dropped, NAT ones kept', () => {
  const dr = buildText('virtual_server fwmark 7 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 10.0.1.1 80 {\n }\n}\n');
  assert.deepEqual(dr.codes, ['value-fixed', 'value-fixed']);
  assert.equal(dr.config.virtual_servers[0]!.real_servers[0]!.port, undefined);
  const nat = buildText('virtual_server fwmark 7 {\n lb_algo rr\n lb_kind NAT\n real_server 10.0.1.1 80 {\n }\n}\n');
  assert.deepEqual(nat.codes, []);
  assert.equal(nat.config.virtual_servers[0]!.real_servers[0]!.port, 80);
});

test('real_server: weight 0 allowed, family must match, duplicates reported', () => {
  const b = buildText('virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n  weight 0\n }\n real_server 2001:db8::2 80 {\n }\n real_server 10.0.1.1 80 {\n }\n}\n');
  assert.deepEqual(codesOf(b), ['address-family', 'duplicate']);
  assert.deepEqual(b.config.virtual_servers[0]!.real_servers.map((r) => [r.ip, r.weight]), [['10.0.1.1', 0]]);
});

test('checkers inherit virtual_server -> real_server -> checker, with per-type defaults', () => {
  const b = buildText(`${SEC}virtual_server 10.0.0.1 80 {
  delay_loop 10
  connect_timeout 4
  alpha
  real_server 10.0.1.1 80 {
    retry 2
    TCP_CHECK {
      connect_port 8080
      bindto 10.0.0.5
    }
    HTTP_GET {
      url {
        path /health
      }
    }
    DNS_CHECK {
      type a
      delay_loop 20
    }
    MISC_CHECK {
      misc_path "/usr/bin/check.sh 10.0.1.1"
      misc_dynamic
    }
  }
  real_server 10.0.1.2 80 {
    HTTP_GET {
      url {
        path /
      }
    }
    DNS_CHECK {
    }
    MISC_CHECK {
      misc_path /bin/true
    }
  }
}
`);
  assert.deepEqual(codesOf(b), []);
  const [rs1, rs2] = b.config.virtual_servers[0]!.real_servers;
  const [tcp, http, dns, misc] = rs1!.checkers as [TcpCheck, HttpCheck, DnsCheck, MiscCheck];
  assert.deepEqual([tcp.type, tcp.connect_port, tcp.bindto, tcp.delay_loop, tcp.connect_timeout, tcp.retry, tcp.alpha, tcp.warmup], ['TCP_CHECK', 8080, '10.0.0.5', 10, 4, 2, true, 10]);
  assert.deepEqual([http.retry, http.delay_before_retry], [2, 3]);
  assert.deepEqual(http.url, [{ path: '/health', status_code: [[200, 299]] }]);
  assert.deepEqual([dns.dns_type, dns.name, dns.delay_loop, dns.retry], ['A', '.', 20, 2]);
  assert.deepEqual([misc.misc_dynamic, misc.misc_path!.argv], [true, ['/usr/bin/check.sh', '10.0.1.1']]);
  const [http2, dns2, misc2] = rs2!.checkers as [HttpCheck, DnsCheck, MiscCheck];
  assert.deepEqual([http2.retry, http2.delay_before_retry], [1, 3]);
  assert.deepEqual([dns2.retry, dns2.delay_before_retry, dns2.dns_type], [3, 10, 'SOA']);
  assert.deepEqual([misc2.retry, misc2.delay_before_retry], [0, 1]);
});

test('HTTP_GET / SSL_GET: url blocks, status ranges, digest, options; nb_get_retry deprecated', () => {
  const b = buildText(`virtual_server 10.0.0.1 443 {
  real_server 10.0.1.1 443 {
    SSL_GET {
      url {
        path /a
        digest 9B3A0C85A887A256D6939DA88AABD8CD
        status_code 200 301-302
        virtualhost a.example
      }
      url {
        path /b
        regex "^ok"
      }
      nb_get_retry 4
      http_protocol 1.1
      enable_sni
      sni_name a.example
      fast_recovery
      tls_compliant
    }
  }
}
`);
  assert.deepEqual(codesOf(b), ['not-supported', 'deprecated']);
  const c = b.config.virtual_servers[0]!.real_servers[0]!.checkers[0] as HttpCheck;
  assert.equal(c.type, 'SSL_GET');
  assert.deepEqual(c.url[0], { path: '/a', digest: '9b3a0c85a887a256d6939da88aabd8cd', status_code: [[200, 200], [301, 302]], virtualhost: 'a.example' });
  assert.deepEqual([c.retry, c.http_protocol, c.enable_sni, c.sni_name, c.fast_recovery, c.tls_compliant], [4, '1.1', true, 'a.example', true, true]);
  const none = buildText('virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n  HTTP_GET {\n  }\n }\n}\n');
  assert.deepEqual(codesOf(none), ['missing-value']);
  assert.equal(none.config.virtual_servers[0]!.real_servers[0]!.checkers.length, 0);
});

test('UDP_CHECK payload / require_reply; FILE_CHECK needs a defined track_file; BFD_CHECK not supported', () => {
  const b = buildText(`track_file tf {
  file /run/tf
}
virtual_server 10.0.0.1 53 {
  protocol UDP
  real_server 10.0.1.1 53 {
    UDP_CHECK {
      payload 0a0B
      require_reply 0aXX
      min_reply_length 2
    }
    FILE_CHECK {
      track_file tf
      weight -3 reverse
    }
    FILE_CHECK {
      track_file nope
    }
    BFD_CHECK {
      name b1
    }
  }
}
`);
  assert.deepEqual(codesOf(b), ['not-supported', 'unknown-reference']);
  const [udp, file] = b.config.virtual_servers[0]!.real_servers[0]!.checkers;
  assert.deepEqual([(udp as UdpCheck).payload, (udp as UdpCheck).require_reply, (udp as UdpCheck).min_reply_length, (udp as UdpCheck).max_reply_length], ['0a0b', '0axx', 2, 255]);
  assert.deepEqual(file, { type: 'FILE_CHECK', track_file: 'tf', weight: -3, weight_reverse: true, origin: file!.origin });
});

test('unknown keyword in a checker: error with a suggestion from that checker', () => {
  const b = buildText('virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n  TCP_CHECK {\n   conect_timeout 3\n  }\n }\n}\n');
  const d = only(b, 'unknown-keyword');
  assert.deepEqual([d.line, d.col, d.hint], [4, 4, "did you mean 'connect_timeout'?"]);
  assert.match(d.message, /in TCP_CHECK/);
});

test('lb_kind must be NAT, DR or TUN (case-sensitive); an unknown scheduler is an error, wlc used', () => {
  const b = buildText('virtual_server 10.0.0.1 80 {\n lb_kind PAT\n lb_algo xyz\n  real_server 10.0.1.1 80 {\n  }\n}\n');
  assert.deepEqual(codesOf(b), ['invalid-value', 'unknown-scheduler']);
  assert.equal(b.config.virtual_servers[0]!.lvs_method.lb_kind, 'NAT');
  assert.equal(b.config.virtual_servers[0]!.lb_algo, 'wlc');
  assert.equal(only(b, 'unknown-scheduler').severity, 'error');
  assert.deepEqual(codesOf(buildText(`virtual_server 10.0.0.1 80 {\n lb_kind dr\n real_server 10.0.1.1 80 {\n }\n}\n`)), ['invalid-value']);
});

test('same virtual server twice is an error; same group with another protocol is not', () => {
  const rs = '  real_server 10.0.1.1 80 {\n  }\n';
  const b = buildText(`virtual_server_group G {\n 10.0.0.1 80\n}\nvirtual_server 10.0.0.1 80 {\n${rs}}\nvirtual_server 10.0.0.1 80 {\n${rs}}\n` +
    `virtual_server group G {\n protocol TCP\n${rs}}\nvirtual_server group G {\n protocol UDP\n${rs}}\n`);
  assert.deepEqual(codesOf(b), ['duplicate']);
  assert.equal(only(b, 'duplicate').line, 8);
});
