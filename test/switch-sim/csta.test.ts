// The simulator through a real CSTA XML client over TCP: sessions, every
// service of csta-link.md, the events each side sees, and error responses.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { CstaConnection } from '../../src/csta/connection.js';
import { encodeFrame } from '../../src/csta/framing.js';
import type { ConnectionId, CstaMessage, MakeCallResponse, SnapshotDeviceResponse } from '../../src/csta/messages.js';
import { eventOf, openApp, type TestApp } from '../helpers/csta-client.js';
import { eventually } from '../helpers/eventually.js';
import { startTestSim, testWorld, type TestSim } from '../helpers/world.js';

let sim: TestSim;
const apps: TestApp[] = [];

async function app(office = 'a', options: { answerHeartbeat?: boolean } = {}): Promise<TestApp> {
  const a = await openApp(sim.csta(office), sim.credentials(office), options);
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

/** Writes raw bytes on an app's socket, bypassing its codec. */
function rawWrite(a: TestApp, bytes: Buffer): void {
  a.socket.write(bytes);
}

const groups = () => sim.control.paths().paths.map((p) => p.devices.join(' '));

test('MakeCall: the calling device rings first, then the destination; each monitor sees its side', async () => {
  const a = await app();
  const m2001 = await a.monitor('2001');
  const m2000 = await a.monitor('2000');
  const made = await a.request<MakeCallResponse>({ type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '2000' });
  assert.equal(made.callingDevice.deviceId, '2001');
  await a.waitFor(eventOf('ServiceInitiatedEvent', m2001, (e) => e.localConnectionInfo === 'initiated'));
  sim.control.answer('a', '2001');
  await a.waitFor(eventOf('DeliveredEvent', m2000, (e) => e.localConnectionInfo === 'alerting' && e.callingDevice === '2001'));
  sim.control.answer('a', '2000');
  await a.waitFor(eventOf('EstablishedEvent', m2000, (e) => e.answeringDevice === '2000' && e.localConnectionInfo === 'connected'));
  assert.equal(a.eventTypes(m2001), ['ServiceInitiatedEvent', 'OriginatedEvent', 'DeliveredEvent', 'EstablishedEvent']);
  assert.equal(a.eventTypes(m2000), ['DeliveredEvent', 'EstablishedEvent'], 'the destination sees only its own part');
  assert.equal(groups(), ['a/2000 a/2001']);
  await a.request({ type: 'ClearConnection', connectionToBeCleared: made.callingDevice });
  await a.waitFor(eventOf('ConnectionClearedEvent', m2000, (e) => e.droppedConnection.deviceId === '2000'));
  assert.equal(groups(), []);
});

test('doNotPrompt connects the calling device at once', async () => {
  const a = await app();
  const m = await a.monitor('2001');
  await a.request({ type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '2000', autoOriginate: 'doNotPrompt' });
  await a.waitFor(eventOf('DeliveredEvent', m));
  assert.equal(a.eventTypes(m), ['ServiceInitiatedEvent', 'OriginatedEvent', 'DeliveredEvent']);
});

test('busy and do-not-disturb destinations fail with their cause; a busy calling device is refused', async () => {
  const a = await app();
  const m = await a.monitor('2001');
  sim.control.dial('a', '2000', '2005');
  await a.request({ type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '2000', autoOriginate: 'doNotPrompt' });
  await a.waitFor(eventOf('FailedEvent', m, (e) => e.cause === 'busy' && e.failedConnection.deviceId === '2000'));
  sim.control.hangup('a', '2001');
  sim.control.set('a', '2003', { dnd: true });
  await a.request({ type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '2003', autoOriginate: 'doNotPrompt' });
  await a.waitFor(eventOf('FailedEvent', m, (e) => e.cause === 'doNotDisturb'));
  const refused = await a.request({ type: 'MakeCall', callingDevice: '2000', calledDirectoryNumber: '2004' }).catch((e) => e);
  assert.equal([refused.category, refused.value], ['stateIncompatibility', 'invalidDeviceState']);
});

test('no answer: the destination rings its configured number of rings, then FailedEvent callNotAnswered', async () => {
  const a = await app();
  sim.control.set('a', '2000', { rings: 2 });
  const m = await a.monitor('2000');
  const started = Date.now();
  await a.request({ type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '2000', autoOriginate: 'doNotPrompt' });
  await a.waitFor(eventOf('FailedEvent', m, (e) => e.cause === 'callNotAnswered'));
  const worldMs = (Date.now() - started) * 20;
  assert.ok(worldMs >= 2 * sim.world.ringMs * 0.9, `gave up after ${worldMs} ms of world time`);
  assert.equal(sim.control.status().offices[0]!.devices.find((d) => d.id === 'a/2000')!.state, 'idle');
});

test('a call across the public network: a sees NetworkReached then its trunk ringing; b sees the incoming leg', async () => {
  const a = await app('a');
  const b = await app('b');
  const ma = await a.monitor('2001');
  const mb = await b.monitor('2000');
  await a.request({ type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '0442223333', autoOriginate: 'doNotPrompt' });
  await b.waitFor(eventOf('DeliveredEvent', mb, (e) => e.callingDevice === '0441234567'));
  await a.waitFor(eventOf('DeliveredEvent', ma, (e) => e.connection.deviceId === '0442223333'));
  sim.control.answer('b', '2000');
  await a.waitFor(eventOf('EstablishedEvent', ma));
  assert.equal(a.eventTypes(ma), ['ServiceInitiatedEvent', 'OriginatedEvent', 'NetworkReachedEvent', 'DeliveredEvent', 'EstablishedEvent']);
  assert.equal(groups(), ['a/2001 b/2000']);
  sim.control.hangup('b', '2000');
  await a.waitFor(eventOf('ConnectionClearedEvent', ma, (e) => e.droppedConnection.deviceId === '2001'));
});

test('monitor stop ends the events; an unknown monitor is an error', async () => {
  const a = await app();
  const m = await a.monitor('2000');
  await a.request({ type: 'MonitorStop', monitorCrossRefId: m });
  const marker = await a.monitor('2001');
  sim.control.dial('a', '2001', '2000');
  await a.waitFor(eventOf('DeliveredEvent', marker));
  assert.equal(a.eventTypes(m), []);
  const err = await a.request({ type: 'MonitorStop', monitorCrossRefId: m }).catch((e) => e);
  assert.equal(err.value, 'invalidCrossRefID');
});

test('snapshot reports the calls at a device and their states', async () => {
  const a = await app();
  const idle = await a.request<SnapshotDeviceResponse>({ type: 'SnapshotDevice', snapshotObject: '2000' });
  assert.equal(idle.calls, []);
  sim.control.dial('a', '2001', '2000');
  const ringing = await a.request<SnapshotDeviceResponse>({ type: 'SnapshotDevice', snapshotObject: '2000' });
  assert.equal(ringing.calls.map((c) => c.state), ['alerting']);
  const caller = await a.request<SnapshotDeviceResponse>({ type: 'SnapshotDevice', snapshotObject: '2001' });
  assert.equal(caller.calls.map((c) => c.state), ['connected']);
});

test('hold and retrieve: the held party leaves the talk path and comes back', async () => {
  const a = await app();
  const m = await a.monitor('2000');
  sim.control.dial('a', '2001', '2000');
  sim.control.answer('a', '2000');
  const [call] = sim.control.status().calls;
  const conn: ConnectionId = { callId: call!.id.split('/')[1]!, deviceId: '2001' };
  await a.request({ type: 'HoldCall', callToBeHeld: conn });
  await a.waitFor(eventOf('HeldEvent', m, (e) => e.heldConnection.deviceId === '2001'));
  assert.equal(groups(), []);
  assert.equal(sim.control.status().offices[0]!.devices.find((d) => d.id === 'a/2001')!.state, 'held');
  await a.request({ type: 'RetrieveCall', callToBeRetrieved: conn });
  await a.waitFor(eventOf('RetrievedEvent', m));
  assert.equal(groups(), ['a/2000 a/2001']);
});

test('single-step conference and a voice-board bridge: three phones hear each other through two ports', async () => {
  const a = await app();
  const m = await a.monitor('2000');
  sim.control.dial('a', '2001', '2000');
  sim.control.answer('a', '2000');
  const callId = sim.control.status().calls[0]!.id.split('/')[1]!;
  await a.request({ type: 'SingleStepConferenceCall', activeCall: { callId, deviceId: '2000' }, deviceToJoin: '7001' });
  await a.waitFor(eventOf('ConferencedEvent', m, (e) => e.addedParty === '7001' && e.conferenceConnections.length === 3));
  const port2 = await a.request<MakeCallResponse>({ type: 'MakeCall', callingDevice: '7002', calledDirectoryNumber: '2005' });
  sim.control.answer('a', '2005');
  await a.request({ type: 'Escape', command: { op: 'bridge', ports: ['7001', '7002'] } });
  assert.equal(groups(), ['a/2000 a/2001 a/2005 a/7001 a/7002']);
  await a.request({ type: 'Escape', command: { op: 'play', port: '7002', message: 'welcome' } });
  await a.request({ type: 'Escape', command: { op: 'fax', device: '2900', document: 'invoice.pdf' } });
  const media = sim.control.status().media.map((r) => `${r.kind} ${r.name} ${r.device}`).sort();
  assert.equal(media, ['fax invoice.pdf a/2900', 'voice welcome a/2000', 'voice welcome a/2001', 'voice welcome a/2005']);
  await a.request({ type: 'ClearConnection', connectionToBeCleared: port2.callingDevice });
  assert.equal(groups(), ['a/2000 a/2001 a/7001']);
  const err = await a.request({ type: 'Escape', command: { op: 'bridge', ports: ['7003', '7004'] } }).catch((e) => e);
  assert.equal(err.value, 'invalidDeviceState', 'idle ports cannot be bridged');
});

test('routing: RouteRequest before the call is offered, RouteSelect diverts it, RouteEnd closes the dialogue', async () => {
  const a = await app();
  const reg = await a.request<{ type: 'RouteRegisterResponse'; routeRegisterReqId: string }>({ type: 'RouteRegister', routingDevice: '2000' });
  const m = await a.monitor('7001');
  sim.control.dial('a', '2001', '2000');
  const req = await a.waitFor<Extract<CstaMessage, { type: 'RouteRequest' }>>((x) => x.type === 'RouteRequest');
  assert.equal([req.currentRoute, req.callingDevice, req.routeRegisterReqId], ['2000', '2001', reg.routeRegisterReqId]);
  a.conn.send(a.conn.nextInvokeId(), { type: 'RouteSelect', routeRegisterReqId: req.routeRegisterReqId, crossRefIdentifier: req.crossRefIdentifier, routeSelected: '7001' });
  await a.waitFor(eventOf('DeliveredEvent', m, (e) => e.lastRedirectionDevice === '2000'));
  await a.waitFor((x) => x.type === 'RouteEnd' && x.crossRefIdentifier === req.crossRefIdentifier && x.errorValue === undefined);
  assert.equal(sim.control.status().offices[0]!.devices.find((d) => d.id === 'a/2000')!.state, 'idle');
});

test('routing: no RouteSelect within the route timeout offers the call to the station itself', async () => {
  const a = await app();
  await a.request({ type: 'RouteRegister', routingDevice: '2000' });
  const m = await a.monitor('2000');
  sim.control.dial('a', '2001', '2000');
  await a.waitFor((x) => x.type === 'RouteEnd' && x.errorValue === 'timeout');
  await a.waitFor(eventOf('DeliveredEvent', m));
});

test('routing: a second application cannot take over a routing device; closing the first frees it', async () => {
  const first = await app();
  const second = await app();
  await first.request({ type: 'RouteRegister', routingDevice: '2000' });
  const err = await second.request({ type: 'RouteRegister', routingDevice: '2000' }).catch((e) => e);
  assert.equal(err.category, 'operation');
  first.close();
  // The switch notices the closed connection a moment later: try until it has.
  await eventually(
    'the routing device to be free',
    () => second.request({ type: 'RouteRegister', routingDevice: '2000' }).then(() => 'registered', (e: Error) => e.message),
    (r) => r === 'registered',
  );
});

test('several applications at once each get the events of their own monitors', async () => {
  const one = await app();
  const two = await app();
  const m1 = await one.monitor('2000');
  const m2 = await two.monitor('2000');
  assert.is.not(m1, m2);
  sim.control.dial('a', '2001', '2000');
  await one.waitFor(eventOf('DeliveredEvent', m1));
  await two.waitFor(eventOf('DeliveredEvent', m2));
});

test('error responses: unknown device, unknown call, bad number', async () => {
  const a = await app();
  const e1 = await a.request({ type: 'MonitorStart', monitorObject: '9999' }).catch((e) => e);
  assert.equal([e1.category, e1.value], ['operation', 'invalidDeviceID']);
  const e2 = await a.request({ type: 'ClearConnection', connectionToBeCleared: { callId: '424242', deviceId: '2000' } }).catch((e) => e);
  assert.equal(e2.value, 'invalidCallID');
  const e3 = await a.request({ type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '20<0>0' }).catch((e) => e);
  assert.equal(e3.value, 'invalidCalledDevice');
  const e4 = await a.request({ type: 'AnswerCall', callToBeAnswered: { callId: '1', deviceId: '2000' } }).catch((e) => e);
  assert.ok(e4.category, 'answering a call that does not exist is refused');
});

test('a known message with a bad field is refused; an unknown message closes that connection only', async () => {
  const a = await app();
  const other = await app();
  const ns = 'http://www.ecma-international.org/standards/ecma-323/csta/ed5';
  a.conn.on('unreadable', () => undefined);
  const refused = a.waitFor((m) => m.type === 'CSTAErrorCode');
  rawWrite(a, encodeFrame(41, `<MakeCall xmlns="${ns}"><callingDevice>2001</callingDevice></MakeCall>`));
  assert.equal((await refused).type, 'CSTAErrorCode');
  await a.request({ type: 'SnapshotDevice', snapshotObject: '2000' });
  rawWrite(a, encodeFrame(42, `<TeleportCall xmlns="${ns}"><to>mars</to></TeleportCall>`));
  await new Promise((r) => a.conn.once('close', r));
  await other.request({ type: 'SnapshotDevice', snapshotObject: '2000' });
});

test('a session needs the link credentials; nothing is served before the session', async () => {
  const address = sim.csta('a');
  const socket = connect({ host: '127.0.0.1', port: Number(address.split(':')[1]) });
  await new Promise((r) => socket.once('connect', r));
  const conn = new CstaConnection(socket);
  const early = await conn.request({ type: 'MonitorStart', monitorObject: '2000' }).catch((e) => e);
  assert.equal(early.category, 'security');
  const refused = await conn.request({ type: 'StartApplicationSession', applicationId: 'x', user: 'ctid-a', password: 'wrong', protocolVersions: [] });
  assert.equal(refused.type, 'StartApplicationSessionNegResponse');
  await new Promise((r) => conn.once('close', r));
});

test('heartbeat: an application that stops answering SystemStatus is dropped after two misses', async () => {
  await sim.close();
  sim = await startTestSim({ world: testWorld((w) => (w.heartbeatMs = 200)), timeScale: 1 });
  const quiet = await app('a', { answerHeartbeat: false });
  const polite = await app('a');
  await new Promise((r) => quiet.conn.once('close', r));
  const statuses = quiet.frames.filter((f) => f.message.type === 'SystemStatus');
  assert.ok(statuses.length >= 2, 'the switch asked at least twice');
  await polite.request({ type: 'SnapshotDevice', snapshotObject: '2000' });
  assert.ok(polite.frames.some((f) => f.message.type === 'SystemStatus'), 'the other session got heartbeats and stays up');
});

test('link down drops the sessions and refuses new ones; up accepts again', async () => {
  const a = await app();
  sim.control.link('a', 'down');
  await new Promise((r) => a.conn.once('close', r));
  const refused = await openApp(sim.csta('a'), sim.credentials('a')).then(
    () => 'opened',
    () => 'refused',
  );
  assert.equal(refused, 'refused');
  sim.control.link('a', 'up');
  const again = await app();
  await again.request({ type: 'SnapshotDevice', snapshotObject: '2000' });
});

test('the request log lists what each PBX received, in order, without passwords', async () => {
  const a = await app();
  await a.request({ type: 'MakeCall', callingDevice: '2001', calledDirectoryNumber: '2000' });
  const log = sim.control.log('a');
  assert.equal(log.map((e) => e.type), ['StartApplicationSession', 'MakeCall']);
  assert.equal(log[0]!.message.password, '***');
  assert.equal(sim.control.log('b'), []);
});

test.run();
