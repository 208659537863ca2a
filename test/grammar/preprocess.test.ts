// The preprocessor: @id conditionals, $ definitions, multiline definitions, built-ins, ~SEQ/~LST,
// line limits, self-reference bounds; with man5's worked examples (reference/keepalived.conf.5.txt
// "ADVANCED CONFIGURATION") as the expected output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, type ParseOptions, type Statement } from 'keepalived-conf-parser';
import { opts } from './mem-fs.ts';
import { preprocess } from '../../grammar/src/preprocess.ts';

const F = '/etc/keepalived/keepalived.conf';
function run(text: string, extra: Partial<ParseOptions> = {}) {
  return parse(text, F, opts({ [F]: text }, extra));
}
/** Statements flattened to "kw args" lines, nested ones indented by two spaces per level. */
function lines(sts: readonly Statement[], depth = 0): string[] {
  const out: string[] = [];
  for (const s of sts) {
    out.push('  '.repeat(depth) + [s.keyword.text, ...s.args.map((a) => a.text)].join(' '));
    if (s.block) out.push(...lines(s.block.statements, depth + 1));
  }
  return out;
}
const codes = (r: { diagnostics: readonly { code: string; line: number; col: number }[] }) => r.diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`);

test('man5 conditional configuration: @main / @backup / @^id', () => {
  const text = `global_defs {
    @main   router_id main_router
    @backup router_id backup_router
}
vrrp_instance VRRP {
    @main    unicast_src_ip 1.2.3.4
    @backup  unicast_src_ip 1.2.3.5
    @backup2 unicast_src_ip 1.2.3.6
    unicast_peer {
        @^main    1.2.3.4
        @^backup  1.2.3.5
        @^backup2 1.2.3.6
    }
}
@main
`;
  assert.deepEqual(lines(run(text, { configId: 'main' }).statements), [
    'global_defs', '  router_id main_router', 'vrrp_instance VRRP', '  unicast_src_ip 1.2.3.4', '  unicast_peer', '    1.2.3.5', '    1.2.3.6',
  ]);
  assert.deepEqual(lines(run(text, { configId: 'other' }).statements), [
    'global_defs', 'vrrp_instance VRRP', '  unicast_peer', '    1.2.3.4', '    1.2.3.5', '    1.2.3.6',
  ]);
  const r = run(text, { configId: 'backup' });
  assert.equal(r.statements[0]!.block!.statements[0]!.keyword.pos.col, 13);
  assert.deepEqual(r.diagnostics, []);
});

test('man5 parameter substitution: recursive, at use time', () => {
  const text = '$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}\n$ADDRESS_BASE_SUB=0\n${ADDRESS_BASE}.100/32\n$ADDRESS_BASE_SUB=10\n${ADDRESS_BASE}.100/32\n';
  const r = run(text);
  assert.deepEqual(lines(r.statements), ['10.2.0.100/32', '10.2.10.100/32']);
  // the substituted word maps to the '$' that produced it
  assert.deepEqual([r.statements[1]!.keyword.pos.line, r.statements[1]!.keyword.pos.col], [5, 1]);
});

test('man5: definitions with conditionals, and a definition holding a conditional', () => {
  const text = '@main $PRIORITY=240\n@backup $PRIORITY=200\nvrrp_instance VI_0 {\n    priority $PRIORITY\n}\n$IF_MAIN=@main\n$IF_MAIN priority 240\n';
  assert.deepEqual(lines(run(text, { configId: 'main' }).statements), ['vrrp_instance VI_0', '  priority 240', 'priority 240']);
  assert.deepEqual(lines(run(text, { configId: 'backup' }).statements), ['vrrp_instance VI_0', '  priority 200']);
});

test('definition syntax: must start the line, no blank before =, name rules, redefinition, empty value', () => {
  const text = [
    '$A=1', '  $B=2', '$C =3', '$1X=4', '$D-E=5', '$E=', 'v $A $B ${A}x $Ax "${C}" $E. [$E]', '$A=9', 'w $A,$A) "${UNDEF}" $UNDEF $',
  ].join('\n');
  const r = run(text);
  assert.deepEqual(lines(r.statements), ['$C =3', '$1X=4', '$D-E=5', 'v 1 2 1x $Ax ${C} $E. [$E]', 'w 9,9) ${UNDEF} $UNDEF $']);
  // an undefined ${X} outside quotes stays, and read_line then splits at its braces, as keepalived does
  assert.deepEqual(lines(run('u ${NOPE} v\n').statements), ['u $', '  NOPE', 'v']);
});

test('man5 multiline definition generating vrrp_instances', () => {
  const text = `$INSTANCE= \\
