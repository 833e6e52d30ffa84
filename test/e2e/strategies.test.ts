// How a request ends when the parties do not simply answer (issue 4,
// "Tests"): the retry strategy against a phone that does not answer at
// first, a requester who does not answer the recall, and a plain `cti call`
// to a busy line. The real ctid (embedded simulator, its clock 20x: a ring is
// 150 ms) and `cti`; the phones are driven with the real `switch-sim` bin.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, startCti, startCtid, SwitchSimCli, USERS, type TestCtid } from '../helpers/ctid.js';
import { killAll } from '../helpers/processes.js';

let ctid: TestCtid;
let phones: SwitchSimCli;
const as = (user: keyof typeof USERS) => ctiAs(ctid.address, user);

interface Line {
  type: string;
  id: string;
  state: string;
  detail?: string;
  reason?: string;
  message?: string;
}

const parse = (lines: string[]): Line[] => lines.map((line) => JSON.parse(line) as Line);

test.after(async () => {
  await killAll();
});

test('ctid starts', async () => {
  ctid = await startCtid();
  phones = new SwitchSimCli(ctid.controlAddress!);
});

test('retry strategy: a phone that does not answer at first is called again on the cycle, and answers: exit 0', async () => {
  await Promise.all([phones.set('a', '2003', { rings: 1 }), phones.set('a', '2001', { answer: 'auto' })]);
  const cti = startCti(['camp-on', '2003', '--strategy', 'retry', '--retry-every', '2s', '--json'], as('bob'));
  // The first attempt rings a/2003 once, unanswered; the request waits for the next cycle.
  await cti.waitForLine(/"type":"progress".*"state":"watching".*did not answer/);
  await phones.set('a', '2003', { rings: 100 });
  await phones.answerWhenRinging('a', '2003'); // the next attempt; a/2001 (bob) then answers by itself
  assert.equal(await cti.exited, { code: 0, signal: null }, `${cti.lines.join('\n')}\n${cti.stderr}`);

  const lines = parse(cti.lines);
  assert.equal([lines.at(-1)!.type, lines.at(-1)!.state], ['result', 'succeeded']);
  const attempts = lines.filter((l) => l.state === 'calling' && /^attempt \d+$/.test(l.detail ?? '')).map((l) => l.detail);
  assert.ok(attempts.length >= 2, `attempts: ${attempts.join(', ')}`);
  assert.ok(await phones.talking('a/2003', 'a/2001'), 'a/2003 and a/2001 hear each other');
  // The retry cycle is kept (2 s of ctid's time) between MakeCalls: no hammering of the switch.
  const at = (await phones.makeCalls('a')).filter((e) => e.message.callingDevice === '2003').map((e) => Date.parse(e.at));
  assert.is(at.length, attempts.length, 'one MakeCall per attempt');
  for (let i = 1; i < at.length; i++) assert.ok(at[i]! - at[i - 1]! >= 1900, `MakeCalls ${at[i]! - at[i - 1]!} ms apart`);
  await phones.release('a', '2003', '2001');
});

test('a requester who does not answer the recall: exit 1, reason requester-no-answer', async () => {
  await Promise.all([phones.set('a', '2006', { answer: 'auto' }), phones.set('a', '2002', { answer: 'never', rings: 1 })]);
  const result = await runCti(['camp-on', '2006', '--json'], as('carol'));
  assert.is(result.code, 1, `${result.stdout}\n${result.stderr}`);
  const lines = parse(result.stdout.trim().split('\n'));
  const last = lines.at(-1)!;
  assert.equal([last.type, last.state, last.reason], ['result', 'failed', 'requester-no-answer']);
  assert.ok(last.message, 'the message says it in words');
  assert.ok(lines.some((l) => l.state === 'calling'), 'the call was placed');
  await phones.untilLine('a', '2006', 'idle'); // nobody is left on the line
});

test('`cti call` to a busy line without --camp-on: exit 1, reason busy', async () => {
  await phones.set('a', '2008', { answer: 'auto' });
  await phones.dial('a', '2007', '2008');
  await phones.untilLine('a', '2008', 'busy');
  const result = await runCti(['call', '2007'], as('bob'));
  assert.is(result.code, 1, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^failed: busy( — .+)?\n$/);
  const listed = (await runCti(['requests', '--json'], as('bob'))).stdout.trim().split('\n').map((l) => JSON.parse(l) as Line & { kind: string });
  const call = listed.find((r) => r.kind === 'call')!;
  assert.equal([call.state, call.reason], ['failed', 'busy'], 'it did not camp on');
  assert.equal(await phones.lineState('a', '2001'), 'idle', 'bob\'s phone was not left ringing');
  await phones.release('a', '2007', '2008');
});

test('SIGTERM: ctid shuts down cleanly', async () => {
  assert.equal(await ctid.stop(), { code: 0, signal: null }, ctid.process.stderr);
});

test.run();
