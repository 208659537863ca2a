// The config model -> scheduler input mapping, on a configuration keepalived 2.2.7 itself accepts
// (`keepalived -t`), then run through the scheduler to see it schedules what the config says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'keepalived-conf-parser';
import { Prng } from '../../../src/base/prng.ts';
import type { CheckerSpec, ProbeSpec } from '../../../src/check/checker-spec.ts';
import { CheckerScheduler } from '../../../src/check/checker-scheduler.ts';
import { SMTP_DEFAULT_HELO, schedulerInputFromConfig } from '../../../src/check/scheduler-input-from-config.ts';
import { buildConfig } from '../../../src/config/index.ts';
import { nodeConfigFs } from '../../../src/os/config-fs.ts';
import { hasCommand, need } from '../../support/env.ts';

/** A launched checker with a single probe (TCP/SMTP/PING/UDP share one union member). */
type WithProbe = Extract<CheckerSpec, { type: 'TCP_CHECK' | 'SMTP_CHECK' | 'PING_CHECK' | 'UDP_CHECK' }>;

const CONF = `
global_defs {
  script_user root
  enable_script_security
}
SSL {
  ca /etc/ssl/certs/ca-certificates.crt
}
track_file tf1 {
  file "/tmp/keepalived-ts-tf1"
  weight 3
}
virtual_server 10.0.0.1 80 {
  delay_loop 6
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  quorum 2
  hysteresis 1
  alpha
  omega
  quorum_up "/bin/true up"
  virtualhost www.vs.example
  real_server 192.168.1.2 80 {
    weight 5
    notify_down "/bin/true down"
    HTTP_GET {
      url {
        path /health
        status_code 200 301-302
        digest 9b3a0c85a887a256d6939da88aabd8cd
      }
      url {
        path /second
        virtualhost www.url.example
      }
      http_protocol 1.1
      fast_recovery
    }
    TCP_CHECK {
      connect_port 8080
      bindto 192.168.1.1
      retry 4
    }
    MISC_CHECK {
      misc_path "/bin/true probe"
      misc_dynamic
    }
  }
  real_server 192.168.1.3 443 {
    SSL_GET {
      url {
        path /
      }
      enable_sni
    }
    SMTP_CHECK {
      connect_port 25
    }
    DNS_CHECK {
      connect_port 53
      type A
      name www.example.com
    }
    UDP_CHECK {
      connect_port 161
      payload 0102
      require_reply 01XX
    }
    PING_CHECK {
    }
    FILE_CHECK {
      track_file tf1
    }
  }
}
`;

