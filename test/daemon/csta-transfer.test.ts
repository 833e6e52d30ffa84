// Transfers through the CSTA switch adapter (FIG. 56) against the in-process
// simulator over real TCP: routing a call to voice-board port 1, where it
// waits alerting; connecting it to a destination from port 2
// (connectParked); sending it on when nobody takes it (releaseParked:
// DeflectCall to ring the extension, not routed again; or refused); and a
// RouteSelect the switch refuses. Asserted on what the simulator shows:
// line states, talk paths, the CSTA requests it received. Waits poll under
// a deadline, never a fixed sleep.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConnectParkedOutcome, OfferedCall } from '../../src/daemon/core/ports.js';
import type { CstaLink } from '../../src/daemon/switch/csta/link.js';
import { CstaSwitch } from '../../src/daemon/switch/csta/csta-switch.js';
import { eventually } from '../helpers/eventually.js';
import { linkTo, startTestSim, type TestSim } from '../helpers/world.js';

let sim: TestSim;
let link: CstaLink;
let sw: CstaSwitch;
let logged: { event: string; fields?: Record<string, unknown> }[];

test.before.each(async () => {
  sim = await startTestSim();
  logged = [];
  link = linkTo(sim, 'a');
  sw = new CstaSwitch(link, { logger: (event, fields) => logged.push({ event, ...(fields ? { fields } : {}) }) });
  link.start();
  await until('the link is up', () => link.state === 'up');
  // Ringing long enough to be seen (and answered) on a loaded machine: the world runs 20 times faster.
  for (const ext of ['2001', '2005', '2006']) sim.control.set('a', ext, { rings: 100 });
});

test.after.each(async () => {
  await link.close();
  await sim.close();
});

const PORTS = ['7001', '7002'];
const until = (what: string, done: () => boolean) => eventually(what, async () => done(), Boolean);
const groups = () => sim.control.paths().paths.map((p) => [...p.devices].sort().join(' '));
const lineOf = (ext: string) => sim.control.status().offices.find((o) => o.id === 'a')!.devices.find((d) => d.id === `a/${ext}`)!.state;
const requests = (type: string) => sim.control.log('a').filter((e) => e.type === type);

/** 2001 routed by the test: every call it is offered goes to `where(call)`; resolves once registered. */
async function route(where: (call: OfferedCall) => void): Promise<OfferedCall[]> {
  const offered: OfferedCall[] = [];
  sw.routeCalls('2001', (call) => {
    offered.push(call);
    where(call);
  });
  await until('RouteRegister answered', () => requests('RouteRegister').length === 1);
  return offered;
}

/** 2003 calls 2001, which is routed to port 7001: it waits there, ringing. */
async function parked(): Promise<OfferedCall[]> {
  const offered = await route((call) => call.routeTo('7001'));
  sim.control.dial('a', '2003', '2001');
  await until('port 7001 rings', () => lineOf('7001') === 'ringing');
  assert.is(lineOf('2001'), 'idle');
  return offered;
}

const connect = (destination: string, signal?: AbortSignal): Promise<ConnectParkedOutcome> =>
  sw.connectParked({ extension: '2001', ports: PORTS, destination, ...(signal ? { signal } : {}) });

test('connectParked: port 2 calls the destination; when it answers, port 1 answers and the ports are bridged; followed until the destination hangs up', async () => {
  const offered = await parked();
  assert.equal(
    offered.map((c) => [c.device, c.caller]),
    [['2001', '2003']],
  );
  const outcome = connect('2005');
  await until('2005 rings', () => lineOf('2005') === 'ringing');
  assert.is(lineOf('7001'), 'ringing', 'the caller still waits on port 1');
  sim.control.answer('a', '2005');
  const result = await outcome;
  assert.equal(result, { ok: true, joined: { mode: 'transfer', target: '2001', requester: '2005', ports: PORTS, refs: [] } });
  assert.equal(groups(), ['a/2003 a/2005 a/7001 a/7002'], 'the caller and the destination hear each other through the bridge');

  // A restart between the answer and the record: the runner connects again, and finds the call made.
  assert.equal(await connect('2005'), result, 'connecting again keeps the call');
  assert.equal(groups(), ['a/2003 a/2005 a/7001 a/7002']);

  const ends: string[] = [];
  sw.followJoin(result.ok ? result.joined : (undefined as never), (why) => ends.push(why));
  sim.control.hangup('a', '2005');
  await until('the follower sees the end', () => ends.length === 1);
  assert.equal(ends, ['the destination hung up']);
  await sw.undoJoin(result.ok ? result.joined : (undefined as never));
  await until('everyone idle', () => ['2003', '2005', '7001', '7002'].every((d) => lineOf(d) === 'idle'));
});

