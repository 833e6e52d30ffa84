// The simulator's AMI face (issue 10) through a raw AMI client over TCP:
// the session (banner, Login, Ping, Events, errors), Originate with the
// event order issue 10 saw on Asterisk 22 and each way it can fail, line
// state, the list actions, Hangup, and the talk paths the same world shows.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AmiMessage } from '../../src/ami/codec.js';
import { amiTestWorld, startTestSim, type TestSim } from '../helpers/world.js';
import { AmiTestClient } from '../helpers/ami-client.js';

let sim: TestSim;
const clients: AmiTestClient[] = [];

const amiAddress = (office = 'a') => sim.offices.find((o) => o.id === office)!.ami!;

async function manager(office = 'a', events?: 'on' | 'off'): Promise<AmiTestClient> {
  const c = await AmiTestClient.login(amiAddress(office), `ctid-${office}`, `secret-${office}`, events);
  clients.push(c);
  return c;
}

async function raw(office = 'a'): Promise<AmiTestClient> {
  const c = await AmiTestClient.connect(amiAddress(office));
  clients.push(c);
  return c;
}

test.before.each(async () => {
  sim = await startTestSim({
    world: amiTestWorld(),
  });
});
test.after.each(async () => {
  for (const c of clients.splice(0)) c.close();
  await sim.close();
});

const groups = () => sim.control.paths().paths.map((p) => p.devices.join(' '));

/** The names of the events from index `from`, with the detail that tells them apart. */
function trace(c: AmiTestClient, from: number, keep: (m: AmiMessage) => boolean = () => true): string[] {
  return c.events(from).filter(keep).map((m) => {
    const e = m.get('Event')!;
    switch (e) {
      case 'Newchannel':
      case 'Newstate':
      case 'Hangup':
      case 'BridgeEnter':
      case 'BridgeLeave':
        return `${e} ${m.get('Channel')!.replace(/-[0-9a-f]{8}$/, '')}${e === 'Newstate' ? ` ${m.get('ChannelStateDesc')}` : ''}${e === 'Hangup' ? ` ${m.get('Cause')}` : ''}`;
      case 'DialBegin':
      case 'DialEnd':
        return `${e} ${m.get('Channel')?.replace(/-[0-9a-f]{8}$/, '') ?? '-'}>${m.get('DestChannel')!.replace(/-[0-9a-f]{8}$/, '')}${e === 'DialEnd' ? ` ${m.get('DialStatus')}` : ''}`;
      case 'ExtensionStatus':
        return `${e} ${m.get('Exten')} ${m.get('Status')}`;
      case 'DeviceStateChange':
        return `${e} ${m.get('Device')} ${m.get('State')}`;
      case 'OriginateResponse':
        return `${e} ${m.get('Response')} ${m.get('Reason')}`;
      default:
        return e;
    }
  });
}

test('the banner, a wrong secret (Error, then the server closes), Permission denied before Login, Ping', async () => {
  const c = await raw();
  assert.is(c.banner, 'Asterisk Call Manager/11.0.0');
  const denied = await c.action({ Action: 'CoreShowChannels' });
  assert.equal([denied.get('Response'), denied.get('Message')], ['Error', 'Permission denied']);
  const pong = await c.action({ Action: 'Ping', ActionID: 'p-1' });
  assert.equal([pong.get('Response'), pong.get('Ping'), pong.get('ActionID')], ['Success', 'Pong', 'p-1']);
  assert.match(pong.get('Timestamp')!, /^\d+\.\d{6}$/);
  const refused = await c.action({ Action: 'Login', Username: 'ctid-a', Secret: 'wrong' });
  assert.equal([refused.get('Response'), refused.get('Message')], ['Error', 'Authentication failed']);
  await c.closed;

  const m = await manager();
  const unknown = await m.action({ Action: 'NoSuchThing' });
  assert.equal([unknown.get('Response'), unknown.get('Message')], ['Error', 'Invalid/unknown command']);
  const booted = await m.event('FullyBooted');
  assert.is(booted.get('Status'), 'Fully Booted');
  const off = await m.action({ Action: 'Events', EventMask: 'off' });
  assert.is(off.get('Events'), 'Off');
  const before = m.received.length;
  sim.control.dial('a', '2003', '2004');
  const on = await m.action({ Action: 'Events', EventMask: 'on' });
  assert.is(on.get('Events'), 'On');
  assert.equal(m.events(before), [], 'no events while the mask is off');
  sim.control.hangup('a', '2003');
  await m.event('Hangup', {}, before);
  const bye = await m.action({ Action: 'Logoff' });
  assert.equal([bye.get('Response'), bye.get('Message')], ['Goodbye', 'Thanks for all the fish.']);
  await m.closed;
});

