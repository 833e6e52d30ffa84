// The CSTA switch adapter against the in-process simulator over real TCP (no
// mocks): placing calls and their outcomes, watching lines, and the link's
// session, heartbeat and reconnection. Waits poll for states under a
// deadline, never a fixed sleep; every test closes what it opened.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { WorldConfig } from '../../src/switch-sim/world-file.js';
import type { CallOutcome, LineState, LinkState, PlaceCallOptions } from '../../src/daemon/core/ports.js';
import { CstaLink, type CstaLinkOptions } from '../../src/daemon/switch/csta/link.js';
import { LineTracker } from '../../src/daemon/switch/csta/line-state.js';
import { CstaSwitch } from '../../src/daemon/switch/csta/csta-switch.js';
import { eventually } from '../helpers/eventually.js';
import { startTestSim, testWorld, type TestSim } from '../helpers/world.js';

let sim: TestSim;
let link: CstaLink;
let sw: CstaSwitch;
let logs: string[] = [];

async function open(world?: WorldConfig, timeScale?: number, linkOptions: Partial<CstaLinkOptions> = {}): Promise<void> {
  sim = await startTestSim({ ...(world ? { world } : {}), ...(timeScale ? { timeScale } : {}) });
  const address = sim.csta('a');
  link = new CstaLink({
    host: address.slice(0, address.lastIndexOf(':')),
    port: Number(address.slice(address.lastIndexOf(':') + 1)),
    ...sim.credentials('a'),
    clock: sim.world.clock, // the simulator's time line: its session durations and heartbeat are on it
    heartbeatMs: sim.world.config.heartbeatMs,
    requestTimeoutMs: 100_000,
    backoff: { initialMs: 200, maxMs: 2_000 },
    logger: (event, fields) => logs.push(`${event} ${JSON.stringify(fields ?? {})}`),
    ...linkOptions,
  });
  sw = new CstaSwitch(link);
  link.start();
  await until('the link is up', () => link.state === 'up');
}

async function close(): Promise<void> {
  await link.close();
  await sim.close();
  logs = [];
}

test.before.each(() => open());
test.after.each(() => close());

const until = (what: string, done: () => boolean) => eventually(what, async () => done(), Boolean);
const groups = () => sim.control.paths().paths.map((p) => p.devices.join(' '));
const lineOf = (ext: string) => sim.control.status().offices.find((o) => o.id === 'a')!.devices.find((d) => d.id === `a/${ext}`)!.state;
const requests = (type: string) => sim.control.log('a').filter((e) => e.type === type);
const nobodyInACall = () => until('every call is gone', () => sim.control.status().calls.length === 0);

/** Places a call, recording who rang. */
function place(options: Omit<PlaceCallOptions, 'onRinging'>): { rung: string[]; outcome: Promise<CallOutcome> } {
  const rung: string[] = [];
  return { rung, outcome: sw.placeCall({ ...options, onRinging: (d) => rung.push(d) }) };
}

async function answerWhenRinging(rung: string[], office: string, device: string): Promise<void> {
  await until(`${device} rings`, () => rung.includes(device));
  sim.control.answer(office, device);
}

function watch(device: string): { states: LineState[]; stop: () => void; state: () => LineState | undefined } {
  const states: LineState[] = [];
  const w = sw.watchLine(device, (s) => states.push(s));
  return { states, stop: () => w.stop(), state: () => w.state };
}

const failure = (reason: string) => ({ ok: false, reason });
const reasonOf = async (outcome: Promise<CallOutcome>) => {
  const o = await outcome;
  return o.ok ? { ok: true } : failure(o.reason);
};

// ---------------------------------------------------------------- placeCall

