// Join (additional connection, FIG. 44-52) in one office, with the real
// processes (issue 6, "Tests"; test/helpers/join-office.ts): carol (a/2002)
// asks to join the call of a/2001, which bob owns. The prompt, its answer
// (exit 4 for someone else's prompt), the talk paths of all three, the
// undoing when the requester or the target hangs up, no free port, a target
// not in a call, and the prompt timeout (join and barge-in alike). Barge-in:
// join-barge-in.test.ts.
//
// This ctid has three voice-board ports (7001-7003): a join holds two, so a
// second one finds no free port. Its prompts wait 60 s (real time); the
// prompt-timeout test starts a ctid whose prompts wait 2 s.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCti } from '../helpers/ctid.js';
import { parseLines, resultOf, transcript } from '../helpers/cti-json.js';
import { JoinOffice, jsonLines, resultLines, type PromptLine } from '../helpers/join-office.js';
import { killAll } from '../helpers/processes.js';

let office: JoinOffice | undefined;
const o = (): JoinOffice => office!;

test.after.each(async () => {
  await office?.settleAll().catch(() => {}); // a failed test leaves nobody off-hook for the next
});

test.after(async () => {
  await killAll();
});

test('ctid starts (voice-board ports 7001-7003, prompts wait 60 s)', async () => {
  office = await JoinOffice.start({ ports: ['7001', '7002', '7003'] });
});

test('target not in a call: join and barge-in fail at once with not-in-call, no prompt', async () => {
  for (const kind of ['join', 'barge-in']) {
    const result = await runCti([kind, '2001', '--from', '2002', '--json'], o().as('carol'));
    assert.is(result.code, 1, `${kind}: ${result.stdout}\n${result.stderr}`);
    const { lines, last } = resultLines(result);
    assert.equal([last.type, last.state, last.reason], ['result', 'failed', 'not-in-call'], result.stdout);
    assert.ok(last.message, 'the message says it in words');
    assert.not.ok(lines.some((l) => l.state === 'waiting-consent'), `${kind}: no prompt went out`);
  }
  assert.equal(await o().prompts('bob'), [], 'bob has no prompt');
});

test('join, accepted: the prompt says who asks and for which call; all three talk; the requester hangs up: ports released, the call goes on', async () => {
  await o().bobTalksWith('2003');
  const logged = await o().logLength();
  const { cti, id } = await o().carolAsks('join');

  const prompts = await o().prompts('bob');
  assert.is(prompts.length, 1, JSON.stringify(prompts));
  const p = prompts[0]!;
  assert.equal([p.type, p.id, p.kind, p.extension, p.state, p.options], ['prompt', id, 'join', '2001', 'open', ['accept', 'reject']], JSON.stringify(p));
  assert.match(p.from, /Carol/, `who asks (--as): ${p.from}`);
  assert.match(p.from, /2002/, `from which extension: ${p.from}`);
  assert.ok(p.call.some((party) => party.includes('2003')), `the call: ${JSON.stringify(p.call)}`);
  const expires = Date.parse(p.expires);
  assert.ok(expires > Date.now() && expires <= Date.now() + 61_000, `expires ${p.expires}`);
  assert.equal(await o().prompts('carol'), [], "carol sees no prompt for bob's extension");
  assert.equal((await o().prompts('boss')).map((x) => x.id), [id], 'an admin sees every prompt of its office');

  await o().acceptAndAnswer(cti, id);
  assert.ok(parseLines(cti).some((l) => l.state === 'calling'), transcript(cti));
  assert.equal(await o().people(), ['a/2001 a/2002 a/2003'], 'the target, its other party and the requester hear each other');
  assert.equal(await o().groups(), ['a/2001 a/2002 a/2003 a/7001 a/7002'], 'one group, through the bridged ports');
  // FIG. 47: port 1 conferenced into the target's call, the requester rung from port 2, the ports bridged.
  assert.equal(await o().cstaActions(logged), ["conference 7001 into 2001's call", 'MakeCall 7002 -> 2002', 'bridge 7001 7002']);
  const states = await o().states();
  assert.equal([states['7001'], states['7002'], states['7003']], ['busy', 'busy', 'idle'], 'the join holds two ports');
  assert.equal(await o().prompts('bob'), [], 'the prompt is closed');

  await o().phones.hangup('a', '2002');
  await o().untilIdle('2002');
  assert.equal(await o().people(), ['a/2001 a/2003'], 'bob and a/2003 talk on');
  await o().settle('2001', '2003');
});

