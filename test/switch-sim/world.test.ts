// The PBX model on its own, with a clock moved by hand: call states, events,
// timers and talk paths, without sockets. The CSTA tests drive the same
// model over TCP.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../src/common/clock.js';
import type { CstaEventBody } from '../../src/csta/messages.js';
import { Phones } from '../../src/switch-sim/phones.js';
import { RequestLog } from '../../src/switch-sim/request-log.js';
import { World } from '../../src/switch-sim/world.js';
import { defaultWorld } from '../../src/switch-sim/world-file.js';
import type { RouteSink } from '../../src/switch-sim/routing.js';

function setup() {
  const clock = new ManualClock();
  const world = new World(defaultWorld(), clock);
  const phones = new Phones(world, new Map(), new RequestLog(), new Map());
  const events: { office: string; body: CstaEventBody; devices: string[] }[] = [];
  for (const [office, exchange] of world.exchanges) exchange.on('event', (e) => events.push({ office, body: e.body, devices: e.devices }));
  const a = world.exchange('a')!;
  const b = world.exchange('b')!;
  const types = (office: string) => events.filter((e) => e.office === office).map((e) => e.body.type);
  const state = (name: string) => phones.status().offices.flatMap((o) => o.devices).find((d) => d.id === name)!.state;
  const groups = () => phones.paths().paths.map((p) => p.devices.join(' '));
  return { clock, world, phones, events, a, b, types, state, groups };
}

function lastOf<T extends CstaEventBody['type']>(events: { body: CstaEventBody }[], type: T): Extract<CstaEventBody, { type: T }> {
  const found = events.map((e) => e.body).filter((b) => b.type === type);
  assert.ok(found.length > 0, `no ${type}`);
  return found[found.length - 1] as Extract<CstaEventBody, { type: T }>;
}

test('MakeCall rings the calling device first, then the destination; both answer and talk', () => {
  const { a, phones, types, state, groups } = setup();
  const c = a.makeCall('2001', '2000', true);
  assert.equal(c.state, 'initiated');
  assert.equal(state('a/2001'), 'ringing');
  assert.equal(state('a/2000'), 'idle');
  phones.answer('a', '2001');
  assert.equal(state('a/2000'), 'ringing');
  assert.equal(state('a/2001'), 'busy');
  phones.answer('a', '2000');
  assert.equal(types('a'), ['ServiceInitiatedEvent', 'OriginatedEvent', 'DeliveredEvent', 'EstablishedEvent']);
  assert.equal(groups(), ['a/2000 a/2001']);
  phones.hangup('a', '2000');
  assert.equal(state('a/2001'), 'idle');
  assert.equal(groups(), []);
  assert.equal(a.calls.size, 0);
});

test('busy, do-not-disturb, out of service and unknown numbers fail with the CSTA cause', () => {
  const { a, phones, events } = setup();
  a.makeCall('2003', '2004', false);
  phones.answer('a', '2004'); // 2004 now busy
  a.makeCall('2001', '2004', false);
  assert.equal(lastOf(events, 'FailedEvent').cause, 'busy');
  phones.set('a', '2005', { dnd: true });
  a.makeCall('2002', '2005', false);
  assert.equal(lastOf(events, 'FailedEvent').cause, 'doNotDisturb');
  phones.set('a', '2006', { service: 'out' });
  a.makeCall('2007', '2006', false);
  assert.equal(lastOf(events, 'FailedEvent').cause, 'destNotObtainable');
  a.makeCall('2008', '2099', false);
  assert.equal(lastOf(events, 'FailedEvent').cause, 'destNotObtainable');
  a.makeCall('2009', '0312345678', false);
  assert.equal(lastOf(events, 'FailedEvent').cause, 'destNotObtainable');
  assert.equal(lastOf(events, 'NetworkReachedEvent').calledDevice, '0312345678');
});

test('a busy, DND or out-of-service calling device refuses MakeCall', () => {
  const { a, phones } = setup();
  phones.set('a', '2001', { dnd: true });
  assert.throws(() => a.makeCall('2001', '2000', true), /do-not-disturb/);
  assert.throws(() => a.makeCall('2999', '2000', true), (e: { value?: string }) => e.value === 'invalidDeviceID');
  assert.throws(() => a.makeCall('2002', 'abc<x>', true), (e: { value?: string }) => e.value === 'invalidCalledDevice');
});

test('no answer: the destination gives up after its rings; an unanswered prompt clears the call', () => {
  const { a, clock, events, world, state } = setup();
  a.makeCall('2001', '2000', false);
  clock.advance(world.ringMs * 5 - 1);
  assert.equal(state('a/2000'), 'ringing');
  clock.advance(1);
  assert.equal(lastOf(events, 'FailedEvent').cause, 'callNotAnswered');
  assert.equal(state('a/2000'), 'idle');
  assert.equal(state('a/2001'), 'busy', 'the caller hears the tone until someone clears');
  a.makeCall('2002', '2003', true);
  clock.advance(world.ringMs * 5);
  const cleared = lastOf(events, 'ConnectionClearedEvent');
  assert.equal(cleared.cause, 'callNotAnswered');
  assert.equal(state('a/2002'), 'idle');
  assert.equal(state('a/2003'), 'idle', 'the destination was never called');
});

test('auto-answer phones pick up after one ring', () => {
  const { a, clock, world, phones, groups } = setup();
  phones.set('a', '2000', { answer: 'auto' });
  a.makeCall('2001', '2000', false);
  clock.advance(world.ringMs);
  assert.equal(groups(), ['a/2000 a/2001']);
});

