// The core loop (issue 4) on the real switch path: requests through the
// CoreApi, phones pressed through the simulator, results read from the
// requests and from the switch's talk paths and request log.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CstaFrame } from '../../src/csta/messages.js';
import { isCtiError } from '../../src/daemon/core/errors.js';
import type { RequestRecord } from '../../src/daemon/core/request.js';
import { eventually } from '../helpers/eventually.js';
import { alice, bob, startOffice, type TestOffice } from '../helpers/office.js';

let office: TestOffice;
test.before.each(async () => {
  office = await startOffice();
});
test.after.each(async () => {
  await office.close();
});

const phones = () => office.sim.control;
const groups = () => phones().paths().paths.map((p) => p.devices.join(' '));
const lineOf = (ext: string) => phones().status().offices[0]!.devices.find((d) => d.id === `a/${ext}`)!.state;
const waitLine = (ext: string, state: string) => eventually(`a/${ext} to be ${state}`, async () => lineOf(ext), (s) => s === state);
const makeCalls = () => phones().log('a').filter((e) => e.type === 'MakeCall');

/** 2000 talks with 2005: the line alice wants is busy. */
async function busyLine(): Promise<void> {
  phones().dial('a', '2000', '2005');
  phones().answer('a', '2005');
  await waitLine('2000', 'busy');
}

test('camp-on on a busy line: placed when it frees up, destination rung first, then the two talk', async () => {
  await busyLine();
  const r = await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  assert.equal(r.state, 'accepted');
  await office.until(r.id, (x) => x.state === 'watching' && x.history.some((h) => h.detail === 'line busy'), 'the request to see the line busy');
  assert.equal(makeCalls().length, 0, 'nothing placed while the line is busy');
  phones().hangup('a', '2000');
  await waitLine('2000', 'ringing');
  assert.equal(lineOf('2001'), 'idle', 'the destination rings first (S505-S508)');
  phones().answer('a', '2000');
  await waitLine('2001', 'ringing');
  phones().answer('a', '2001');
  const done = await office.until(r.id, (x) => x.state === 'succeeded');
  assert.equal(done.attempts, 1);
  assert.equal(groups(), ['a/2000 a/2001']);
  const states = done.history.map((h) => h.state).filter((st, i, all) => st !== all[i - 1]);
  assert.equal(states, ['accepted', 'watching', 'calling', 'succeeded']);
  assert.equal(
    done.history.filter((h) => h.state === 'calling').map((h) => h.detail),
    ['attempt 1', 'ringing 2000', 'ringing 2001'],
  );
});

test('the MakeCall goes out within the switch event that frees the line, before anything else that event set off', async () => {
  await busyLine();
  const r = await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  await office.until(r.id, (x) => x.state === 'watching' && x.history.some((h) => h.detail === 'line busy'), 'the request to see the line busy');
  const sent: string[] = [];
  let storedAtMakeCall: string | undefined;
  const request = office.link.request.bind(office.link);
  office.link.request = ((msg, opts) => {
    sent.push(msg.type);
    if (msg.type === 'MakeCall') storedAtMakeCall ??= office.store.records.get(r.id)?.state;
    return request(msg, opts);
  }) as typeof office.link.request;
  // Runs first among the event's listeners; its microtask runs before any promise the event settles.
  const atEvent: string[][] = [];
  office.link.prependListener('frame', ({ message }: CstaFrame) => {
    if (message.type === 'ConnectionClearedEvent') queueMicrotask(() => atEvent.push([...sent]));
  });
  phones().hangup('a', '2000');
  await office.until(r.id, (x) => x.state === 'calling');
  assert.equal(atEvent[0], ['MakeCall'], 'sent while the line-idle event was being handled');
  assert.is(storedAtMakeCall, 'calling', 'stored as calling before the MakeCall went');
});