test('Originate, both answer: the events in Asterisk 22 order, one Linkedid, a bridge, the talk path; Hangup ends it', async () => {
  const m = await manager();
  const from = m.received.length;
  const queued = await m.action({ Action: 'Originate', ActionID: 'o-1', Channel: 'PJSIP/2001', Context: 'internal', Exten: '2002', Priority: 1, Async: 'true' });
  assert.equal([queued.get('Response'), queued.get('Message'), queued.get('ActionID')], ['Success', 'Originate successfully queued', 'o-1']);
  await m.event('DeviceStateChange', { Device: 'PJSIP/2001', State: 'RINGING' });
  sim.control.answer('a', '2001');
  await m.event('DeviceStateChange', { Device: 'PJSIP/2002', State: 'RINGING' });
  sim.control.answer('a', '2002');
  await m.event('ExtensionStatus', { Exten: '2002', Status: '1' });
  assert.equal(trace(m, from), [
    'Newchannel PJSIP/2001',
    'DialBegin ->PJSIP/2001',
    'ExtensionStatus 2001 8',
    'DeviceStateChange PJSIP/2001 RINGING',
    'Newstate PJSIP/2001 Up',
    'DialEnd ->PJSIP/2001 ANSWER',
    'OriginateResponse Success 4',
    'DeviceStateChange PJSIP/2001 INUSE',
    'ExtensionStatus 2001 1',
    'Newchannel PJSIP/2002',
    'DialBegin PJSIP/2001>PJSIP/2002',
    'ExtensionStatus 2002 8',
    'DeviceStateChange PJSIP/2002 RINGING',
    'Newstate PJSIP/2002 Up',
    'DialEnd PJSIP/2001>PJSIP/2002 ANSWER',
    'BridgeCreate',
    'BridgeEnter PJSIP/2001',
    'BridgeEnter PJSIP/2002',
    'DeviceStateChange PJSIP/2002 INUSE',
    'ExtensionStatus 2002 1',
  ]);
  const events = m.events(from);
  const first = events[0]!;
  assert.match(first.get('Channel')!, /^PJSIP\/2001-[0-9a-f]{8}$/);
  assert.is(first.get('ChannelState'), '0');
  assert.match(first.get('Uniqueid')!, /^\d+\.\d+$/);
  const second = events.find((e) => e.get('Event') === 'Newchannel' && e.get('Channel')!.startsWith('PJSIP/2002'))!;
  assert.is(second.get('Linkedid'), first.get('Uniqueid'), 'all channels of one call share the first channel\'s Uniqueid as Linkedid');
  const response = events.find((e) => e.get('Event') === 'OriginateResponse')!;
  assert.equal([response.get('ActionID'), response.get('Channel'), response.get('Uniqueid'), response.get('Context'), response.get('Exten')], ['o-1', first.get('Channel'), first.get('Uniqueid'), 'internal', '2002']);
  const dialBegin = events.find((e) => e.get('Event') === 'DialBegin')!;
  assert.is(dialBegin.get('Channel'), undefined, "the Originate's own dial names no Channel");
  assert.is(dialBegin.get('DialString'), '2001');
  assert.equal(groups(), ['a/2001 a/2002']);
  assert.ok(sim.control.log('a').some((e) => e.type === 'Originate' && e.protocol === 'ami' && e.actionId === 'o-1'), 'switch-sim log lists the Originate');

  const at = m.received.length;
  const hung = await m.action({ Action: 'Hangup', Channel: first.get('Channel')! });
  assert.equal([hung.get('Response'), hung.get('Message')], ['Success', 'Channel Hungup']);
  await m.event('BridgeDestroy', {}, at);
  await m.event('ExtensionStatus', { Exten: '2002', Status: '0' }, at);
  const ended = trace(m, at, (e) => ['Hangup', 'BridgeLeave', 'BridgeDestroy'].includes(e.get('Event')!));
  assert.equal(ended, ['BridgeLeave PJSIP/2001', 'Hangup PJSIP/2001 16', 'BridgeLeave PJSIP/2002', 'BridgeDestroy', 'Hangup PJSIP/2002 16']);
  assert.equal(groups(), []);
  const none = await m.action({ Action: 'Hangup', Channel: first.get('Channel')! });
  assert.equal([none.get('Response'), none.get('Message')], ['Error', 'No such channel']);
});

