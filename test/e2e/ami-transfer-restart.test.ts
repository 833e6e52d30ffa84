// Transfer entries over AMI (issue 10), when things go wrong, and direct
// mode (test/helpers/ami-office.ts): the AMI link drops while the
// destination answers; garbage on ctid's FastAGI port; ctid killed (its
// AstDB key stays: the dialplan's AGI fails and the extension rings) and
// restarted (it puts its stored entries again); ctid killed while a call
// waits for the owner's answer (the call rings the extension: a parked
// call does not outlive ctid's FastAGI session); ctid stopped (it deletes
// its keys on the way out); transfer.mode direct (CTID_DEST at once).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { runCti, untilCtidLink } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { onAmiOffice, type AmiOffice } from '../helpers/ami-office.js';

let o: AmiOffice;
onAmiOffice(test, (office) => (o = office));

test('the AMI link drops while 2005 rings and 2005 answers meanwhile: the call goes on; once the link is back the transfer reads as connected', async () => {
  await o.setTransfer('--to', '2005');
  const records = await o.newRecords();
  await o.cli.dial('a', '2003', '2001');
  await o.cli.untilLine('a', '2005', 'ringing');
  await o.cli.link('a', 'down');
  await o.cli.answer('a', '2005');
  await o.talking('2003', '2005');
  await o.cli.link('a', 'up');
  await untilCtidLink(o.ctid.address, (link) => link === 'up', 'up again');
  await eventually('the transfer to succeed', records, (r) => r[0]?.state === 'succeeded');
  await o.cli.hangup('a', '2003');
  await o.untilIdle('2003', '2005');
});

test('garbage on the FastAGI port closes that connection only: ctid still serves', async () => {
  const socket = connect(Number(o.agi.split(':')[1]), '127.0.0.1');
  socket.write('this is not agi\n\n');
  await new Promise<void>((resolve) => socket.on('close', () => resolve()).on('error', () => resolve()));
  const status = await runCti(['status'], o.as('bob'));
  assert.is(status.code, 0, status.stderr);
});

test('ctid killed (its key stays): a call to 2001 still rings 2001 (AGI fails); ctid back with the stored entry: the PBX gets the key again and calls are routed; clear deletes it', async () => {
  await o.setTransfer('--to', '2005');
  const { dataDir } = o.ctid;
  await o.ctid.kill9();
  assert.is(await o.actions('DBDel'), 0, 'the key is still there');
  await o.cli.dial('a', '2003', '2001');
  await o.cli.answerWhenRinging('a', '2001');
  assert.match(o.sim.process.stderr, /AGI ended.*AGISTATUS=FAILURE/, 'the dialplan did ask, and went on without ctid');
  await o.talking('2003', '2001');
  await o.cli.release('a', '2003', '2001');
  await o.untilIdle('2001', '2003');

  const puts = await o.actions('DBPut');
  await o.startCtid({}, dataDir);
  await eventually('the key to be put again', () => o.actions('DBPut'), (n) => n > puts);
  await o.cli.dial('a', '2003', '2001');
  await o.cli.answerWhenRinging('a', '2005');
  await o.talking('2003', '2005');
  await o.cli.release('a', '2003', '2005');
  await o.untilIdle('2003', '2005');

  assert.is((await runCti(['transfer', 'clear', '2001'], o.as('bob'))).code, 0);
  await eventually('the key to be deleted', () => o.actions('DBDel'), (n) => n > 0);
  await o.cli.dial('a', '2003', '2001');
  await o.cli.untilLine('a', '2001', 'ringing');
  await o.cli.release('a', '2003');
});

test('ctid killed while bob is asked (--confirm): the call is not kept, 2001 rings; after the restart the request ends call-ended and the prompt is gone', async () => {
  await o.setTransfer('--to', '2005', '--confirm');
  const records = await o.newRecords();
  await o.cli.dial('a', '2003', '2001');
  await eventually('bob to see the prompt', () => o.prompts(), (p) => p.length === 1);
  const { dataDir } = o.ctid;
  await o.ctid.kill9();
  await o.cli.answerWhenRinging('a', '2001');
  await o.talking('2003', '2001');
  await o.startCtid({}, dataDir);
  const [ended] = await eventually('the request to end', records, (r) => r[0]?.state === 'failed');
  assert.is(ended!.reason, 'call-ended');
  assert.equal(await o.prompts(), []);
  await o.cli.release('a', '2003', '2001');
  await o.untilIdle('2001', '2003');
});

test('ctid stopped (SIGTERM) lets go of its keys: a call rings 2001 without asking', async () => {
  await o.setTransfer('--to', '2005');
  const dels = await o.actions('DBDel');
  await o.ctid.stop();
  assert.ok((await o.actions('DBDel')) > dels, 'the key was deleted on the way out');
  await o.cli.dial('a', '2003', '2001');
  await o.cli.untilLine('a', '2001', 'ringing');
  await o.cli.release('a', '2003');
});

test('transfer.mode direct: the call goes straight to the first destination (CTID_DEST), no request of its own', async () => {
  await o.startCtid({ transfer: { mode: 'direct' } });
  await o.setTransfer('--to', '2005');
  await o.cli.dial('a', '2003', '2001');
  await o.cli.answerWhenRinging('a', '2005');
  await o.talking('2003', '2005');
  assert.equal(await o.transferRecords(), []);
  await o.cli.release('a', '2003', '2005');
});

test.run();
