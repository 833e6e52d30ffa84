// Caps on pending requests (issue 4, "Limits"; config `limits`): per
// requester, per destination and in total, each refusing the request with
// the reason `limit` (exit 1), through the real `cti` against the real ctid.
// The destinations are out of service, so every admitted camp-on stays
// pending (watching for a line that never goes idle) without ringing anyone.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, startCtid, SwitchSimCli, USERS, type TestCtid } from '../helpers/ctid.js';
import { killAll, type RunResult } from '../helpers/processes.js';

let ctid: TestCtid;
const as = (user: keyof typeof USERS) => ctiAs(ctid.address, user);

test.after(async () => {
  await killAll();
});

/** An admitted request: exit 0 and its id alone on stdout. */
function assertAdmitted(result: RunResult): string {
  assert.is(result.code, 0, `exit ${result.code}; stderr: ${result.stderr}`);
  assert.match(result.stdout, /^a-[0-9a-f]+\n$/);
  return result.stdout.trim();
}

/** Refused with reason `limit`, naming the cap: exit 1, a sentence on stderr, never a request accepted. */
function assertLimit(result: RunResult, cap: RegExp): void {
  assert.is(result.code, 1, `exit ${result.code}; stdout: ${result.stdout}; stderr: ${result.stderr}`);
  assert.match(result.stderr, /\blimit\b/);
  assert.match(result.stderr, cap);
  assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
  // --json: nothing but JSON on stdout, and no sign of an accepted request.
  for (const line of result.stdout.split('\n').filter(Boolean)) {
    const object = JSON.parse(line) as { type?: string; reason?: string };
    assert.not.equal(object.type, 'progress', `refused, yet progress: ${line}`);
    if (object.type === 'result') assert.is(object.reason, 'limit');
  }
}

test('ctid with limits perRequester 1, perDestination 1, total 2', async () => {
  ctid = await startCtid({ config: { limits: { perRequester: 1, perDestination: 1, total: 2 } } });
  const phones = new SwitchSimCli(ctid.controlAddress!);
  await Promise.all(['2000', '2003', '2004'].map((ext) => phones.ok(['set', 'a', ext, '--service', 'out'])));
});

test('per requester: bob\'s second pending camp-on is refused with reason limit', async () => {
  assertAdmitted(await runCti(['camp-on', '2000', '--no-wait'], as('bob')));
  assertLimit(await runCti(['camp-on', '2003', '--json'], as('bob')), /yours \(1\)/);
  assertLimit(await runCti(['call', '2003', '--camp-on', '--no-wait'], as('bob')), /yours \(1\)/);
});

test('per destination: carol may not camp on 2000 as well', async () => {
  assertLimit(await runCti(['camp-on', '2000', '--json'], as('carol')), /2000 \(1\)/);
});

test('in total: the office takes two pending requests, then refuses even an admin', async () => {
  assertAdmitted(await runCti(['camp-on', '2003', '--no-wait'], as('carol')));
  assertLimit(await runCti(['camp-on', '2004', '--from', '2005', '--json'], as('boss')), /office \(2\)/);
});

test('a cancelled request frees its place', async () => {
  const bobs = (await runCti(['requests', '--json'], as('bob'))).stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; state: string });
  assert.is(bobs.length, 1);
  const cancelled = await runCti(['cancel', bobs[0]!.id], as('bob'));
  assert.is(cancelled.code, 0, cancelled.stderr);
  const id = assertAdmitted(await runCti(['camp-on', '2004', '--from', '2005', '--no-wait'], as('boss')));
  assert.is((await runCti(['cancel', id], as('boss'))).code, 0);
  assertAdmitted(await runCti(['camp-on', '2004', '--no-wait'], as('bob')));
});

test('SIGTERM: ctid shuts down cleanly', async () => {
  assert.equal(await ctid.stop(), { code: 0, signal: null }, ctid.process.stderr);
});

test.run();