test('--recall-first rings the requester first', async () => {
  const r = await office.core.submit(alice, { kind: 'camp-on', destination: '2000', recallFirst: true });
  await waitLine('2001', 'ringing');
  assert.equal(lineOf('2000'), 'idle');
  phones().answer('a', '2001');
  await waitLine('2000', 'ringing');
  phones().answer('a', '2000');
  await office.until(r.id, (x) => x.state === 'succeeded');
});

test('retry strategy: a destination that does not answer at first is called again on the cycle', async () => {
  phones().set('a', '2003', { rings: 1 });
  const r = await office.core.submit(alice, { kind: 'camp-on', destination: '2003', strategy: 'retry', retryEveryMs: 1000 });
  await office.until(r.id, (x) => x.attempts === 1 && x.state === 'watching', 'the first attempt to fail');
  phones().set('a', '2003', { rings: 5 });
  await waitLine('2003', 'ringing');
  phones().answer('a', '2003');
  await waitLine('2001', 'ringing');
  phones().answer('a', '2001');
  const done = await office.until(r.id, (x) => x.state === 'succeeded');
  assert.equal(done.attempts, 2);
  assert.equal(makeCalls().length, 2);
});

test('the window runs out while the line stays busy: failed with reason timeout', async () => {
  await busyLine();
  const r = await office.core.submit(alice, { kind: 'camp-on', destination: '2000', windowMs: 1500 });
  const done = await office.until(r.id, (x) => x.state === 'failed');
  assert.equal(done.reason, 'timeout');
  assert.equal(makeCalls().length, 0);
});

test('cancel: the request ends cancelled and nothing is placed afterwards', async () => {
  await busyLine();
  const r = await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  await office.until(r.id, (x) => x.state === 'watching');
  const cancelled = await office.core.cancel(alice, r.id);
  assert.equal([cancelled.state, cancelled.reason], ['cancelled', 'cancelled']);
  phones().hangup('a', '2000');
  await waitLine('2000', 'idle');
  assert.equal(makeCalls().length, 0);
});

test('a requester who does not answer the recall: failed with reason requester-no-answer', async () => {
  phones().set('a', '2001', { rings: 1 });
  const r = await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  await waitLine('2000', 'ringing');
  phones().answer('a', '2000');
  const done = await office.until(r.id, (x) => x.state === 'failed');
  assert.equal(done.reason, 'requester-no-answer');
  await waitLine('2000', 'idle');
});

/** The older camp-on watches the busy line; the younger waits behind it, and says so. */
async function queued(older: RequestRecord, younger: RequestRecord): Promise<void> {
  await office.until(older.id, (x) => x.state === 'watching' && x.history.at(-1)?.detail === 'line busy', 'the older to see the line busy');
  await office.until(younger.id, (x) => x.state === 'watching' && x.history.at(-1)?.detail === 'another camp-on of this line goes first', 'the younger to queue');
}

test('camp-ons on one line take turns when it frees, oldest first: one call at a time, the next when a try fails or the line frees again', async () => {
  await busyLine();
  phones().set('a', '2001', { rings: 1 }); // alice will not answer her recall
  const first = await office.core.submit(alice, { kind: 'camp-on', destination: '2000', recallFirst: true });
  const second = await office.core.submit(bob, { kind: 'camp-on', destination: '2000', recallFirst: true });
  await queued(first, second);
  phones().hangup('a', '2000');
  await waitLine('2001', 'ringing');
  assert.equal([lineOf('2002'), makeCalls().length], ['idle', 1], "only the oldest camp-on's requester is rung; bob's phone stays quiet");
  const failed = await office.until(first.id, (x) => x.state === 'failed');
  assert.equal(failed.reason, 'requester-no-answer');
  await waitLine('2002', 'ringing'); // bob's turn, on the still idle line
  phones().answer('a', '2002');
  await waitLine('2000', 'ringing');
  phones().answer('a', '2000');
  await office.until(second.id, (x) => x.state === 'succeeded');
  assert.equal(makeCalls().length, 2, 'one call per turn');

  // Destination first: two camp-ons on the line bob now talks on; it frees: one call, the next waits for the line to free again.
  phones().set('a', '2001', { rings: 10 });
  const third = await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  const fourth = await office.core.submit({ ...bob, admin: true }, { kind: 'camp-on', destination: '2000', source: '2003' });
  await queued(third, fourth);
  phones().hangup('a', '2002');
  await waitLine('2000', 'ringing');
  phones().answer('a', '2000');
  await waitLine('2001', 'ringing');
  phones().answer('a', '2001');
  await office.until(third.id, (x) => x.state === 'succeeded');
  assert.equal(makeCalls().length, 3, 'the freed line got one MakeCall, not one per camp-on');
  assert.equal((await office.core.get(bob, fourth.id)).state, 'watching', 'the younger camp-on still waits');
});

