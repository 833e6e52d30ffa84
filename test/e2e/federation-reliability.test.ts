// Forwarded camp-ons that survive what happens to the processes (issue 5,
// "Tests", Reliability): a cancel at the origin reaches the owner; the owning
// ctid killed (kill -9) and restarted mid-request resumes its side and the
// origin re-attaches; the origin killed and restarted re-attaches to what it
// forwarded. The offices' ctids run on csta:// against one `switch-sim
// serve` (test/helpers/federation.ts), so the switch outlives them; a
// restarted ctid keeps its data directory and address. alice (a/2001) camps
// on 044-222-3333 (b/2000, busy); the place is remote (FIG. 13-14): b places
// the call. Each test checks the user-visible result and the talk paths, and
// that b's PBX received exactly the MakeCalls it should.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogEntry } from '../../src/switch-sim/control.js';
import { runCti, startCti, untilRequest } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { resultOf, transcript, type CtiLine } from '../helpers/cti-json.js';
import { Federation } from '../helpers/federation.js';
import { killAll, type RunningBin } from '../helpers/processes.js';

test.after.each(async () => {
  await killAll();
});

interface Peer {
  office: string;
  health: string;
  lastError: string;
}


/** alice camps on 044-222-3333 at office a (--json); resolves once b reports watching its busy line. */
async function campOn(f: Federation): Promise<{ cti: RunningBin; id: string }> {
  const cti = startCti(['camp-on', '044-222-3333', '--from', '2001', '--json'], f.as('a', 'alice'));
  const busy = await cti.waitForLine(/"type":"progress".*"state":"watching".*"detail":"line busy"/, 30_000);
  return { cti, id: (JSON.parse(busy.input) as CtiLine).id };
}

/** The line freed, b/2000 rings first and answers, then a/2001 is called back and answers. */
async function freeAndAnswer(f: Federation): Promise<void> {
  await f.phones.hangup('b', '2000');
  await f.phones.answerWhenRinging('b', '2000', 30_000);
  await f.phones.answerWhenRinging('a', '2001', 30_000);
}

/** How many times b's ctid (all its processes) took in the forwarded request `id`. */
const acceptedAtB = (f: Federation, id: string) =>
  f
    .log('b')
    .split('\n')
    .filter((line) => line.includes('"forwarded request accepted"') && line.includes(`"id":"${id}"`)).length;

const monitorStarts = (log: LogEntry[], device: string) => log.filter((e) => e.type === 'MonitorStart' && e.message.monitorObject === device);

test('cancel at the origin (cti cancel ID at a): alice sees cancelled, b lets go of its line, and freeing it places no call', async () => {
  const f = await Federation.start({ start: ['a', 'b'] });
  const { phones } = f;
  await f.busy('b', '2000');
  const { cti, id } = await campOn(f);
  await eventually('b to log the forwarded request, under the same id', async () => acceptedAtB(f, id), (n) => n === 1, 20_000);

  // b's users, its admin included, neither see nor touch a's forwarded request.
  const listed = await runCti(['requests', '--all', '--json'], f.as('b', 'admin'));
  assert.is(listed.code, 0, listed.stderr);
  assert.not.match(listed.stdout, id, "b's admin does not list a's request");
  const stranger = await runCti(['cancel', id], f.as('b', 'admin'));
  assert.is(stranger.code, 1, `cti cancel at b: ${stranger.stdout} ${stranger.stderr}`);

  const stopsBefore = (await phones.log('b')).filter((e) => e.type === 'MonitorStop').length;
  const cancel = await runCti(['cancel', id, '--json'], f.as('a', 'alice'));
  assert.is(cancel.code, 0, `${cancel.stdout} ${cancel.stderr}`);
  assert.equal((JSON.parse(cancel.stdout.trim().split('\n').at(-1)!) as CtiLine).state, 'cancelled');
  const done = await resultOf(cti, 1);
  assert.equal([done.state, done.reason], ['cancelled', 'cancelled']);

  // b heard of it: its request ended, so it stops watching b/2000 (MonitorStop for its only monitor).
  await eventually(
    "b's ctid stops monitoring b/2000",
    async () => (await phones.log('b')).filter((e) => e.type === 'MonitorStop').length,
    (n) => n > stopsBefore,
    30_000,
  );
  await phones.hangup('b', '2000');
  await phones.untilLine('b', '2000', 'idle');
  assert.equal(await f.makeCalls('b'), [], 'b placed no call');
  assert.equal(await f.makeCalls('a'), []);
  assert.equal(await f.groups(), [], 'nobody is in a call');
  assert.is(await phones.lineState('a', '2001'), 'idle');
});