test('Originate refused outright: a Channel that is not an endpoint here', async () => {
  const m = await manager();
  for (const channel of ['PJSIP/2999', 'SIP/2001', 'PJSIP/2001-00000001']) {
    const r = await m.action({ Action: 'Originate', Channel: channel, Context: 'internal', Exten: '2002', Priority: 1, Async: 'true' });
    assert.is(r.get('Response'), 'Error', channel);
    assert.match(r.get('Message')!, channel);
  }
});

test('Originate, the first phone busy (Reason 5), do-not-disturb (5) or out of service (0), a wrong Context (0): no call', async () => {
  const m = await manager();
  sim.control.dial('a', '2001', '2005');
  sim.control.set('a', '2003', { dnd: true });
  sim.control.set('a', '2004', { service: 'out' });
  await m.event('DeviceStateChange', { Device: 'PJSIP/2005', State: 'RINGING' });
  await m.event('DeviceStateChange', { Device: 'PJSIP/2004', State: 'UNAVAILABLE' });
  const cases: [string, string, string][] = [
    ['2001', 'internal', '5'],
    ['2003', 'internal', '5'],
    ['2004', 'internal', '0'],
    ['2006', 'elsewhere', '0'],
  ];
  for (const [ext, context, reason] of cases) {
    const from = m.received.length;
    const r = await m.action({ Action: 'Originate', ActionID: `busy-${ext}`, Channel: `PJSIP/${ext}`, Context: context, Exten: '2002', Priority: 1, Async: 'true' });
    assert.is(r.get('Response'), 'Success');
    const response = await m.event('OriginateResponse', { ActionID: `busy-${ext}` }, from);
    assert.equal([response.get('Response'), response.get('Reason'), response.get('Channel')], ['Failure', reason, `PJSIP/${ext}`], ext);
    assert.not.ok(
      m.events(from).some((e) => e.get('Event') === 'Newchannel'),
      `no channel for ${ext}`,
    );
  }
});

test('Originate, the first phone does not answer within the Timeout: Failure Reason 3, its channel hung up with Cause 19', async () => {
  const m = await manager();
  const from = m.received.length;
  await m.action({ Action: 'Originate', ActionID: 'na', Channel: 'PJSIP/2001', Context: 'internal', Exten: '2002', Priority: 1, Async: 'true', Timeout: 2000 });
  const response = await m.event('OriginateResponse', { ActionID: 'na' }, from);
  assert.equal([response.get('Response'), response.get('Reason')], ['Failure', '3']);
  assert.equal(trace(m, from, (e) => ['DialEnd', 'Hangup', 'OriginateResponse'].includes(e.get('Event')!)), [
    'DialEnd ->PJSIP/2001 NOANSWER',
    'Hangup PJSIP/2001 19',
    'OriginateResponse Failure 3',
  ]);
  await m.event('DeviceStateChange', { Device: 'PJSIP/2001', State: 'NOT_INUSE' }, from);
});

