// Transfer entries over AMI (issue 10), the calls: the real ctid drives the
// simulator's AMI face, whose dialplan asks ctid's FastAGI server about calls
// to extensions with a `ctid-route` AstDB key (test/helpers/ami-office.ts).
// The same user-visible results as over CSTA (transfer-voice-board.test.ts):
// a call to bob's 2001 goes to the first destination, falls back to the
// next, asks bob first with --confirm, rings 2001 when nobody takes it, and
// stops ringing the destination at a cancel. Restarts, outages and direct
// mode: ami-transfer-restart.test.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCti } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { onAmiOffice, type AmiOffice } from '../helpers/ami-office.js';

let o: AmiOffice;
onAmiOffice(test, (office) => (o = office));

test('transfer set over AMI: exit 0, the PBX gets a ctid-route key; 2003 calls 2001 and talks with 2005; 2005 hangs up and the call ends', async () => {
  await o.setTransfer('--to', '2005', '--to', '2006');
  await o.cli.dial('a', '2003', '2001');
  await o.cli.untilLine('a', '2005', 'ringing');
  assert.is(await o.cli.lineState('a', '2001'), 'idle', '2001 itself does not ring');
  await o.cli.answer('a', '2005');
  await o.talking('2003', '2005');
  const [record] = await eventually('the transfer record to succeed', () => o.transferRecords(), (r) => r[0]?.state === 'succeeded');
  assert.equal([record!.source, record!.message], ['2003', '2005 answered: the caller talks with 2005']);
  await o.cli.hangup('a', '2005');
  await o.untilIdle('2003', '2005');
});

test('the first destination does not answer: the second gets the call', async () => {
  await o.cli.set('a', '2005', { rings: 2 });
  await o.setTransfer('--to', '2005', '--to', '2006');
  await o.cli.dial('a', '2003', '2001');
  await o.cli.answerWhenRinging('a', '2006');
  await o.talking('2003', '2006');
  assert.is(await o.cli.lineState('a', '2005'), 'idle');
  await o.cli.release('a', '2003', '2006');
  await o.untilIdle('2003', '2006');
  await o.cli.set('a', '2005', { rings: 100 });
});

test('no destination takes the call (both busy): 2001 itself rings; the record says so', async () => {
  await o.setTransfer('--to', '2005', '--to', '2006');
  await o.makeBusy('2005', '2006');
  const records = await o.newRecords();
  await o.cli.dial('a', '2003', '2001');
  await o.cli.answerWhenRinging('a', '2001');
  await o.talking('2003', '2001');
  const [failed] = await eventually('the record to fail', records, (r) => r[0]?.state === 'failed');
  assert.equal([failed!.reason, failed!.message], ['busy', '2005 busy, 2006 busy: 2001 rang instead']);
  await o.cli.release('a', '2003', '2001', '2005', '2006');
  await o.untilIdle('2001', '2003', '2005', '2006', '2007', '2008');
});

test('--confirm: bob is asked; accept --to 2 sends the call to 2006; the caller hangs up while asked: the prompt is withdrawn', async () => {
  await o.setTransfer('--to', '2005', '--to', '2006', '--confirm');
  await o.cli.dial('a', '2003', '2001');
  const [prompt] = await eventually('bob to see the transfer prompt', () => o.prompts(), (p) => p.length === 1);
  assert.equal([prompt!.kind, prompt!.extension, prompt!.from], ['transfer', '2001', '2003']);
  assert.is(await o.cli.lineState('a', '2005'), 'idle', 'nobody rings before bob answers');
  const accepted = await runCti(['accept', prompt!.id, '--to', '2'], o.as('bob'));
  assert.is(accepted.code, 0, accepted.stderr);
  await o.cli.answerWhenRinging('a', '2006');
  await o.talking('2003', '2006');
  await o.cli.release('a', '2003', '2006');
  await o.untilIdle('2003', '2006');

  await o.cli.dial('a', '2003', '2001');
  const [next] = await eventually('the next prompt', () => o.prompts(), (p) => p.length === 1 && p[0]!.id !== prompt!.id);
  await o.cli.hangup('a', '2003');
  await eventually('the prompt to be withdrawn', () => o.prompts(), (p) => p.every((x) => x.id !== next!.id));
  assert.is(await o.cli.lineState('a', '2001'), 'idle');
});

test('cti cancel while 2005 rings: 2005 stops ringing and 2001 rings instead; the record says cancelled', async () => {
  await o.setTransfer('--to', '2005');
  const records = await o.newRecords();
  await o.cli.dial('a', '2003', '2001');
  await o.cli.untilLine('a', '2005', 'ringing');
  const [record] = await eventually('the new record', records, (r) => r.length === 1);
  const cancel = await runCti(['cancel', record!.id], o.as('bob'));
  assert.is(cancel.code, 0, cancel.stderr);
  await o.cli.untilLine('a', '2005', 'idle');
  await o.cli.answerWhenRinging('a', '2001');
  await o.talking('2003', '2001');
  const [after] = await eventually('the record to end', records, (r) => r[0]?.state === 'cancelled');
  assert.is(after!.reason, 'cancelled');
  await o.cli.release('a', '2003', '2001');
  await o.untilIdle('2001', '2003');
});

test.run();
