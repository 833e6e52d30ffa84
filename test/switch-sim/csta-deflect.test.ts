// A call waiting at a voice-board port over a real CSTA connection: the port
// alerts with no no-answer limit until the application answers it
// (AnswerCall), deflects it (DeflectCall: the call goes on to another number
// as any diversion does, the caller keeps its connection) or clears it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConnectionId, DeliveredEvent, RouteRequest, SnapshotDeviceResponse } from '../../src/csta/messages.js';
import { eventOf, openApp, type TestApp } from '../helpers/csta-client.js';
import { startTestSim, type TestSim } from '../helpers/world.js';

let sim: TestSim;
const apps: TestApp[] = [];

async function app(office = 'a'): Promise<TestApp> {
  const a = await openApp(sim.csta(office), sim.credentials(office));
  apps.push(a);
  return a;
}

test.before.each(async () => {
  sim = await startTestSim();
});
test.after.each(async () => {
  for (const a of apps.splice(0)) a.close();
  await sim.close();
});

const groups = () => sim.control.paths().paths.map((p) => p.devices.join(' '));

async function states(a: TestApp, ext: string): Promise<string[]> {
  const snap = await a.request<SnapshotDeviceResponse>({ type: 'SnapshotDevice', snapshotObject: ext });
  return snap.calls.map((c) => c.state);
}

/** `caller` dials the port; resolves with the port's alerting connection once its monitor reports it. */
async function ringPort(a: TestApp, portMonitor: string, caller: string, port: string): Promise<ConnectionId> {
  sim.control.dial('a', caller, port);
  const delivered = await a.waitFor<DeliveredEvent>(eventOf('DeliveredEvent', portMonitor, (e) => e.callingDevice === caller && e.localConnectionInfo === 'alerting'));
  return delivered.connection;
}

async function refusal(a: TestApp, callToBeDiverted: ConnectionId, newDestination: string): Promise<[string, string]> {
  const err = await a.request({ type: 'DeflectCall', callToBeDiverted, newDestination }).then(
    () => assert.unreachable('DeflectCall was accepted'),
    (e) => e,
  );
  return [err.category, err.value];
}

test('a port alerts past every station no-answer limit; DeflectCall rings a station, which answers and talks with the caller', async () => {
  const a = await app();
  const mCaller = await a.monitor('2001');
  const mPort = await a.monitor('7001');
  const mDest = await a.monitor('2003');
  const mWitness = await a.monitor('2005');
  const parked = await ringPort(a, mPort, '2001', '7001');

  // A station call started after the port's, ringing the longest limit any station has, gives up first.
  const office = sim.control.status().offices.find((o) => o.id === 'a')!;
  const longest = Math.max(...office.devices.filter((d) => d.kind === 'station').map((d) => d.rings));
  sim.control.set('a', '2005', { rings: longest });
  sim.control.dial('a', '2004', '2005');
  await a.waitFor(eventOf('FailedEvent', mWitness, (e) => e.cause === 'callNotAnswered'));
  assert.equal(await states(a, '7001'), ['alerting'], 'the port still alerts');
  assert.equal(a.eventTypes(mPort), ['DeliveredEvent']);

  const response = await a.request({ type: 'DeflectCall', callToBeDiverted: parked, newDestination: '2003' });
  assert.equal(response, { type: 'DeflectCallResponse' });
  await a.waitFor(eventOf('ConnectionClearedEvent', mPort, (e) => e.droppedConnection.deviceId === '7001' && e.cause === 'redirected' && e.localConnectionInfo === 'null'));
  await a.waitFor(eventOf('DivertedEvent', mPort, (e) => e.divertingDevice === '7001' && e.newDestination === '2003' && e.cause === 'redirected'));
  await a.waitFor(eventOf('DeliveredEvent', mDest, (e) => e.callingDevice === '2001' && e.lastRedirectionDevice === '7001' && e.connection.callId === parked.callId));
  // The caller keeps its connection and hears ringing: no two-party release when the port left.
  assert.equal(a.eventTypes(mCaller), ['ServiceInitiatedEvent', 'OriginatedEvent', 'DeliveredEvent', 'ConnectionClearedEvent', 'DivertedEvent', 'DeliveredEvent']);
  assert.equal(await states(a, '2001'), ['connected']);
  assert.equal(await states(a, '7001'), []);
  assert.equal(sim.control.status().calls.find((c) => c.id === `a/${parked.callId}`)!.connections, [
    { device: 'a/2001', state: 'connected' },
    { device: 'a/2003', state: 'alerting' },
  ]);

  sim.control.answer('a', '2003');
  await a.waitFor(eventOf('EstablishedEvent', mCaller, (e) => e.answeringDevice === '2003' && e.localConnectionInfo === 'connected'));
  assert.equal(groups(), ['a/2001 a/2003']);
  const logged = sim.control.log('a').filter((e) => e.type === 'DeflectCall');
  assert.equal(logged.map((e) => e.message), [{ type: 'DeflectCall', callToBeDiverted: parked, newDestination: '2003' }]);
});

