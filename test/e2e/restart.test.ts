// kill -9 of ctid after it acknowledged a camp-on, and a restart on the same
// data directory (issue 4, "Tests"): the request resumes and completes, and
// the switch received exactly one MakeCall for it. The simulator runs as its
// own process (`switch-sim serve`), so it outlives ctid, and ctid reaches it
// over csta://; every phone is driven, and every count read, with the real
// `switch-sim` bin. Each test has its own simulator, ctid and data directory.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogEntry } from '../../src/switch-sim/control.js';
import {
  ctiAs,
  cstaSwitch,
  runCti,
  startCti,
  startCtid,
  startSwitchSim,
  untilCtidLink,
  untilRequest,
  type TestSwitchSim,
} from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { killAll } from '../helpers/processes.js';

test.after(async () => {
  await killAll();
});

/** A simulator, and a ctid on its office a over csta:// with its link up. */
async function office() {
  const sim = await startSwitchSim();
  const ctid = await startCtid({ config: cstaSwitch(sim) });
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up');
  return { sim, phones: sim.cli, ctid };
}

/** The sessions (ids) that sent requests to office a so far. */
async function sessions(sim: TestSwitchSim): Promise<Set<string>> {
  return new Set((await sim.cli.log('a')).map((e) => e.session).filter((s) => s !== '-'));
}

interface Req {
  state: string;
  reason: string;
  deadline: string;
  endedAt: string;
}

const describe = (entries: LogEntry[]) => JSON.stringify(entries.map((e) => e.message));