vrrp_instance VI_\${NUM} { \\
    interface eth0.\${NUM} \\
    use_vmac vrrp\${NUM}.1 \\
    virtual_router_id 1 \\
    @high priority 130 \\
    @low priority 120 \\
    advert_int 1 \\
    virtual_ipaddress { \\
        10.0.\${NUM}.254/24 \\
    } \\
    track_script { \\
        offset_instance_\${NUM} \\
    } \\
}

$NUM=0
$INSTANCE

$NUM=1
$INSTANCE
`;
  const r = run(text, { configId: 'high' });
  assert.deepEqual(r.diagnostics, []);
  const one = (n: number) => [
    `vrrp_instance VI_${n}`, `  interface eth0.${n}`, `  use_vmac vrrp${n}.1`, '  virtual_router_id 1', '  priority 130', '  advert_int 1',
    '  virtual_ipaddress', `    10.0.${n}.254/24`, '  track_script', `    offset_instance_${n}`,
  ];
  assert.deepEqual(lines(r.statements), [...one(0), ...one(1)]);
  // positions point into the definition's own lines
  const vi1 = r.statements[1]!;
  assert.deepEqual([vi1.block!.statements[0]!.keyword.pos.line, vi1.block!.statements[0]!.keyword.pos.col], [3, 5]);
  assert.equal(vi1.block!.close!.line, 15);
});

test('man5 nested multiline definitions ($RS inside $VS)', () => {
  const text = `$RS= \\
