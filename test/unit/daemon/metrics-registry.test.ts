// The text format writer against the exposition format's rules (0.0.4): HELP/TYPE lines before
// the samples, families kept together, escaping of HELP text and label values, value spelling
// (NaN, +Inf, -Inf), and the checks on our own names. The output is read back with a strict
// parser written from the format's documentation (test/fixtures/metrics/exposition-parser.ts),
// including for arbitrary label values and help texts (fast-check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MetricsRegistry, PROMETHEUS_TEXT_CONTENT_TYPE, escapeHelp, escapeLabelValue, formatSampleValue, type MetricFamilyDef,
} from '../../../src/daemon/metrics-registry.ts';
import { parseExposition, sampleOf } from '../../fixtures/metrics/exposition-parser.ts';

const A: MetricFamilyDef = { name: 'a_total', type: 'counter', help: 'A counter', labels: ['x', 'y'] };
const B: MetricFamilyDef = { name: 'b', type: 'gauge', help: 'B', labels: [] };

test('exact text: HELP, TYPE, then the samples, families in definition order, one trailing line feed', () => {
  const r = new MetricsRegistry();
  r.set(A, ['1', 'p'], 3);
  r.set(B, [], 0.5);
  r.set(A, ['2', 'q'], 4);
  assert.equal(r.render(), [
    '# HELP a_total A counter',
    '# TYPE a_total counter',
    'a_total{x="1",y="p"} 3',
    'a_total{x="2",y="q"} 4',
    '# HELP b B',
    '# TYPE b gauge',
    'b 0.5',
    '',
  ].join('\n'));
  assert.equal(PROMETHEUS_TEXT_CONTENT_TYPE, 'text/plain; version=0.0.4; charset=utf-8');
});

test('escaping as the format says: HELP \\\\ and \\n; label values \\\\, \\" and \\n; nothing else', () => {
  assert.equal(escapeHelp('a\\b\nc "q"'), 'a\\\\b\\nc "q"');
  assert.equal(escapeLabelValue('a\\b\nc "q"'), 'a\\\\b\\nc \\"q\\"');
  assert.equal(escapeLabelValue('tab\there é ✓'), 'tab\there é ✓');
  const r = new MetricsRegistry();
  r.set({ name: 'm', type: 'gauge', help: 'line1\nline2 \\ end', labels: ['iname'] }, ['VI "1"\\\nx'], 1);
  assert.equal(r.render(), '# HELP m line1\\nline2 \\\\ end\n# TYPE m gauge\nm{iname="VI \\"1\\"\\\\\\nx"} 1\n');
  const back = parseExposition(r.render()).get('m')!;
  assert.equal(back.help, 'line1\nline2 \\ end');
  assert.equal(back.samples[0]!.labels.iname, 'VI "1"\\\nx');
});

test('values: integers, fractions, exponents, NaN, +Inf, -Inf, and -0 as 0', () => {
  assert.equal(formatSampleValue(42), '42');
  assert.equal(formatSampleValue(1763712000.123), '1763712000.123');
  assert.equal(formatSampleValue(1e21), '1e+21');
  assert.equal(formatSampleValue(NaN), 'NaN');
  assert.equal(formatSampleValue(Infinity), '+Inf');
  assert.equal(formatSampleValue(-Infinity), '-Inf');
  assert.equal(formatSampleValue(-0), '0');
  const r = new MetricsRegistry();
  const G: MetricFamilyDef = { name: 'g', type: 'gauge', help: 'g', labels: ['k'] };
  for (const [k, v] of [['a', 1e21], ['b', NaN], ['c', Infinity], ['d', -Infinity], ['e', 2.5e-7]] as const) r.set(G, [k], v);
  const p = parseExposition(r.render());
  assert.equal(sampleOf(p, 'g', { k: 'a' }).value, 1e21);
  assert.ok(Number.isNaN(sampleOf(p, 'g', { k: 'b' }).value));
  assert.equal(sampleOf(p, 'g', { k: 'c' }).value, Infinity);
  assert.equal(sampleOf(p, 'g', { k: 'd' }).value, -Infinity);
  assert.equal(sampleOf(p, 'g', { k: 'e' }).value, 2.5e-7);
});