test('kill -9 mid camp-on, restart on the same data directory: the request completes, one MakeCall', async () => {
  const { sim, phones, ctid } = await office();
  // Time to press the buttons by hand: 100 rings of 150 ms (3 s a ring at 20x).
  await Promise.all([phones.set('a', '2000', { rings: 100 }), phones.set('a', '2001', { rings: 100 }), phones.set('a', '2005', { answer: 'auto' })]);
  await phones.dial('a', '2000', '2005');
  await phones.untilLine('a', '2005', 'busy'); // a/2000 and a/2005 talking

  const submitted = await runCti(['camp-on', '2000', '--from', '2001', '--no-wait'], ctiAs(ctid.address, 'bob'));
  assert.is(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();
  // A client that waits across the restart: ctid comes back at the same address, and it re-attaches.
  const early = startCti(['wait', id], ctiAs(ctid.address, 'bob'));
  await eventually('the early waiter sees the camp-on watching', async () => early.stderr, (text) => /watching 2000/.test(text));

  assert.equal(await ctid.kill9(), { code: null, signal: 'SIGKILL' });
  const again = await startCtid({ dataDir: ctid.dataDir, config: { ...cstaSwitch(sim), listen: ctid.address } });
  await untilCtidLink(again.address, (link) => link === 'up', 'up after the restart');
  const resumed = await untilRequest(again.address, id, (r) => r.state === 'watching', 'watching after the restart');
  assert.is((resumed as { attempts?: number }).attempts ?? 0, 0, 'no attempt was made before the line freed');

  const waiting = startCti(['wait', id], ctiAs(again.address, 'bob'));
  await eventually('cti wait attached', async () => waiting.stderr, (text) => /watching 2000/.test(text));
  await phones.hangup('a', '2000');
  await phones.answerWhenRinging('a', '2000'); // destination first (the source text's order), prompted by MakeCall
  await phones.answerWhenRinging('a', '2001');

  assert.equal(await waiting.exited, { code: 0, signal: null }, `cti wait: ${waiting.lines.join('\n')} ${waiting.stderr}`);
  assert.match(waiting.lines.join('\n'), /^succeeded/);
  assert.equal(await early.exited, { code: 0, signal: null }, `the waiter from before the restart: ${early.lines.join('\n')} ${early.stderr}`);
  assert.ok(await phones.talking('a/2000', 'a/2001'), 'a/2000 and a/2001 hear each other');

  const makeCalls = await phones.makeCalls('a');
  assert.is(makeCalls.length, 1, `MakeCalls: ${describe(makeCalls)}`);
  assert.equal([makeCalls[0]!.message.callingDevice, makeCalls[0]!.message.calledDirectoryNumber], ['2000', '2001']);

  assert.equal(await again.stop(), { code: 0, signal: null }, again.process.stderr);
  assert.equal(await sim.stop(), { code: 0, signal: null }, sim.process.stderr);
});

test('kill -9 while the call is being placed (the destination ringing): answering after the restart completes it, one MakeCall', async () => {
  const { sim, phones, ctid } = await office();
  await Promise.all([phones.set('a', '2002', { rings: 100 }), phones.set('a', '2003', { rings: 100 })]);
  const before = await sessions(sim);

  const submitted = await runCti(['camp-on', '2002', '--from', '2003', '--no-wait'], ctiAs(ctid.address, 'boss'));
  assert.is(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();
  // The line is idle: the call is placed at once, and a/2002 is prompted first.
  await phones.untilLine('a', '2002', 'ringing');
  await untilRequest(ctid.address, id, (r) => r.state === 'calling', 'calling');
  assert.equal(await ctid.kill9(), { code: null, signal: 'SIGKILL' });
  for (const s of await sessions(sim)) before.add(s);

  const again = await startCtid({ dataDir: ctid.dataDir, config: cstaSwitch(sim) });
  // The restarted ctid has read the destination's line (csta-link.md: resync with SnapshotDevice) before anyone answers.
  await eventually(
    'the restarted ctid reads a/2002',
    () => sim.cli.log('a'),
    (log) => log.some((e) => !before.has(e.session) && e.type === 'SnapshotDevice' && e.message.snapshotObject === '2002'),
  );
  // The call placed before the kill is still ringing: the destination answers it, then the requester.
  await phones.answer('a', '2002');
  await phones.answerWhenRinging('a', '2003');
  assert.ok(await phones.talking('a/2002', 'a/2003'), 'a/2002 and a/2003 hear each other');

  const done = await untilRequest(again.address, id, (r) => ['succeeded', 'failed', 'cancelled'].includes(r.state), 'final').catch((err: Error) => err);
  const makeCalls = await phones.makeCalls('a');
  assert.ok(!(done instanceof Error), `the connected call is not recognised after the restart: ${(done as Error).message}`);
  assert.is((done as { state: string }).state, 'succeeded');
  assert.is(makeCalls.length, 1, `MakeCalls: ${describe(makeCalls)}`);
  const waited = await runCti(['wait', id], ctiAs(again.address, 'boss'));
  assert.is(waited.code, 0, waited.stderr);

  assert.equal(await again.stop(), { code: 0, signal: null }, again.process.stderr);
  assert.equal(await sim.stop(), { code: 0, signal: null }, sim.process.stderr);
});

test('deadlines survive a restart: a window that ended while ctid was down fails at once, another keeps its original end', async () => {
  const { sim, phones, ctid } = await office();
  await phones.set('a', '2005', { answer: 'auto' });
  await phones.dial('a', '2000', '2005');
  await phones.untilLine('a', '2005', 'busy'); // a/2000 stays busy throughout
  const submit = async (window: string, from: string) => {
    const result = await runCti(['camp-on', '2000', '--from', from, '--monitor', window, '--no-wait'], ctiAs(ctid.address, 'boss'));
    assert.is(result.code, 0, result.stderr);
    const id = result.stdout.trim();
    return { id, deadline: Date.parse((await untilRequest<Req>(ctid.address, id, (r) => r.state === 'watching', 'watching')).deadline) };
  };
  const short = await submit('3s', '2001');
  const long = await submit('12s', '2002');
  assert.equal(await ctid.kill9(), { code: null, signal: 'SIGKILL' });
  // ctid stays down past the short window's end.
  await eventually('the short window has ended', async () => Date.now(), (now) => now > short.deadline + 500);

  const again = await startCtid({ dataDir: ctid.dataDir, config: cstaSwitch(sim) });
  const ended = await untilRequest<Req>(again.address, short.id, (r) => r.state !== 'watching' && r.state !== 'accepted', 'ended');
  assert.equal([ended.state, ended.reason], ['failed', 'timeout']);
  assert.ok(Date.now() < long.deadline, 'the short request ended at the restart, well before the long one');
  const pending = await untilRequest<Req>(again.address, long.id, () => true, 'listed');
  assert.is(pending.state, 'watching', 'the long request is still pending');
  assert.is(Date.parse(pending.deadline), long.deadline, 'with its original deadline');

  const waited = await runCti(['wait', long.id], ctiAs(again.address, 'boss'));
  assert.is(waited.code, 1, waited.stderr);
  assert.match(waited.stdout, /^failed: timeout/);
  const done = await untilRequest<Req>(again.address, long.id, () => true, 'listed');
  const late = Date.parse(done.endedAt) - long.deadline;
  // A window restarted at the restart would end seconds later than the original deadline.
  assert.ok(late >= 0 && late < 2500, `ended ${late} ms after its original deadline`);
  assert.is((await phones.makeCalls('a')).length, 0, 'the line never freed: no call placed');

  assert.equal(await again.stop(), { code: 0, signal: null }, again.process.stderr);
  assert.equal(await sim.stop(), { code: 0, signal: null }, sim.process.stderr);
});

test.run();
