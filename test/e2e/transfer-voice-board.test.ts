// Transfers the source text's way (issue 7, FIG. 55-57; config
// `transfer.mode` voice-board, the default), through the real `cti`, `ctid`
// (embedded simulator, clock 20x) and `switch-sim`: a call from 2003 to bob's
// 2001 is routed to voice-board port 7001, where it waits ringing; port 7002
// calls the destinations in order; the first that answers is bridged with
// the caller. Busy or no answer: the next. None: 2001 rings (DeflectCall) or
// the call is refused, as configured. `--confirm`: bob is asked first
// (`cti accept ID --to N | --here`, `cti reject ID`); no answer in time takes
// the configured default. A link outage leaves the call waiting and the
// destination is called again. The prompt survives a kill -9 of ctid (with the
// simulator as its own process, test/helpers/federation.ts). Ports are free
// again on every path.
//
// What the tests read is what users see: exit codes and JSON lines of
// `cti`, the simulator's line states, talk paths (voice-board ports left
// out: who hears whom) and the CSTA requests the PBX received.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, startCti, startCtid, SwitchSimCli, USERS, type TestCtid } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { Federation } from '../helpers/federation.js';
import { cstaActions, jsonLines, peopleTalking, untilPortsIdle as untilPortsIdleIn, type PromptLine } from '../helpers/join-office.js';
import { killAll } from '../helpers/processes.js';

const PORTS = ['7001', '7002', '7003', '7004'];

let ctid: TestCtid;
let phones: SwitchSimCli;
const as = (user: keyof typeof USERS) => ctiAs(ctid.address, user);

test.after.each(async () => {
  await killAll();
});

async function start(config: Record<string, unknown> = {}, dataDir?: string): Promise<void> {
  ctid = await startCtid({ config, ...(dataDir ? { dataDir } : {}) });
  phones = new SwitchSimCli(ctid.controlAddress!);
  // Long enough to be seen ringing (and answered) on a loaded machine: the world runs 20 times faster.
  for (const ext of ['2001', '2005', '2006']) await phones.set('a', ext, { rings: 100 });
}

async function setTransfer(...args: string[]): Promise<void> {
  const r = await runCti(['transfer', 'set', '2001', ...args], as('bob'));
  assert.is(r.code, 0, r.stderr);
  await eventually('ctid to register as 2001’s router', async () => (await phones.log('a')).some((e) => e.type === 'RouteRegister'), Boolean);
}

const people = () => peopleTalking(phones, PORTS);
const untilPortsIdle = () => untilPortsIdleIn(phones, 'a', PORTS);

/** Lines of `cti requests --json` as bob (who set the entry): the routed calls' records. */
async function transferRecords(): Promise<{ kind: string; state: string; reason?: string; message?: string; source?: string }[]> {
  const r = await runCti(['requests', '--json'], as('bob'));
  assert.is(r.code, 0, r.stderr);
  return jsonLines<{ kind: string; state: string; reason?: string; message?: string; source?: string }>(r.stdout).filter((l) => l.kind === 'transfer');
}

/** 2003 calls 2001; it waits on port 7001, which rings; 2001 itself does not. */
async function callParked(): Promise<void> {
  await phones.dial('a', '2003', '2001');
  await phones.untilLine('a', '7001', 'ringing');
  assert.is(await phones.lineState('a', '2001'), 'idle', '2001 itself does not ring');
}

/** Busy lines: each of `extensions` calls an auto-answering 2007/2008. */
async function makeBusy(...extensions: string[]): Promise<void> {
  const others = ['2007', '2008'];
  for (const [i, ext] of extensions.entries()) {
    await phones.set('a', others[i]!, { answer: 'auto' });
    await phones.dial('a', ext, others[i]!);
    await phones.untilLine('a', ext, 'busy');
  }
}

async function openPrompt(): Promise<PromptLine> {
  const [prompt] = await eventually('bob to see the transfer prompt', async () => jsonLines<PromptLine>((await runCti(['prompts', '--json'], as('bob'))).stdout), (p) => p.length === 1);
  return prompt!;
}