test('the dialled party busy: DialEnd BUSY, then the first channel hung up with Cause 17 (Dial() then Hangup())', async () => {
  const m = await manager();
  sim.control.dial('a', '2002', '2005');
  const from = m.received.length;
  await m.action({ Action: 'Originate', Channel: 'PJSIP/2001', Context: 'internal', Exten: '2002', Priority: 1, Async: 'true' });
  await m.event('DeviceStateChange', { Device: 'PJSIP/2001', State: 'RINGING' }, from);
  sim.control.answer('a', '2001');
  const end = await m.event('DialEnd', { DialStatus: 'BUSY' }, from);
  assert.match(end.get('Channel')!, /^PJSIP\/2001-/);
  assert.match(end.get('DestChannel')!, /^PJSIP\/2002-/);
  const hangup = await m.next((e) => e.get('Event') === 'Hangup' && e.get('Channel') === end.get('Channel'), 'the caller hung up', from);
  assert.equal([hangup.get('Cause'), hangup.get('Cause-txt')], ['17', 'User busy']);
  assert.equal(sim.control.status().calls.filter((c) => c.connections.some((x) => x.device === 'a/2001')), [], 'the call is gone');
});

test('the dialled party does not answer (NOANSWER, Cause 19); an unknown number (CHANUNAVAIL, Cause 1)', async () => {
  const m = await manager();
  sim.control.set('a', '2002', { rings: 2 });
  for (const [exten, status, cause] of [
    ['2002', 'NOANSWER', '19'],
    ['2999', 'CHANUNAVAIL', '1'],
  ] as const) {
    const from = m.received.length;
    await m.action({ Action: 'Originate', Channel: 'PJSIP/2001', Context: 'internal', Exten: exten, Priority: 1, Async: 'true' });
    await m.event('DeviceStateChange', { Device: 'PJSIP/2001', State: 'RINGING' }, from);
    sim.control.answer('a', '2001');
    const end = await m.next((e) => e.get('Event') === 'DialEnd' && e.get('Channel') !== undefined, `DialEnd to ${exten}`, from);
    assert.is(end.get('DialStatus'), status);
    const hangup = await m.next((e) => e.get('Event') === 'Hangup' && e.get('Channel') === end.get('Channel'), 'the caller hung up', from);
    assert.is(hangup.get('Cause'), cause);
    await m.event('DeviceStateChange', { Device: 'PJSIP/2001', State: 'NOT_INUSE' }, from);
  }
});

test('an external number: a trunk channel with the national digits, answered at the other office; talk path across', async () => {
  const m = await manager();
  const b = await manager('b');
  const from = m.received.length;
  await m.action({ Action: 'Originate', Channel: 'PJSIP/2001', Context: 'internal', Exten: '0442223333', Priority: 1, Async: 'true' });
  await m.event('DeviceStateChange', { Device: 'PJSIP/2001', State: 'RINGING' }, from);
  sim.control.answer('a', '2001');
  const begin = await m.next((e) => e.get('Event') === 'DialBegin' && e.get('Channel') !== undefined, 'DialBegin to the trunk', from);
  assert.match(begin.get('DestChannel')!, /^PJSIP\/trunk-[0-9a-f]{8}$/);
  assert.equal([begin.get('DestCallerIDNum'), begin.get('DialString')], ['0442223333', '0442223333@trunk']);
  const incoming = await b.event('DialBegin', { DestCallerIDNum: '2000' });
  assert.match(incoming.get('Channel')!, /^PJSIP\/trunk-/);
  assert.is(incoming.get('CallerIDNum'), '0441234567', "office b sees the caller's external number");
  sim.control.answer('b', '2000');
  await m.event('DialEnd', { DestChannel: begin.get('DestChannel')!, DialStatus: 'ANSWER' }, from);
  await m.event('BridgeEnter', { Channel: begin.get('DestChannel')! }, from);
  assert.equal(groups(), ['a/2001 b/2000']);
  sim.control.hangup('b', '2000');
  await m.event('Hangup', { Channel: begin.get('Channel')!, Cause: '16' }, from);
});

