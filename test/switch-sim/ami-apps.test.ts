// Originate with Application on the simulator's AMI face, through a raw AMI
// client: Playback rings the phone, and once it answers the phone hears the
// file (a media record) and the channel hangs up; SendFAX reaches the FAX
// device (a media record and a SendFAX event); a busy phone, a phone that
// does not answer and an application the face does not serve fail as
// Asterisk's do.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AmiMessage } from '../../src/ami/codec.js';
import type { AmiTestClient } from '../helpers/ami-client.js';
import { startAmiSim, type TestSim } from '../helpers/world.js';

let sim: TestSim;
let m: AmiTestClient;
let close: () => Promise<void>;

test.before.each(async () => {
  ({ sim, manager: m, close } = await startAmiSim());
});
test.after.each(() => close());

/** The events of the channel with Uniqueid `id` (as the dialled side too), by name. */
const eventsOf = (id: string, from: number) =>
  m
    .events(from)
    .filter((e) => e.get('Uniqueid') === id || e.get('DestUniqueid') === id)
    .map((e) => e.get('Event'));

const originate = (fields: Record<string, string>) => m.action({ Action: 'Originate', Async: 'true', ...fields });

const responseTo = (actionId: string, from: number): Promise<AmiMessage> => m.event('OriginateResponse', { ActionID: actionId }, from);

test('Playback: the phone rings; answered, it hears the file, then the channel hangs up with Cause 16', async () => {
  const from = m.received.length;
  const queued = await originate({ ActionID: 'p-1', ChannelId: 'play-1', Channel: 'PJSIP/2001', Application: 'Playback', Data: '/srv/ctid-media/ab12/greeting', Timeout: '60000' });
  assert.is(queued.get('Response'), 'Success');
  await m.event('DeviceStateChange', { Device: 'PJSIP/2001', State: 'RINGING' }, from);
  assert.equal(sim.control.status().media, [], 'nothing played before the answer');
  sim.control.answer('a', '2001');
  const hangup = await m.event('Hangup', { Uniqueid: 'play-1' }, from);
  assert.equal([hangup.get('Cause'), hangup.get('Cause-txt')], ['16', 'Normal Clearing']);
  const response = await responseTo('p-1', from);
  assert.equal([response.get('Response'), response.get('Reason'), response.get('Application'), response.get('Data')], ['Success', '4', 'Playback', '/srv/ctid-media/ab12/greeting']);
  assert.equal(eventsOf('play-1', from), ['Newchannel', 'DialBegin', 'Newstate', 'DialEnd', 'OriginateResponse', 'Hangup']);
  const [heard] = sim.control.status().media;
  assert.equal([heard?.device, heard?.kind, heard?.name, heard?.port], ['a/2001', 'voice', '/srv/ctid-media/ab12/greeting', undefined]);
  assert.ok(heard?.call, 'played into a call');
  await m.event('DeviceStateChange', { Device: 'PJSIP/2001', State: 'NOT_INUSE' }, from);
});

test('SendFAX: the FAX device answers by itself, receives the document, and Asterisk reports the pages', async () => {
  const from = m.received.length;
  await originate({ ActionID: 'f-1', ChannelId: 'fax-1', Channel: 'PJSIP/2900', Application: 'SendFAX', Data: '/srv/ctid-media/cd34/memo.tif' });
  const report = await m.event('SendFAX', { Uniqueid: 'fax-1' }, from);
  assert.equal([report.get('PagesTransferred'), report.get('FileName')], ['1', '/srv/ctid-media/cd34/memo.tif']);
  await m.event('Hangup', { Uniqueid: 'fax-1', Cause: '16' }, from);
  assert.equal(
    sim.control.status().media.map((r) => [r.device, r.kind, r.name]),
    [['a/2900', 'fax', '/srv/ctid-media/cd34/memo.tif']],
  );
});

test('SendFAX to a phone: it answers, no page goes (PagesTransferred 0), nothing is recorded', async () => {
  const from = m.received.length;
  sim.control.set('a', '2003', { answer: 'auto' });
  await originate({ ActionID: 'f-2', ChannelId: 'fax-2', Channel: 'PJSIP/2003', Application: 'SendFAX', Data: '/srv/memo.tif' });
  const report = await m.event('SendFAX', { Uniqueid: 'fax-2' }, from);
  assert.is(report.get('PagesTransferred'), '0');
  assert.equal(sim.control.status().media, []);
});

test('Playback to a busy phone: OriginateResponse Failure Reason 5, nothing played; not answered: Reason 3 after DialEnd NOANSWER', async () => {
  sim.control.dial('a', '2002', '2003');
  const from = m.received.length;
  await originate({ ActionID: 'p-2', Channel: 'PJSIP/2002', Application: 'Playback', Data: 'greeting' });
  const busy = await responseTo('p-2', from);
  assert.equal([busy.get('Response'), busy.get('Reason')], ['Failure', '5']);

  await originate({ ActionID: 'p-3', ChannelId: 'play-3', Channel: 'PJSIP/2004', Application: 'Playback', Data: 'greeting', Timeout: '2000' });
  const unanswered = await responseTo('p-3', from);
  assert.equal([unanswered.get('Response'), unanswered.get('Reason')], ['Failure', '3']);
  assert.ok(m.events(from).some((e) => e.get('Event') === 'DialEnd' && e.get('DestUniqueid') === 'play-3' && e.get('DialStatus') === 'NOANSWER'));
  assert.equal(sim.control.status().media, []);
});

test('an application the face does not serve, or Playback without Data: Response Error, nothing rings', async () => {
  const other = await originate({ Channel: 'PJSIP/2001', Application: 'System', Data: 'rm -rf /' });
  assert.equal([other.get('Response'), other.get('Message')], ['Error', 'Originate failed: application System is not served here (Playback, SendFAX)']);
  const empty = await originate({ Channel: 'PJSIP/2001', Application: 'playback' });
  assert.equal([empty.get('Response'), empty.get('Message')], ['Error', 'Originate failed: Playback needs Data, the file to play']);
  assert.is(sim.world.exchange('a')!.device('2001').lineState, 'idle');
});

test.run();
