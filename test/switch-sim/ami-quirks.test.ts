// The AMI face's testing knobs (world office `ami.quirks`): orders and
// repeats real Asterisk shows (issue 10: "OriginateResponse can come before
// or after ...; duplicate DialEnd events happen"), so a client's tolerance
// of them can be tested.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestSim, testWorld, type TestSim } from '../helpers/world.js';
import { AmiTestClient } from '../helpers/ami-client.js';

let sim: TestSim;
let m: AmiTestClient;

test.before.each(async () => {
  sim = await startTestSim({
    world: testWorld((w) => {
      w.offices[0]!.ami = { listen: '127.0.0.1:0', user: 'u', secret: 's', context: 'phones', quirks: { duplicateDialEnd: true, originateResponseFirst: true } };
    }),
  });
  m = await AmiTestClient.login(sim.offices.find((o) => o.id === 'a')!.ami!, 'u', 's');
});
test.after.each(async () => {
  m.close();
  await sim.close();
});

const names = (from: number, keep: string[]) =>
  m
    .events(from)
    .filter((e) => keep.includes(e.get('Event')!))
    .map((e) => `${e.get('Event')}${e.get('DialStatus') ? ` ${e.get('DialStatus')}` : ''}${e.get('ChannelStateDesc') && e.get('Event') === 'Newstate' ? ` ${e.get('Channel')!.slice(0, 10)}` : ''}`);

test('duplicateDialEnd and originateResponseFirst: each DialEnd twice, OriginateResponse before the first leg answers', async () => {
  const from = m.received.length;
  await m.action({ Action: 'Originate', ActionID: 'q', Channel: 'PJSIP/2001', Context: 'phones', Exten: '2002', Priority: 1, Async: 'true' });
  await m.event('DeviceStateChange', { Device: 'PJSIP/2001', State: 'RINGING' }, from);
  sim.control.answer('a', '2001');
  await m.event('DeviceStateChange', { Device: 'PJSIP/2002', State: 'RINGING' }, from);
  sim.control.answer('a', '2002');
  await m.event('BridgeEnter', {}, from);
  assert.equal(names(from, ['OriginateResponse', 'Newstate', 'DialEnd', 'BridgeCreate']), [
    'OriginateResponse',
    'Newstate PJSIP/2001',
    'DialEnd ANSWER',
    'DialEnd ANSWER',
    'Newstate PJSIP/2002',
    'DialEnd ANSWER',
    'DialEnd ANSWER',
    'BridgeCreate',
  ]);
  assert.equal(m.events(from).filter((e) => e.get('Event') === 'OriginateResponse').length, 1, 'one OriginateResponse');
});

test('originateResponseFirst on a failure: OriginateResponse (Reason 3) before the DialEnd NOANSWER', async () => {
  const from = m.received.length;
  await m.action({ Action: 'Originate', ActionID: 'q2', Channel: 'PJSIP/2001', Context: 'phones', Exten: '2002', Priority: 1, Async: 'true', Timeout: 1000 });
  await m.event('Hangup', {}, from);
  assert.equal(names(from, ['OriginateResponse', 'DialEnd', 'Hangup']), ['OriginateResponse', 'DialEnd NOANSWER', 'DialEnd NOANSWER', 'Hangup']);
  const r = m.events(from).find((e) => e.get('Event') === 'OriginateResponse')!;
  assert.equal([r.get('Response'), r.get('Reason'), r.get('ActionID')], ['Failure', '3', 'q2']);
});

test('the context is the world file\'s: ExtensionStatus names it, another context has no hint', async () => {
  sim.control.dial('a', '2003', '2004');
  const status = await m.event('ExtensionStatus', { Exten: '2004' });
  assert.is(status.get('Context'), 'phones');
  const other = await m.action({ Action: 'ExtensionState', Exten: '2004', Context: 'internal' });
  assert.is(other.get('Status'), '-1');
});

test.run();
