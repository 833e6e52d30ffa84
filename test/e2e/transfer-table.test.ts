// The transfer table through the real `cti` and `ctid` (issue 7, the entry
// and release half): set, list, clear; the dial policy refusing a barred
// destination with the rule that refused it; someone else's extension
// refused; and the table on disk across a restart of ctid.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, startCtid, USERS, type TestCtid } from '../helpers/ctid.js';
import { killAll, type RunResult } from '../helpers/processes.js';

let ctid: TestCtid;
const as = (user: keyof typeof USERS) => ctiAs(ctid.address, user);

test.after(async () => {
  await killAll();
});

const ok = (r: RunResult) => assert.is(r.code, 0, `exit ${r.code}; stderr: ${r.stderr}`);
const objects = (r: RunResult) => r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

test('ctid with a dial policy that bars 0120 except 0120-11', async () => {
  ctid = await startCtid({ config: { dialPolicy: { bar: ['international', 'premium-rate', '0120'], allow: ['0120-11'] } } });
});

test('bob sets a transfer for his 2001 with a fallback; list shows it in order, with who set it', async () => {
  ok(await runCti(['transfer', 'set', '2001', '--to', '2005', '--to', '03-5555-0100', '--confirm'], as('bob')));
  const listed = await runCti(['--json', 'transfer', 'list'], as('bob'));
  ok(listed);
  const [entry] = objects(listed);
  assert.equal(entry?.extension, '2001');
  assert.equal(entry?.destinations, [
    { number: '2005', dial: '2005', network: 'station' },
    { number: '03-5555-0100', dial: '0355550100', network: 'public' },
  ]);
  assert.equal([entry?.mode, entry?.setBy], ['confirm', 'bob']);
  assert.equal(objects(await runCti(['--json', 'transfer', 'list'], as('carol'))), [], 'carol sees only her own extensions');
  assert.is(objects(await runCti(['--json', 'transfer', 'list'], as('boss'))).length, 1, 'an admin sees every entry');
});

test('barred destinations are refused with the rule, exit 4, and nothing changes', async () => {
  const cases: [string, string][] = [
    ['+1 212 555 0100', 'international'],
    ['0990-123-456', 'premium-rate'],
    ['0120-222-333', '0120'],
  ];
  for (const [number, rule] of cases) {
    const r = await runCti(['transfer', 'set', '2001', '--to', number], as('bob'));
    assert.is(r.code, 4, `${number}: exit ${r.code}; stderr: ${r.stderr}`);
    assert.match(r.stderr, `barred by the dial policy (rule "${rule}")`);
  }
  ok(await runCti(['transfer', 'set', '2001', '--to', '0120-111-222'], as('bob'))); // allowed: the exception
  const [entry] = objects(await runCti(['--json', 'transfer', 'list'], as('bob')));
  assert.equal((entry?.destinations as { dial: string }[]).map((d) => d.dial), ['0120111222']);
});

test("someone else's extension: exit 4; an admin may; bad input: exit 2", async () => {
  const denied = await runCti(['transfer', 'set', '2002', '--to', '2005'], as('bob'));
  assert.is(denied.code, 4, denied.stderr);
  assert.match(denied.stderr, /2002 is not yours/);
  assert.is((await runCti(['transfer', 'clear', '2002'], as('bob'))).code, 4);
  ok(await runCti(['transfer', 'set', '2002', '--to', '2006'], as('boss')));
  assert.is((await runCti(['transfer', 'set', '2001'], as('bob'))).code, 2, '--to is required');
  assert.is((await runCti(['transfer', 'set', '2001', '--to', 'nine'], as('bob'))).code, 2);
  assert.is((await runCti(['transfer', 'set', '2001', '--to', '2001'], as('bob'))).code, 2, 'to itself');
});

test('entries survive a restart; clear releases, and clearing again is exit 1', async () => {
  const { dataDir } = ctid;
  await ctid.stop();
  ctid = await startCtid({ dataDir });
  const after = objects(await runCti(['--json', 'transfer', 'list'], as('boss')));
  assert.equal(after.map((e) => e.extension), ['2001', '2002']);
  ok(await runCti(['transfer', 'clear', '2001'], as('bob')));
  const again = await runCti(['transfer', 'clear', '2001'], as('bob'));
  assert.is(again.code, 1);
  assert.match(again.stderr, /no transfer is set for 2001/);
  assert.equal(objects(await runCti(['--json', 'transfer', 'list'], as('boss'))).map((e) => e.extension), ['2002']);
});

test.run();
