// include and its variants (man5 DESCRIPTION; lib/parser.c read_conf_file/check_include):
// globs, csh braces, paths relative to the including file, missing-file rules, loops, and
// positions that name the included file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, parseFile, type Statement } from 'keepalived-conf-parser';
import { opts } from './mem-fs.ts';

const names = (sts: readonly Statement[]) => sts.map((s) => [s.keyword.text, ...s.args.map((a) => a.text)].join(' '));
const codes = (r: { diagnostics: readonly { code: string; severity: string }[] }) => r.diagnostics.map((d) => `${d.severity}:${d.code}`);

const tree = {
  '/etc/k/main.conf': 'a 1\ninclude conf.d/*.conf\nb 2\n',
  '/etc/k/conf.d/10-x.conf': 'x 10\ninclude ../sub/y.conf\n',
  '/etc/k/conf.d/02-w.conf': 'w 2\n',
  '/etc/k/conf.d/.hidden.conf': 'hidden\n',
  '/etc/k/conf.d/readme.txt': 'txt\n',
  '/etc/k/sub/y.conf': 'y ${_PWD}\n',
  '/etc/k/sub/z1.conf': 'z1\n',
  '/etc/k/sub/z2.conf': 'z2\n',
  '/etc/k/sub/za.conf': 'za\n',
};

test('include: glob sorted, relative to the including file, hidden files skipped, _PWD follows', () => {
  const r = parseFile('/etc/k/main.conf', opts(tree));
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(names(r.statements), ['a 1', 'w 2', 'x 10', 'y /etc/k/sub', 'b 2']);
  assert.deepEqual(r.files, ['/etc/k/main.conf', '/etc/k/conf.d/02-w.conf', '/etc/k/conf.d/10-x.conf', '/etc/k/sub/y.conf']);
  const y = r.statements[3]!;
  assert.deepEqual([y.keyword.pos.file, y.keyword.pos.line, y.keyword.pos.col], ['/etc/k/sub/y.conf', 1, 1]);
  assert.deepEqual([y.args[0]!.pos.file, y.args[0]!.pos.line, y.args[0]!.pos.col], ['/etc/k/sub/y.conf', 1, 3]);
  const b = r.statements[4]!;
  assert.deepEqual([b.keyword.pos.file, b.keyword.pos.line], ['/etc/k/main.conf', 3]);
});

test('include: ? and [..] wildcards, csh braces, quoted names', () => {
  const r = (inc: string) => names(parseFile('/etc/k/m.conf', opts({ ...tree, '/etc/k/m.conf': inc + '\n' })).statements);
  assert.deepEqual(r('include sub/z?.conf'), ['z1', 'z2', 'za']);
  assert.deepEqual(r('include sub/z[12].conf'), ['z1', 'z2']);
  assert.deepEqual(r('include sub/z[^1].conf'), ['z2', 'za']); // '[!1]' would start a comment, as in keepalived
  assert.deepEqual(r('include sub/z[\\!1].conf'), ['z2', 'za']);
  assert.deepEqual(r('include sub/{za,z1}.conf'), ['za', 'z1']);
  assert.deepEqual(r('include {sub/{z2,za},conf.d/02-w}.conf'), ['z2', 'za', 'w 2']);
  assert.deepEqual(r('include "/etc/k/sub/z1.conf"'), ['z1']);
  assert.deepEqual(r('include /etc/k/sub/../sub/z2.conf'), ['z2']);
});

test('include: only a two-word line is an include; an include inside a block splices its lines there', () => {
  const r = parseFile('/etc/k/m.conf', opts({ ...tree, '/etc/k/m.conf': 'g {\ninclude sub/z1.conf\n}\ninclude a b\n' }));
  assert.deepEqual(names(r.statements), ['g', 'include a b']);
  assert.deepEqual(names(r.statements[0]!.block!.statements), ['z1']);
});