test('one series per label set (the last value wins); a family without samples is not written', () => {
  const r = new MetricsRegistry();
  r.family(B);
  r.set(A, ['1', 'p'], 1);
  r.set(A, ['1', 'p'], 7);
  assert.equal(r.render(), '# HELP a_total A counter\n# TYPE a_total counter\na_total{x="1",y="p"} 7\n');
  assert.equal(new MetricsRegistry().render(), '');
});

test('our own naming mistakes are refused (they are bugs, not input)', () => {
  const r = new MetricsRegistry();
  assert.throws(() => r.family({ ...B, name: '1abc' }), /invalid metric name/);
  assert.throws(() => r.family({ ...B, name: 'a-b' }), /invalid metric name/);
  assert.throws(() => r.family({ ...B, name: 'c', labels: ['__x'] }), /invalid label name/);
  assert.throws(() => r.family({ ...B, name: 'c', labels: ['a:b'] }), /invalid label name/);
  assert.throws(() => r.family({ ...B, name: 'c', labels: ['x', 'x'] }), /twice/);
  r.family(A);
  assert.throws(() => r.family({ ...A, labels: ['x'] }), /defined twice/);
  assert.throws(() => r.set(A, ['only one'], 1), /label values/);
  // A colon is legal in metric names (recording rules use it).
  assert.doesNotThrow(() => r.family({ ...B, name: 'job:x:rate' }));
});

test('the strict parser refuses what the format forbids (so it can fail)', () => {
  const bad = [
    'm 1',                                     // no trailing line feed
    'm{a="\\t"} 1\n',                           // invalid escape
    'm{a="x",a="y"} 1\n',                       // label twice
    'm{__a="x"} 1\n',                           // reserved label
    'm one\n',                                  // not a float
    'm 1\nm 2\n',                               // same series twice
    '# TYPE m gauge\n# TYPE m gauge\nm 1\n',    // second TYPE
    'm 1\n# TYPE m gauge\n',                    // TYPE after sample
    'm{a="1"} 1\nn 1\nm{a="2"} 1\n',            // family not together
    '# TYPE m gauges\nm 1\n',                   // unknown type
    '# HELP m bad \\t escape\nm 1\n',           // HELP escape
    'm{a="1" 1\n',                              // unterminated labels
  ];
  for (const text of bad) assert.throws(() => parseExposition(text), Error, JSON.stringify(text));
  assert.doesNotThrow(() => parseExposition('# a comment\n\nm{a="1",} 1 1700000000000\n'));
});

test('any label value and help text survives writing and strict reading (property)', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ maxLength: 10 })), { minLength: 1, maxLength: 8 }),
    // A HELP text starting with a blank loses it in any reader (blanks separate the tokens).
    fc.string({ unit: 'binary', maxLength: 40 }).filter((h) => !/^[ \t]/.test(h)),
    fc.double(),
    (pairs, help, value) => {
      const r = new MetricsRegistry();
      const def: MetricFamilyDef = { name: 'p', type: 'gauge', help, labels: ['v', 'w'] };
      const expected = new Map<string, string>();
      for (const [v, w] of pairs) { r.set(def, [v, w], value); expected.set(`${v}\u0000${w}`, w); }
      const back = parseExposition(r.render()).get('p')!;
      assert.equal(back.help, help);
      assert.equal(back.samples.length, expected.size);
      for (const s of back.samples) {
        assert.ok(expected.has(`${s.labels.v}\u0000${s.labels.w}`));
        assert.ok(Object.is(s.value, Object.is(value, -0) ? 0 : value) || (Number.isNaN(s.value) && Number.isNaN(value)));
      }
    },
  ), { numRuns: 300 });
});
