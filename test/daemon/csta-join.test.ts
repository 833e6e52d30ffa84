// Join and barge-in through the CSTA switch adapter (FIG. 47, 53) against the
// in-process simulator over real TCP: who talks with whom after each step
// (the simulator's talk paths), what is left when a join fails or is undone,
// and how a join is followed until it comes apart. Waits poll under a
// deadline, never a fixed sleep; every test closes what it opened.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JoinedCall, JoinMode, JoinOptions, JoinOutcome } from '../../src/daemon/core/ports.js';
import type { CstaLink } from '../../src/daemon/switch/csta/link.js';
import { CstaSwitch } from '../../src/daemon/switch/csta/csta-switch.js';
import { heldRef } from '../../src/daemon/switch/csta/join-refs.js';
import { eventually } from '../helpers/eventually.js';
import { linkTo, startTestSim, type TestSim } from '../helpers/world.js';

let sim: TestSim;
let link: CstaLink;
let sw: CstaSwitch;

test.before.each(async () => {
  sim = await startTestSim();
  link = linkTo(sim, 'a');
  sw = new CstaSwitch(link);
  link.start();
  await until('the link is up', () => link.state === 'up');
});

test.after.each(async () => {
  await link.close();
  await sim.close();
});

const PORTS = ['7001', '7002'];
const until = (what: string, done: () => boolean) => eventually(what, async () => done(), Boolean);
const groups = () => sim.control.paths().paths.map((p) => p.devices.join(' '));
const lineOf = (office: string, ext: string) => sim.control.status().offices.find((o) => o.id === office)!.devices.find((d) => d.id === `${office}/${ext}`)!.state;
const requests = (type: string) => sim.control.log('a').filter((e) => e.type === type);
const portsIdle = () => PORTS.every((p) => lineOf('a', p) === 'idle');
/** The id the switch gives the call `device` is in (`a/12` -> `12`). */
const callOf = (device: string) => sim.control.status().calls.find((c) => c.connections.some((x) => x.device === device))!.id.split('/')[1]!;

/** Two stations of office a talking. */
async function talking(caller: string, callee: string): Promise<void> {
  sim.control.dial('a', caller, callee);
  sim.control.answer('a', callee);
  await until(`${caller} and ${callee} talk`, () => groups().includes(`a/${caller} a/${callee}`));
}

interface Started {
  outcome: Promise<JoinOutcome>;
  rung: string[];
  /** What persist was called with, and how many HoldCalls the switch had seen by then. */
  persisted: { joined: JoinedCall; holdsBefore: number }[];
}

function join(mode: JoinMode, target: string, requester: string, extra: Partial<JoinOptions> = {}): Started {
  const rung: string[] = [];
  const persisted: Started['persisted'] = [];
  const outcome = sw.joinCall({
    mode,
    target,
    requester,
    ports: PORTS,
    persist: async (joined) => void persisted.push({ joined, holdsBefore: requests('HoldCall').length }),
    onRinging: (device) => rung.push(device),
    ...extra,
  });
  return { outcome, rung, persisted };
}

/** Answers the requester when it rings; resolves with the join. */
async function answered(started: Started, office: string, ext: string, number = ext): Promise<JoinedCall> {
  await until(`${number} rings`, () => started.rung.includes(number));
  sim.control.answer(office, ext);
  const outcome = await started.outcome;
  if (!outcome.ok) throw new Error(`the join failed: ${outcome.reason} (${outcome.detail})`);
  return outcome.joined;
}

const reasonOf = async (outcome: Promise<JoinOutcome>) => {
  const o = await outcome;
  return o.ok ? 'ok' : o.reason;
};

/** Follows a join, recording why it ended. */
function follow(joined: JoinedCall): { ends: string[]; stop: () => void } {
  const ends: string[] = [];
  return { ends, stop: sw.followJoin(joined, (why) => ends.push(why)) };
}

// ---------------------------------------------------------------- activeCall

test('activeCall: the other parties of the call a device talks in; none when idle or unknown', async () => {
  await talking('2000', '2001');
  assert.equal(await sw.activeCall('2000'), { parties: ['2001'] });
  assert.is(await sw.activeCall('2002'), undefined);
  assert.is(await sw.activeCall('2999'), undefined, 'a device the switch does not know is in no call');
  sim.control.dial('a', '2003', '03-5555-0100');
  sim.control.answer('pstn', '03-5555-0100');
  await until('2003 talks with the external phone', () => groups().includes('a/2003 pstn/0355550100'));
  assert.equal(await sw.activeCall('2003'), { parties: ['0355550100'] }, 'a trunk party by its number');
});

test('activeCall: ringing is not talking; rejects while the link is down, and a join fails at once', async () => {
  sim.control.dial('a', '2000', '2001');
  assert.is(await sw.activeCall('2001'), undefined);
  sim.control.link('a', 'down');
  await until('the link is down', () => link.state !== 'up');
  const err = await sw.activeCall('2000').then(() => undefined, (e: Error) => e);
  assert.match(String(err), /link/);
  const started = join('join', '2000', '2002');
  assert.is(await reasonOf(started.outcome), 'switch-unavailable');
  assert.equal(started.persisted, []);
  sim.control.link('a', 'up');
  await until('the link is back', () => link.state === 'up');
});