test('schedulerInputFromConfig maps every checker type with keepalived defaults', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'map-conf-'));
  try {
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, CONF);
    if (need(t, hasCommand('keepalived'), 'keepalived 2.2.7 (config oracle)')) {
      const r = spawnSync('keepalived', ['-t', '-f', file, '-l', '-D'], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 0, `keepalived -t refused the test config:\n${r.stdout}${r.stderr}`);
    }
    const p = parse(CONF, file, { fs: nodeConfigFs, configId: 'test' });
    const b = buildConfig(p.statements);
    assert.deepEqual(b.diagnostics.filter((d) => d.severity === 'error'), []);
    const { input, diagnostics } = schedulerInputFromConfig(b.config);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(input.virtualServers, [{
      key: 'TCP 10.0.0.1:80', quorum: 2, hysteresis: 1, omega: true, quorumUp: { argv: ['/bin/true', 'up'] },
    }]);
    assert.deepEqual(input.realServers.map((r) => [r.key, r.weight, r.alpha, r.notifyDown?.argv]), [
      ['TCP 10.0.0.1:80 -> 192.168.1.2:80', 5, true, ['/bin/true', 'down']],
      ['TCP 10.0.0.1:80 -> 192.168.1.3:443', 1, true, undefined],
    ]);
    const byType = new Map(input.checkers.map((c) => [c.type, c]));
    assert.deepEqual([...byType.keys()], ['HTTP_GET', 'TCP_CHECK', 'MISC_CHECK', 'SSL_GET', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK']);
    const http = byType.get('HTTP_GET') as Extract<CheckerSpec, { type: 'HTTP_GET' | 'SSL_GET' }>;
    // delay_loop 6 from the virtual server; HTTP default delay_before_retry 3 s and retry 1; warmup = delay_loop.
    assert.deepEqual([http.delayLoopUs, http.retry, http.delayBeforeRetryUs, http.warmupUs, http.fastRecovery],
      [6e6, 1, 3e6, 6e6, true]);
    assert.equal(http.id, 'TCP 10.0.0.1:80 -> 192.168.1.2:80 HTTP_GET#0');
    assert.deepEqual(http.urls.map((u) => [u.url.path, u.url.virtualhost, u.protocol, u.connect.port, u.connect.timeoutUs]), [
      ['/health', 'www.vs.example', '1.1', 80, 5e6], ['/second', 'www.url.example', '1.1', 80, 5e6],
    ]);
    assert.deepEqual(http.urls[0]!.url.statusRanges, [[200, 200], [301, 302]]);
    assert.equal(http.urls[0]!.url.digest, '9b3a0c85a887a256d6939da88aabd8cd');
    const tcp = byType.get('TCP_CHECK') as WithProbe;
    assert.deepEqual([tcp.retry, tcp.delayBeforeRetryUs, tcp.probe], [4, 1e6, { kind: 'tcp', connect: { host: '192.168.1.2', port: 8080, timeoutUs: 5e6, bindTo: '192.168.1.1' } }]);
    const misc = byType.get('MISC_CHECK') as Extract<CheckerSpec, { type: 'MISC_CHECK' }>;
    assert.deepEqual([misc.retry, misc.miscDynamic, misc.probe], [0, true, { kind: 'misc', script: { argv: ['/bin/true', 'probe'] }, timeoutUs: 6e6 }]);
    const ssl = byType.get('SSL_GET') as Extract<CheckerSpec, { type: 'HTTP_GET' | 'SSL_GET' }>;
    assert.deepEqual(ssl.urls[0]!.tls, { verify: false, servername: 'www.vs.example', caFile: '/etc/ssl/certs/ca-certificates.crt' });
    assert.equal(ssl.urls[0]!.connect.port, 443);
    const smtp = byType.get('SMTP_CHECK')!;
    assert.deepEqual((smtp as { probe: ProbeSpec }).probe, { kind: 'smtp', connect: { host: '192.168.1.3', port: 25, timeoutUs: 5e6 }, heloName: SMTP_DEFAULT_HELO });
    const dns = byType.get('DNS_CHECK') as Extract<CheckerSpec, { type: 'DNS_CHECK' }>;
    // DNS: retry 3 and delay_before_retry = delay_loop by default.
    assert.deepEqual([dns.retry, dns.delayBeforeRetryUs, dns.probe.qtype, dns.probe.qname], [3, 6e6, 'A', 'www.example.com']);
    const udp = (byType.get('UDP_CHECK') as { probe: Extract<ProbeSpec, { kind: 'udp' }> }).probe;
    assert.deepEqual([[...udp.payload!], udp.requireReply, [...udp.replyPattern!.mask], udp.maxReplyLength], [[1, 2], true, [0xff, 0], 255]);
    const fileCk = byType.get('FILE_CHECK') as Extract<CheckerSpec, { type: 'FILE_CHECK' }>;
    assert.deepEqual([fileCk.weight, fileCk.reverse, fileCk.probe.path], [3, false, '/tmp/keepalived-ts-tf1']);
    // The whole input is accepted by the scheduler and probes every checker but FILE at the start.
    const sched = new CheckerScheduler(input, new Prng(1));
    sched.start(0);
    const kinds: string[] = [];
    for (let a = sched.pollAction(); a; a = sched.pollAction()) if (a.type === 'HealthChanged') kinds.push(`${a.realServer}:${a.up}`);
    assert.deepEqual(kinds, ['TCP 10.0.0.1:80 -> 192.168.1.2:80:false', 'TCP 10.0.0.1:80 -> 192.168.1.3:443:false']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