test('connectParked to an outside number: port 2 calls out through a trunk, and the caller talks with the public phone', async () => {
  await parked();
  const outcome = connect('0355550100');
  await until('the public phone rings', () => sim.control.status().offices.find((o) => o.id === 'pstn')?.devices.find((d) => d.id === 'pstn/0355550100')?.state === 'ringing');
  sim.control.answer('pstn', '0355550100');
  const result = await outcome;
  assert.is(result.ok, true, JSON.stringify(result));
  await until('2003 hears the public phone', () => groups().some((g) => g.includes('a/2003') && g.includes('pstn/0355550100')));
});

test('connectParked: a busy destination fails with busy and the call stays parked; releaseParked rings 2001 itself, without routing it again', async () => {
  const offered = await parked();
  sim.control.set('a', '2007', { answer: 'auto' });
  sim.control.dial('a', '2005', '2007');
  await until('2005 busy', () => lineOf('2005') === 'busy');

  const busy = await connect('2005');
  assert.equal([busy.ok, !busy.ok && busy.reason], [false, 'busy']);
  assert.is(lineOf('7001'), 'ringing', 'still parked');
  assert.is(lineOf('7002'), 'idle', "port 2's call was cleared");

  assert.is(await sw.releaseParked('7001', { ring: '2001' }), true);
  await until('2001 rings', () => lineOf('2001') === 'ringing');
  assert.is(offered.length, 1, "the deflected call's RouteRequest was answered without asking the router");
  assert.is(lineOf('7001'), 'idle');
  sim.control.answer('a', '2001');
  await until('2003 and 2001 talk', () => groups().includes('a/2001 a/2003'));
});

test('connectParked: the caller hangs up while the destination rings: caller-gone, the ringing stops, the ports are idle', async () => {
  await parked();
  const outcome = connect('2005');
  await until('2005 rings', () => lineOf('2005') === 'ringing');
  sim.control.hangup('a', '2003');
  const result = await outcome;
  assert.equal([result.ok, !result.ok && result.reason], [false, 'caller-gone']);
  await until('2005 and the ports idle', () => ['2005', '7001', '7002'].every((d) => lineOf(d) === 'idle'));
  assert.is(await sw.releaseParked('7001', 'refuse'), false, 'nothing waits on the port');
});

test('connectParked: aborting stops the ringing (cancelled) and leaves the call parked; releaseParked refuse clears the caller', async () => {
  await parked();
  const abort = new AbortController();
  const outcome = connect('2005', abort.signal);
  await until('2005 rings', () => lineOf('2005') === 'ringing');
  abort.abort();
  const result = await outcome;
  assert.equal([result.ok, !result.ok && result.reason], [false, 'cancelled']);
  await until('2005 idle', () => lineOf('2005') === 'idle');
  assert.is(lineOf('7001'), 'ringing');

  assert.is(await sw.releaseParked('7001', 'refuse'), true);
  await until('the caller cleared', () => lineOf('2003') === 'idle' && lineOf('7001') === 'idle');
});

test('a RouteSelect the switch refuses is noticed: the call rings the routed extension at once, and the refusal is logged', async () => {
  const offered = await route((call) => call.routeTo('not-a-number'));
  sim.control.dial('a', '2003', '2001');
  await until('2001 rings', () => lineOf('2001') === 'ringing');
  assert.is(offered.length, 1);
  assert.equal(
    requests('RouteSelect').map((e) => e.message.routeSelected),
    ['not-a-number', '2001'],
  );
  const refusal = logged.find((l) => l.event === 'switch refused the route');
  assert.equal([refusal?.fields?.device, refusal?.fields?.destination], ['2001', 'not-a-number']);
});

test.run();