test('SnapshotCall: a call the switch does not know is refused with invalidCallID', async () => {
  const err = (await link.request({ type: 'SnapshotCall', snapshotObject: { callId: '999', deviceId: '2000' } }).catch((e) => e)) as { value?: string };
  assert.is(err.value, 'invalidCallID');
});

// ---------------------------------------------------------------- join and barge-in that come about

test('join: port 1 joins the call, port 2 rings the requester, the bridge makes all three talk', async () => {
  await talking('2000', '2001');
  const started = join('join', '2000', '2002');
  const joined = await answered(started, 'a', '2002');
  assert.equal(joined, { mode: 'join', target: '2000', requester: '2002', ports: PORTS, refs: [] });
  assert.equal(groups(), ['a/2000 a/2001 a/2002 a/7001 a/7002']);
  assert.equal(started.rung, ['2002'], 'the port is never reported as ringing');
  assert.equal(
    started.persisted.map((p) => p.joined.refs),
    [[]],
    'recorded once before anything was done at the switch',
  );
  assert.is(requests('HoldCall').length, 0);
  assert.equal(requests('SingleStepConferenceCall').map((e) => [e.message.deviceToJoin, e.message.participationType]), [['7001', 'active']]);
});

test('barge-in: the other party is held (recorded first), the requester and the target talk alone', async () => {
  await talking('2000', '2001');
  const call = callOf('a/2001');
  const started = join('barge-in', '2000', '2002');
  const joined = await answered(started, 'a', '2002');
  const ref = heldRef({ callId: call, deviceId: '2001' });
  assert.equal(joined.refs, [ref]);
  assert.equal(groups(), ['a/2000 a/2002 a/7001 a/7002']);
  assert.is(lineOf('a', '2001'), 'held');
  assert.equal(
    started.persisted.map((p) => [p.joined.refs, p.holdsBefore]),
    [
      [[], 0],
      [[ref], 0],
    ],
    'the held connection is on record before the HoldCall',
  );
});

test('barge-in on a call with an external party: its trunk connection is held the same way', async () => {
  sim.control.dial('pstn', '03-5555-0100', '044-123-4000');
  sim.control.answer('a', '2000');
  await until('2000 talks with the external phone', () => groups().includes('a/2000 pstn/0355550100'));
  const joined = await answered(join('barge-in', '2000', '2002'), 'a', '2002');
  assert.equal(groups(), ['a/2000 a/2002 a/7001 a/7002']);
  assert.is(joined.refs.length, 1);
  await sw.undoJoin(joined);
  await until('the external party talks with 2000 again', () => groups().join() === 'a/2000 pstn/0355550100');
  assert.ok(portsIdle());
});

test('join with a requester in another office, reached through the public network by its national digits', async () => {
  await talking('2000', '2001');
  const joined = await answered(join('join', '2000', '0442223005'), 'b', '2005', '0442223005');
  assert.equal(groups(), ['a/2000 a/2001 a/7001 a/7002 b/2005']);
  await sw.undoJoin(joined);
  await until('b/2005 is free', () => lineOf('b', '2005') === 'idle');
  assert.equal(groups(), ['a/2000 a/2001']);
});

// ---------------------------------------------------------------- following and undoing

test('barge-in: the requester hangs up -> followJoin ends; undo retrieves the held party and frees the ports', async () => {
  await talking('2000', '2001');
  const joined = await answered(join('barge-in', '2000', '2002'), 'a', '2002');
  const f = follow(joined);
  sim.control.hangup('a', '2002');
  await until('the follower notices', () => f.ends.length > 0);
  assert.equal(f.ends, ['the requester hung up']);
  await sw.undoJoin(joined);
  assert.equal(groups(), ['a/2000 a/2001']);
  assert.ok(portsIdle());
  f.stop();
  f.stop();
});

test('join: the target hangs up -> followJoin ends; undo leaves nobody in a call', async () => {
  await talking('2000', '2001');
  const joined = await answered(join('join', '2000', '2002'), 'a', '2002');
  const f = follow(joined);
  sim.control.hangup('a', '2000');
  await until('the follower notices', () => f.ends.length > 0);
  assert.equal(f.ends, ['the target hung up']);
  await sw.undoJoin(joined);
  assert.equal(sim.control.status().calls, []);
});

