// Barge-in (interruptive connection, FIG. 53-54) in one office, with the real
// processes (issue 6, "Tests"; test/helpers/join-office.ts): carol (a/2002)
// breaks into the call of a/2001, which bob owns. The other party is held
// while carol and bob talk alone; when carol hangs up it is retrieved, when
// bob hangs up nobody is left on hold; a requester who does not answer; and
// `cti prompts --watch --json` (open prompts first, then changes) around a
// rejection. Join, no free port, not in a call, prompt timeout: join.test.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resultOf, transcript } from '../helpers/cti-json.js';
import { JoinOffice, type PromptLine } from '../helpers/join-office.js';
import { killAll } from '../helpers/processes.js';

let office: JoinOffice | undefined;
const o = (): JoinOffice => office!;

test.after.each(async () => {
  await office?.settleAll().catch(() => {}); // a failed test leaves nobody off-hook for the next
});

test.after(async () => {
  await killAll();
});

test('ctid starts (voice-board ports 7001-7004, prompts wait 60 s)', async () => {
  office = await JoinOffice.start();
});

test('barge-in, accepted: the other party is held, requester and target talk alone; the requester hangs up: the held party is retrieved', async () => {
  await o().bobTalksWith('2004');
  const logged = await o().logLength();
  const { cti, id } = await o().carolAsks('barge-in');
  const prompts = await o().prompts('bob');
  assert.equal(prompts.map((p) => [p.id, p.kind, p.extension, p.state]), [[id, 'barge-in', '2001', 'open']], JSON.stringify(prompts));
  assert.ok(prompts[0]!.call.some((party) => party.includes('2004')), `the call: ${JSON.stringify(prompts[0]!.call)}`);

  await o().acceptAndAnswer(cti, id);
  assert.equal(await o().people(), ['a/2001 a/2002'], 'requester and target talk alone');
  assert.equal(await o().groups(), ['a/2001 a/2002 a/7001 a/7002'], 'through the bridged ports; a/2004 in no group');
  // FIG. 53: as a join, and the other party's connection held before the ports are bridged.
  assert.equal(await o().cstaActions(logged), ["conference 7001 into 2001's call", 'MakeCall 7002 -> 2002', 'hold 2004', 'bridge 7001 7002']);
  const states = await o().states();
  assert.equal([states['2004'], states['7001'], states['7002']], ['held', 'busy', 'busy'], 'the other party is on hold; two ports in use');

  await o().heldComesBack('2004');
});

test('barge-in, the target hangs up: ports released, the held party released with the call', async () => {
  await o().carolBargesIn('2004');

  await o().phones.hangup('a', '2001');
  await o().untilIdle('2001', '2004'); // nobody is left on hold, nor on a port
  await o().untilPeople('nobody talks', (g) => g.length === 0);
  await o().settle('2002');
});

test('barge-in, the requester does not answer: exit 1, reason requester-no-answer; ports released, nobody held', async () => {
  await o().bargeInUnanswered();
});

test('`cti prompts --watch --json`: the open prompts first, then each new one and its close; barge-in rejected: exit 1', async () => {
  const early = o().startCti(['prompts', '--watch', '--json'], 'bob');
  const other = o().startCti(['prompts', '--watch', '--json'], 'carol');
  await o().bobTalksWith('2004');
  const { cti, id } = await o().carolAsks('barge-in');
  const late = o().startCti(['prompts', '--watch', '--json'], 'bob');

  const mine = (lines: string[]) => lines.map((l) => JSON.parse(l) as PromptLine).filter((p) => p.id === id);
  for (const watch of [early, late]) {
    await watch.waitForLine(new RegExp(`"id":"${id}"`), 20_000);
    assert.equal(
      mine(watch.lines).map((p) => [p.type, p.kind, p.extension, p.state]),
      [['prompt', 'barge-in', '2001', 'open']],
      watch.lines.join('\n'),
    );
  }
  assert.is((await o().answer('reject', id, 'bob')).code, 0);
  for (const watch of [early, late]) {
    await watch.waitForLine(new RegExp(`"id":"${id}".*"state":"rejected"`), 20_000);
    assert.equal(mine(watch.lines).map((p) => p.state), ['open', 'rejected'], watch.lines.join('\n'));
  }
  const result = await resultOf(cti, 1);
  assert.equal([result.state, result.reason], ['failed', 'rejected'], transcript(cti));
  assert.is(await o().phones.lineState('a', '2004'), 'busy', 'the other party was never held');

  // SIGINT ends a watch like every waiting command (exit 130); carol's showed nothing: 2001 is not hers.
  for (const watch of [early, late, other]) {
    watch.kill('SIGINT');
    assert.equal(await watch.exited, { code: 130, signal: null }, `${watch.lines.join('\n')}\n${watch.stderr}`);
  }
  assert.equal(other.lines, [], "carol's watch shows no prompt for bob's extension");
  await o().settle('2001', '2004');
});

test('SIGTERM: ctid shuts down cleanly', async () => {
  const ctid = o().ctid;
  office = undefined;
  assert.equal(await ctid.stop(), { code: 0, signal: null }, ctid.process.stderr);
});

test.run();
