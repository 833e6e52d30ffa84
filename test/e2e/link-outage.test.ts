// The switch link drops mid camp-on (`switch-sim link a down`, then `up`;
// issue 4, "Tests"): ctid reconnects, re-issues its monitors, resyncs the
// line with SnapshotDevice, and the request still completes, also when the
// line freed while the link was down. The simulator runs as its own process
// and ctid reaches it over csta://; everything goes through the real bins.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogEntry } from '../../src/switch-sim/control.js';
import { ctiAs, cstaSwitch, startCti, startCtid, startSwitchSim, untilCtidLink, untilRequest } from '../helpers/ctid.js';
import { killAll, type RunningBin } from '../helpers/processes.js';

test.after(async () => {
  await killAll();
});

const FINAL = ['succeeded', 'failed', 'cancelled'];
const describe = (entries: LogEntry[]) => JSON.stringify(entries.map((e) => e.message));

/** A simulator; a ctid on its office a over csta:// with the link up; a/2000 busy (talking to a/2005). */
async function busyOffice() {
  const sim = await startSwitchSim();
  const phones = sim.cli;
  const ctid = await startCtid({ config: cstaSwitch(sim) });
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up');
  // Time to answer by hand (100 rings of 150 ms); a/2005 answers by itself.
  await Promise.all([phones.set('a', '2000', { rings: 100 }), phones.set('a', '2001', { rings: 100 }), phones.set('a', '2005', { answer: 'auto' })]);
  await phones.dial('a', '2000', '2005');
  await phones.untilLine('a', '2005', 'busy'); // a/2000 and a/2005 talking
  return { sim, phones, ctid };
}

/** bob camps on a/2000 from a/2001, following it with --json; resolves once it is watching. */
async function campOn(address: string): Promise<{ cti: RunningBin; id: string }> {
  const cti = startCti(['camp-on', '2000', '--from', '2001', '--json'], ctiAs(address, 'bob'));
  const id = (JSON.parse((await cti.waitForLine(/"type":"progress".*"state":"watching"/)).input) as { id: string }).id;
  return { cti, id };
}

async function assertSucceeded(cti: RunningBin): Promise<void> {
  assert.equal(await cti.exited, { code: 0, signal: null }, `cti: ${cti.lines.join('\n')} ${cti.stderr}`);
  const result = JSON.parse(cti.lines.at(-1)!) as { type: string; state: string };
  assert.equal([result.type, result.state], ['result', 'succeeded']);
}

/** 2000 then 2001 answer as they ring; cti succeeds, the two talk, exactly one MakeCall; both processes stop cleanly. */
async function connectsOnce({ sim, phones, ctid }: Awaited<ReturnType<typeof busyOffice>>, cti: RunningBin): Promise<void> {
  await phones.answerWhenRinging('a', '2000');
  await phones.answerWhenRinging('a', '2001');
  await assertSucceeded(cti);
  assert.ok(await phones.talking('a/2000', 'a/2001'), 'a/2000 and a/2001 hear each other');
  const makeCalls = await phones.makeCalls('a');
  assert.is(makeCalls.length, 1, `MakeCalls: ${describe(makeCalls)}`);
  assert.equal(await ctid.stop(), { code: 0, signal: null }, ctid.process.stderr);
  assert.equal(await sim.stop(), { code: 0, signal: null }, sim.process.stderr);
}

test('link down, then up, mid camp-on: the request still completes, one MakeCall', async () => {
  const { sim, phones, ctid } = await busyOffice();
  const { cti } = await campOn(ctid.address);

  await phones.link('a', 'down');
  await untilCtidLink(ctid.address, (link) => link !== 'up', 'down');
  await phones.link('a', 'up');
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up again');

  await phones.hangup('a', '2000');
  await connectsOnce({ sim, phones, ctid }, cti);
});

test('the line frees while the link is down: noticed once it is up, and the request completes', async () => {
  const { sim, phones, ctid } = await busyOffice();
  const { cti } = await campOn(ctid.address);

  await phones.link('a', 'down');
  await untilCtidLink(ctid.address, (link) => link !== 'up', 'down');
  await phones.hangup('a', '2000'); // no event can reach ctid now
  await phones.untilLine('a', '2000', 'idle');
  assert.is((await phones.makeCalls('a')).length, 0, 'nothing was placed while the link was down');
  await phones.link('a', 'up');

  await connectsOnce({ sim, phones, ctid }, cti);
});

test('the link drops while the destination is being rung: answering that call completes the request, one MakeCall', async () => {
  const { sim, phones, ctid } = await busyOffice();
  const { cti, id } = await campOn(ctid.address);
  await phones.hangup('a', '2000');
  await phones.untilLine('a', '2000', 'ringing'); // ctid's MakeCall prompts the destination first

  await phones.link('a', 'down');
  await untilCtidLink(ctid.address, (link) => link !== 'up', 'down');
  await phones.link('a', 'up');
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up again');
  // The call placed before the outage still rings at the switch: it is answered, by both.
  await phones.answer('a', '2000');
  await phones.answerWhenRinging('a', '2001');
  assert.ok(await phones.talking('a/2000', 'a/2001'), 'a/2000 and a/2001 hear each other');

  const done = await untilRequest(ctid.address, id, (r) => FINAL.includes(r.state), 'final').catch((err: Error) => err);
  const makeCalls = await phones.makeCalls('a');
  assert.ok(!(done instanceof Error), `the call connected across the outage is not recognised: ${(done as Error).message}`);
  await assertSucceeded(cti);
  assert.is(makeCalls.length, 1, `MakeCalls: ${describe(makeCalls)}`);

  assert.equal(await ctid.stop(), { code: 0, signal: null }, ctid.process.stderr);
  assert.equal(await sim.stop(), { code: 0, signal: null }, sim.process.stderr);
});

test.run();