test('call: tries once; busy without --camp-on fails at once, with --camp-on it camps on', async () => {
  await busyLine();
  const once = await office.core.submit(alice, { kind: 'call', destination: '2000' });
  assert.equal((await office.until(once.id, (x) => x.state === 'failed')).reason, 'busy');
  const camp = await office.core.submit(alice, { kind: 'call', destination: '2000', campOn: true });
  await office.until(camp.id, (x) => x.state === 'watching' && x.attempts === 1);
  phones().hangup('a', '2000');
  await waitLine('2000', 'ringing');
  phones().answer('a', '2000');
  await waitLine('2001', 'ringing');
  phones().answer('a', '2001');
  await office.until(camp.id, (x) => x.state === 'succeeded');
});

test('a call to the public network rings the requester first and succeeds when 4c answers', async () => {
  const r = await office.core.submit(alice, { kind: 'call', destination: '+81 3-5555-0100' });
  assert.equal(r.dial, '0355550100');
  await waitLine('2001', 'ringing');
  phones().answer('a', '2001');
  await eventually('4c to ring', async () => phones().status().offices.find((o) => o.id === 'pstn')!.devices[0]!.state, (s) => s === 'ringing');
  phones().answer('pstn', '0355550100');
  await office.until(r.id, (x) => x.state === 'succeeded');
  assert.equal(groups(), ['a/2001 pstn/0355550100']);
});

test('a restart resumes a pending camp-on with its deadline and places exactly one call', async () => {
  await busyLine();
  const r = await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  await office.until(r.id, (x) => x.state === 'watching');
  await office.restart();
  phones().hangup('a', '2000');
  await waitLine('2000', 'ringing');
  phones().answer('a', '2000');
  await waitLine('2001', 'ringing');
  phones().answer('a', '2001');
  const done = await office.until(r.id, (x) => x.state === 'succeeded');
  assert.equal(done.deadline, r.deadline);
  assert.equal(makeCalls().length, 1);
});

test('camp-ons queued behind another end on their own: cancelled, or failed at the end of their window', async () => {
  await busyLine();
  const head = await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  const cancelled = await office.core.submit(bob, { kind: 'camp-on', destination: '2000' });
  const shortWindow = await office.core.submit({ ...bob, admin: true }, { kind: 'camp-on', destination: '2000', source: '2003', windowMs: 1500 });
  await queued(head, cancelled);
  await office.core.cancel(bob, cancelled.id);
  const timedOut = await office.until(shortWindow.id, (x) => x.state === 'failed');
  assert.equal([timedOut.reason, (await office.core.get(bob, cancelled.id)).state], ['timeout', 'cancelled']);
  assert.is((await office.core.get(alice, head.id)).state, 'watching', 'the first camp-on watches on');
  phones().hangup('a', '2000');
  await waitLine('2000', 'ringing');
  assert.equal(makeCalls().length, 1, 'the freed line gets its one call, from the first camp-on');
  phones().answer('a', '2000');
  await waitLine('2001', 'ringing');
  phones().answer('a', '2001');
  await office.until(head.id, (x) => x.state === 'succeeded');
});