test('2003 calls 2001 with a transfer to 2005: the call waits on port 7001, 7002 calls 2005, and 2003 talks with 2005; a hang-up frees the ports', async () => {
  await start();
  await setTransfer('--to', '2005');
  const before = (await phones.log('a')).length;
  await callParked();
  await phones.answerWhenRinging('a', '2005');
  await eventually('2003 and 2005 to talk', people, (g) => g.length === 1 && g[0] === 'a/2003 a/2005');
  assert.equal(cstaActions((await phones.log('a')).slice(before)), ['MakeCall 7002 -> 2005', 'answer 7001', 'bridge 7001 7002'], 'FIG. 56: port 2 calls, port 1 answers, the ports are bridged');
  const [record] = await eventually('the transfer record to succeed', transferRecords, (r) => r[0]?.state === 'succeeded');
  assert.equal([record!.source, record!.message], ['2003', '2005 answered: the caller talks with 2005']);

  await phones.hangup('a', '2005');
  await untilPortsIdle();
  await phones.untilLine('a', '2003', 'idle');
});

test('the first destination busy, the second does not answer: the third gets it; every destination busy: 2001 rings', async () => {
  await start();
  await phones.set('a', '2006', { rings: 2 });
  await setTransfer('--to', '2005', '--to', '2006', '--to', '2009');
  await phones.set('a', '2009', { rings: 100 });
  await makeBusy('2005');
  await callParked();
  await phones.answerWhenRinging('a', '2009');
  await eventually('2003 and 2009 to talk', people, (g) => g.includes('a/2003 a/2009'));
  const [record] = await eventually('the transfer record to succeed', transferRecords, (r) => r[0]?.state === 'succeeded');
  assert.ok(record, 'one transfer record');
  await phones.release('a', '2003', '2009');
  await untilPortsIdle();

  await makeBusy('2006', '2009');
  const before = (await phones.log('a')).length;
  await phones.dial('a', '2003', '2001'); // parked only as long as three busy signals take
  await phones.untilLine('a', '2001', 'ringing');
  await phones.answer('a', '2001');
  await eventually('2003 and 2001 to talk', people, (g) => g.includes('a/2001 a/2003'));
  assert.ok(cstaActions((await phones.log('a')).slice(before)).includes('deflect 7001 -> 2001'), 'the parked call was deflected to 2001');
  const records = await transferRecords();
  const last = records.find((r) => r.state === 'failed');
  assert.equal([last?.reason, last?.message], ['busy', '2005 busy, 2006 busy, 2009 busy: 2001 rang instead']);
  await untilPortsIdle();
});

test('allFail refuse: when no destination takes the call, the caller is cleared', async () => {
  await start({ transfer: { allFail: 'refuse' } });
  await setTransfer('--to', '2005');
  await makeBusy('2005');
  await phones.dial('a', '2003', '2001');
  await eventually('the call to be refused', async () => (await transferRecords())[0]?.state, (state) => state === 'failed');
  await phones.untilLine('a', '2003', 'idle');
  assert.is(await phones.lineState('a', '2001'), 'idle', '2001 never rang');
  await untilPortsIdle();
  const [record] = await eventually('the transfer record to end', transferRecords, (r) => r[0]?.state === 'failed');
  assert.is(record!.message, '2005 busy: the call was refused');
});

test('--confirm: bob sees a transfer prompt with the caller and the choices; accept --to 2 sends the call to 2006; --here rings 2001; reject refuses it', async () => {
  await start();
  await setTransfer('--to', '2005', '--to', '2006', '--confirm');

  await callParked();
  const prompt = await openPrompt();
  assert.equal([prompt.type, prompt.kind, prompt.extension, prompt.from, prompt.options], ['prompt', 'transfer', '2001', '2003', ['2005', '2006', 'here', 'reject']]);
  const human = await runCti(['prompts'], as('bob'));
  assert.match(human.stdout, /transfer 2001 from 2003 .*--to 1 \(2005\), --to 2 \(2006\), --here or reject/, human.stdout);
  const wrong = await runCti(['accept', prompt.id, '--to', '3'], as('bob'));
  assert.is(wrong.code, 2, `--to 3 of two destinations: ${wrong.stdout}${wrong.stderr}`);
  assert.is((await runCti(['accept', prompt.id, '--to', '1'], as('carol'))).code, 4, 'carol does not own 2001');
  const accepted = await runCti(['accept', prompt.id, '--to', '2', '--json'], as('bob'));
  assert.is(accepted.code, 0, accepted.stderr);
  await phones.answerWhenRinging('a', '2006');
  await eventually('2003 and 2006 to talk', people, (g) => g.includes('a/2003 a/2006'));
  assert.is(await phones.lineState('a', '2005'), 'idle', 'the first destination was passed over, as bob chose');
  await phones.release('a', '2003', '2006');
  await untilPortsIdle();

  await callParked();
  const here = await openPrompt();
  assert.is((await runCti(['accept', here.id, '--here'], as('bob'))).code, 0);
  await phones.untilLine('a', '2001', 'ringing');
  await phones.answer('a', '2001');
  await eventually('2003 and 2001 to talk', people, (g) => g.includes('a/2001 a/2003'));
  await phones.release('a', '2003', '2001');
  await untilPortsIdle();

  await callParked();
  const refused = await openPrompt();
  assert.is((await runCti(['reject', refused.id], as('bob'))).code, 0);
  await phones.untilLine('a', '2003', 'idle');
  await untilPortsIdle();
  const records = await transferRecords();
  assert.ok(records.some((r) => r.state === 'failed' && r.reason === 'rejected'), JSON.stringify(records));
});