real_server 192.168.\${VS_NUM}.\${RS_NUM} 80 { \\
    weight 1 \\
    MISC_CHECK { \\
        misc_path "\${_PWD}/scripts/vs.sh RS_misc.\${VS_NUM}.\${RS_NUM}" \\
    } \\
}
$VS= \\
virtual_server 10.0.\${VS_NUM}.4 80 { \\
    quorum 2 \\
    $RS_NUM=1 \\
    $RS \\
    $RS_NUM=2 \\
    $RS \\
}
$VS_NUM=0
$VS
$VS_NUM=1
$VS
`;
  const r = run(text);
  assert.deepEqual(r.diagnostics, []);
  const rs = (v: number, n: number) => [`  real_server 192.168.${v}.${n} 80`, '    weight 1', '    MISC_CHECK', `      misc_path /etc/keepalived/scripts/vs.sh RS_misc.${v}.${n}`];
  assert.deepEqual(lines(r.statements), [
    'virtual_server 10.0.0.4 80', '  quorum 2', ...rs(0, 1), ...rs(0, 2),
    'virtual_server 10.0.1.4 80', '  quorum 2', ...rs(1, 1), ...rs(1, 2),
  ]);
});

test('an empty line ends a multiline definition; a lone "\\\\" line adds nothing', () => {
  const r = run('$M= \\\na \\\n\\\nb\n$M\n$N= \\\nx \\\n\ny\n$N\n');
  assert.deepEqual(lines(r.statements), ['a', 'b', 'y', 'x']);
});

test('built-in definitions: _PWD _INSTANCE _ENV _HASH _BANG _RANDOM', () => {
  const r = run('a ${_PWD} ${_INSTANCE} ${_ENV HOME}x ${_ENV NOPE}. x${_HASH}1${_BANG}2 ${_HASH}gone too\n', { configId: 'lb1', env: { HOME: '/root' } });
  // inside a word they are literal; a word that starts with one is a comment (alloc_strvec_r)
  assert.deepEqual(lines(r.statements), ['a /etc/keepalived lb1 /rootx . x#1!2']);
  assert.equal(r.statements[0]!.rest, '/etc/keepalived lb1 /rootx . x#1!2');
  const rnd = (seed: number) => lines(run('r ${_RANDOM} ${_RANDOM 5 9} ${_RANDOM 7 7}\n', { randomSeed: seed }).statements)[0]!.split(' ');
  const a = rnd(42);
  assert.deepEqual(a, rnd(42), 'same seed, same values');
  assert.ok(Number(a[1]) >= 0 && Number(a[1]) <= 32767);
  assert.ok(Number(a[2]) >= 5 && Number(a[2]) <= 9);
  assert.equal(a[3], '7');
  const many = new Set(Array.from({ length: 20 }, (_, k) => rnd(k)[1]));
  assert.ok(many.size > 10, 'different seeds give different values');
  // a user definition overrides a built-in
  assert.deepEqual(lines(run('$_HASH=h\nx ${_HASH}\n').statements), ['x h']);
});

test('man5 ~SEQ examples, ~SEQx, defaults, chaining (leftmost outermost)', () => {
  assert.deepEqual(lines(run('~SEQ(SUBNET, 0, 3) ip_address 10.0.${SUBNET}.1\n').statements), [0, 1, 2, 3].map((n) => `ip_address 10.0.${n}.1`));
  const hex = ['90', 'a0', 'b0', 'c0'].map((h) => `ip_address fe80::20:${h}:1`);
  assert.deepEqual(lines(run('~SEQx(SUBNET, 144, 16, 192) ip_address fe80::20:${SUBNET}:1\n').statements), hex);
  assert.deepEqual(lines(run('~SEQx(SUBNET, 0x90, 0x10, 0xc0) ip_address fe80::20:${SUBNET}:1\n').statements), hex);
  const vip = lines(run('virtual_ipaddress {\n~SEQx(AD2, 0x90, 0x10, 0xc0) ~SEQx(AD1, 0x12, -1, 0x0c) fe81::10:${AD2}:${AD1}\n}\n').statements);
  assert.equal(vip.length, 1 + 4 * 7);
  assert.deepEqual(vip.slice(1, 4), ['  fe81::10:90:12', '  fe81::10:90:11', '  fe81::10:90:10']);
  assert.equal(vip[8], '  fe81::10:a0:12');
  assert.deepEqual(lines(run('~SEQ(I, 3) x$I\n~SEQ(J, 2, 0) y$J\n~SEQ(K,-2) z$K\n').statements), ['x1', 'x2', 'x3', 'y2', 'y1', 'y0', 'z-1', 'z-2']);
  const bad = run('~SEQ(I, 1, -1, 5) x\n~SEQx(I, -3) y\n~SEQ() z\n');
  assert.deepEqual(codes(bad), ['invalid-sequence@1:1', 'invalid-sequence@2:1', 'invalid-sequence@3:1']);
});

test('man5: ~SEQ driving a multiline definition (scaled down from 65,024 instances)', () => {
  const text = `$VI4= \\
vrrp_instance vrrp4.\${IF}.\${NUM}.\${ID} { \\
    interface bond\${IF}.\${NUM} \\
    virtual_router_id \${ID} \\
}

