// Join and barge-in through the CoreApi on the real switch path, across
// restarts of the core (a ctid restart over the same store and switch):
// a prompt survives and can still be answered; a join that came about is
// followed again and undone when the requester hangs up; the ports a live
// join holds stay taken. End-to-end tests through the bins: test/e2e/join*.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isCtiError } from '../../src/daemon/core/errors.js';
import { eventually } from '../helpers/eventually.js';
import { alice, bob, startOffice, type TestOffice } from '../helpers/office.js';

let office: TestOffice | undefined;
test.after.each(async () => {
  await office?.close();
  office = undefined;
});

const phones = () => office!.sim.control;
const groups = () => phones().paths().paths.map((p) => p.devices.join(' '));
const lineOf = (ext: string) => phones().status().offices[0]!.devices.find((d) => d.id === `a/${ext}`)!.state;
const waitLine = (ext: string, state: string) => eventually(`a/${ext} to be ${state}`, async () => lineOf(ext), (s) => s === state);
const waitGroups = (want: string[]) => eventually(`talk paths ${want.join(', ')}`, async () => groups(), (g) => JSON.stringify(g) === JSON.stringify(want));

/** bob's 2002 talks with 2005. */
async function bobInACall(): Promise<void> {
  phones().dial('a', '2002', '2005');
  phones().answer('a', '2005');
  await waitLine('2002', 'busy');
}

test('a prompt survives a restart: still listed, answered after it, and the join comes about', async () => {
  office = await startOffice();
  await bobInACall();
  const r = await office.core.submit(alice, { kind: 'join', destination: '2002', display: 'Alice at the desk' });
  await office.until(r.id, (x) => x.state === 'waiting-consent');
  const [before] = office.core.listPrompts(bob);
  assert.equal([before?.id, before?.from, before?.call], [r.id, 'Alice at the desk (2001)', ['2005']]);

  await office.restart();
  const [after] = office.core.listPrompts(bob);
  assert.equal([after?.id, after?.state, after?.expires], [r.id, 'open', before!.expires], 'the same prompt, with the same deadline');
  assert.equal(office.core.listPrompts(alice), [], 'alice does not own 2002');

  await office.core.answerPrompt(bob, r.id, { accept: true });
  await waitLine('2001', 'ringing');
  phones().answer('a', '2001');
  await office.until(r.id, (x) => x.state === 'succeeded');
  await waitGroups(['a/2001 a/2002 a/2005 a/7001 a/7002']);

  // A second request on the same call: its prompt names the parties of the target's call, not the first join's port
  // (2001, heard through the bridge, is not in that call).
  const admin = { name: 'admin', admin: true, extensions: [] };
  const second = await office.core.submit(admin, { kind: 'barge-in', destination: '2002', source: '2003' });
  await office.until(second.id, (x) => x.state === 'waiting-consent');
  assert.equal(office.core.listPrompts(bob).find((p) => p.id === second.id)?.call, ['2005']);
});

test('a join that came about is followed after a restart: the requester hangs up, the held party is retrieved and the ports freed', async () => {
  office = await startOffice();
  await bobInACall();
  const r = await office.core.submit(alice, { kind: 'barge-in', destination: '2002' });
  await office.until(r.id, (x) => x.state === 'waiting-consent');
  await office.core.answerPrompt(bob, r.id, { accept: true });
  await waitLine('2001', 'ringing');
  phones().answer('a', '2001');
  await office.until(r.id, (x) => x.state === 'succeeded');
  await waitGroups(['a/2001 a/2002 a/7001 a/7002']);
  assert.is(lineOf('2005'), 'held');

  await office.restart();
  phones().hangup('a', '2001');
  await waitGroups(['a/2002 a/2005']);
  await eventually('the ports to be idle', async () => [lineOf('7001'), lineOf('7002')], (s) => s.every((x) => x === 'idle'));
  await eventually('the record to let go of the ports', async () => office!.store.records.get(r.id)?.joined, (j) => j === undefined);
});

test('ports a live join holds stay taken across a restart: with two ports, a second join fails no-free-port', async () => {
  office = await startOffice({ voiceBoardPorts: ['7001', '7002'] });
  await bobInACall();
  const first = await office.core.submit(alice, { kind: 'join', destination: '2002' });
  await office.until(first.id, (x) => x.state === 'waiting-consent');
  await office.core.answerPrompt(bob, first.id, { accept: true });
  await waitLine('2001', 'ringing');
  phones().answer('a', '2001');
  await office.until(first.id, (x) => x.state === 'succeeded');

  await office.restart();
  phones().dial('a', '2003', '2004');
  phones().answer('a', '2004');
  await waitLine('2003', 'busy');
  const admin = { name: 'admin', admin: true, extensions: [] };
  const second = await office.core.submit(admin, { kind: 'join', destination: '2003', source: '2006' });
  const done = await office.until(second.id, (x) => x.state === 'failed');
  assert.equal([done.reason, done.message], ['no-free-port', 'no voice-board port is free; try again later']);
});

test('a prompt nobody answers expires as a rejection and leaves the call alone', async () => {
  office = await startOffice({ limits: { promptTimeoutMs: 300 } });
  await bobInACall();
  const r = await office.core.submit(alice, { kind: 'join', destination: '2002' });
  const done = await office.until(r.id, (x) => x.state === 'failed');
  assert.is(done.reason, 'rejected');
  assert.match(done.message ?? '', /did not answer the prompt in time/);
  assert.equal(groups(), ['a/2002 a/2005']);
  assert.equal(office.core.listPrompts(bob), []);
});

test('answering: only an owner of the extension (or an admin), only once', async () => {
  office = await startOffice();
  await bobInACall();
  const r = await office.core.submit(alice, { kind: 'join', destination: '2002' });
  await office.until(r.id, (x) => x.state === 'waiting-consent');
  const denied = await office.core.answerPrompt(alice, r.id, { accept: true }).catch((err: unknown) => err);
  assert.ok(isCtiError(denied) && denied.code === 'permission-denied');
  const rejected = await office.core.answerPrompt(bob, r.id, { accept: false });
  assert.is(rejected.state, 'rejected');
  const again = await office.core.answerPrompt(bob, r.id, { accept: true }).catch((err: unknown) => err);
  assert.ok(isCtiError(again) && again.code === 'failed-precondition');
  const done = await office.until(r.id, (x) => x.state === 'failed');
  assert.equal([done.reason, done.message], ['rejected', 'bob rejected the join']);
  const missing = await office.core.answerPrompt(bob, 'a-0000000000000000', { accept: true }).catch((err: unknown) => err);
  assert.ok(isCtiError(missing) && missing.code === 'not-found');
});

test.run();
