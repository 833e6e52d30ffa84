// ctid's dialplan contexts on the simulator's AMI face (issue 10: joins and
// barge-in over AMI), through a raw AMI client: Redirect of a call into a
// ConfBridge room, a phone rung into the room by Originate, a channel sent
// to music on hold and back, an outside number rung into a room (a Local
// channel), the events Asterisk gives for each, the talk
// paths the same world shows, and the errors and limits of the model.

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

const groups = () => sim.control.paths().paths.map((p) => p.devices.join(' '));
const lineState = (ext: string) => sim.control.status().offices.find((o) => o.id === 'a')!.devices.find((d) => d.id === `a/${ext}`)!.state;

/** 2001 calls 2002, which answers: resolves with both channel names once they are bridged. */
async function twoTalking(): Promise<{ caller: string; callee: string }> {
  const from = m.received.length;
  sim.control.dial('a', '2001', '2002');
  const begin = await m.event('DialBegin', {}, from);
  sim.control.answer('a', '2002');
  await m.event('BridgeEnter', { Channel: begin.get('DestChannel')! }, from);
  return { caller: begin.get('Channel')!, callee: begin.get('DestChannel')! };
}

async function channels(): Promise<AmiMessage[]> {
  const from = m.received.length;
  await m.action({ Action: 'CoreShowChannels', ActionID: `show-${from}` });
  await m.event('CoreShowChannelsComplete', { ActionID: `show-${from}` }, from);
  return m.events(from).filter((e) => e.get('Event') === 'CoreShowChannel');
}

test('a call redirected into a room (both at once), a phone rung in, one party held and back, all hang up: ConfBridge events and talk paths', async () => {
  const { caller, callee } = await twoTalking();
  let from = m.received.length;
  const moved = await m.action({ Action: 'Redirect', Channel: caller, ExtraChannel: callee, Context: 'ctid-rooms', Exten: '555', ExtraContext: 'ctid-rooms', ExtraExten: '555', Priority: 1 });
  assert.equal([moved.get('Response'), moved.get('Message')], ['Success', 'Dual Redirect successful']);
  const names = (e: AmiMessage) => `${e.get('Event')} ${e.get('Channel')?.replace(/-[0-9a-f]{8}$/, '') ?? e.get('Conference')}`;
  const confEvents = () => m.events(from).filter((e) => /^Confbridge|^MusicOnHold|^Hangup$/.test(e.get('Event')!)).map(names);
  assert.equal(confEvents(), ['ConfbridgeStart ctid-555', 'ConfbridgeJoin PJSIP/2001', 'ConfbridgeJoin PJSIP/2002']);
  assert.equal(groups(), ['a/2001 a/2002'], 'they still talk, in the room');
  const rows = await channels();
  assert.equal(rows.map((r) => [r.get('Context'), r.get('Exten')]), [['ctid-rooms', '555'], ['ctid-rooms', '555']]);
  assert.is(new Set(rows.map((r) => r.get('BridgeId'))).size, 1, 'one bridge: the room');

  from = m.received.length;
  await m.action({ Action: 'Originate', ActionID: 'ring-in', Channel: 'PJSIP/2003', Context: 'ctid-rooms', Exten: '555', Priority: 1, Async: 'true', ChannelId: 'ctid-join-1' });
  const begin = await m.event('DialBegin', { DestUniqueid: 'ctid-join-1' }, from);
  assert.is(begin.get('Channel'), undefined, "an Originate's first leg names no Channel");
  assert.is(lineState('2003'), 'ringing');
  sim.control.answer('a', '2003');
  const response = await m.event('OriginateResponse', { ActionID: 'ring-in' }, from);
  assert.equal([response.get('Response'), response.get('Reason'), response.get('Uniqueid')], ['Success', '4', 'ctid-join-1']);
  await m.event('ConfbridgeJoin', { Uniqueid: 'ctid-join-1' }, from);
  assert.equal(groups(), ['a/2001 a/2002 a/2003'], 'the three talk');

  from = m.received.length;
  await m.action({ Action: 'Redirect', Channel: callee, Context: 'ctid-hold', Exten: '555', Priority: 1 });
  assert.equal(confEvents(), ['ConfbridgeLeave PJSIP/2002', 'MusicOnHoldStart PJSIP/2002']);
  assert.equal(groups(), ['a/2001 a/2003'], 'the held party hears music, alone');
  assert.is(lineState('2002'), 'held');
  assert.not.ok(m.events(from).some((e) => e.get('Event') === 'Hold'), 'no phone-side Hold: the dialplan plays the music');

  from = m.received.length;
  await m.action({ Action: 'Redirect', Channel: callee, Context: 'ctid-rooms', Exten: '555', Priority: 1 });
  assert.equal(confEvents(), ['MusicOnHoldStop PJSIP/2002', 'ConfbridgeJoin PJSIP/2002']);
  assert.equal(groups(), ['a/2001 a/2002 a/2003']);

  from = m.received.length;
  for (const ext of ['2003', '2002']) sim.control.hangup('a', ext); // 2001, left alone, is released with the call
  await m.event('ConfbridgeEnd', { Conference: 'ctid-555' }, from);
  assert.equal(groups(), []);
});