test('placeCall destination first: the destination answers, then the requester; both talk', async () => {
  const call = place({ first: '2000', second: '2001', destination: 'first' });
  await answerWhenRinging(call.rung, 'a', '2000');
  await answerWhenRinging(call.rung, 'a', '2001');
  assert.equal(await call.outcome, { ok: true });
  assert.equal(call.rung, ['2000', '2001']);
  assert.equal(groups(), ['a/2000 a/2001']);
  assert.equal(requests('MakeCall').map((e) => [e.message.callingDevice, e.message.calledDirectoryNumber, e.message.autoOriginate]), [['2000', '2001', 'prompt']]);
  sim.control.hangup('a', '2001');
  await until('the monitor on 2000 stops once the call is over', () => requests('MonitorStop').length === 1);
});

test('placeCall requester first', async () => {
  const call = place({ first: '2001', second: '2000', destination: 'second' });
  await answerWhenRinging(call.rung, 'a', '2001');
  await answerWhenRinging(call.rung, 'a', '2000');
  assert.equal(await call.outcome, { ok: true });
  assert.equal(groups(), ['a/2000 a/2001']);
});

test('busy destination: refused at once when it is rung first, FailedEvent busy when second; nobody left in a call', async () => {
  sim.control.dial('a', '2000', '2005');
  assert.equal(await reasonOf(sw.placeCall({ first: '2000', second: '2001', destination: 'first' })), failure('busy'));
  assert.equal(await reasonOf(sw.placeCall({ first: '2000', second: '2001', destination: 'second' })), failure('requester-busy'));
  const call = place({ first: '2001', second: '2000', destination: 'second' });
  await answerWhenRinging(call.rung, 'a', '2001');
  assert.equal(await reasonOf(call.outcome), failure('busy'));
  assert.is(lineOf('2001'), 'idle', 'the requester no longer hears the busy tone');
  sim.control.set('a', '2003', { dnd: true });
  const dnd = place({ first: '2001', second: '2003', destination: 'second' });
  await answerWhenRinging(dnd.rung, 'a', '2001');
  assert.equal(await reasonOf(dnd.outcome), failure('busy'));
});

test('destination no-answer: it rings past its limit', async () => {
  sim.control.set('a', '2000', { rings: 1 });
  const call = place({ first: '2001', second: '2000', destination: 'second' });
  await answerWhenRinging(call.rung, 'a', '2001');
  assert.equal(await reasonOf(call.outcome), failure('no-answer'));
  assert.equal(call.rung, ['2001', '2000']);
  await nobodyInACall();
  const prompted = place({ first: '2000', second: '2001', destination: 'first' });
  assert.equal(await reasonOf(prompted.outcome), failure('no-answer'), 'the destination rung first did not answer the prompt');
});

test('requester no-answer: the recall is not answered, first or second', async () => {
  sim.control.set('a', '2001', { rings: 1 });
  assert.equal(await reasonOf(sw.placeCall({ first: '2001', second: '2000', destination: 'second' })), failure('requester-no-answer'));
  await nobodyInACall();
  const call = place({ first: '2000', second: '2001', destination: 'first' });
  await answerWhenRinging(call.rung, 'a', '2000');
  assert.equal(await reasonOf(call.outcome), failure('requester-no-answer'));
  await nobodyInACall();
});

test('invalid numbers: not dialable, no such extension, no such external number', async () => {
  assert.equal(await reasonOf(sw.placeCall({ first: '2001', second: '20<0>0', destination: 'second' })), failure('invalid-number'));
  assert.equal(await reasonOf(sw.placeCall({ first: '2999', second: '2000', destination: 'first' })), failure('invalid-number'));
  for (const number of ['2999', '0399999999']) {
    const call = place({ first: '2001', second: number, destination: 'second' });
    await answerWhenRinging(call.rung, 'a', '2001');
    assert.equal(await reasonOf(call.outcome), failure('invalid-number'), number);
    await nobodyInACall();
  }
});

