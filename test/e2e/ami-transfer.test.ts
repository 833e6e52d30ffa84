// Transfer entries over AMI (issue 10): the real ctid drives the
// simulator's AMI face, whose dialplan asks ctid's FastAGI server about
// calls to extensions with a `ctid-route` AstDB key (world `ami.agi` = ctid's
// `switch.agi`, one free port). The same user-visible results as over CSTA
// (transfer-voice-board.test.ts): a call to bob's 2001 goes to the first
// destination, falls back to the next, asks bob first with --confirm, rings
// 2001 when nobody takes it, stops at a cancel, survives an AMI outage;
// with ctid down the call still rings 2001; a restarted ctid registers its
// stored entries again; direct mode names the destination at once.
//
// What the tests read is what users see: cti's exit codes and JSON lines,
// the prompts, the simulator's line states and talk paths, and the AMI
// actions the PBX received.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { ctiAs, runCti, startCtid, startSwitchSim, untilCtidLink, USERS, type TestCtid, type TestSwitchSim } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { jsonLines, type PromptLine } from '../helpers/join-office.js';
import { closedPort } from '../helpers/ports.js';
import { killAll } from '../helpers/processes.js';

let sim: TestSwitchSim;
let ctid: TestCtid;
let agi: string;

const as = (user: keyof typeof USERS) => ctiAs(ctid.address, user);
const config = () => ({ switch: { url: `ami://${sim.ami.a}`, user: 'ctid-a', password: 'secret-a', agi } });

test.before(async () => {
  agi = `127.0.0.1:${await closedPort()}`;
  sim = await startSwitchSim({ agi: { a: agi } });
  ctid = await startCtid({ config: config() });
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up over AMI');
  for (const ext of ['2001', '2005', '2006']) await sim.cli.set('a', ext, { rings: 100 });
});

test.after(async () => {
  await killAll();
});

/** How many times the PBX got the AMI action `type`. */
const actions = async (type: string) => (await sim.cli.log('a')).filter((e) => e.type === type).length;

async function setTransfer(...args: string[]): Promise<void> {
  const before = await actions('DBPut');
  const r = await runCti(['transfer', 'set', '2001', ...args], as('bob'));
  assert.is(r.code, 0, r.stderr);
  if (before === 0) await eventually('ctid to put 2001’s AstDB key', () => actions('DBPut'), (n) => n > 0);
}

interface TransferRecord {
  id: string;
  kind: string;
  state: string;
  reason?: string;
  message?: string;
  source?: string;
}

async function transferRecords(): Promise<TransferRecord[]> {
  const r = await runCti(['requests', '--json'], as('bob'));
  assert.is(r.code, 0, r.stderr);
  return jsonLines<TransferRecord>(r.stdout).filter((l) => l.kind === 'transfer');
}

const talking = (a: string, b: string) => eventually(`${a} and ${b} to talk`, () => sim.cli.talking(`a/${a}`, `a/${b}`), Boolean);

async function untilIdle(...extensions: string[]): Promise<void> {
  for (const ext of extensions) await sim.cli.untilLine('a', ext, 'idle');
}

/** Busy lines: each of `extensions` calls an auto-answering 2007/2008. */
async function makeBusy(...extensions: string[]): Promise<void> {
  const others = ['2007', '2008'];
  for (const [i, ext] of extensions.entries()) {
    await sim.cli.set('a', others[i]!, { answer: 'auto' });
    await sim.cli.dial('a', ext, others[i]!);
    await sim.cli.untilLine('a', ext, 'busy');
  }
}

test('transfer set over AMI: exit 0, the PBX gets a ctid-route key; 2003 calls 2001 and talks with 2005; 2005 hangs up and the call ends', async () => {
  await setTransfer('--to', '2005', '--to', '2006');
  await sim.cli.dial('a', '2003', '2001');
  await sim.cli.untilLine('a', '2005', 'ringing');
  assert.is(await sim.cli.lineState('a', '2001'), 'idle', '2001 itself does not ring');
  await sim.cli.answer('a', '2005');
  await talking('2003', '2005');
  const [record] = await eventually('the transfer record to succeed', transferRecords, (r) => r[0]?.state === 'succeeded');
  assert.equal([record!.source, record!.message], ['2003', '2005 answered: the caller talks with 2005']);
  await sim.cli.hangup('a', '2005');
  await untilIdle('2003', '2005');
});

