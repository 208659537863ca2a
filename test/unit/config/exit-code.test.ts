import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from 'keepalived-conf-parser';
import { configTestExitCode } from '../../../src/config/exit-code.ts';
import { didYouMean, editDistance } from '../../../src/config/did-you-mean.ts';

const d = (severity: Diagnostic['severity'], code: string): Diagnostic => ({ severity, code, message: '', file: 'f', line: 1, col: 1 });

test('configTestExitCode: keepalived -t codes 0 / 4 / 5 / 6 and their precedence', () => {
  assert.equal(configTestExitCode([]), 0);
  assert.equal(configTestExitCode([d('warning', 'deprecated'), d('warning', 'not-supported'), d('info', 'x')]), 0);
  assert.equal(configTestExitCode([d('error', 'unknown-keyword')]), 5);
  assert.equal(configTestExitCode([d('warning', 'value-fixed')]), 5, 'keepalived reports its fix-ups as config errors');
  assert.equal(configTestExitCode([d('warning', 'script-security')]), 6);
  assert.equal(configTestExitCode([d('error', 'out-of-range'), d('warning', 'script-security')]), 6, 'measured with 2.2.7: 6 wins over 5');
  assert.equal(configTestExitCode([d('warning', 'script-security'), d('error', 'fatal')]), 4);
  assert.equal(configTestExitCode([d('error', 'file-not-found')]), 4);
});

test('did you mean: transpositions, omissions, nothing absurd', () => {
  assert.equal(editDistance('priorty', 'priority'), 1);
  assert.equal(editDistance('prioirty', 'priority'), 1);
  assert.equal(didYouMean('priorty', ['priority', 'state', 'interface']), 'priority');
  assert.equal(didYouMean('virtual_ipadress', ['virtual_ipaddress', 'virtual_routes']), 'virtual_ipaddress');
  assert.equal(didYouMean('STATE', ['state']), 'state');
  assert.equal(didYouMean('xyz', ['priority', 'state']), undefined);
  assert.equal(didYouMean('ab', ['state']), undefined);
});