test('cancel: aborting clears the call; an aborted signal places nothing', async () => {
  const abort = new AbortController();
  const call = place({ first: '2001', second: '2000', destination: 'second', signal: abort.signal });
  await answerWhenRinging(call.rung, 'a', '2001');
  await until('2000 rings', () => call.rung.includes('2000'));
  abort.abort();
  assert.equal(await reasonOf(call.outcome), failure('cancelled'));
  await nobodyInACall();
  assert.is(lineOf('2000'), 'idle');
  const before = requests('MakeCall').length;
  assert.equal(await reasonOf(sw.placeCall({ first: '2001', second: '2000', destination: 'second', signal: abort.signal })), failure('cancelled'));
  assert.is(requests('MakeCall').length, before);
});

test('external second: the trunk connection answering is success', async () => {
  const call = place({ first: '2001', second: '03-5555-0100', destination: 'second' });
  await answerWhenRinging(call.rung, 'a', '2001');
  await until('the external number rings', () => call.rung.includes('03-5555-0100'));
  sim.control.answer('pstn', '03-5555-0100');
  assert.equal(await call.outcome, { ok: true });
  assert.equal(groups(), ['a/2001 pstn/0355550100']);
});

test('link down mid-call: outcome unknown at once; while down, calls and requests fail fast', async () => {
  const call = place({ first: '2001', second: '2000', destination: 'second' });
  await until('2001 rings', () => call.rung.includes('2001'));
  const inFlight = link.request({ type: 'SnapshotDevice', snapshotObject: '2000' }).catch((e: Error) => e);
  sim.control.link('a', 'down'); // before the switch reads the request
  assert.equal(await reasonOf(call.outcome), failure('unknown'), 'the call may go on at the switch: its outcome is unknown');
  // The switch may or may not have answered before the drop (the in-process switch reads on its own
  // schedule); if it did not, the request must reject with the transition, never hang.
  const settled = await inFlight;
  if (settled instanceof Error) assert.match(String(settled), /switch link went down/, `a request in flight rejects with the transition: ${String(settled)}`);
  assert.is.not(link.state, 'up');
  assert.equal(await reasonOf(sw.placeCall({ first: '2001', second: '2000', destination: 'second' })), failure('switch-unavailable'));
  const err = await link.request({ type: 'SnapshotDevice', snapshotObject: '2000' }).catch((e: Error) => e);
  assert.match(String(err), /switch link is down/);
  sim.control.link('a', 'up');
  await until('the link is back', () => link.state === 'up');
});

// ---------------------------------------------------------------- watchLine

test('watchLine: idle, ringing, busy, idle', async () => {
  const w = watch('2000');
  await until('the first state', () => w.states.length === 1);
  sim.control.dial('a', '2001', '2000');
  await until('ringing', () => w.states.at(-1) === 'ringing');
  sim.control.answer('a', '2000');
  await until('busy', () => w.states.at(-1) === 'busy');
  sim.control.hangup('a', '2001');
  await until('idle', () => w.states.at(-1) === 'idle');
  assert.equal(w.states, ['idle', 'ringing', 'busy', 'idle']);
  assert.is(w.state(), 'idle');
  w.stop();
});

test('watchLine: several watchers share one monitor; a newcomer hears the current state; the last stop ends it', async () => {
  const one = watch('2000');
  sim.control.dial('a', '2001', '2000');
  await until('ringing', () => one.states.at(-1) === 'ringing');
  const two = watch('2000');
  await until('the newcomer hears the state', () => two.states.length === 1);
  assert.equal(two.states, ['ringing']);
  assert.is(requests('MonitorStart').length, 1);
  one.stop();
  two.stop();
  await until('MonitorStop', () => requests('MonitorStop').length === 1);
});

test('watchLine: held when its party is put on hold, busy when retrieved', async () => {
  const w = watch('2001');
  sim.control.dial('a', '2001', '2000');
  sim.control.answer('a', '2000');
  await until('busy', () => w.states.at(-1) === 'busy');
  const callId = sim.control.status().calls[0]!.id.split('/')[1]!;
  await link.request({ type: 'HoldCall', callToBeHeld: { callId, deviceId: '2001' } });
  await until('held', () => w.states.at(-1) === 'held');
  await link.request({ type: 'RetrieveCall', callToBeRetrieved: { callId, deviceId: '2001' } });
  await until('busy again', () => w.states.at(-1) === 'busy');
  w.stop();
});