test('the first destination does not answer: the second gets the call', async () => {
  await sim.cli.set('a', '2005', { rings: 2 });
  await setTransfer('--to', '2005', '--to', '2006');
  await sim.cli.dial('a', '2003', '2001');
  await sim.cli.answerWhenRinging('a', '2006');
  await talking('2003', '2006');
  assert.is(await sim.cli.lineState('a', '2005'), 'idle');
  await sim.cli.release('a', '2003', '2006');
  await untilIdle('2003', '2006');
  await sim.cli.set('a', '2005', { rings: 100 });
});

test('no destination takes the call (both busy): 2001 itself rings; the record says so', async () => {
  await setTransfer('--to', '2005', '--to', '2006');
  await makeBusy('2005', '2006');
  await sim.cli.dial('a', '2003', '2001');
  await sim.cli.answerWhenRinging('a', '2001');
  await talking('2003', '2001');
  const records = await eventually('the record to fail', transferRecords, (r) => r.some((x) => x.state === 'failed'));
  const last = records.find((r) => r.state === 'failed');
  assert.equal([last?.reason, last?.message], ['busy', '2005 busy, 2006 busy: 2001 rang instead']);
  await sim.cli.release('a', '2003', '2001', '2005', '2006');
  await untilIdle('2001', '2003', '2005', '2006', '2007', '2008');
});

test('--confirm: bob is asked; accept --to 2 sends the call to 2006; the caller hangs up while asked: the prompt is withdrawn', async () => {
  await setTransfer('--to', '2005', '--to', '2006', '--confirm');
  await sim.cli.dial('a', '2003', '2001');
  const prompts = async () => jsonLines<PromptLine>((await runCti(['prompts', '--json'], as('bob'))).stdout);
  const [prompt] = await eventually('bob to see the transfer prompt', prompts, (p) => p.length === 1);
  assert.equal([prompt!.kind, prompt!.extension, prompt!.from], ['transfer', '2001', '2003']);
  assert.is(await sim.cli.lineState('a', '2005'), 'idle', 'nobody rings before bob answers');
  const accepted = await runCti(['accept', prompt!.id, '--to', '2'], as('bob'));
  assert.is(accepted.code, 0, accepted.stderr);
  await sim.cli.answerWhenRinging('a', '2006');
  await talking('2003', '2006');
  await sim.cli.release('a', '2003', '2006');
  await untilIdle('2003', '2006');

  await sim.cli.dial('a', '2003', '2001');
  const [next] = await eventually('the next prompt', prompts, (p) => p.length === 1 && p[0]!.id !== prompt!.id);
  await sim.cli.hangup('a', '2003');
  await eventually('the prompt to be withdrawn', prompts, (p) => p.every((x) => x.id !== next!.id));
  assert.is(await sim.cli.lineState('a', '2001'), 'idle');
});

test('cti cancel while 2005 rings: 2005 stops ringing and 2001 rings instead; the record says cancelled', async () => {
  await setTransfer('--to', '2005');
  const before = new Set((await transferRecords()).map((r) => r.id));
  await sim.cli.dial('a', '2003', '2001');
  await sim.cli.untilLine('a', '2005', 'ringing');
  const [record] = await eventually('the new record', async () => (await transferRecords()).filter((r) => !before.has(r.id)), (r) => r.length === 1);
  const cancel = await runCti(['cancel', record!.id], as('bob'));
  assert.is(cancel.code, 0, cancel.stderr);
  await sim.cli.untilLine('a', '2005', 'idle');
  await sim.cli.answerWhenRinging('a', '2001');
  await talking('2003', '2001');
  const [after] = await eventually('the record to end', async () => (await transferRecords()).filter((r) => r.id === record!.id), (r) => r[0]?.state === 'cancelled');
  assert.is(after!.reason, 'cancelled');
  await sim.cli.release('a', '2003', '2001');
  await untilIdle('2001', '2003');
});