test('a restart keeps the queued camp-ons of a line in order and stores nothing for them; the oldest calls first', async () => {
  await busyLine();
  const first = await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  const second = await office.core.submit(bob, { kind: 'camp-on', destination: '2000' });
  await queued(first, second);
  const puts = office.store.puts;
  await office.restart();
  await office.until(first.id, (x) => x.state === 'watching'); // resumed
  phones().hangup('a', '2000');
  await waitLine('2000', 'ringing');
  assert.is(office.store.puts, puts + 1, 'only the oldest storing itself `calling`: resuming changed nothing, so nothing else was stored');
  phones().answer('a', '2000');
  await waitLine('2001', 'ringing');
  assert.equal([lineOf('2002'), makeCalls().length], ['idle', 1], "the oldest camp-on's call; bob's phone stays quiet");
  phones().answer('a', '2001');
  await office.until(first.id, (x) => x.state === 'succeeded');
  await office.until(second.id, (x) => x.state === 'watching' && x.history.at(-1)?.detail === 'line busy', "bob's turn: watching the line alice now talks on");
});

test('who may do what: only your own extensions; other users read your requests as not found', async () => {
  const err = await office.core.submit(alice, { kind: 'camp-on', destination: '2000', source: '2002' }).catch((e) => e);
  assert.ok(isCtiError(err) && err.code === 'permission-denied', String(err));
  await busyLine();
  const r = await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  const hidden = (() => {
    try {
      office.core.get(bob, r.id);
      return 'visible';
    } catch (e) {
      return isCtiError(e) ? e.code : String(e);
    }
  })();
  assert.equal(hidden, 'not-found');
  assert.equal(office.core.list(bob, {}).length, 0);
});

test('an idempotency key makes a re-sent submission the same request', async () => {
  await busyLine();
  const first = await office.core.submit(alice, { kind: 'camp-on', destination: '2000', idempotencyKey: 'cron-0800' });
  const again = await office.core.submit(alice, { kind: 'camp-on', destination: '2000', idempotencyKey: 'cron-0800' });
  const other = await office.core.submit(bob, { kind: 'camp-on', destination: '2000', source: '2002', idempotencyKey: 'cron-0800' });
  assert.is(again.id, first.id);
  assert.is.not(other.id, first.id, "another user's key is another request");
  assert.equal(office.core.list(alice, {}).length, 1);
});

test('bad numbers are refused before anything reaches the switch', async () => {
  for (const destination of ['20<0>0', 'abc', '044-222-33\u00003', '']) {
    const err = await office.core.submit(alice, { kind: 'call', destination }).catch((e) => e);
    assert.ok(isCtiError(err) && err.code === 'invalid-argument', `${JSON.stringify(destination)}: ${String(err)}`);
  }
  assert.equal(makeCalls().length, 0);
});

test('caps on pending requests refuse with reason limit', async () => {
  await office.close();
  office = await startOffice({ limits: { perRequester: 2 } });
  await busyLine();
  await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  const err = await office.core.submit(alice, { kind: 'camp-on', destination: '2000' }).catch((e) => e);
  assert.ok(isCtiError(err) && err.code === 'resource-exhausted' && err.reason === 'limit', String(err));
});

test('watch sends the current state first, then every change, and ends after the final state', async () => {
  await busyLine();
  const r = await office.core.submit(alice, { kind: 'camp-on', destination: '2000' });
  await office.until(r.id, (x) => x.state === 'watching');
  const seen: string[] = [];
  const ended = new Promise<void>((resolve) => office.core.watch(alice, { id: r.id }, (x, initial) => seen.push(`${initial ? 'initial ' : ''}${x.state}`), resolve));
  await office.core.cancel(alice, r.id);
  await ended;
  assert.equal(seen, ['initial watching', 'cancelled']);
});

test("monitor: the line's real state first (never a guess), then each change, until the window ends", async () => {
  await busyLine();
  const states: string[] = [];
  const ended = new Promise<void>((resolve) => office.core.monitorLine(alice, '2000', 1500, (u) => states.push(u.state), () => resolve()));
  await eventually('the first report', async () => states.length, (n) => n >= 1);
  phones().hangup('a', '2000');
  await ended;
  assert.equal(states, ['busy', 'idle']);
});

test.run();