test('watchLine: out of service and back', async () => {
  const w = watch('2003');
  await until('idle', () => w.states.at(-1) === 'idle');
  sim.control.set('a', '2003', { service: 'out' });
  await until('out of service', () => w.states.at(-1) === 'out-of-service');
  sim.control.set('a', '2003', { service: 'in' });
  await until('idle again', () => w.states.at(-1) === 'idle');
  const unknown = watch('2999');
  await until('an unknown extension reads out of service', () => unknown.states.at(-1) === 'out-of-service');
  w.stop();
  unknown.stop();
});

test('watchLine across a link outage: the line freed while down is reported after the resync', async () => {
  const w = watch('2000');
  sim.control.dial('a', '2001', '2000');
  sim.control.answer('a', '2000');
  await until('busy', () => w.states.at(-1) === 'busy');
  sim.control.link('a', 'down');
  await until('the link is down', () => link.state !== 'up');
  sim.control.hangup('a', '2001');
  assert.is(w.state(), 'busy', 'while down the last state stays');
  sim.control.link('a', 'up');
  await until('idle after the resync', () => w.states.at(-1) === 'idle');
  assert.equal(w.states, ['busy', 'idle']);
  assert.is(requests('MonitorStart').length, 2, 'the monitor was started again in the new session');
  assert.ok(requests('SnapshotDevice').length >= 2);
  w.stop();
});

// ---------------------------------------------------------------- the link

test('link: reconnects with backoff after link down/up, and every transition is logged', async () => {
  const states: LinkState[] = [];
  const off = sw.onLinkState((s) => states.push(s));
  sim.control.link('a', 'down');
  await until('a failed re-dial', () => states.filter((s) => s === 'connecting').length >= 2);
  sim.control.link('a', 'up');
  await until('up again', () => link.state === 'up');
  off();
  assert.equal(states.slice(0, 3), ['down', 'connecting', 'down']);
  assert.is(states.at(-1), 'up');
  assert.is(requests('StartApplicationSession').length, 2);
  assert.ok(logs.some((l) => l.startsWith('switch link redial scheduled')));
  assert.ok(logs.filter((l) => l.startsWith('switch link down')).length >= 2);
});

test('link: close is graceful, bounded and idempotent', async () => {
  await Promise.all([link.close(), link.close()]);
  assert.is(link.state, 'down');
  assert.is(requests('StopApplicationSession').length, 1);
  await until('the session is gone', () => sim.control.status().offices.find((o) => o.id === 'a')!.sessions === 0);
  link.start();
  assert.is(link.state, 'down', 'a closed link stays closed');
});

test('link: close while the link is down ends the re-dialling at once', async () => {
  sim.control.link('a', 'down');
  await until('down', () => link.state === 'down');
  await link.close();
  const dials = logs.filter((l) => l.startsWith('switch link connecting')).length;
  sim.control.link('a', 'up');
  const start = sim.world.clock.now();
  await until('several backoff periods', () => sim.world.clock.now() - start > 5_000);
  assert.is(logs.filter((l) => l.startsWith('switch link connecting')).length, dials);
  assert.is(link.state, 'down');
});

test('link: keeps the session open past its duration with ResetApplicationSessionTimer', async () => {
  await close();
  await open(testWorld((w) => (w.maxSessionDurationS = 10)), 10); // a 1 s session in real time
  const start = sim.world.clock.now();
  await until('three session durations', () => sim.world.clock.now() - start > 30_000);
  assert.is(link.state, 'up');
  assert.is(requests('StartApplicationSession').length, 1, logs.join('\n'));
  assert.ok(requests('ResetApplicationSessionTimer').length >= 7, 'every third of the granted 10 s');
});