test("one channel of a Dial()'s two-party bridge redirected alone: its partner is hung up, as the dialplan's Hangup() after Dial() does", async () => {
  const { caller, callee } = await twoTalking();
  const from = m.received.length;
  await m.action({ Action: 'Redirect', Channel: callee, Context: 'ctid-rooms', Exten: '556', Priority: 1 });
  const hangup = await m.event('Hangup', { Channel: caller }, from);
  assert.is(hangup.get('Cause'), '16');
});

test('a Local channel to an outside number rung into a room: the trunk leg joins the conversation once the far phone answers; a Local channel elsewhere is refused', async () => {
  const { caller, callee } = await twoTalking();
  await m.action({ Action: 'Redirect', Channel: caller, ExtraChannel: callee, Context: 'ctid-rooms', Exten: '558', ExtraContext: 'ctid-rooms', ExtraExten: '558' });
  const from = m.received.length;
  await m.action({ Action: 'Originate', ActionID: 'out', Channel: 'Local/0442223333@internal', Context: 'ctid-rooms', Exten: '558', Priority: 1, Async: 'true', ChannelId: 'ctid-join-2' });
  await m.event('DialBegin', { DestUniqueid: 'ctid-join-2' }, from);
  const far = () => sim.control.status().offices.find((o) => o.id === 'b')!.devices.find((d) => d.id === 'b/2000')!.state;
  assert.is(far(), 'ringing', "b/2000 (044-222-3333) rings through the public network");
  sim.control.answer('b', '2000');
  const response = await m.event('OriginateResponse', { ActionID: 'out' }, from);
  assert.equal([response.get('Response'), response.get('Reason')], ['Success', '4']);
  await m.event('ConfbridgeJoin', { Uniqueid: 'ctid-join-2' }, from);
  assert.equal(groups(), ['a/2001 a/2002 b/2000'], 'the three talk across the trunk');

  const elsewhere = await m.action({ Action: 'Originate', Channel: 'Local/2003@internal', Context: 'internal', Exten: '2004', Async: 'true' });
  assert.equal([elsewhere.get('Response'), elsewhere.get('Message')], ['Error', 'Originate of a Local channel is modelled by switch-sim only into ctid-rooms']);
});

test('errors and limits: no such channel, another context, a room nobody is in, a busy phone, a room holding another call', async () => {
  const { caller, callee } = await twoTalking();
  const gone = await m.action({ Action: 'Redirect', Channel: 'PJSIP/2009-000000ff', Context: 'ctid-rooms', Exten: '1' });
  assert.equal([gone.get('Response'), gone.get('Message')], ['Error', 'Channel does not exist: PJSIP/2009-000000ff']);
  const elsewhere = await m.action({ Action: 'Redirect', Channel: caller, Context: 'parkedcalls', Exten: '700' });
  assert.is(elsewhere.get('Response'), 'Error');
  assert.match(elsewhere.get('Message')!, /parkedcalls is not modelled/);
  assert.equal(groups(), ['a/2001 a/2002'], 'a refused Redirect changes nothing');

  let from = m.received.length;
  await m.action({ Action: 'Originate', ActionID: 'empty', Channel: 'PJSIP/2003', Context: 'ctid-rooms', Exten: '999', Priority: 1, Async: 'true' });
  const empty = await m.event('OriginateResponse', { ActionID: 'empty' }, from);
  assert.equal([empty.get('Response'), empty.get('Reason')], ['Failure', '0']);

  await m.action({ Action: 'Redirect', Channel: caller, ExtraChannel: callee, Context: 'ctid-rooms', Exten: '557' });
  from = m.received.length;
  await m.action({ Action: 'Originate', ActionID: 'busy', Channel: 'PJSIP/2002', Context: 'ctid-rooms', Exten: '557', Priority: 1, Async: 'true' });
  const busy = await m.event('OriginateResponse', { ActionID: 'busy' }, from);
  assert.equal([busy.get('Response'), busy.get('Reason')], ['Failure', '5'], '2002 is in the room already: busy');

  from = m.received.length;
  sim.control.dial('a', '2003', '2004');
  const begin = await m.event('DialBegin', { DestCallerIDNum: '2004' }, from);
  sim.control.answer('a', '2004');
  await m.event('BridgeEnter', { Channel: begin.get('DestChannel')! }, from);
  const other = await m.action({ Action: 'Redirect', Channel: begin.get('Channel')!, ExtraChannel: begin.get('DestChannel')!, Context: 'ctid-rooms', Exten: '557' });
  assert.is(other.get('Response'), 'Error');
  assert.match(other.get('Message')!, /holds another conversation/);
});

test.run();