test('the owner (b) killed -9 and restarted mid-request: b resumes, a re-attaches; both answer: exit 0, one MakeCall at b', async () => {
  const f = await Federation.start({ start: ['a', 'b'] });
  const { phones } = f;
  await f.busy('b', '2000');
  const { cti, id } = await campOn(f);
  const watchedBefore = monitorStarts(await phones.log('b'), '2000').length;

  await f.kill9('b');
  // a keeps the request and says b is unreachable.
  const peers = await eventually(
    'a to see b unreachable',
    async () => (await runCti(['peers', '--json'], f.as('a', 'alice'))).stdout,
    (out) => out.split('\n').some((line) => line && (JSON.parse(line) as Peer).office === 'b' && (JSON.parse(line) as Peer).health === 'unreachable'),
    30_000,
  );
  assert.match(peers, '"office":"b"');
  assert.is((await untilRequest(f.address('a'), id, () => true, 'listed')).state, 'watching', 'a keeps the request while b is down');

  await f.startOffice('b'); // the same data directory and address
  // b resumes its side from its store: it watches b/2000 again, in its new session.
  await eventually('b to watch b/2000 again', async () => monitorStarts(await phones.log('b'), '2000').length, (n) => n > watchedBefore, 30_000);
  await freeAndAnswer(f);

  const done = await resultOf(cti, 0);
  assert.is(done.state, 'succeeded', transcript(cti));
  assert.equal(await f.groups(), ['a/2001 b/2000'], 'a/2001 and b/2000 hear each other');
  assert.equal(await f.makeCalls('b'), [{ callingDevice: '2000', calledDirectoryNumber: '0441234567' }], 'exactly one MakeCall, at b');
  assert.equal(await f.makeCalls('a'), []);
  assert.is(acceptedAtB(f, id), 1, 're-sending the request after the restart made no second one at b');
});

test('the origin (a) killed -9 and restarted mid-request: cti wait ID at the restarted a follows it to the end, exit 0', async () => {
  const f = await Federation.start({ start: ['a', 'b'] });
  await f.busy('b', '2000');
  const submitted = await runCti(['camp-on', '044-222-3333', '--from', '2001', '--no-wait'], f.as('a', 'alice'));
  assert.is(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();
  await untilRequest<{ state: string; history: { detail: string }[] }>(
    f.address('a'),
    id,
    (r) => r.state === 'watching' && r.history.some((h) => h.detail === 'line busy'),
    'watching the busy line at b',
  );

  await f.kill9('a');
  await f.startOffice('a'); // the same data directory and address
  const waiting = startCti(['wait', id, '--json'], f.as('a', 'alice'));
  await waiting.waitForLine(/"type":"progress".*"state":"watching"/, 30_000);
  await freeAndAnswer(f);

  const done = await resultOf(waiting, 0);
  assert.equal([done.id, done.state], [id, 'succeeded'], transcript(waiting));
  assert.equal(await f.groups(), ['a/2001 b/2000'], 'a/2001 and b/2000 hear each other');
  assert.equal(await f.makeCalls('b'), [{ callingDevice: '2000', calledDirectoryNumber: '0441234567' }], 'exactly one MakeCall, at b');
  assert.equal(await f.makeCalls('a'), []);
  assert.is(acceptedAtB(f, id), 1, 'the restarted origin re-attached instead of making a second request at b');
});

test.run();