test('link: answers SystemStatus and stays up over several heartbeat periods', async () => {
  await close();
  await open(testWorld((w) => (w.heartbeatMs = 200)), 1);
  const start = sim.world.clock.now();
  await until('six heartbeat periods', () => sim.world.clock.now() - start > 1_200);
  assert.is(link.state, 'up');
  assert.is(requests('StartApplicationSession').length, 1, `the switch never dropped the session for missed heartbeats\n${logs.join('\n')}`);
});

test('link: down when the switch sends no SystemStatus for two periods, then re-dials', async () => {
  await close();
  // The switch beats every 10 minutes; the link expects every 2 s: to it, the beats stop.
  await open(testWorld((w) => (w.heartbeatMs = 600_000)), undefined, { heartbeatMs: 2_000 });
  await until('a new session', () => requests('StartApplicationSession').length >= 2);
  assert.ok(logs.some((l) => l.startsWith('switch link down') && l.includes('no SystemStatus')));
});

// ---------------------------------------------------------------- LineTracker alone: a switch without localConnectionInfo

const conn = (callId: string, deviceId: string) => ({ callId, deviceId });

test("LineTracker: events naming the device's own connection, without localConnectionInfo", () => {
  const t = new LineTracker('2000');
  t.apply({ type: 'DeliveredEvent', monitorCrossRefId: 'm', connection: conn('1', '2000'), alertingDevice: '2000', callingDevice: '2001', calledDevice: '2000' });
  assert.is(t.state, 'ringing');
  t.apply({ type: 'DeliveredEvent', monitorCrossRefId: 'm', connection: conn('2', '2000'), alertingDevice: '2000', callingDevice: '2002', calledDevice: '2000' });
  t.apply({ type: 'EstablishedEvent', monitorCrossRefId: 'm', establishedConnection: conn('1', '2000'), answeringDevice: '2000', callingDevice: '2001', calledDevice: '2000' });
  assert.is(t.state, 'busy', 'talking outranks a second call alerting');
  t.apply({ type: 'ConnectionClearedEvent', monitorCrossRefId: 'm', droppedConnection: conn('1', '2000'), releasingDevice: '2001' });
  assert.is(t.state, 'ringing');
  t.apply({ type: 'FailedEvent', monitorCrossRefId: 'm', failedConnection: conn('2', '2000'), failingDevice: '2000', callingDevice: '2002', calledDevice: '2000', cause: 'callNotAnswered' });
  assert.is(t.state, 'idle');
  t.apply({ type: 'EstablishedEvent', monitorCrossRefId: 'm', establishedConnection: conn('3', '0355550100'), answeringDevice: '0355550100', callingDevice: '2000', calledDevice: '0355550100' });
  assert.is(t.state, 'idle', "another connection's event says nothing of ours");
});

test('LineTracker: a conference merging two calls, a snapshot replacing what events told', () => {
  const t = new LineTracker('2000');
  t.resync([
    { connection: conn('1', '2000'), state: 'hold' },
    { connection: conn('2', '2000'), state: 'connected' },
  ]);
  assert.is(t.state, 'busy');
  t.apply({ type: 'ConferencedEvent', monitorCrossRefId: 'm', primaryOldCall: conn('1', '2000'), secondaryOldCall: conn('2', '2000'), conferencingDevice: '2000', addedParty: '2002', conferenceConnections: [conn('9', '2000'), conn('9', '2001'), conn('9', '2002')] });
  t.apply({ type: 'ConnectionClearedEvent', monitorCrossRefId: 'm', droppedConnection: conn('9', '2000'), releasingDevice: '2000' });
  assert.is(t.state, 'idle', 'nothing of the old calls is left behind');
  t.resync([{ connection: conn('4', '2000'), state: 'hold' }]);
  assert.is(t.state, 'held');
  t.apply({ type: 'OutOfServiceEvent', monitorCrossRefId: 'm', device: '2000' });
  assert.is(t.state, 'out-of-service');
});

test.run();
