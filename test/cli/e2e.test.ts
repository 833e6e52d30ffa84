// `cti` against the real ctid (embedded simulator, its clock 20x), each a
// separate process, the way people and cron jobs use them (issue 4, "Tests").
// The phones are driven, and the talk paths read, through the simulator's
// control API. Each test uses its own extensions and hangs them up after.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ControlClient } from '../../src/switch-sim/control-client.js';
import type { TalkPaths } from '../../src/switch-sim/control.js';
import { runCti, startCti, startCtid, USERS, type CtiOptions, type TestCtid } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { closedPort } from '../helpers/ports.js';
import { killAll, type RunResult } from '../helpers/processes.js';

let ctid: TestCtid;
let phones: ControlClient;
const as = (user: keyof typeof USERS): CtiOptions => ({ server: ctid.address, token: USERS[user].token });

test.after(async () => {
  await killAll();
});

const talking = (p: TalkPaths, a: string, b: string) => p.paths.some((path) => path.devices.includes(`a/${a}`) && path.devices.includes(`a/${b}`));
const untilTalking = (a: string, b: string) => eventually(`a/${a} and a/${b} talking`, () => phones.paths(), (p) => talking(p, a, b));

/** `caller` calls `callee`, which answers by itself: both lines busy. */
async function busy(caller: string, callee: string): Promise<void> {
  await phones.set('a', callee, { answer: 'auto' });
  await phones.dial('a', caller, callee);
  await untilTalking(caller, callee);
}

async function hangUp(...extensions: string[]): Promise<void> {
  for (const ext of extensions) await phones.hangup('a', ext).catch(() => {}); // already idle is fine
}

function assertExit(result: RunResult, exitCode: number, stderr: RegExp): void {
  assert.is(result.code, exitCode, `exit ${result.code}; stdout: ${result.stdout}; stderr: ${result.stderr}`);
  assert.match(result.stderr, stderr);
  assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
}

// The start is a test, not a before hook: uvu 0.5 swallows errors thrown in hooks.
test('ctid starts: control line, then the listening line', async () => {
  ctid = await startCtid();
  assert.match(ctid.address, /^127\.0\.0\.1:\d+$/);
  phones = new ControlClient(ctid.controlAddress!);
  const status = await runCti(['status', '--json'], as('bob'));
  assert.is(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).office, 'a');
});

test('camp-on on a busy line that frees up: progress, succeeded, exit 0, the two parties connected', async () => {
  await phones.set('a', '2001', { answer: 'auto' }); // bob answers the recall
  await busy('2003', '2000');
  const cti = startCti(['camp-on', '2000', '--json'], as('bob'));
  await cti.waitForLine(/"type":"progress".*"state":"watching"/);
  await hangUp('2003');
  assert.equal(await cti.exited, { code: 0, signal: null }, cti.stderr);
  const lines = cti.lines.map((line) => JSON.parse(line));
  assert.equal(lines.at(-1), { type: 'result', id: lines[0].id, state: 'succeeded', reason: '', message: lines.at(-1).message, at: lines.at(-1).at });
  assert.ok(lines.slice(0, -1).every((l) => l.type === 'progress' && l.id === lines[0].id && !Number.isNaN(Date.parse(l.at))));
  assert.ok(talking(await phones.paths(), '2000', '2001'), 'a/2000 and a/2001 hear each other');
  await hangUp('2000', '2001');
});

test('--no-wait prints the id once stored; `wait` then follows it to the result', async () => {
  await phones.set('a', '2005', { answer: 'auto' });
  await busy('2004', '2006');
  const submitted = await runCti(['camp-on', '2006', '--from', '2005', '--no-wait'], as('boss'));
  assert.is(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();
  assert.is(submitted.stdout, `${id}\n`, 'the id alone on its line');
  const waiting = startCti(['wait', id], as('boss'));
  await eventually('watching', async () => waiting.stderr, (text) => /watching 2006/.test(text));
  await hangUp('2004');
  assert.equal(await waiting.exited, { code: 0, signal: null }, waiting.stderr);
  assert.match(waiting.lines.join('\n'), /^succeeded( — .*)?$/);
  await untilTalking('2005', '2006');
  await hangUp('2005', '2006');
});

test('cancel: the waiting client exits 1 with reason cancelled', async () => {
  await busy('2007', '2008');
  const waiting = startCti(['camp-on', '2008', '--from', '2009', '--json'], as('boss'));
  const id = JSON.parse((await waiting.waitForLine(/"state":"watching"/)).input).id as string;
  const cancelled = await runCti(['cancel', id], as('boss'));
  assert.is(cancelled.code, 0, cancelled.stderr);
  assert.is((await waiting.exited).code, 1);
  const result = JSON.parse(waiting.lines.at(-1)!);
  assert.equal([result.type, result.state, result.reason], ['result', 'cancelled', 'cancelled']);
});

test('the window runs out: exit 1, reason timeout', async () => {
  const result = await runCti(['camp-on', '2008', '--from', '2009', '--monitor', '2s'], as('boss'));
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stdout, /^failed: timeout/);
  await hangUp('2007');
});

test('requests --watch: the current requests first, then each change', async () => {
  const current = (await runCti(['requests', '--json'], as('boss'))).stdout.trim().split('\n').length;
  const watch = startCti(['requests', '--watch', '--json'], as('boss'));
  await eventually('the current requests', async () => watch.lines.length, (n) => n === current);
  await busy('2004', '2000'); // the camp-on must stay pending until it is cancelled
  const id = (await runCti(['camp-on', '2000', '--from', '2009', '--monitor', '1m', '--no-wait'], as('boss'))).stdout.trim();
  await watch.waitForLine(new RegExp(`"type":"request","id":"${id}"`));
  await runCti(['cancel', id], as('boss'));
  await watch.waitForLine(new RegExp(`"id":"${id}".*"state":"cancelled"`));
  watch.kill('SIGINT');
  assert.is((await watch.exited).code, 130);
  await hangUp('2000', '2004', '2009');
});

test('refusals: wrong token 4, someone else\'s extension 4, bad number or duration 2', async () => {
  assertExit(await runCti(['status'], { ...as('bob'), token: 'not-a-token-at-all' }), 4, /token/);
  assertExit(await runCti(['camp-on', '2000', '--from', '2002'], as('bob')), 4, /2002/);
  assertExit(await runCti(['camp-on', '20x0'], as('bob')), 2, /not a phone number/);
  assertExit(await runCti(['camp-on', '2000', '--monitor', '10'], as('bob')), 2, /not a duration/);
});

test('no token given: the local admin token ctid wrote is used', async () => {
  const result = await runCti(['status', '--json'], { server: ctid.address, env: { CTI_TOKEN_FILE: `${ctid.dataDir}/admin.token` } });
  assert.is(result.code, 0, result.stderr);
  assert.is(JSON.parse(result.stdout).admin, true);
  // An admin owns every extension of its office: the extensions of the office's users (its dashboard's lines).
  assert.equal(JSON.parse(result.stdout).extensions, [...new Set(Object.values(USERS).flatMap((u) => u.extensions))].sort());
});

test('ctid down: exit 3 with a hint', async () => {
  const down = `127.0.0.1:${await closedPort()}`;
  assertExit(await runCti(['status'], { server: down, token: USERS.bob.token }), 3, /cannot reach ctid at .*is it running\?/);
});

test('SIGTERM: ctid shuts down cleanly', async () => {
  assert.equal(await ctid.stop('SIGTERM'), { code: 0, signal: null });
});

test.run();
