// Join and barge-in over AMI (issue 10): the real ctid driving the
// simulator's AMI face (`switch-sim serve --ami`), with the same CLI, prompts
// and talk paths as over CSTA (join.test.ts, join-barge-in.test.ts). Over
// AMI the call moves into a ConfBridge room (Redirect), the requester is
// rung into it (Originate), and a barge-in's other party waits in ctid's
// hold context. bob owns a/2001, the target; carol (a/2002) asks. A join
// outlives a restart of ctid and a dropped AMI connection.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCti, startSwitchSim, untilCtidLink, type TestSwitchSim } from '../helpers/ctid.js';
import { parseLines, transcript } from '../helpers/cti-json.js';
import { JoinOffice, resultLines } from '../helpers/join-office.js';
import { killAll } from '../helpers/processes.js';

let sim: TestSwitchSim;
let office: JoinOffice;
const o = (): JoinOffice => office;

/** The AMI actions office a's PBX received after the first `since` that change calls: `Redirect CHANNEL -> CONTEXT`, `Originate 2002 -> ctid-rooms`. */
async function amiActions(since: number): Promise<string[]> {
  const words: string[] = [];
  for (const { type, message: m } of (await sim.cli.log('a')).slice(since)) {
    const device = (channel: unknown) => String(channel).replace(/^PJSIP\/(\w+)-.*$/, '$1').replace(/^PJSIP\//, '');
    if (type === 'Redirect') words.push(`Redirect ${[m.Channel, m.ExtraChannel].filter(Boolean).map(device).join(' ')} -> ${String(m.Context)}`);
    else if (type === 'Originate') words.push(`Originate ${device(m.Channel)} -> ${String(m.Context)}`);
    else if (type === 'Hangup') words.push(`Hangup ${device(m.Channel)}`);
  }
  return words;
}

test.before(async () => {
  // Time scale 5: an Originate rings its phone for 30 s of world time (Asterisk's default), 6 s here, time enough to answer on a loaded machine.
  sim = await startSwitchSim({ ami: true, timeScale: 5 });
  office = await JoinOffice.start({ ami: sim });
});

test.after.each(async () => {
  await office.settleAll().catch(() => {});
});

test.after(async () => {
  await killAll();
});

test('target not in a call: join and barge-in fail at once with not-in-call, no prompt', async () => {
  for (const kind of ['join', 'barge-in']) {
    const result = await runCti([kind, '2001', '--from', '2002', '--json'], o().as('carol'));
    assert.is(result.code, 1, `${kind}: ${result.stdout}\n${result.stderr}`);
    const { lines, last } = resultLines(result);
    assert.equal([last.state, last.reason], ['failed', 'not-in-call'], result.stdout);
    assert.not.ok(lines.some((l) => l.state === 'waiting-consent'), `${kind}: no prompt went out`);
  }
});

test('join, accepted: the prompt names the other party; all three talk; the requester hangs up: the call goes on', async () => {
  await o().bobTalksWith('2003');
  const logged = await o().logLength();
  const { cti, id } = await o().carolAsks('join');
  const prompts = await o().prompts('bob');
  assert.equal(prompts.map((p) => [p.id, p.kind, p.extension, p.call]), [[id, 'join', '2001', ['2003']]], JSON.stringify(prompts));

  await o().acceptAndAnswer(cti, id);
  assert.ok(parseLines(cti).some((l) => l.state === 'calling'), transcript(cti));
  assert.equal(await o().people(), ['a/2001 a/2002 a/2003'], 'the three hear each other');
  assert.equal(await amiActions(logged), ['Redirect 2001 2003 -> ctid-rooms', 'Originate 2002 -> ctid-rooms'], 'both parties moved at once, then carol rung into the room');

  await o().phones.hangup('a', '2002');
  await o().untilIdle('2002');
  assert.equal(await o().people(), ['a/2001 a/2003'], 'bob and a/2003 talk on');
  await o().settle('2001', '2003');
});

test('barge-in, accepted: the other party is held, requester and target talk alone; the requester hangs up: the held party comes back', async () => {
  await o().bobTalksWith('2004');
  const logged = await o().logLength();
  const { cti, id } = await o().carolAsks('barge-in');
  await o().acceptAndAnswer(cti, id);
  assert.equal(await o().people(), ['a/2001 a/2002'], 'requester and target talk alone');
  assert.is((await o().states())['2004'], 'held', 'a/2004 waits on hold');
  assert.equal(await amiActions(logged), ['Redirect 2001 2004 -> ctid-rooms', 'Originate 2002 -> ctid-rooms', 'Redirect 2004 -> ctid-hold']);

  await o().heldComesBack('2004');
});

test('barge-in, the target hangs up: the held party is released too', async () => {
  await o().carolBargesIn('2004');
  await o().phones.hangup('a', '2001');
  await o().untilIdle('2001', '2004');
  await o().untilPeople('nobody talks', (g) => g.length === 0);
  await o().settle('2002');
});

test('barge-in, the requester does not answer: exit 1, reason requester-no-answer; nobody held, the call goes on', async () => {
  await o().bargeInUnanswered();
});

test('kill -9 of ctid with a barge-in up, restart: the requester hangs up and the held party comes back', async () => {
  await o().carolBargesIn('2004');
  office = await o().restart();
  assert.equal(await o().people(), ['a/2001 a/2002'], 'the restart changed nothing at the switch');
  await o().heldComesBack('2004');
});

test('the AMI connection drops with a barge-in up and the requester hangs up meanwhile: once ctid is back, the held party comes back', async () => {
  await o().carolBargesIn('2004');
  await sim.cli.link('a', 'down');
  await untilCtidLink(o().ctid.address, (link) => link !== 'up', 'down');
  await o().phones.hangup('a', '2002');
  await o().untilIdle('2002');
  assert.is((await o().states())['2004'], 'held', 'nobody could bring a/2004 back while the link was down');
  await sim.cli.link('a', 'up');
  await o().untilPeople('a/2001 and a/2004 talk again', (g) => g.length === 1 && g[0] === 'a/2001 a/2004');
  await o().settle('2001', '2004');
});

test('SIGTERM: ctid shuts down cleanly', async () => {
  assert.equal(await o().ctid.stop(), { code: 0, signal: null }, o().ctid.process.stderr);
});

test.run();
