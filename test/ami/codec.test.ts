// The AMI wire format (src/ami/codec.ts): the banner and the first answer
// in one chunk, messages split anywhere, repeated keys, keys in any case,
// and what is refused.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AmiDecoder, AmiMessage, AmiProtocolError, encodeAmi } from '../../src/ami/codec.js';

test('the banner and the first response arrive in one chunk', () => {
  const d = new AmiDecoder({ banner: true });
  const out = d.push('Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\n');
  assert.is(out.banner, 'Asterisk Call Manager/11.0.0');
  assert.is(out.messages.length, 1);
  assert.is(out.messages[0]!.get('actionid'), '1');
  assert.is(out.messages[0]!.type, 'response');
});

test('a message split byte by byte comes out once, whole; several in one chunk come out in order', () => {
  const d = new AmiDecoder();
  const text = 'Event: Newchannel\r\nChannel: PJSIP/2001-00000000\r\nLinkedid: 1.1\r\n\r\nEvent: Hangup\r\nCause: 16\r\n\r\n';
  const seen: AmiMessage[] = [];
  for (const ch of text) seen.push(...d.push(ch).messages);
  assert.equal(
    seen.map((m) => m.get('Event')),
    ['Newchannel', 'Hangup'],
  );
  assert.is(seen[0]!.get('channel'), 'PJSIP/2001-00000000');
});

test('repeated keys are kept; values keep inner colons; encode and decode agree', () => {
  const m = new AmiMessage([
    ['Action', 'Originate'],
    ['Variable', 'A=1'],
    ['Variable', 'B=2'],
    ['Application', 'AGI(agi://127.0.0.1:4573/route)'],
  ]);
  const back = new AmiDecoder().push(encodeAmi(m)).messages[0]!;
  assert.equal(back.all('variable'), ['A=1', 'B=2']);
  assert.is(back.get('Application'), 'AGI(agi://127.0.0.1:4573/route)');
});

test('refused: a line that is not Key: Value, a message over the limit, a greeting that is not AMI, CR or LF inside a value', () => {
  assert.throws(() => new AmiDecoder().push('Event: X\r\nno colon here\r\n\r\n'), (e: unknown) => e instanceof AmiProtocolError);
  assert.throws(() => new AmiDecoder({ maxMessageBytes: 100 }).push(`Event: X\r\nData: ${'x'.repeat(200)}`), (e: unknown) => e instanceof AmiProtocolError);
  assert.throws(() => new AmiDecoder({ banner: true }).push('SSH-2.0-OpenSSH\r\n'), (e: unknown) => e instanceof AmiProtocolError);
  assert.throws(() => encodeAmi({ Action: 'Login', Secret: 'a\r\nAction: Logoff' }), (e: unknown) => e instanceof RangeError);
});

test.run();
