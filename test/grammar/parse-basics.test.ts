// Lexing and block structure as keepalived's read_line()/alloc_strvec_r() do them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, splitShellWords, type Statement } from 'keepalived-conf-parser';
import { opts } from './mem-fs.ts';

const F = '/etc/keepalived/keepalived.conf';
function p(text: string) {
  return parse(text, F, opts());
}
/** Compact shape: keyword + args, nested blocks. */
function shape(sts: readonly Statement[]): unknown[] {
  return sts.map((s) => {
    const words = [s.keyword.text, ...s.args.map((a) => a.text)].join(' ');
    return s.block ? [words, shape(s.block.statements)] : words;
  });
}
const codes = (r: ReturnType<typeof p>) => r.diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`);

test('comments: # and ! anywhere outside quotes; \\# and \\! are literal', () => {
  const r = p('# whole line\n! also\nrouter_id a#b\nauth_pass abc!def\nx "a # b" c # tail\ny a\\#b\\!c\n');
  assert.deepEqual(shape(r.statements), ['router_id a', 'auth_pass abc', 'x a # b c', 'y a#b!c']);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.statements[2]!.rest, '"a # b" c');
});

test('CR removed, blank lines ignored, leading/trailing blanks stripped', () => {
  const r = p('global_defs {\r\n\r\n   router_id  R1   \r\n}\r\n');
  assert.deepEqual(shape(r.statements), [['global_defs', ['router_id R1']]]);
  assert.equal(r.statements[0]!.block!.statements[0]!.rest, 'R1');
});

test('braces glued to words are split; { may be on the next line', () => {
  const r = p('vrrp_instance X{ state MASTER\n virtual_ipaddress { 1.2.3.4 }\n}\nvirtual_server 1.1.1.1 80\n{\n real_server 2.2.2.2 80 {\n }\n}\n');
  assert.deepEqual(shape(r.statements), [
    ['vrrp_instance X', ['state MASTER', ['virtual_ipaddress', ['1.2.3.4']]]],
    ['virtual_server 1.1.1.1 80', [['real_server 2.2.2.2 80', []]]],
  ]);
  assert.deepEqual(r.diagnostics, []);
  const vi = r.statements[0]!;
  assert.deepEqual([vi.block!.open.line, vi.block!.open.col, vi.block!.close!.line, vi.block!.close!.col], [1, 16, 3, 1]);
  const vip = vi.block!.statements[1]!;
  assert.equal(vip.block!.statements[0]!.keyword.pos.col, 22);
  assert.equal(vip.block!.close!.col, 30);
});

test('braces inside quotes do not split', () => {
  const r = p('notify "/bin/sh -c {x}" root\n');
  assert.deepEqual(shape(r.statements), ['notify /bin/sh -c {x} root']);
  assert.equal(r.statements[0]!.args[0]!.quoted, true);
  assert.equal(r.statements[0]!.rest, '"/bin/sh -c {x}" root');
  assert.equal(r.statements[0]!.restPos.col, 8);
});

test('quoted words keep blanks; an unquoted word stops at a quote', () => {
  const r = p('a "b c"d e"f g"\n');
  assert.deepEqual(
    r.statements[0]!.args.map((w) => [w.text, w.quoted, w.pos.col]),
    [['b c', true, 3], ['d', false, 8], ['e', false, 10], ['f g', true, 11]],
  );
});

test('rest and restPos: raw text after the keyword, comments removed', () => {
  const r = p('  notify_master   /bin/x   "a b"  # c\nnopreempt\n');
  const s = r.statements[0]!;
  assert.equal(s.rest, '/bin/x   "a b"');
  assert.deepEqual([s.restPos.line, s.restPos.col], [1, 19]);
  const n = r.statements[1]!;
  assert.equal(n.rest, '');
  assert.deepEqual([n.restPos.line, n.restPos.col], [2, 10]);
});

test('extra }, missing }, unmatched quote, unexpected { are diagnostics with positions', () => {
  assert.deepEqual(codes(p('a {\n}\n}\n')), ['extra-brace@3:1']);
  assert.deepEqual(codes(p('a {\n b {\n')), ['missing-brace@2:4', 'missing-brace@1:3']);
  const r = p('x "abc\ny 1\n');
  assert.deepEqual(codes(r), ['unmatched-quote@1:3']);
  assert.deepEqual(shape(r.statements), ['x', 'y 1']);
  const u = p('a {\n}\n{\n b\n}\n');
  assert.deepEqual(codes(u), ['unexpected-brace@3:1']);
  assert.deepEqual(shape(u.statements), [['a', []], 'b']);
});

test('a keyword line followed by a block on the next line owns it; a brace at line start is its own piece', () => {
  const r = p('a\n{ b\nc }\n');
  assert.deepEqual(shape(r.statements), [['a', ['b', 'c']]]);
});

test('parse never throws on odd input and returns positions inside the file', () => {
  for (const t of ['', '\n\n', '{', '}', '"', '{{{}}}}', '\\', '$', '@', '~SEQ(', '\0', 'a\0b\n', '€ ü {']) {
    const r = p(t);
    for (const d of r.diagnostics) assert.ok(d.line >= 1 && d.col >= 1, JSON.stringify(d));
  }
});

test('splitShellWords: both quotes, mixed quoting, escapes', () => {
  assert.deepEqual(splitShellWords(`'abcd" efg h jkl "mnop'`).words, ['abcd" efg h jkl "mnop']);
  assert.deepEqual(splitShellWords(`abcd" efg h jkl "mnop`).words, ['abcd efg h jkl mnop']);
  assert.deepEqual(splitShellWords(`abcd "efg h jkl" mnop`).words, ['abcd', 'efg h jkl', 'mnop']);
  assert.deepEqual(splitShellWords(String.raw`\a\b\E\f\n\r\t\v`).words, ['\x07\x08\x1b\f\n\r\t\v']);
  assert.deepEqual(splitShellWords(String.raw`\101\x41\x4a\cA\q\\\"`).words, ['AAJ\x01q\\"']);
  assert.deepEqual(splitShellWords(String.raw`"a\"b" 'c\'d'`).words, ['a"b', "c'd"]);
  assert.equal(splitShellWords('"abc').error?.code, 'unmatched-quote');
  assert.equal(splitShellWords('abc\\').error?.code, 'trailing-backslash');
  assert.deepEqual(splitShellWords('   ').words, []);
});

test("man5's notify_master example splits into the documented words", () => {
  const text = [
    '$SG_NAME=SG1',
    '$INST=low',
    '$USER=user',
    String.raw`notify_master "/etc/keepalived/notify_event.sh ' spaces\\x20f\x69le ' '\"s p a c e \"' ` + '${SG_NAME}' + String.raw`.$INST master" $USER group`,
  ].join('\n');
  const r = p(text);
  assert.deepEqual(r.diagnostics, []);
  const s = r.statements[0]!;
  const outer = splitShellWords(s.rest).words;
  assert.equal(outer.length, 3);
  assert.deepEqual(outer.slice(1), ['user', 'group']);
  // one pass of escapes: \\ -> \, \x69 -> i, \" -> "; the single quotes are left for the script runner
  assert.equal(outer[0], String.raw`/etc/keepalived/notify_event.sh ' spaces\x20file ' '"s p a c e "' SG1.low master`);
});
