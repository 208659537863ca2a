import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  httpVerdict, parseStatusCodes, planHttpRequest, regexFlagsFromOptions, statusAccepted,
} from '../../../src/check/http-verdict.ts';
import { SmtpDialogue } from '../../../src/check/smtp-dialogue.ts';
import { parseHexPattern, udpNoReplyVerdict, udpReplyVerdict } from '../../../src/check/udp-verdict.ts';
import { fileVerdict, parseTrackFileValue } from '../../../src/check/file-verdict.ts';
import { miscVerdict } from '../../../src/check/misc-verdict.ts';

test('status_code: default 200-299, lists and ranges, malformed words refused', () => {
  assert.ok(statusAccepted(200));
  assert.ok(statusAccepted(299));
  assert.ok(!statusAccepted(301));
  const r = parseStatusCodes(['200-299', '400-499', '503'])!;
  assert.ok(statusAccepted(404, r));
  assert.ok(statusAccepted(503, r));
  assert.ok(!statusAccepted(500, r));
  assert.equal(parseStatusCodes(['2xx']), undefined);
  assert.equal(parseStatusCodes(['300-200']), undefined);
});

test('httpVerdict: status before digest before regex; digest ignores case; regex offsets; regex_no_match', () => {
  const body = 'hello world, service OK';
  const md5 = createHash('md5').update(body).digest('hex');
  const facts = { status: 200, bodyMd5: md5, bodyText: body };
  assert.equal(httpVerdict({ path: '/', digest: md5.toUpperCase() }, facts).ok, true);
  const badDigest = httpVerdict({ path: '/', digest: '0'.repeat(32) }, facts);
  assert.equal(badDigest.ok, false);
  assert.match(!badDigest.ok ? badDigest.reason : '', /MD5 digest error/);
  const badStatus = httpVerdict({ path: '/', digest: '0'.repeat(32) }, { ...facts, status: 500 });
  assert.match(!badStatus.ok ? badStatus.reason : '', /status_code \[500\]/);
  assert.equal(httpVerdict({ path: '/', regex: 'service (OK|UP)' }, facts).ok, true);
  assert.equal(httpVerdict({ path: '/', regex: 'FAIL' }, facts).ok, false);
  assert.equal(httpVerdict({ path: '/', regex: 'FAIL', regexNoMatch: true }, facts).ok, true);
  assert.equal(httpVerdict({ path: '/', regex: 'OK', regexNoMatch: true }, facts).ok, false);
  // "hello" starts at 0: a min offset of 1 skips it; a max offset of 5 refuses the match at 6.
  assert.equal(httpVerdict({ path: '/', regex: 'hello', regexMinOffset: 1 }, facts).ok, false);
  assert.equal(httpVerdict({ path: '/', regex: 'world', regexMaxOffset: 5 }, facts).ok, false);
  assert.equal(httpVerdict({ path: '/', regex: 'world', regexMaxOffset: 6 }, facts).ok, true);
  assert.equal(httpVerdict({ path: '/', regex: 'HELLO', regexFlags: regexFlagsFromOptions(['caseless']) }, facts).ok, true);
  const invalid = httpVerdict({ path: '/', regex: '(' }, facts);
  assert.match(!invalid.ok ? invalid.reason : '', /invalid regex/);
});

test('planHttpRequest: Host is virtualhost, else the address with a non-default port; close per protocol', () => {
  const p = planHttpRequest({ path: '/x' }, '1.0', '192.0.2.1', 8080, false);
  assert.deepEqual(p.headers, [['user-agent', 'KeepAliveClient'], ['host', '192.0.2.1:8080']]);
  assert.equal(p.closeConnection, false);
  assert.equal(planHttpRequest({ path: '/x' }, '1.1', '2001:db8::1', 443, true).headers[1]![1], '[2001:db8::1]');
  assert.equal(planHttpRequest({ path: '/', virtualhost: 'www.example' }, '1.0C', '192.0.2.1', 80, false).headers[1]![1], 'www.example');
  assert.equal(planHttpRequest({ path: '/' }, '1.0C', '192.0.2.1', 80, false).closeConnection, true);
});

