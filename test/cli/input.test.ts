// Input checked at the edge: DUR and NUMBER forms of interfaces.md.

import { InvalidArgumentError } from 'commander';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDurationMs, parseExtension, parseNumber, parseRequestId } from '../../src/cli/input.js';

function refused(parse: (text: string) => unknown, text: string): void {
  assert.throws(() => parse(text), (err: unknown) => err instanceof InvalidArgumentError, `${JSON.stringify(text)} refused`);
}

test('DUR: numbers with units', () => {
  assert.is(parseDurationMs('90s'), 90_000);
  assert.is(parseDurationMs('5m'), 300_000);
  assert.is(parseDurationMs('1h30m'), 5_400_000);
  assert.is(parseDurationMs('500ms'), 500);
});

test('DUR: bare numbers, zero, negatives and words are refused', () => {
  for (const text of ['90', '', '0s', '-5m', '5 minutes please', '1h30', 'm', '5x', '1e3']) refused(parseDurationMs, text);
});

test('NUMBER: extensions and external numbers in the usual forms pass as given', () => {
  for (const text of ['2000', '044-222-3333', '0442223333', '+81 44 222 3333', '(044) 222.3333']) assert.is(parseNumber(text), text);
  assert.is(parseNumber(' 2000 '), '2000', 'surrounding blanks dropped');
});

test('NUMBER: letters, control characters, markup and empties are refused', () => {
  for (const text of ['20a0', '2000\n', '2000\u0000', '<x/>', '', '---', '+', '1'.repeat(33), '2000;2001']) refused(parseNumber, text);
});

test('the message quotes what was typed, escaping control characters', () => {
  try {
    parseNumber('20\u001b[31m');
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /"20\\u001b\[31m" is not a phone number/);
  }
});

test('EXT and ID', () => {
  assert.is(parseExtension('2001'), '2001');
  refused(parseExtension, '+2001');
  refused(parseExtension, '20 01');
  assert.is(parseRequestId('a-5015224ed78b8996'), 'a-5015224ed78b8996');
  refused(parseRequestId, 'a b');
  refused(parseRequestId, '');
});

test.run();