test('ExtensionState, DeviceStateList and CoreShowChannels give the current state', async () => {
  const m = await manager();
  sim.control.set('a', '2004', { service: 'out' });
  sim.control.dial('a', '2001', '2002');
  await m.event('DeviceStateChange', { Device: 'PJSIP/2002', State: 'RINGING' });
  const ringing = await m.action({ Action: 'ExtensionState', Exten: '2002', Context: 'internal' });
  assert.equal([ringing.get('Response'), ringing.get('Hint'), ringing.get('Status'), ringing.get('StatusText')], ['Success', 'PJSIP/2002', '8', 'Ringing']);
  const unknown = await m.action({ Action: 'ExtensionState', Exten: '2999', Context: 'internal' });
  assert.is(unknown.get('Status'), '-1');

  const list = await m.action({ Action: 'DeviceStateList', ActionID: 'dsl' });
  assert.equal([list.get('EventList'), list.get('Message')], ['start', 'Device State Changes will follow']);
  const complete = await m.event('DeviceStateListComplete', { ActionID: 'dsl' });
  const items = m.events().filter((e) => e.get('Event') === 'DeviceStateChange' && e.get('ActionID') === 'dsl');
  assert.is(complete.get('ListItems'), String(items.length));
  const state = (d: string) => items.find((e) => e.get('Device') === d)?.get('State');
  assert.equal([state('PJSIP/2000'), state('PJSIP/2001'), state('PJSIP/2002'), state('PJSIP/2004'), state('PJSIP/7001')], ['NOT_INUSE', 'INUSE', 'RINGING', 'UNAVAILABLE', 'NOT_INUSE']);

  await m.action({ Action: 'CoreShowChannels', ActionID: 'csc' });
  const done = await m.event('CoreShowChannelsComplete', { ActionID: 'csc' });
  const channels = m.events().filter((e) => e.get('Event') === 'CoreShowChannel' && e.get('ActionID') === 'csc');
  assert.is(done.get('ListItems'), '2');
  assert.equal(channels.map((c) => c.get('Channel')!.replace(/-[0-9a-f]{8}$/, '')), ['PJSIP/2001', 'PJSIP/2002']);
  assert.is(channels[0]!.get('Linkedid'), channels[1]!.get('Linkedid'));
  assert.equal([channels[0]!.get('ChannelStateDesc'), channels[0]!.get('Exten'), channels[1]!.get('ConnectedLineNum')], ['Ring', '2002', '2001']);
});

test("a phone's own buttons: dial makes a channel (Ring) and a DialBegin; answer, hangup give the state changes", async () => {
  const m = await manager();
  const from = m.received.length;
  sim.control.dial('a', '2005', '2006');
  await m.event('DeviceStateChange', { Device: 'PJSIP/2006', State: 'RINGING' }, from);
  sim.control.answer('a', '2006');
  await m.event('BridgeEnter', {}, from);
  sim.control.hangup('a', '2006');
  await m.event('DeviceStateChange', { Device: 'PJSIP/2005', State: 'NOT_INUSE' }, from);
  await m.event('DeviceStateChange', { Device: 'PJSIP/2006', State: 'NOT_INUSE' }, from);
  assert.equal(trace(m, from, (e) => e.get('Event') !== 'ExtensionStatus'), [
    'Newchannel PJSIP/2005',
    'DeviceStateChange PJSIP/2005 INUSE',
    'Newchannel PJSIP/2006',
    'DialBegin PJSIP/2005>PJSIP/2006',
    'DeviceStateChange PJSIP/2006 RINGING',
    'Newstate PJSIP/2006 Up',
    'Newstate PJSIP/2005 Up',
    'DialEnd PJSIP/2005>PJSIP/2006 ANSWER',
    'BridgeCreate',
    'BridgeEnter PJSIP/2005',
    'BridgeEnter PJSIP/2006',
    'DeviceStateChange PJSIP/2006 INUSE',
    'BridgeLeave PJSIP/2006',
    'Hangup PJSIP/2006 16',
    'DeviceStateChange PJSIP/2006 NOT_INUSE',
    'BridgeLeave PJSIP/2005',
    'BridgeDestroy',
    'Hangup PJSIP/2005 16',
    'DeviceStateChange PJSIP/2005 NOT_INUSE',
  ]);
  assert.is(m.events(from)[0]!.get('ChannelStateDesc'), 'Ring');
});