test('SMTP dialogue: banner 220, HELO 250, QUIT 221; multi-line replies; refusals and early close', () => {
  const d = new SmtpDialogue('checker.example');
  assert.deepEqual(d.receive('220-mx.example ESMTP\r\n'), { kind: 'continue' });
  assert.deepEqual(d.receive('220 ready\r\n'), { kind: 'send', text: 'HELO checker.example\r\n' });
  assert.deepEqual(d.receive('250 mx.example'), { kind: 'continue' }); // split mid-line
  assert.deepEqual(d.receive('\r\n'), { kind: 'send', text: 'QUIT\r\n' });
  assert.deepEqual(d.receive('221 bye\r\n'), { kind: 'done', ok: true });
  const busy = new SmtpDialogue('x');
  const r = busy.receive('554 no service\r\n');
  assert.equal(r.kind === 'done' && !r.ok && r.reason, 'bad banner: 554 no service');
  const refused = new SmtpDialogue('x');
  refused.receive('220 hi\r\n');
  assert.equal(refused.receive('501 syntax\r\n').kind, 'done');
  const early = new SmtpDialogue('x');
  early.receive('220 hi\r\n');
  const c = early.closed();
  assert.ok(c.kind === 'done' && !c.ok && /helo reply/.test(c.reason));
  const junk = new SmtpDialogue('x').receive('HTTP/1.1 400 Bad Request\r\n');
  assert.ok(junk.kind === 'done' && !junk.ok);
});

test('UDP HEX_STR parses as the man page example; X nibbles are wildcards', () => {
  const p = parseHexPattern('Ab12f 3 456 546443123', false)!;
  assert.deepEqual([...p.bytes], [0xab, 0x12, 0x0f, 0x03, 0x45, 0x06, 0x54, 0x64, 0x43, 0x12, 0x03]);
  assert.equal(parseHexPattern('12x4', false), undefined);
  assert.equal(parseHexPattern('zz', true), undefined);
  const w = parseHexPattern('12x4 Xf', true)!;
  assert.deepEqual([...w.bytes], [0x12, 0x04, 0x0f]);
  assert.deepEqual([...w.mask], [0xff, 0x0f, 0x0f]);
  const rules = { requireReply: true, replyPattern: w, minReplyLength: 2, maxReplyLength: 255 };
  assert.equal(udpReplyVerdict(rules, Uint8Array.from([0x12, 0x74, 0xaf, 0x99])).ok, true);
  assert.equal(udpReplyVerdict(rules, Uint8Array.from([0x12, 0x75])).ok, false);
  assert.equal(udpReplyVerdict(rules, Uint8Array.from([0x12])).ok, false); // shorter than min
  assert.equal(udpReplyVerdict({ ...rules, maxReplyLength: 3 }, new Uint8Array(4)).ok, false);
  assert.equal(udpNoReplyVerdict(rules).ok, false);
  assert.equal(udpNoReplyVerdict({ ...rules, requireReply: false }).ok, true);
});

test('track file values read with strtol(buf, NULL, 0) semantics', () => {
  const cases: [string, number | undefined][] = [
    ['', 0], ['42\n', 42], ['  -17 trailing', -17], ['0x1F', 31], ['010', 8], ['09', 0], ['+5', 5],
    ['abc', 0], ['0x', 0], ['2147483648', 2147483648], ['2147483649', undefined], ['-2147483649', undefined],
    [' 7'.padEnd(200, '9'), undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseTrackFileValue(text), want, JSON.stringify(text));
  assert.deepEqual(fileVerdict(3, 10, false), { up: true, weightDelta: 30, reason: 'file value 3 x weight 10 = 30' });
  assert.equal(fileVerdict(3, 10, true).weightDelta, -30);
  assert.equal(fileVerdict(-2147483648, 1, false).up, false);
  assert.equal(fileVerdict(1, 0, false).up, false);
  assert.equal(fileVerdict(0, 0, true).up, false);
});

test('MISC exit statuses', () => {
  assert.deepEqual(miscVerdict(0, null, true), { ok: true, reason: 'exited with status 0' });
  assert.equal(miscVerdict(1, null, true).ok, false);
  assert.equal(miscVerdict(7, null, true).dynamicWeight, 5);
  assert.equal(miscVerdict(7, null, false).ok, false);
  assert.equal(miscVerdict(null, 'SIGKILL', true).ok, false);
});