~SEQ(IF,0,1) ~SEQ(NUM,0,2) ~SEQ(ID,1,3) $VI4
`;
  const r = run(text);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.statements.length, 2 * 3 * 3);
  assert.deepEqual(lines(r.statements.slice(0, 2)), ['vrrp_instance vrrp4.0.0.1', '  interface bond0.0', '  virtual_router_id 1', 'vrrp_instance vrrp4.0.0.2', '  interface bond0.0', '  virtual_router_id 2']);
  assert.equal(lines([r.statements[17]!])[0], 'vrrp_instance vrrp4.1.2.3');
});

test('man5 ~LST: values, tuples, nesting, combined with ~SEQ', () => {
  assert.deepEqual(lines(run('~LST({IP, IP1}, {10,1},{20,4},{5,6},{12,8}) 192.168.${IP}.${IP1}\n').statements), ['192.168.10.1', '192.168.20.4', '192.168.5.6', '192.168.12.8']);
  const nested = lines(run('~LST(IP, 1, 2, 3, 4) ~LST(IP1, 5,6,7) 192.169.${IP}.${IP1}\n').statements);
  assert.equal(nested.length, 12);
  assert.deepEqual(nested.slice(0, 4), ['192.169.1.5', '192.169.1.6', '192.169.1.7', '192.169.2.5']);
  const comb = lines(run('~LST({IP,  IP1},  {10,1},{20,4},{5,6},{12,8})   ~SEQ(IP2,168,2,172) 192.${IP2}.${IP}.${IP1}\n').statements);
  assert.deepEqual(comb.slice(0, 4), ['192.168.10.1', '192.170.10.1', '192.172.10.1', '192.168.20.4']);
  assert.equal(comb.length, 12);
  assert.deepEqual(codes(run('~LST(X) a\n~LST({A,B}, {1}) b\n')), ['invalid-sequence@1:1', 'invalid-sequence@2:1']);
});

test('self-referencing definitions are errors with a position, never a hang', () => {
  for (const text of ['$IF=$IF\ninterface $IF\n', '$A=${B}\n$B=${A}\nx ${A}\n', '$G=$G $G\ny $G\n', '$M= \\\n$M\n\n$M\n', '$M= \\\na \\\n$M\n\n$M\n', '$P= \\\np \\\n$Q\n$Q= \\\nq \\\n$P\n\n$P\n']) {
    const t0 = Date.now();
    const r = run(text);
    assert.ok(Date.now() - t0 < 5000);
    const d = r.diagnostics.find((x) => x.code === 'self-reference' || x.code === 'line-too-long' || x.code === 'expansion-too-large');
    assert.ok(d, `${JSON.stringify(text)} -> ${JSON.stringify(r.diagnostics)}`);
    assert.equal(d.severity, 'error');
    assert.equal(d.file, F);
    assert.ok(d.line >= 1 && d.line <= text.split('\n').length, JSON.stringify(d));
  }
  assert.deepEqual(codes(run('$IF=$IF\ninterface $IF\n')), ['self-reference@2:11']);
});

test('a ~SEQ that never ends within the budget stops with an error', () => {
  // The same rule as the 2,000,000-line default, with a budget a test can afford.
  const r = preprocess('~SEQ(I, 0, 2000000000) x$I\n', F, opts(), 5_000);
  const d = r.diagnostics.find((x) => x.code === 'expansion-too-large');
  assert.ok(d, JSON.stringify(r.diagnostics));
  assert.equal(d.line, 1);
});

test('lines over 1024 bytes are ignored with line-too-long; NUL lines with a warning', () => {
  const long = 'x'.repeat(2_000_000);
  const t0 = Date.now();
  const r = run(`a 1\n${long}\nb 2 ${'y'.repeat(1100)}\nc 3\nd\0e\nf "${'z'.repeat(1019)}"\n`);
  // Not a timing assertion: a generous bound that only a hang or a quadratic scan would break.
  assert.ok(Date.now() - t0 < 30_000);
  assert.deepEqual(lines(r.statements), ['a 1', 'c 3', `f ${'z'.repeat(1019)}`]);
  assert.deepEqual(codes(r), ['line-too-long@2:1025', 'line-too-long@3:1025', 'nul-in-line@5:2']);
  assert.equal(r.diagnostics[2]!.severity, 'warning');
});

test('positions through substitution keep the columns of untouched text', () => {
  const r = run('$P=100\n  priority $P  weight ${P}0 x\n');
  const s = r.statements[0]!;
  assert.deepEqual(s.args.map((a) => [a.text, a.pos.line, a.pos.col]), [['100', 2, 12], ['weight', 2, 16], ['1000', 2, 23], ['x', 2, 29]]);
  assert.equal(s.rest, '100  weight 1000 x');
});

test('a residue after a brace goes through @ and $ processing again (read_line line_residue)', () => {
  const r = run('$X=1\nvirtual_ipaddress { @main 10.0.0.$X\n@other 10.0.0.2\n}\nz {$Y=5\n}\nw $Y\n', { configId: 'main' });
  assert.deepEqual(lines(r.statements), ['virtual_ipaddress', '  10.0.0.1', 'z', 'w 5']);
  // a conditional line that does not apply takes its '}' with it, as in keepalived
  assert.deepEqual(codes(run('a {\n@other x }\n', { configId: 'main' })), ['missing-brace@1:3']);
});

test('expansion output is bounded in memory', () => {
  const r = parse(`$L=${'x'.repeat(1000)}\n~SEQ(I, 1, 1000000) $L\n`, F, opts());
  assert.ok(r.diagnostics.some((d) => d.code === 'expansion-too-large'));
});