test('AnswerCall on the alerting port connects the caller with the port', async () => {
  const a = await app();
  const mCaller = await a.monitor('2001');
  const mPort = await a.monitor('7001');
  const parked = await ringPort(a, mPort, '2001', '7001');
  assert.equal(await a.request({ type: 'AnswerCall', callToBeAnswered: parked }), { type: 'AnswerCallResponse' });
  await a.waitFor(eventOf('EstablishedEvent', mCaller, (e) => e.answeringDevice === '7001' && e.establishedConnection.callId === parked.callId));
  assert.equal(await states(a, '7001'), ['connected']);
  assert.equal(groups(), ['a/2001 a/7001']);
});

test('DeflectCall is refused on a connected connection, an unknown one, a trunk, and for an undiallable number', async () => {
  const a = await app();
  const mPort = await a.monitor('7001');
  const mPort2 = await a.monitor('7002');
  const answered = await ringPort(a, mPort, '2001', '7001');
  await a.request({ type: 'AnswerCall', callToBeAnswered: answered });
  assert.equal(await refusal(a, answered, '2003'), ['stateIncompatibility', 'invalidConnectionState']);
  assert.equal(await refusal(a, { callId: answered.callId, deviceId: '2001' }, '2003'), ['stateIncompatibility', 'invalidConnectionState'], "the caller's connection");
  assert.equal(groups(), ['a/2001 a/7001'], 'the refused deflects left the call as it was');

  assert.equal(await refusal(a, { callId: '424242', deviceId: '7001' }, '2003'), ['operation', 'invalidCallID']);
  assert.equal(await refusal(a, { callId: answered.callId, deviceId: '2009' }, '2003'), ['operation', 'invalidConnectionID']);

  const ringing = await ringPort(a, mPort2, '2002', '7002');
  assert.equal(await refusal(a, ringing, '20<0>0'), ['operation', 'invalidCalledDevice']);
  assert.equal(await states(a, '7002'), ['alerting'], 'a refused deflect leaves the port alerting');

  // An outgoing call's trunk connection alerts while the far station rings; it is not a device here.
  const mOut = await a.monitor('2004');
  await a.request({ type: 'MakeCall', callingDevice: '2004', calledDirectoryNumber: '0442223333', autoOriginate: 'doNotPrompt' });
  const trunk = await a.waitFor<DeliveredEvent>(eventOf('DeliveredEvent', mOut, (e) => e.connection.deviceId === '0442223333'));
  assert.equal(await refusal(a, trunk.connection, '2003'), ['operation', 'requestIncompatibleWithObject']);
});

test('a deflected call is routed and forwarded like any diversion, and the redirection limit ends a deflect loop', async () => {
  const a = await app();
  const mCaller = await a.monitor('2001');
  const mPort = await a.monitor('7001');
  const mPort2 = await a.monitor('7002');
  await a.request({ type: 'RouteRegister', routingDevice: '2003' });
  await a.request({ type: 'SetForwarding', device: '2004', forwardingType: 'forwardImmediate', forwardDN: '7002', activateForward: true });
  const parked = await ringPort(a, mPort, '2001', '7001');

  // Redirections: 1 the deflect to 2003, 2 its router's choice 2004, 3 2004's forwarding to 7002.
  await a.request({ type: 'DeflectCall', callToBeDiverted: parked, newDestination: '2003' });
  const req = await a.waitFor<RouteRequest>((m) => m.type === 'RouteRequest' && m.currentRoute === '2003');
  assert.equal([req.callingDevice, req.routedCall], ['2001', { callId: parked.callId, deviceId: '2003' }]);
  a.conn.send(a.conn.nextInvokeId(), { type: 'RouteSelect', routeRegisterReqId: req.routeRegisterReqId, crossRefIdentifier: req.crossRefIdentifier, routeSelected: '2004' });
  await a.waitFor(eventOf('DeliveredEvent', mPort2, (e) => e.lastRedirectionDevice === '2004' && e.connection.callId === parked.callId));

  // 4 and 5: deflects between the two ports; the 6th diversion is one too many.
  await a.request({ type: 'DeflectCall', callToBeDiverted: { callId: parked.callId, deviceId: '7002' }, newDestination: '7001' });
  await a.waitFor(eventOf('DeliveredEvent', mPort, (e) => e.lastRedirectionDevice === '7002'));
  await a.request({ type: 'DeflectCall', callToBeDiverted: { callId: parked.callId, deviceId: '7001' }, newDestination: '7002' });
  await a.waitFor(eventOf('DeliveredEvent', mPort2, (e) => e.lastRedirectionDevice === '7001'));
  await a.request({ type: 'DeflectCall', callToBeDiverted: { callId: parked.callId, deviceId: '7002' }, newDestination: '7001' });
  await a.waitFor(eventOf('FailedEvent', mCaller, (e) => e.cause === 'destNotObtainable' && e.failingDevice === '7001'));
  assert.equal(await states(a, '2001'), ['connected'], 'the caller hears the tone until someone clears');
  assert.equal(await states(a, '7001'), []);
  assert.equal(await states(a, '7002'), []);
  assert.equal(sim.control.log('a').filter((e) => e.type === 'DeflectCall').length, 4);
});

test.run();