test('the AMI link drops while 2005 rings and 2005 answers meanwhile: the call goes on; once the link is back the transfer reads as connected', async () => {
  await setTransfer('--to', '2005');
  const before = new Set((await transferRecords()).map((r) => r.id));
  await sim.cli.dial('a', '2003', '2001');
  await sim.cli.untilLine('a', '2005', 'ringing');
  await sim.cli.link('a', 'down');
  await sim.cli.answer('a', '2005');
  await talking('2003', '2005');
  await sim.cli.link('a', 'up');
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up again');
  await eventually('the transfer to succeed', async () => (await transferRecords()).filter((r) => !before.has(r.id)), (r) => r[0]?.state === 'succeeded');
  await sim.cli.hangup('a', '2003');
  await untilIdle('2003', '2005');
});

test('garbage on the FastAGI port closes that connection only: ctid still serves', async () => {
  const socket = connect(Number(agi.split(':')[1]), '127.0.0.1');
  socket.write('this is not agi\n\n');
  await new Promise<void>((resolve) => socket.on('close', () => resolve()).on('error', () => resolve()));
  const status = await runCti(['status'], as('bob'));
  assert.is(status.code, 0, status.stderr);
});

test('ctid killed (its key stays): a call to 2001 still rings 2001 (AGI fails); ctid back with the stored entry: the PBX gets the key again and calls are routed', async () => {
  await setTransfer('--to', '2005');
  const { dataDir } = ctid;
  await ctid.kill9();
  assert.is(await actions('DBDel'), 0, 'the key is still there');
  await sim.cli.dial('a', '2003', '2001');
  await sim.cli.answerWhenRinging('a', '2001');
  assert.match(sim.process.stderr, /AGI ended.*AGISTATUS=FAILURE/, 'the dialplan did ask, and went on without ctid');
  await talking('2003', '2001');
  await sim.cli.release('a', '2003', '2001');
  await untilIdle('2001', '2003');

  const puts = await actions('DBPut');
  ctid = await startCtid({ config: config(), dataDir });
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up over AMI again');
  await eventually('the key to be put again', () => actions('DBPut'), (n) => n > puts);
  await sim.cli.dial('a', '2003', '2001');
  await sim.cli.answerWhenRinging('a', '2005');
  await talking('2003', '2005');
  await sim.cli.release('a', '2003', '2005');
  await untilIdle('2003', '2005');

  assert.is((await runCti(['transfer', 'clear', '2001'], as('bob'))).code, 0);
  await eventually('the key to be deleted', () => actions('DBDel'), (n) => n > 0);
  await sim.cli.dial('a', '2003', '2001');
  await sim.cli.untilLine('a', '2001', 'ringing');
  await sim.cli.release('a', '2003');
});

test('ctid stopped (SIGTERM) lets go of its keys: a call rings 2001 without asking', async () => {
  const puts = await actions('DBPut');
  await setTransfer('--to', '2005');
  await eventually('the key to be put again', () => actions('DBPut'), (n) => n > puts);
  const dels = await actions('DBDel');
  await ctid.stop();
  assert.ok((await actions('DBDel')) > dels, 'the key was deleted on the way out');
  await sim.cli.dial('a', '2003', '2001');
  await sim.cli.untilLine('a', '2001', 'ringing');
  await sim.cli.release('a', '2003');
});

test('transfer.mode direct: the call goes straight to the first destination (CTID_DEST), no request of its own', async () => {
  ctid = await startCtid({ config: { ...config(), transfer: { mode: 'direct' } } });
  await untilCtidLink(ctid.address, (link) => link === 'up', 'up over AMI');
  const puts = await actions('DBPut');
  await setTransfer('--to', '2005');
  await eventually('the key to be put', () => actions('DBPut'), (n) => n > puts);
  await sim.cli.dial('a', '2003', '2001');
  await sim.cli.answerWhenRinging('a', '2005');
  await talking('2003', '2005');
  assert.equal(await transferRecords(), []);
  await sim.cli.release('a', '2003', '2005');
});

test.run();