test('join: the last other party hangs up -> followJoin ends; barge-in holds on when its held party hangs up', async () => {
  await talking('2000', '2001');
  const joined = await answered(join('join', '2000', '2002'), 'a', '2002');
  const f = follow(joined);
  sim.control.hangup('a', '2001');
  await until('the follower notices', () => f.ends.length > 0);
  assert.equal(f.ends, ['the other party hung up']);
  await sw.undoJoin(joined);
  assert.equal(sim.control.status().calls, []);

  await talking('2000', '2001');
  const barged = await answered(join('barge-in', '2000', '2003'), 'a', '2003');
  const g = follow(barged);
  sim.control.hangup('a', '2001');
  await until('2001 is gone', () => lineOf('a', '2001') === 'idle');
  sim.control.hangup('a', '2003'); // the next change the follower looks at
  await until('the follower notices', () => g.ends.length > 0);
  assert.equal(g.ends, ['the requester hung up'], 'the held party leaving did not end the barge-in');
  await sw.undoJoin(barged);
});

test('followJoin across a link outage: a hang-up while the link is down is noticed once it is back', async () => {
  await talking('2000', '2001');
  const joined = await answered(join('barge-in', '2000', '2002'), 'a', '2002');
  const f = follow(joined);
  await until('the port monitors run', () => requests('MonitorStart').filter((e) => PORTS.includes(e.message.monitorObject as string)).length >= 2);
  sim.control.link('a', 'down');
  await until('the link is down', () => link.state !== 'up');
  sim.control.hangup('a', '2002');
  const undone = sw.undoJoin(joined); // waits for the link
  sim.control.link('a', 'up');
  await until('the follower notices', () => f.ends.length > 0);
  assert.equal(f.ends, ['the requester hung up']);
  await undone;
  assert.equal(groups(), ['a/2000 a/2001']);
  assert.ok(portsIdle());
});

test('undoJoin is idempotent: a second undo finds nothing to do', async () => {
  await talking('2000', '2001');
  const joined = await answered(join('barge-in', '2000', '2002'), 'a', '2002');
  await sw.undoJoin(joined);
  assert.equal(groups(), ['a/2000 a/2001']);
  const changes = () => ['ClearConnection', 'RetrieveCall', 'HoldCall'].map((t) => requests(t).length);
  const before = changes();
  await sw.undoJoin(joined);
  assert.equal(changes(), before);
  assert.equal(groups(), ['a/2000 a/2001']);
});

// ---------------------------------------------------------------- joins that do not come about

test('not in a call: nothing is recorded or done', async () => {
  const started = join('join', '2000', '2002');
  assert.is(await reasonOf(started.outcome), 'not-in-call');
  assert.equal(started.persisted, []);
  assert.is(requests('SingleStepConferenceCall').length, 0);
});

test('the requester does not answer, or is busy: everything is undone', async () => {
  await talking('2000', '2001');
  sim.control.set('a', '2002', { rings: 1 });
  assert.is(await reasonOf(join('barge-in', '2000', '2002').outcome), 'requester-no-answer');
  assert.equal(groups(), ['a/2000 a/2001'], 'nobody left on hold');
  assert.ok(portsIdle());
  assert.is(lineOf('a', '2002'), 'idle');

  sim.control.dial('a', '2003', '2004');
  await until('2003 is busy', () => lineOf('a', '2003') === 'busy');
  assert.is(await reasonOf(join('barge-in', '2000', '2003').outcome), 'requester-busy');
  assert.equal(groups(), ['a/2000 a/2001']);
  assert.ok(portsIdle());
});

test('an invalid requester number', async () => {
  await talking('2000', '2001');
  assert.is(await reasonOf(join('join', '2000', '0399999999').outcome), 'invalid-number');
  assert.equal(groups(), ['a/2000 a/2001']);
  assert.ok(portsIdle());
});

test('cancelled while the requester rings: the ringing stops and the ports are free', async () => {
  await talking('2000', '2001');
  const abort = new AbortController();
  const started = join('barge-in', '2000', '2002', { signal: abort.signal });
  await until('2002 rings', () => started.rung.includes('2002'));
  abort.abort();
  assert.is(await reasonOf(started.outcome), 'cancelled');
  assert.is(lineOf('a', '2002'), 'idle');
  assert.ok(portsIdle());
  assert.equal(groups(), ['a/2000 a/2001']);
  assert.is(await reasonOf(join('join', '2000', '2002', { signal: abort.signal }).outcome), 'cancelled', 'an aborted signal does nothing');
});

test("the target's call ends while the requester rings: call-ended, and the requester stops ringing", async () => {
  await talking('2000', '2001');
  const started = join('join', '2000', '2002');
  await until('2002 rings', () => started.rung.includes('2002'));
  sim.control.hangup('a', '2000');
  assert.is(await reasonOf(started.outcome), 'call-ended');
  assert.is(lineOf('a', '2002'), 'idle');
  assert.ok(portsIdle());
  assert.equal(sim.control.status().calls, []);
});

test('persist fails: nothing is done at the switch', async () => {
  await talking('2000', '2001');
  const failing = join('join', '2000', '2002', { persist: () => Promise.reject(new Error('disk full')) });
  const outcome = await failing.outcome;
  assert.equal(outcome.ok ? 'ok' : [outcome.reason, outcome.detail], ['switch-unavailable', 'the join could not be recorded: disk full']);
  assert.is(requests('SingleStepConferenceCall').length, 0);
});

test.run();