test('no free port: while a join holds two of the three ports, join and barge-in fail at once; the target hangs up: ports released', async () => {
  await o().bobTalksWith('2003');
  const { cti, id } = await o().carolAsks('join');
  await o().acceptAndAnswer(cti, id);

  for (const kind of ['join', 'barge-in']) {
    const result = await runCti([kind, '2001', '--from', '2006', '--json'], o().as('boss'));
    assert.is(result.code, 1, `${kind}: ${result.stdout}\n${result.stderr}`);
    const { lines, last } = resultLines(result);
    assert.equal([last.type, last.state, last.reason], ['result', 'failed', 'no-free-port'], result.stdout);
    assert.not.ok(lines.some((l) => l.state === 'waiting-consent'), `${kind}: no prompt went out`);
  }
  assert.equal(await o().prompts('bob'), [], 'no prompt for bob');

  // bob, the target, hangs up: the join is undone, nobody is left on a port.
  await o().phones.hangup('a', '2001');
  await o().untilIdle('2001');
  await o().untilPeople('nobody talks', (g) => g.length === 0);
  await o().settle('2002', '2003');

  // The ports went back to the pool: a new join gets as far as the prompt.
  await o().bobTalksWith('2003');
  const again = await o().carolAsks('join');
  assert.is((await o().answer('reject', again.id, 'bob')).code, 0);
  assert.is((await resultOf(again.cti, 1)).reason, 'rejected');
  await o().settle('2001', '2003');
});

test("join, rejected: exit 1, reason rejected; answering a prompt for someone else's extension: exit 4", async () => {
  await o().bobTalksWith('2003');
  const { cti, id } = await o().carolAsks('join');

  // carol owns 2002, not 2001: she may not answer the prompt of her own request.
  for (const verb of ['accept', 'reject'] as const) {
    const refused = await o().answer(verb, id, 'carol');
    assert.is(refused.code, 4, `carol ${verb}: ${refused.stdout}\n${refused.stderr}`);
    assert.match(refused.stderr, /not yours|not-allowed/, 'it says why');
  }
  assert.equal((await o().prompts('bob')).map((p) => [p.id, p.state]), [[id, 'open']], 'the prompt is still open');

  const rejected = await o().answer('reject', id, 'bob');
  assert.is(rejected.code, 0, rejected.stderr);
  assert.is(jsonLines<PromptLine>(rejected.stdout)[0]?.state, 'rejected', rejected.stdout);
  const result = await resultOf(cti, 1);
  assert.equal([result.state, result.reason], ['failed', 'rejected'], transcript(cti));
  assert.ok(result.message, 'the message says it in words');
  assert.not.ok(parseLines(cti).some((l) => l.state === 'calling'), 'carol was never rung');

  // A prompt is answered once; an unknown prompt id is a reason of the request (exit 1).
  assert.is((await o().answer('accept', id, 'bob')).code, 1, 'a closed prompt cannot be accepted');
  assert.is((await o().answer('accept', 'a-0123456789abcdef', 'bob')).code, 1, 'an unknown prompt');
  const states = await o().states();
  assert.equal([states['7001'], states['7002'], states['7003'], states['2002']], ['idle', 'idle', 'idle', 'idle'], 'no port was borrowed, carol never rang');
  assert.equal(await o().people(), ['a/2001 a/2003'], "bob's call goes on, untouched");
  await o().settle('2001', '2003');
});

test('SIGTERM: ctid shuts down cleanly', async () => {
  const ctid = o().ctid;
  office = undefined;
  assert.equal(await ctid.stop(), { code: 0, signal: null }, ctid.process.stderr);
});

test('prompt timeout (prompts wait 2 s): a join and a barge-in nobody answers fail with reason rejected', async () => {
  office = await JoinOffice.start({ promptTimeout: '2s' });
  await o().bobTalksWith('2003');
  const watch = o().startCti(['prompts', '--watch', '--json'], 'bob');
  const join = o().startCti(['join', '2001', '--from', '2002', '--json'], 'carol');
  const barge = o().startCti(['barge-in', '2001', '--from', '2004', '--json'], 'boss');
  for (const cti of [join, barge]) {
    const result = await resultOf(cti, 1);
    assert.equal([result.state, result.reason], ['failed', 'rejected'], transcript(cti));
    assert.match(result.message ?? '', /in time/, `the message says nobody answered in time: ${result.message}`);
    const states = parseLines(cti).map((l) => l.state);
    assert.ok(states.includes('waiting-consent'), `the prompt went out: ${states.join(', ')}`);
    assert.not.ok(states.includes('calling'), 'nobody was rung');
    await watch.waitForLine(new RegExp(`"id":"${result.id}".*"state":"expired"`), 20_000); // the watch saw it expire
  }
  assert.equal(await o().prompts('bob'), [], 'no prompt left open');
  assert.equal(await o().people(), ['a/2001 a/2003'], "bob's call goes on, untouched");
  await o().settle('2001', '2003');
  watch.kill('SIGINT');
  await watch.exited;
  const ctid = o().ctid;
  office = undefined;
  assert.equal(await ctid.stop(), { code: 0, signal: null }, ctid.process.stderr);
});

test.run();