test('include: missing files - plain include warns, the strict variants and allConfig are errors', () => {
  const r = (inc: string, allConfig = false) => codes(parseFile('/etc/k/m.conf', opts({ ...tree, '/etc/k/m.conf': inc + '\n' }, { allConfig })));
  assert.deepEqual(r('include nope.conf'), ['warning:include-not-found']);
  assert.deepEqual(r('include nope.conf', true), ['error:include-not-found']);
  assert.deepEqual(r('includem nope.conf'), ['error:include-not-found']);
  assert.deepEqual(r('includea nope/*.conf'), ['error:include-not-found', 'error:include-not-found']);
  assert.deepEqual(r('includew sub/z*.conf'), []);
  assert.deepEqual(r('includew sub/q*.conf'), ['error:include-not-found', 'warning:include-not-found']);
  assert.deepEqual(r('includeb sub/{z1,q}.conf'), ['error:include-not-found']);
  assert.deepEqual(r('include sub/{z1,q}.conf'), []);
  assert.deepEqual(r('includer sub/z1.conf'), []);
});

test('include loops are detected (self, and a -> b -> a) and do not hang', () => {
  const self = parseFile('/l/a.conf', opts({ '/l/a.conf': 'x\ninclude a.conf\ny\n' }));
  assert.deepEqual(names(self.statements), ['x', 'y']);
  assert.deepEqual(self.diagnostics.map((d) => [d.code, d.file, d.line]), [['include-loop', '/l/a.conf', 2]]);
  const two = parseFile('/l/a.conf', opts({ '/l/a.conf': 'a1\ninclude b.conf\na2\n', '/l/b.conf': 'b1\ninclude a.conf\nb2\n' }));
  assert.deepEqual(names(two.statements), ['a1', 'b1', 'b2', 'a2']);
  assert.deepEqual(two.diagnostics.map((d) => [d.code, d.file, d.line]), [['include-loop', '/l/b.conf', 2]]);
});

test('the same file included twice (not a loop) is read twice', () => {
  const r = parseFile('/l/m.conf', opts({ '/l/m.conf': 'include x.conf\ninclude x.conf\n', '/l/x.conf': 'x\n' }));
  assert.deepEqual(names(r.statements), ['x', 'x']);
  assert.deepEqual(r.diagnostics, []);
});

test('braces opened in one file and closed in the included one pair up; diagnostics name the right file', () => {
  const r = parseFile('/l/m.conf', opts({ '/l/m.conf': 'vrrp_instance V {\ninclude body.conf\n', '/l/body.conf': 'state MASTER\n}\n}\n' }));
  assert.deepEqual(names(r.statements[0]!.block!.statements), ['state MASTER']);
  assert.deepEqual(r.statements[0]!.block!.close, { file: '/l/body.conf', line: 2, col: 1 });
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.file, d.line, d.col]), [['extra-brace', '/l/body.conf', 3, 1]]);
});

test('parseFile: missing main file, relative path against cwd', () => {
  const r = parseFile('nope.conf', opts({}, { cwd: '/x' }));
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.file]), [['file-not-found', '/x/nope.conf']]);
  const ok = parseFile('k/sub/z1.conf', opts(tree, { cwd: '/etc' }));
  assert.deepEqual(names(ok.statements), ['z1']);
  assert.equal(ok.statements[0]!.pos.file, '/etc/k/sub/z1.conf');
});

test('parse(text) without a file on disk still resolves includes against the source directory', () => {
  const r = parse('include z1.conf\n', '/etc/k/sub/virtual.conf', opts(tree));
  assert.deepEqual(names(r.statements), ['z1']);
});

test('an include line may use @id and $ (keepalived 2.2.7 does, whatever man5 says)', () => {
  const r = parseFile('/l/m.conf', opts({ '/l/m.conf': '@main include x.conf\n@other include y.conf\n$F=y.conf\ninclude $F\n', '/l/x.conf': 'x\n', '/l/y.conf': 'y\n' }));
  assert.deepEqual(names(r.statements), ['x', 'y']);
  assert.deepEqual(r.diagnostics, []);
});
