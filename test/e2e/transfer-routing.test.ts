// Calls to an extension with a transfer entry go to its destinations (issue
// 7, direct mode: config `transfer.mode` = direct), through the real `cti`, `ctid` and `switch-sim`: ctid is
// the extension's router (RouteRegister), so the switch asks it where each
// call goes; the first destination not in a call gets it; when all are in
// calls, the extension itself rings. Clear, a restart of ctid and a link
// outage each leave the routing as the table says.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, startCtid, SwitchSimCli, USERS, type TestCtid } from '../helpers/ctid.js';
import { eventually } from '../helpers/eventually.js';
import { killAll } from '../helpers/processes.js';

let ctid: TestCtid;
let phones: SwitchSimCli;
const as = (user: keyof typeof USERS) => ctiAs(ctid.address, user);

test.after.each(async () => {
  await killAll();
});

async function start(dataDir?: string): Promise<void> {
  ctid = await startCtid({ config: { transfer: { mode: 'direct' } }, ...(dataDir ? { dataDir } : {}) });
  phones = new SwitchSimCli(ctid.controlAddress!);
  // Long enough to be seen ringing (and answered) on a loaded machine: the world runs 20 times faster.
  for (const ext of ['2001', '2005', '2006']) await phones.set('a', ext, { rings: 100 });
}

async function setTransfer(...args: string[]): Promise<void> {
  const r = await runCti(['transfer', 'set', '2001', ...args], as('bob'));
  assert.is(r.code, 0, r.stderr);
}

/** 2003 calls bob's 2001; resolves once `ringing` rings, after checking 2001 stays idle (or rings itself). */
async function callBob(ringing: string): Promise<void> {
  await phones.dial('a', '2003', '2001');
  await phones.untilLine('a', ringing, 'ringing');
  if (ringing !== '2001') assert.is(await phones.lineState('a', '2001'), 'idle', '2001 itself does not ring');
}

/** The registration is in place: the switch received a RouteRegister for 2001 (again, after `after` of them). */
const registered = (after = 0) =>
  eventually('ctid to register as 2001’s router', async () => (await phones.log('a')).filter((e) => e.type === 'RouteRegister').length, (n) => n > after);

test('4a calls 2001 with a transfer to 2005: 2005 rings, and 2003 talks with 2005', async () => {
  await start();
  await setTransfer('--to', '2005');
  await registered();
  await callBob('2005');
  await phones.answer('a', '2005');
  await eventually('2003 and 2005 to talk', () => phones.talking('a/2003', 'a/2005'), Boolean);
});

test('the first destination in a call: the second gets it; all in calls: 2001 rings', async () => {
  await start();
  await setTransfer('--to', '2005', '--to', '2006');
  await registered();
  await phones.set('a', '2007', { answer: 'auto' });
  await phones.dial('a', '2005', '2007');
  await phones.untilLine('a', '2005', 'busy');
  await callBob('2006');
  await phones.hangup('a', '2003');
  await phones.dial('a', '2006', '2008');
  await phones.untilLine('a', '2006', 'busy');
  await callBob('2001');
});

test('clear: calls ring 2001 again', async () => {
  await start();
  await setTransfer('--to', '2005');
  await registered();
  assert.is((await runCti(['transfer', 'clear', '2001'], as('bob'))).code, 0);
  await eventually('the registration to be cancelled', async () => (await phones.log('a')).some((e) => e.type === 'RouteRegisterCancel'), Boolean);
  await callBob('2001');
});

test('a restart of ctid and a link outage: the entry still routes', async () => {
  await start();
  await setTransfer('--to', '2005');
  await registered();
  await phones.link('a', 'down');
  await phones.link('a', 'up');
  await registered(1);
  await callBob('2005');
  await phones.release('a', '2003');

  const { dataDir } = ctid;
  await ctid.stop();
  await start(dataDir);
  await registered();
  await callBob('2005');
});

test.run();
