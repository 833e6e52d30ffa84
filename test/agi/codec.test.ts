// The FastAGI wire format (src/agi/codec.ts): lines split anywhere, CRLF or
// LF, the cap on a line, environment lines, answers with and without data,
// and commands quoted the way res_agi parses them.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgiLineReader, AgiProtocolError, formatCommand, formatEnv, formatReply, parseCommand, parseEnvLine, parseReply } from '../../src/agi/codec.js';

test('lines split byte by byte come out whole, CR dropped; a line over the cap throws, with or without its LF', () => {
  const r = new AgiLineReader(16);
  const seen: string[] = [];
  for (const ch of 'agi_a: 1\r\n\nHANGUP\n') seen.push(...r.push(ch));
  assert.equal(seen, ['agi_a: 1', '', 'HANGUP']);
  assert.throws(() => new AgiLineReader(16).push(`${'x'.repeat(17)}\n`), (e: Error) => e instanceof AgiProtocolError);
  assert.throws(() => new AgiLineReader(16).push('x'.repeat(17)), (e: Error) => e instanceof AgiProtocolError);
});

test('environment lines: key lower-cased, empty values kept, anything else refused; formatEnv ends with the empty line', () => {
  assert.equal(parseEnvLine('agi_Channel: PJSIP/2003-00000001'), ['channel', 'PJSIP/2003-00000001']);
  assert.equal(parseEnvLine('agi_accountcode: '), ['accountcode', '']);
  assert.equal(parseEnvLine('agi_accountcode:'), ['accountcode', '']);
  assert.throws(() => parseEnvLine('channel: x'), (e: Error) => e instanceof AgiProtocolError);
  assert.is(formatEnv({ network: 'yes', extension: '2001' }), 'agi_network: yes\nagi_extension: 2001\n\n');
  assert.throws(() => formatEnv({ x: 'a\nb' }), RangeError);
});

test('answers: result, data, endpos; 510 and 511; not an answer throws', () => {
  assert.equal(parseReply('200 result=1 (2005)'), { code: 200, result: 1, data: '2005' });
  assert.equal(parseReply('200 result=-1'), { code: 200, result: -1, data: undefined });
  assert.equal(parseReply('200 result=0 (a b) endpos=1234'), { code: 200, result: 0, data: 'a b' });
  assert.is(parseReply('511 Command Not Permitted on a dead channel or intercept routine').code, 511);
  assert.throws(() => parseReply('200 nothing'), (e: Error) => e instanceof AgiProtocolError);
  assert.throws(() => parseReply('HELLO'), (e: Error) => e instanceof AgiProtocolError);
  assert.is(formatReply({ code: 200, result: 1, data: 'x' }), '200 result=1 (x)\n');
  assert.equal(parseReply(formatReply({ code: 510, result: undefined, data: undefined }).trim()).code, 510);
});

test('commands: words with spaces, quotes or nothing are quoted, and parse back the same', () => {
  const words = ['SET', 'VARIABLE', 'CTID_DEST', 'a "b" c\\d', ''];
  const line = formatCommand(words);
  assert.is(line, 'SET VARIABLE CTID_DEST "a \\"b\\" c\\\\d" ""\n');
  assert.equal(parseCommand(line.trim()), words);
  assert.equal(parseCommand('EXEC Dial Local/2005@internal'), ['EXEC', 'Dial', 'Local/2005@internal']);
  assert.throws(() => parseCommand('EXEC "Dial'), (e: Error) => e instanceof AgiProtocolError);
  assert.throws(() => formatCommand(['EXEC', 'a\nb']), RangeError);
});

test.run();