test('the caller hangs up while the callee rings: DialEnd CANCEL', async () => {
  const m = await manager();
  const from = m.received.length;
  sim.control.dial('a', '2005', '2006');
  await m.event('DeviceStateChange', { Device: 'PJSIP/2006', State: 'RINGING' }, from);
  sim.control.hangup('a', '2005');
  const end = await m.event('DialEnd', {}, from);
  assert.is(end.get('DialStatus'), 'CANCEL');
  await m.event('DeviceStateChange', { Device: 'PJSIP/2006', State: 'NOT_INUSE' }, from);
});

test('every logged-in session gets every event; a session with Events: off at Login gets none', async () => {
  const one = await manager();
  const two = await manager();
  const quiet = await manager('a', 'off');
  sim.control.dial('a', '2007', '2008');
  await one.event('DeviceStateChange', { Device: 'PJSIP/2008', State: 'RINGING' });
  await two.event('DeviceStateChange', { Device: 'PJSIP/2008', State: 'RINGING' });
  const pong = await quiet.action({ Action: 'Ping' });
  assert.is(pong.get('Ping'), 'Pong');
  assert.equal(quiet.events(), []);
  sim.control.hangup('a', '2007');
});

test('malformed input and an oversize message close that session only; the simulator goes on', async () => {
  const bad = await raw();
  bad.socket.write('this line has no colon\r\n\r\n');
  await bad.closed;
  const big = await raw();
  big.socket.write(`Action: Ping\r\nX: ${'y'.repeat(70_000)}`);
  await big.closed;
  const m = await manager();
  const pong = await m.action({ Action: 'Ping' });
  assert.is(pong.get('Ping'), 'Pong');
});

test('link down drops the AMI sessions and refuses new ones; up accepts again', async () => {
  const m = await manager();
  sim.control.link('a', 'down');
  await m.closed;
  const refused = await AmiTestClient.connect(amiAddress()).then(
    (c) => (c.close(), 'connected'),
    () => 'refused',
  );
  assert.is(refused, 'refused');
  sim.control.link('a', 'up');
  const again = await manager();
  assert.is((await again.action({ Action: 'Ping' })).get('Ping'), 'Pong');
  assert.is(sim.control.status().offices.find((o) => o.id === 'a')!.ami, amiAddress());
});

test('a ChannelId becomes the first channel\'s Uniqueid; reusing a live one is refused', async () => {
  const m = await manager();
  await m.action({ Action: 'Originate', Channel: 'PJSIP/2001', Context: 'internal', Exten: '2002', Priority: 1, Async: 'true', ChannelId: 'ctid-42' });
  const ch = await m.event('Newchannel', { Uniqueid: 'ctid-42' });
  assert.is(ch.get('Linkedid'), 'ctid-42');
  const again = await m.action({ Action: 'Originate', Channel: 'PJSIP/2003', Context: 'internal', Exten: '2002', Priority: 1, Async: 'true', ChannelId: 'ctid-42' });
  assert.equal([again.get('Response'), again.get('Message')], ['Error', 'Uniqueid already in use']);
});

test.run();