test('--confirm, nobody answers in 2 s: the default sends the call to the destinations in order; the caller hangs up while asked: the prompt is withdrawn', async () => {
  await start({ limits: { promptTimeout: '2s' } });
  await setTransfer('--to', '2005', '--confirm');
  const watch = startCti(['prompts', '--watch', '--json'], as('bob'));
  await callParked();
  const [line] = await watch.waitForLine(/^.*"state":"open".*$/, 20_000);
  const id = (JSON.parse(line) as PromptLine).id;
  await watch.waitForLine(new RegExp(`"id":"${id}".*"state":"expired"`), 20_000);
  await phones.answerWhenRinging('a', '2005');
  await eventually('2003 and 2005 to talk', people, (g) => g.includes('a/2003 a/2005'));
  await phones.release('a', '2003', '2005');
  await untilPortsIdle();

  await callParked();
  const [next] = await watch.waitForLine(new RegExp(`^(?!.*"id":"${id}").*"state":"open".*$`), 20_000);
  const nextId = (JSON.parse(next) as PromptLine).id;
  await phones.hangup('a', '2003');
  await watch.waitForLine(new RegExp(`"id":"${nextId}".*"state":"withdrawn"`), 20_000);
  await untilPortsIdle();
  assert.is(await phones.lineState('a', '2005'), 'idle', 'nobody was rung for a caller who left');
  watch.kill('SIGINT');
  await watch.exited;
});

test('a link outage while the destination rings: the call stays parked; once the link is back port 2 calls again, and the caller talks with 2005', async () => {
  await start();
  await setTransfer('--to', '2005');
  await callParked();
  await phones.untilLine('a', '2005', 'ringing');
  const makeCalls = async () => cstaActions(await phones.log('a')).filter((a) => a === 'MakeCall 7002 -> 2005').length;
  assert.is(await makeCalls(), 1);
  await phones.link('a', 'down');
  await phones.link('a', 'up');
  await eventually('port 2 to call 2005 again', makeCalls, (n) => n === 2);
  assert.is(await phones.lineState('a', '7001'), 'ringing', 'the caller kept waiting on port 1');
  await phones.answerWhenRinging('a', '2005');
  await eventually('2003 and 2005 to talk', people, (g) => g.includes('a/2003 a/2005'));
  await phones.release('a', '2003', '2005');
  await untilPortsIdle();
});

test('ctid is killed (-9) and restarts while a transfer prompt is open (switch-sim its own process): the prompt survives, the call still waits, accept sends it on', async () => {
  const f = await Federation.start({ start: ['a'], configure: (_office, config) => void (config.voiceBoardPorts = PORTS) });
  const bob = f.as('a', 'bob');
  assert.is((await runCti(['transfer', 'set', '2001', '--to', '2006', '--confirm'], bob)).code, 0);
  await eventually('ctid to register as 2001’s router', async () => (await f.phones.log('a')).some((e) => e.type === 'RouteRegister'), Boolean);
  await f.phones.dial('a', '2003', '2001');
  await f.phones.untilLine('a', '7001', 'ringing');
  const prompts = () => runCti(['prompts', '--json'], bob).then((r) => jsonLines<PromptLine>(r.stdout));
  const [prompt] = await eventually('bob to see the prompt', prompts, (p) => p.length === 1);

  await f.kill9('a');
  await f.startOffice('a');
  assert.equal((await prompts()).map((p) => [p.id, p.kind, p.state]), [[prompt!.id, 'transfer', 'open']], 'the prompt survived the restart');
  assert.is(await f.phones.lineState('a', '7001'), 'ringing', 'the call still waits on port 7001');
  assert.is((await runCti(['accept', prompt!.id], bob)).code, 0);
  await f.phones.answerWhenRinging('a', '2006');
  await eventually('2003 and 2006 to talk', async () => (await f.groups()).some((g) => g.includes('a/2003') && g.includes('a/2006')), Boolean);
});

test.run();