test('a call across the public network: each PBX reports its own leg', () => {
  const { a, b, phones, types, groups, state } = setup();
  a.makeCall('2001', '044-222-3333', false);
  assert.equal(state('b/2000'), 'ringing');
  assert.equal(types('a'), ['ServiceInitiatedEvent', 'OriginatedEvent', 'NetworkReachedEvent', 'DeliveredEvent']);
  assert.equal(types('b'), ['DeliveredEvent']);
  const bCall = [...b.calls.values()][0]!;
  assert.equal(bCall.callingDevice, '0441234567', 'b sees a/2001 by its external number');
  phones.answer('b', '2000');
  assert.equal(groups(), ['a/2001 b/2000']);
  assert.equal(types('a').at(-1), 'EstablishedEvent');
  phones.hangup('b', '2000');
  assert.equal(a.calls.size + b.calls.size, 0, 'clearing one leg releases the other');
  assert.equal(state('a/2001'), 'idle');
});

test('calls reach the public phone 4c and come back from it', () => {
  const { a, phones, groups, state } = setup();
  a.makeCall('2001', '03-5555-0100', false);
  assert.equal(state('pstn/0355550100'), 'ringing');
  phones.answer('pstn', '0355550100');
  assert.equal(groups(), ['a/2001 pstn/0355550100']);
  phones.hangup('a', '2001');
  phones.dial('pstn', '0355550100', '0441234567');
  assert.equal(state('a/2001'), 'ringing');
  phones.answer('a', '2001');
  assert.equal(groups(), ['a/2001 pstn/0355550100']);
});

test('busy far end: the caller sees busy on its trunk connection', () => {
  const { a, b, phones, events } = setup();
  b.makeCall('2000', '2001', false);
  phones.answer('b', '2001');
  a.makeCall('2001', '044-222-3333', false);
  const failed = lastOf(events.filter((e) => e.office === 'a'), 'FailedEvent');
  assert.equal(failed.cause, 'busy');
  assert.equal(failed.failedConnection.deviceId, '0442223333');
  assert.equal(b.calls.size, 1, 'b keeps only its own call');
});

test('hold isolates the held party; retrieve brings it back', () => {
  const { a, phones, groups, state } = setup();
  const c = a.makeCall('2001', '2000', false);
  phones.answer('a', '2000');
  a.hold(c, 'other');
  assert.equal(groups(), []);
  assert.equal(state('a/2001'), 'held');
  a.retrieve(c);
  assert.equal(groups(), ['a/2000 a/2001']);
  phones.hold('a', '2000');
  assert.equal(state('a/2000'), 'busy', 'a phone that pressed hold itself is busy (holding another party)');
  assert.equal(state('a/2001'), 'held', 'and its party is held');
  phones.retrieve('a', '2000');
  assert.equal(groups(), ['a/2000 a/2001']);
});

test('single-step conference of a port, a second call from another port, and a bridge: all hear each other', () => {
  const { a, phones, groups, world } = setup();
  const c = a.makeCall('2001', '2000', false);
  phones.answer('a', '2000');
  a.singleStepConference(c, '7001', 'active');
  assert.equal(groups(), ['a/2000 a/2001 a/7001']);
  a.makeCall('7002', '2005', true);
  phones.answer('a', '2005');
  assert.equal(groups(), ['a/2000 a/2001 a/7001', 'a/2005 a/7002']);
  world.voiceBoard.run(a, { op: 'bridge', ports: ['7001', '7002'] });
  assert.equal(groups(), ['a/2000 a/2001 a/2005 a/7001 a/7002']);
  world.voiceBoard.run(a, { op: 'play', port: '7002', message: 'greeting' });
  assert.equal(
    world.voiceBoard.media.map((m) => m.device).sort(),
    ['a/2000', 'a/2001', 'a/2005'],
  );
  phones.hangup('a', '2005');
  assert.equal(groups(), ['a/2000 a/2001 a/7001']);
});

test('routing: the router is asked first; select sends the call elsewhere; timeout offers it to the device', () => {
  const { a, clock, world, state, events } = setup();
  const asked: string[] = [];
  const ended: (string | undefined)[] = [];
  const sink: RouteSink = {
    request: (r) => asked.push(r.crossRefIdentifier),
    end: (e) => ended.push(e.errorValue),
  };
  const reg = a.routing.register('2000', sink);
  a.makeCall('2001', '2000', false);
  assert.equal(asked.length, 1);
  assert.equal(state('a/2000'), 'idle', 'not offered while the router decides');
  a.routing.select(reg, asked[0]!, '7001', sink);
  assert.equal(state('a/7001'), 'ringing');
  assert.equal(lastOf(events, 'DivertedEvent').newDestination, '7001');
  assert.equal(ended, [undefined]);
  a.makeCall('2002', '2000', false);
  clock.advance(world.routeTimeoutMs);
  assert.equal(state('a/2000'), 'ringing', 'default treatment after the route timeout');
  assert.equal(ended, [undefined, 'timeout']);
});

test('the model leaves no timers behind once calls end', () => {
  const { a, clock, phones } = setup();
  a.makeCall('2001', '044-222-3333', true);
  phones.answer('a', '2001');
  phones.hangup('a', '2001');
  assert.equal(clock.pending, 0);
});

test.run();
